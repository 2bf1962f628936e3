"""Tests for lowback.publish.lesson: the lesson deck, assembled from the notebooks by tag."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

from lowback import config
from lowback.errors import ReportError
from lowback.publish.lesson import (
    LESSON_OUTLINE,
    assemble_lesson,
    check_lesson,
    read_outline,
)
from lowback.publish.pages import count_figures
from lowback.publish.slides import build_slides, notebook_to_slides
from tests.publish.test_slides import _read_deck

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))


@pytest.fixture(scope="module")
def notebooks() -> list[tuple[str, nbformat.NotebookNode]]:
    """The committed notebooks (executed), by file name."""
    return [(path.name, nbformat.read(path, as_version=4)) for path in NOTEBOOKS]


@pytest.fixture(scope="module")
def outline():
    return read_outline()


@pytest.fixture(scope="module")
def lesson_deck(notebooks, outline, reveal_dir) -> str:
    nb = assemble_lesson(outline, notebooks)
    return notebook_to_slides(nb, reveal_dir=reveal_dir, title=outline.title)


def _without_tag(notebooks, tag):
    changed = copy.deepcopy(notebooks)
    for _, nb in changed:
        for cell in nb.cells:
            tags = cell.metadata.get("tags", [])
            if tag in tags:
                tags.remove(tag)
    return changed


def test_the_outline_is_a_short_class_in_the_order_of_its_tags(outline):
    assert 8 <= len(outline.slides) <= 12
    tags = [slide.tag for slide in outline.slides]
    assert tags == sorted(tags), "the NN of lesson-NN-name follows the outline's order"
    assert outline.file_name == "lesson.slides.html"


def test_the_lesson_deck_shows_the_outline_slides_in_order_with_notes(lesson_deck, outline):
    slides = _read_deck(lesson_deck).slides
    assert [s.headings[0] for s in slides] == [slide.title for slide in outline.slides]
    assert [s.v for s in slides] == [0] * len(slides)  # one horizontal slide each
    silent = [s.headings[0] for s in slides if not s.notes.strip()]
    assert not silent, f"lesson slides without speaker notes: {silent}"
    assert f"<title>{outline.title}</title>" in lesson_deck.replace("&quot;", '"')


def test_each_lesson_slide_holds_its_tagged_cells_and_their_figures(notebooks, outline):
    nb = assemble_lesson(outline, notebooks)
    tagged = [
        c
        for _, source in notebooks
        for c in source.cells
        if any(t.startswith("lesson-") for t in c.metadata.get("tags", []))
    ]
    assert count_figures(nb) == count_figures(nbformat.v4.new_notebook(cells=tagged)) > 0
    # A notebook's own first heading gives way to the slide's title.
    headings = [c.source for c in nb.cells if c.source.lstrip().startswith("# ")]
    assert headings == []


def test_the_nih_slide_is_made_of_notebook_04s_cells(notebooks, outline):
    """Where the NIH texts are missing, notebook 04's status line says so: the lesson shows
    that line, whatever it says, so its slide says what the notebook says."""
    nih = next(slide for slide in outline.slides if "nih" in slide.tag)
    from_04 = [
        c
        for name, nb in notebooks
        if name.startswith("04")
        for c in nb.cells
        if nih.tag in c.metadata.get("tags", [])
    ]
    assert any("comparison_status(kb)" in c.source for c in from_04)


def test_a_missing_tag_is_an_error_naming_it(notebooks, outline):
    tag = outline.slides[3].tag
    with pytest.raises(ReportError, match=rf"no cell is tagged '{tag}'"):
        assemble_lesson(outline, _without_tag(notebooks, tag))


def test_a_slide_without_notes_and_an_unknown_tag_are_errors(notebooks, outline):
    changed = copy.deepcopy(notebooks)
    tag = outline.slides[0].tag
    for _, nb in changed:
        nb.cells = [
            c
            for c in nb.cells
            if not (
                tag in c.metadata.get("tags", [])
                and c.metadata["slideshow"]["slide_type"] == "notes"
            )
        ]
    changed[1][1].cells[0].metadata.setdefault("tags", []).append("lesson-99-typo")
    with pytest.raises(ReportError) as info:
        check_lesson(outline, changed)
    message = str(info.value)
    assert f"no speaker notes (a markdown cell with slide_type 'notes' tagged '{tag}')" in message
    assert "tag 'lesson-99-typo' is not in the outline" in message
    assert changed[1][0] in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('title = "T"\nfile = "l.slides.html"\n', "no \\[\\[slides\\]\\]"),
        (
            'title = "T"\nfile = "l.slides.html"\n[[slides]]\ntag = "lesson-1"\ntitle = "A"\n',
            "slide 1: tag 'lesson-1', expected lesson-NN-name",
        ),
        (
            'title = "T"\nfile = "l.slides.html"\n'
            '[[slides]]\ntag = "lesson-01-a"\ntitle = "A"\n'
            '[[slides]]\ntag = "lesson-01-a"\ntitle = ""\n',
            "slide 2: tag 'lesson-01-a' is used twice; slide 2 \\(lesson-01-a\\): no title",
        ),
        ("title = [", "cannot read the lesson's outline"),
        (
            'title = "T"\nfile = "../elsewhere.slides.html"\n'
            '[[slides]]\ntag = "lesson-01-a"\ntitle = "A"\n',
            "key 'file': '../elsewhere.slides.html', expected a file name \\(no folder\\)",
        ),
        (
            'title = "T"\nfile = "lesson.html"\n[[slides]]\ntag = "lesson-01-a"\ntitle = "A"\n',
            "ending in .slides.html",
        ),
    ],
)
def test_a_broken_outline_names_the_file_and_the_slide(tmp_path, text, expected):
    path = tmp_path / "lesson.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReportError, match=expected) as info:
        read_outline(path)
    assert str(path) in str(info.value)


def test_the_shipped_outline_sits_in_the_package():
    assert LESSON_OUTLINE.parent == Path(config.__file__).parent / "publish"


def test_build_checks_the_lesson_tags_before_running_any_notebook(tmp_path, reveal_dir):
    untagged = tmp_path / "untagged.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Only")])
    nb.cells[0].metadata["slideshow"] = {"slide_type": "slide"}
    nbformat.write(nb, untagged)
    out = tmp_path / "out"
    with pytest.raises(ReportError, match=r"untagged\.ipynb.*no cell is tagged 'lesson-01-"):
        build_slides([untagged], out, reveal_dir=reveal_dir, lesson=True)
    assert not out.exists()
