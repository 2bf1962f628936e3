"""The lesson deck: a 15-minute class assembled from the notebooks' cells by tag.

The outline is data, ``lesson.toml`` beside this module: the deck's title and file name,
then its slides in order, each a ``tag`` and a ``title``. A slide is every cell of the
notebooks that carries its tag in ``metadata.tags``, in the notebooks' order, under a
level-2 heading with the slide's title (a markdown cell's own first heading, written for
the notebook, is dropped). Its speaker notes are the tagged markdown cells whose
``slideshow.slide_type`` is ``notes`` (nbconvert's convention): every slide must have one.

The lesson is built from the executed notebooks, in the run that builds the per-notebook
decks (:func:`lowback.publish.slides.build_slides`), so a figure or a sentence the
notebooks compute is the one this run computed; where a source is missing, the tagged
cells say so as the notebook does. The tags are checked before any notebook runs
(:func:`check_lesson`): a slide whose tag no cell carries, a slide without notes, or a
``lesson-`` tag the outline does not list is a :class:`~lowback.errors.ReportError`
naming it.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from lowback.errors import ReportError

__all__ = [
    "LESSON_OUTLINE",
    "LESSON_TAG_PREFIX",
    "Lesson",
    "LessonSlide",
    "assemble_lesson",
    "check_lesson",
    "read_outline",
]

LESSON_OUTLINE = Path(__file__).with_name("lesson.toml")
"""The outline of the lesson deck (shipped in the wheel)."""

LESSON_TAG_PREFIX = "lesson-"
"""Every cell tag that starts with this names a slide of the lesson."""

_TAG_RE = re.compile(r"lesson-\d{2}-[a-z][a-z0-9-]*")
_FIRST_HEADING_RE = re.compile(r"\A\s*#{1,6}[ \t][^\n]*\n*")
#: The lesson deck's file name: no folder part, so it is written beside the other decks.
_FILE_RE = re.compile(r"\w[\w.-]*\.slides\.html")


@dataclass(frozen=True)
class LessonSlide:
    """One slide of the lesson: the tag its cells carry and the heading it shows."""

    tag: str
    title: str


@dataclass(frozen=True)
class Lesson:
    """The lesson's outline: its title, the deck's file name and its slides in order."""

    title: str
    file_name: str
    slides: tuple[LessonSlide, ...]


def read_outline(path: Path = LESSON_OUTLINE) -> Lesson:
    """Read and check the lesson's outline.

    Parameters
    ----------
    path : Path, optional
        A TOML file with ``title``, ``file`` and ``[[slides]]`` tables of ``tag`` and
        ``title`` (default: :data:`LESSON_OUTLINE`).

    Returns
    -------
    Lesson
        The outline, its slides in the file's order.

    Raises
    ------
    ReportError
        Naming the file, and the slide where one is at fault: unreadable TOML, a missing or
        empty key, a ``file`` that is not a file name ending in ``.slides.html``, a tag not of
        the form ``lesson-NN-name``, or a tag used twice.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReportError(f"{path}: cannot read the lesson's outline: {exc}") from exc
    problems = [f"key {key!r}: expected text" for key in ("title", "file") if not _text(data, key)]
    if _text(data, "file") and not _FILE_RE.fullmatch(data["file"]):
        problems.append(
            f"key 'file': {data['file']!r}, expected a file name (no folder) ending in .slides.html"
        )
    slides = []
    for n, entry in enumerate(data.get("slides") or [], start=1):
        tag, title = _text(entry, "tag"), _text(entry, "title")
        if not _TAG_RE.fullmatch(tag):
            problems.append(f"slide {n}: tag {tag!r}, expected lesson-NN-name")
        elif tag in {s.tag for s in slides}:
            problems.append(f"slide {n}: tag {tag!r} is used twice")
        if not title:
            problems.append(f"slide {n} ({tag}): no title")
        slides.append(LessonSlide(tag, title))
    if not slides:
        problems.append("no [[slides]]")
    if problems:
        raise ReportError(f"{path}: " + "; ".join(problems))
    return Lesson(data["title"], data["file"], tuple(slides))


