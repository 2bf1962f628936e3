"""lowback.figures.static without a browser: formats, sizes, and the error with no Chromium.

The drawing itself (PNG size, SVG text and colours, PDF) is tested in
tests/browser/test_static_figures.py, which needs Chromium.
"""

from __future__ import annotations

import subprocess
import sys

import plotly.graph_objects as go
import pytest

import lowback.figures
from lowback.errors import FigureExportError
from lowback.figures import static


@pytest.fixture
def no_chromium(monkeypatch, tmp_path):
    """LOWBACK_CHROMIUM pointing at a file that does not exist."""
    missing = tmp_path / "no-such-chromium"
    monkeypatch.setenv("LOWBACK_CHROMIUM", str(missing))
    return missing


@pytest.mark.parametrize(
    ("path", "format", "expected"),
    [("a.png", None, "png"), ("a.SVG", None, "svg"), ("a.pdf", None, "pdf"), ("a", "PDF", "pdf")],
)
def test_the_format_comes_from_format_else_the_suffix(path, format, expected):
    assert static.image_format(path, format) == expected


@pytest.mark.parametrize(("path", "format"), [("a.gif", None), ("a.png", "eps"), ("a.jpg", None)])
def test_an_unknown_format_is_refused_naming_the_valid_ones(path, format):
    with pytest.raises(FigureExportError, match="expected one of png, svg, pdf"):
        static.image_format(path, format)


def test_a_path_without_suffix_and_no_format_is_refused():
    with pytest.raises(FigureExportError, match=r"no image format.*\.png, \.svg, \.pdf"):
        static.image_format("figure")


def test_the_size_is_the_layouts_else_the_templates_else_the_default():
    assert static.image_size(go.Figure(layout={"width": 321, "height": 123})) == (321, 123)
    templated = {"layout": {"template": {"layout": {"width": 640, "height": 480}}}}
    assert static.image_size(templated) == (640, 480)
    assert static.image_size({"layout": {"height": 460}}) == (static.DEFAULT_WIDTH, 460)
    assert static.image_size({}) == (static.DEFAULT_WIDTH, static.DEFAULT_HEIGHT)


def test_lowback_chromium_is_honoured_even_when_wrong(no_chromium):
    assert static.find_chromium() is None


def test_without_chromium_save_names_the_browser_and_how_to_install_it(no_chromium, tmp_path):
    target = tmp_path / "figure.png"
    with pytest.raises(FigureExportError) as caught:
        lowback.figures.save(go.Figure(), target)
    message = str(caught.value)
    assert str(no_chromium) in message
    assert "apt-get install chromium" in message
    assert "LOWBACK_CHROMIUM" in message
    assert not target.exists()


def test_without_any_chromium_the_lookup_says_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.delenv("LOWBACK_CHROMIUM", raising=False)
    monkeypatch.setattr(static, "find_chromium", lambda: None)
    with pytest.raises(FigureExportError, match=r"looked in /usr/bin/chromium, PATH"):
        static.save(go.Figure(), tmp_path / "figure.svg")


def test_an_unknown_format_is_refused_before_any_browser_is_looked_for(monkeypatch, tmp_path):
    def no_lookup():
        raise AssertionError("looked for a browser")

    monkeypatch.setattr(static, "find_chromium", no_lookup)
    with pytest.raises(FigureExportError, match="unknown image format 'gif'"):
        static.save(go.Figure(), tmp_path / "figure.gif")
    with pytest.raises(FigureExportError, match="scale must be a number above 0"):
        static.save(go.Figure(), tmp_path / "figure.png", scale=0)


def test_importing_lowback_figures_loads_no_kaleido_and_exposes_save():
    code = (
        "import sys, lowback.figures as f; "
        "assert 'kaleido' not in sys.modules and 'choreographer' not in sys.modules; "
        "from lowback.figures.static import save; assert f.save is save; "
        "assert 'kaleido' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_unknown_attribute_of_lowback_figures_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        lowback.figures.nothing  # noqa: B018
