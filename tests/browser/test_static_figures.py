"""Static figures drawn by kaleido in Debian's Chromium: PNG size, SVG text and colours, PDF.

One drawing per format for the module (a browser start is a few seconds), few figures.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import nbformat
import plotly.graph_objects as go
import pytest

import lowback.figures
from lowback import config
from lowback.errors import FigureExportError
from lowback.figures.static import to_images
from lowback.publish.pages import count_figures
from lowback.publish.static_figures import stored_figures, write_figures

TITLE = "Pain types of simulated runners"
MUSCLE = "#E69F00"  # the first pain type's colour (figures.style.PAIN_TYPE_SEQUENCE)
BONE = "#56B4E9"
NOTEBOOK = config.NOTEBOOKS_DIR / "04-article-vs-nih.ipynb"


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _figure() -> go.Figure:
    bars = go.Bar(x=["muscle", "bone"], y=[3, 1], marker_color=[MUSCLE, BONE])
    return go.Figure(bars, layout={"title": {"text": TITLE}, "width": 420, "height": 260})


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_a_png_has_the_figures_size_times_the_scale(tmp_path):
    path = lowback.figures.save(_figure(), tmp_path / "figure.png", scale=2)
    assert path == tmp_path / "figure.png"
    assert _png_size(path.read_bytes()) == (840, 520)


def test_an_svg_holds_the_title_and_the_pain_type_colours(tmp_path):
    path = lowback.figures.save(_figure().to_dict(), tmp_path / "figure.svg")
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == ("420", "260")
    assert TITLE in "".join(root.itertext())
    assert f"fill: {_rgb(MUSCLE)}" in text
    assert f"fill: {_rgb(BONE)}" in text


def test_a_pdf_starts_with_its_header(tmp_path):
    path = lowback.figures.save(_figure(), tmp_path / "figure", format="pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"%%EOF" in data[-32:]


def test_a_notebooks_stored_figures_are_all_written_at_their_size(tmp_path):
    out = tmp_path / "figures"
    written = write_figures([NOTEBOOK], out, format="png")
    figures = stored_figures([NOTEBOOK])
    assert len(written) == count_figures(nbformat.read(NOTEBOOK, as_version=4)) == len(figures)
    assert [p.name for p in written] == [f"{f.stem}.png" for f in figures]
    assert sorted(out.iterdir()) == sorted(written)
    for path, fig in zip(written, figures, strict=True):
        width, height = _png_size(path.read_bytes())
        assert width == (fig.figure["layout"].get("width") or lowback.figures.static.DEFAULT_WIDTH)
        assert height == fig.figure["layout"]["height"]


def test_several_figures_are_drawn_apart_in_one_batch():
    small = go.Figure(layout={"width": 200, "height": 100})
    svg_small, svg_big = to_images([small, _figure()], format="svg")
    assert b'width="200"' in svg_small and TITLE.encode() not in svg_small
    assert TITLE.encode() in svg_big


def test_a_program_that_is_not_a_browser_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("LOWBACK_CHROMIUM", "/bin/false")
    with pytest.raises(FigureExportError, match=r"/bin/false did not start.*apt-get install"):
        lowback.figures.save(_figure(), tmp_path / "figure.png")
    assert not (tmp_path / "figure.png").exists()