def _text(table: object, key: str) -> str:
    value = table.get(key) if isinstance(table, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _tags(cell: NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _is_notes(cell: NotebookNode) -> bool:
    kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
    return cell.get("cell_type") == "markdown" and kind == "notes" and bool(cell.source.strip())


def check_lesson(lesson: Lesson, notebooks: Sequence[tuple[str, NotebookNode]]) -> None:
    """Check that the notebooks hold every slide of the lesson, each with speaker notes.

    Parameters
    ----------
    lesson : Lesson
        The outline (see :func:`read_outline`).
    notebooks : Sequence[tuple[str, nbformat.NotebookNode]]
        Each notebook's name (for messages) and the notebook, executed or not.

    Raises
    ------
    ReportError
        Listing every problem: a slide's tag that no cell carries, a slide with no
        non-empty ``notes`` cell, a ``lesson-`` tag that the outline does not list.
    """
    names = ", ".join(name for name, _ in notebooks) or "no notebook"
    known = {slide.tag for slide in lesson.slides}
    problems = []
    for n, slide in enumerate(lesson.slides, start=1):
        cells = [c for _, nb in notebooks for c in nb.cells if slide.tag in _tags(c)]
        if not cells:
            problems.append(f"slide {n} ({slide.title!r}): no cell is tagged {slide.tag!r}")
        elif not any(_is_notes(c) for c in cells):
            problems.append(
                f"slide {n} ({slide.title!r}): no speaker notes (a markdown cell with "
                f"slide_type 'notes' tagged {slide.tag!r})"
            )
    for name, nb in notebooks:
        for index, cell in enumerate(nb.cells):
            for tag in _tags(cell):
                if tag.startswith(LESSON_TAG_PREFIX) and tag not in known:
                    problems.append(f"{name}, cell {index}: tag {tag!r} is not in the outline")
    if problems:
        raise ReportError(f"lesson {lesson.title!r} (from {names}): " + "; ".join(problems))


def assemble_lesson(lesson: Lesson, notebooks: Sequence[tuple[str, NotebookNode]]) -> NotebookNode:
    """The lesson as one notebook: per slide, its heading, then its tagged cells.

    Parameters
    ----------
    lesson : Lesson
        The outline (see :func:`read_outline`).
    notebooks : Sequence[tuple[str, nbformat.NotebookNode]]
        Each notebook's name and the executed notebook, in order; they are not modified.

    Returns
    -------
    nbformat.NotebookNode
        A notebook whose cells carry ``slideshow`` types for
        :func:`lowback.publish.slides.notebook_to_slides`: a ``slide`` heading cell per
        slide, the tagged cells after it (``notes`` cells stay notes, every other cell
        continues the slide), with the first notebook's ``language_info``.

    Raises
    ------
    ReportError
        As :func:`check_lesson`.
    """
    check_lesson(lesson, notebooks)
    cells = []
    for slide in lesson.slides:
        cells.append(nbformat.v4.new_markdown_cell(f"## {slide.title}", id=slide.tag))
        cells[-1].metadata["slideshow"] = {"slide_type": "slide"}
        tagged = [c for _, nb in notebooks for c in nb.cells if slide.tag in _tags(c)]
        for part, cell in enumerate(tagged, start=1):
            new = copy.deepcopy(cell)
            new.id = f"{slide.tag}-{part}"
            kind = "notes" if _is_notes(cell) else "-"
            new.metadata["slideshow"] = {"slide_type": kind}
            if new.cell_type == "markdown" and kind != "notes":
                new.source = _FIRST_HEADING_RE.sub("", new.source, count=1)
            cells.append(new)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["title"] = lesson.title
    if notebooks and "language_info" in notebooks[0][1].metadata:
        nb.metadata["language_info"] = copy.deepcopy(notebooks[0][1].metadata["language_info"])
    return nb
