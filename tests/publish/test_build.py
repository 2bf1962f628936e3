"""Tests for lowback.publish.build: notebooks run, converted and written as one set.

A read-only folder, a full disk, interruptions and two builds at once:
tests/faults/test_faults.py (it works as root too).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nbformat import v4

from lowback.errors import ReportError
from lowback.publish.build import build_reports
from lowback.publish.execute import execute_notebook
from lowback.publish.pages import count_rendered_figures
from tests.publish.helpers import leftovers, plotlyjs_banner, write_notebook


@pytest.mark.kernel
def test_notebook_without_figures_embeds_no_plotlyjs(tmp_path: Path) -> None:
    path = write_notebook(
        tmp_path / "plain.ipynb",
        [v4.new_markdown_cell("# Plain page"), v4.new_code_cell("print('hello-plain')")],
    )
    out_dir = tmp_path / "missing" / "reports"

    written = build_reports([path], out_dir, timeout=120, index=False)

    assert written == [out_dir / "plain.html"]
    html = written[0].read_text(encoding="utf-8")
    assert "hello-plain" in html
    assert "<title>Plain page</title>" in html
    assert plotlyjs_banner() not in html
    assert count_rendered_figures(html) == 0
    assert leftovers(out_dir, {"plain.html"}) == set()


@pytest.mark.kernel
def test_failing_notebook_leaves_previous_reports_untouched(tmp_path: Path) -> None:
    first = write_notebook(tmp_path / "first.ipynb", [v4.new_code_cell("print('first')")])
    second = write_notebook(
        tmp_path / "second.ipynb",
        [
            v4.new_markdown_cell("# Second"),
            v4.new_code_cell("x = 1"),
            v4.new_code_cell("raise ValueError('boom-from-second')"),
        ],
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    known = "<html>known content</html>\n"
    (out_dir / "first.html").write_text(known, encoding="utf-8")

    with pytest.raises(ReportError) as info:
        build_reports([first, second], out_dir, timeout=120)

    message = str(info.value)
    assert "second.ipynb" in message
    assert "cell 2" in message
    assert "ValueError" in message
    assert "boom-from-second" in message
    assert (out_dir / "first.html").read_text(encoding="utf-8") == known
    assert leftovers(out_dir, {"first.html"}) == set()


def test_missing_notebook_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "nope.ipynb"
    out_dir = tmp_path / "out"
    with pytest.raises(ReportError, match=re.escape(str(missing))):
        build_reports([missing], out_dir)
    assert not out_dir.exists()
    with pytest.raises(ReportError, match=r"nope\.ipynb"):
        execute_notebook(missing)


def test_invalid_notebook_json_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportError, match=r"broken\.ipynb.*not a valid notebook"):
        build_reports([bad], tmp_path / "out")


def test_out_dir_that_is_a_file_is_reported(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "plain.ipynb", [v4.new_code_cell("1")])
    not_a_dir = tmp_path / "reports"
    not_a_dir.write_text("a file", encoding="utf-8")
    with pytest.raises(ReportError, match="not a directory"):
        build_reports([path], not_a_dir)
    assert not_a_dir.read_text(encoding="utf-8") == "a file"


def test_duplicate_stems_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = write_notebook(tmp_path / "a" / "same.ipynb", [v4.new_code_cell("1")])
    two = write_notebook(tmp_path / "b" / "same.ipynb", [v4.new_code_cell("1")])
    with pytest.raises(ReportError, match=r"same\.html"):
        build_reports([one, two], tmp_path / "out")
