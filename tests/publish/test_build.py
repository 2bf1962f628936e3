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
from lowback.publish.folders import MARKER_NAME, MARKER_TEXT
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
    assert leftovers(out_dir, {"plain.html"}) == {MARKER_NAME}  # the folder is lowback's
    assert (out_dir / MARKER_NAME).read_text(encoding="utf-8") == MARKER_TEXT


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


def _no_notebook_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make a build fail the test if it gets as far as running a notebook."""
    import lowback.publish.build

    def ran(*args, **kwargs):
        raise AssertionError("a notebook ran: the build should have been refused before")

    monkeypatch.setattr(lowback.publish.build, "execute_and_convert", ran)


def test_a_folder_where_a_page_goes_is_refused_before_any_notebook_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """reports/01-knowledge-base.html is a folder: the build names it and what to do, and
    the next build says the same (it is not stuck on a half-done swap)."""
    path = write_notebook(tmp_path / "01-knowledge-base.ipynb", [v4.new_code_cell("1")])
    out_dir = tmp_path / "reports"
    (out_dir / "01-knowledge-base.html").mkdir(parents=True)
    (out_dir / "index.html").write_text("old index", encoding="utf-8")
    _no_notebook_runs(monkeypatch)
    for _ in range(2):
        with pytest.raises(ReportError) as info:
            build_reports([path], out_dir)
        assert f"{out_dir / '01-knowledge-base.html'} is a folder" in str(info.value)
        assert "move or remove it" in str(info.value)
        assert (out_dir / "index.html").read_text(encoding="utf-8") == "old index"
        assert leftovers(out_dir, {"01-knowledge-base.html", "index.html"}) == set()


@pytest.mark.parametrize(
    ("stem", "says"),
    [
        ("index", "the landing page"),
        ("INDEX", "the landing page"),  # the same file on a case-insensitive file system
        ("explorer", "the offline symptom explorer"),
        ("lesson.slides", "the lesson deck"),
        ("bench", "the benchmarks' page"),
        ("02.slides", "a slide deck's name"),
    ],
)
def test_a_notebook_whose_page_takes_a_fixed_outputs_name_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stem: str, says: str
) -> None:
    path = write_notebook(tmp_path / f"{stem}.ipynb", [v4.new_code_cell("1")])
    _no_notebook_runs(monkeypatch)
    with pytest.raises(ReportError) as info:
        build_reports([path], tmp_path / "out", explorer=True)
    message = str(info.value)
    assert str(path) in message and says in message and "rename the notebook" in message
    assert not (tmp_path / "out").exists()


def test_two_notebooks_whose_pages_differ_only_in_case_are_refused_naming_both(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = write_notebook(tmp_path / "a" / "Notes.ipynb", [v4.new_code_cell("1")])
    two = write_notebook(tmp_path / "b" / "notes.ipynb", [v4.new_code_cell("1")])
    with pytest.raises(ReportError, match=rf"{re.escape(str(one))} and {re.escape(str(two))}"):
        build_reports([one, two], tmp_path / "out")


def test_a_deck_named_as_the_lesson_is_refused(tmp_path: Path) -> None:
    from lowback.publish.slides import build_slides

    lesson = write_notebook(tmp_path / "lesson.ipynb", [v4.new_code_cell("1")])
    with pytest.raises(ReportError, match=r"lesson\.slides\.html, the name of the lesson deck"):
        build_slides([lesson], tmp_path / "out", reveal_dir=tmp_path / "no-reveal")
