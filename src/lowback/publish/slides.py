"""Turn executed notebooks into offline reveal.js slide decks, one self-contained HTML file each.

A deck must work from ``file://`` or a USB stick with no network, like the report pages,
whose machinery it reuses: figure conversion and the offline check
(:mod:`lowback.publish.pages`), notebooks run side by side (:mod:`lowback.publish.execute`),
decks written as one set (:mod:`lowback.publish.build`, :mod:`lowback.publish.fileset`):

* reveal.js. Its JavaScript (core and speaker-notes plugin) and CSS (core and the
  ``white`` theme) are read from a local npm install (``make slides`` installs the version
  pinned in ``package.json`` into ``.cache/slides``) and inlined. The theme's ``@import``
  of web fonts is dropped: the deck uses the system's sans-serif font.
* plotly.js is embedded once, in the ``<head>``, if a slide shows a figure; every figure
  stays interactive.
* A small template extending nbconvert's ``reveal/index.html.j2``
  (``templates/offline-slides/index.html.j2``, with ``deck.css`` and ``deck.js``) replaces
  its head and its footer, which load reveal.js through require.js and jQuery, MathJax,
  mermaid.js and the widgets manager from CDNs. require.js is never loaded (with it,
  plotly.js would register as an AMD module instead of ``window.Plotly``).

Slides follow the cells' ``metadata.slideshow.slide_type`` as in nbconvert (``slide``,
``subslide``, ``fragment``, ``-`` to continue, ``skip``, ``notes`` for speaker notes), with
one addition: a markdown cell tagged ``slide`` or ``subslide`` is split at its level-1 and
level-2 headings. Text before its first such heading (say, the previous figure's caption)
stays on the previous slide, and each heading starts a slide of the cell's type. Cells
tagged ``skip`` are left out entirely, with their outputs. Code inputs and prompts are
hidden: an educator presents the results.

Layout: a 1280x720 canvas (a projector's size, shown at scale 1 on one, scaled to fit on
other screens, 1920x1080 included), and no slide scrolls. ``deck.js`` fits each slide when
it is shown: its figures get the room the text leaves them, at most the height they were
designed with and at least 320 px; text cells are zoomed down (to 0.6 at least) only if
that is not enough. A figure that would be shown below about half its height (the tree, the
audit) keeps its height in a box of the room left, which scrolls inside the slide, and so
does a table too long for a slide; a plotly table just shrinks (it scrolls its own rows). A
band under the content holds reveal's controls, progress bar and slide number, so they
never cover a figure. What a page shows around a figure for screen readers (a caption, the
data as a table) stays in the deck, hidden from view. ``<section>`` elements inside an
output (the contradiction cards) become ``<article>``: reveal would take them for slides.

The lesson deck (:mod:`lowback.publish.lesson`) is assembled from the notebooks' cells by
tag and converted here, in the same run as the per-notebook decks (:func:`build_slides`).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from nbformat import NotebookNode
from plotly.offline import get_plotlyjs

from lowback import config
from lowback.errors import ReportError
from lowback.publish.build import output_paths, prepare_out_dir, write_outputs
from lowback.publish.execute import execute_and_convert, read_notebook
from lowback.publish.lesson import assemble_lesson, check_lesson, read_outline
from lowback.publish.pages import (
    PLOTLY_MIMETYPE,
    TEMPLATES_DIR,
    check_offline,
    count_figures,
    figures_to_html,
    first_heading,
    iter_outputs,
)
from lowback.publish.signals import sigterm_as_exit

__all__ = [
    "DEFAULT_REVEAL_DIR",
    "build_slides",
    "count_slide_figures",
    "notebook_to_slides",
    "slide_type",
]

DEFAULT_REVEAL_DIR = config.PROJECT_DIR / ".cache" / "slides" / "node_modules" / "reveal.js"
"""Where ``make slides`` installs reveal.js with npm."""

INSTALL_HINT = "run `make slides`, which installs the reveal.js pinned in package.json with npm"

# The files of reveal.js 4.x/5.x that a deck inlines, by role.
_REVEAL_FILES = {
    "js": "dist/reveal.js",
    "notes_js": "plugin/notes/notes.js",
    "css": "dist/reveal.css",
    "theme_css": "dist/theme/white.css",
}

# Reveal.initialize options. ``margin: 0`` shows the canvas at scale 1 on a 1280x720 screen.
_REVEAL_CONFIG = {
    "width": 1280,
    "height": 720,
    "margin": 0,
    "center": False,
    "hash": True,
    "controls": True,
    "progress": True,
    "slideNumber": "c/t",
    "transition": "slide",
}

# The template folder for nbconvert: offline-slides/conf.json makes it extend "reveal".
_TEMPLATE_NAME = "offline-slides"

_SPLIT_HEADING_RE = re.compile(r"^ {0,3}#{1,2}[ \t]")
_FENCE_RE = re.compile(r"^ {0,3}(```|~~~)")
_CSS_IMPORT_RE = re.compile(r"@import\s+(?:url\([^)]*\)|\"[^\"]*\"|'[^']*')[^;]*;")
_CSS_URL_RE = re.compile(r"url\(\s*(?!['\"]?data:)[^)]*\)", re.IGNORECASE)
_SCRIPT_END_RE = re.compile(r"</(script)", re.IGNORECASE)
_SECTION_TAG_RE = re.compile(r"<(/?)section\b", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# reveal.js assets
# ---------------------------------------------------------------------------------------------


def _read_reveal(reveal_dir: Path) -> dict[str, str]:
    """Read the reveal.js files a deck inlines, ready to go in ``<script>`` and ``<style>``."""
    reveal_dir = Path(reveal_dir)
    if not reveal_dir.is_dir():
        raise ReportError(f"reveal.js not found: {reveal_dir} is not a folder; {INSTALL_HINT}")
    assets = {}
    for role, relative in _REVEAL_FILES.items():
        path = reveal_dir / relative
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ReportError(
                f"reveal.js in {reveal_dir} is incomplete or of another layout "
                f"(cannot read {relative}: {exc.strerror}); {INSTALL_HINT}"
            ) from exc
        if role.endswith("js"):
            text = _SCRIPT_END_RE.sub(r"<\\/\1", text)
        else:
            text = _CSS_IMPORT_RE.sub("", text)  # web fonts: the system font is used instead
            fetched = _CSS_URL_RE.findall(text)
            if fetched:
                raise ReportError(f"{path} would load {fetched[0]}: the deck would need it")
        assets[role] = text
    return assets


# ---------------------------------------------------------------------------------------------
# Cells to slides
# ---------------------------------------------------------------------------------------------


def slide_type(cell: NotebookNode) -> str:
    """A cell's ``metadata.slideshow.slide_type``, ``"-"`` (continue the slide) if unset.

    Parameters
    ----------
    cell : nbformat.NotebookNode
        A notebook cell.

    Returns
    -------
    str
        One of ``"slide"``, ``"subslide"``, ``"fragment"``, ``"-"``, ``"skip"``, ``"notes"``
        (or whatever else the cell says; nbconvert treats unknown types as ``"-"``).
    """
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-") or "-"


def _split_at_headings(source: str) -> tuple[str, list[str]]:
    """Split markdown before each level-1 or level-2 ATX heading outside code fences.

    Returns the text before the first such heading and the chunks starting at each one.
    """
    before: list[str] = []
    chunks: list[list[str]] = []
    in_fence = False
    for line in source.splitlines(keepends=True):
        if _FENCE_RE.match(line):
            in_fence = not in_fence
        elif not in_fence and _SPLIT_HEADING_RE.match(line):
            chunks.append([])
        (chunks[-1] if chunks else before).append(line)
    return "".join(before), ["".join(chunk) for chunk in chunks]


def _with_slide_type(cell: NotebookNode, source: str, kind: str, part: int) -> NotebookNode:
    """A copy of ``cell`` with another source and slide type (part > 0: a new cell id)."""
    new = copy.deepcopy(cell)
    new.source = source.strip("\n")
    new.metadata.setdefault("slideshow", {})["slide_type"] = kind
    if part and "id" in new:
        new.id = f"{new.id}-{part}"
    return new


def _slide_cells(nb: NotebookNode) -> list[NotebookNode]:
    """The cells of the deck: ``skip`` cells left out, slide-starting markdown split."""
    cells = []
    for cell in nb.cells:
        kind = slide_type(cell)
        if kind == "skip":
            continue
        if cell.get("cell_type") != "markdown" or kind not in ("slide", "subslide"):
            cells.append(cell)
            continue
        before, chunks = _split_at_headings(cell.source)
        if not chunks:
            cells.append(cell)
            continue
        if before.strip():
            cells.append(_with_slide_type(cell, before, "-", 0))
        for part, chunk in enumerate(chunks, start=1):
            cells.append(_with_slide_type(cell, chunk, kind, part if before.strip() else part - 1))
    return cells


def _outputs_for_slides(nb: NotebookNode) -> None:
    """Ready the outputs for a slide, in place: no ``<section>`` inside an output (reveal
    counts every ``section`` as a slide), no fixed figure width (a figure is as wide as its
    slide; its height is fitted by ``deck.js``)."""
    for _, _, output in iter_outputs(nb):
        data = output.get("data", {})
        if "text/html" in data:
            data["text/html"] = _SECTION_TAG_RE.sub(r"<\1article", "".join(data["text/html"]))
        figure = data.get(PLOTLY_MIMETYPE)
        if figure is not None:
            figure.get("layout", {}).pop("width", None)


def count_slide_figures(nb: NotebookNode) -> int:
    """Count the plotly figures a deck of ``nb`` draws: those of the cells not tagged ``skip``.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook.

    Returns
    -------
    int
        The number of plotly outputs in cells whose slide type is not ``"skip"`` (a figure
        in a ``notes`` cell counts: it is drawn in the speaker notes).
    """
    shown = nbformat.v4.new_notebook(cells=[c for c in nb.cells if slide_type(c) != "skip"])
    return count_figures(shown)


# ---------------------------------------------------------------------------------------------
# Converting and writing
# ---------------------------------------------------------------------------------------------


def _exporter() -> SlidesExporter:
    """A fresh slides exporter: ``templates/offline-slides``, no code inputs, no prompts.

    Templates are looked up in lowback's folder and nbconvert's, never in the working
    directory (nbconvert's default ``extra_template_basedirs``).
    """
    return SlidesExporter(
        template_name=_TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def notebook_to_slides(nb: NotebookNode, *, reveal_dir: Path, title: str | None = None) -> str:
    """Export an executed notebook to one offline, self-contained reveal.js deck.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook whose cells carry ``metadata.slideshow.slide_type`` (see the
        module's docstring for the rules). It is not modified.
    reveal_dir : Path
        The ``reveal.js`` folder of an npm install (``node_modules/reveal.js``), version 4.x
        or 5.x, whose files are inlined; see :data:`DEFAULT_REVEAL_DIR`.
    title : str or None, optional
        The deck's ``<title>``. By default, the notebook's first markdown heading, else its
        ``metadata.title``, else ``"Notebook"``.

    Returns
    -------
    str
        The deck: reveal.js inlined, plotly.js embedded once (not at all without a shown
        figure), every figure of a shown cell drawn by an inline ``Plotly.newPlot``, code
        inputs hidden, nothing loaded from the network. The same notebook and reveal.js
        always give the same string.

    Raises
    ------
    ReportError
        If ``reveal_dir`` is missing or incomplete (the message names the folder and the
        command that installs it), if every cell is tagged ``skip`` or ``notes``, if the
        deck would load a remote resource (e.g. from a markdown image), or if a figure is
        missing from it.
    """
    assets = _read_reveal(reveal_dir)
    nb = copy.deepcopy(nb)
    nb.cells = _slide_cells(nb)
    _outputs_for_slides(nb)
    div_ids = figures_to_html(nb)
    deck_title = title or first_heading(nb) or nb.metadata.get("title") or "Notebook"
    nb.metadata["title"] = deck_title
    resources = {
        "metadata": {"name": deck_title},
        "lowback_reveal": assets,
        "lowback_plotlyjs": get_plotlyjs() if div_ids else "",
        "lowback_reveal_config": json.dumps(_REVEAL_CONFIG, sort_keys=True),
    }
    try:
        html, _ = _exporter().from_notebook_node(nb, resources=resources)
    except ValueError as exc:  # nbconvert: "All cells are hidden, cannot create slideshow"
        raise ReportError(f"deck {deck_title!r}: no cell to show on a slide ({exc})") from exc

    check_offline(html, f"deck {deck_title!r}", div_ids, all_drawn=True)
    return html


def build_slides(
    notebooks: Sequence[Path],
    out_dir: Path,
    *,
    reveal_dir: Path,
    timeout: int = 600,
    jobs: int | None = None,
    lesson: bool = False,
) -> list[Path]:
    """Execute notebooks and write one offline slide deck per notebook, and the lesson.

    reveal.js is checked first, then every notebook is read, then executed and converted,
    side by side (one kernel per core by default); only when every deck is ready is
    anything written, so a failure leaves existing decks untouched. The decks are written
    as one set, as :func:`lowback.publish.build.build_reports` writes its pages (see
    :func:`lowback.publish.fileset.write_atomic_set`): an interruption, a full disk or a
    second build into the same folder never leaves a half-written deck or a mix of two
    builds.

    Parameters
    ----------
    notebooks : Sequence[Path]
        The ``.ipynb`` files, which are not modified. Their stems must differ, since each
        deck is ``out_dir / f"{stem}.slides.html"``.
    out_dir : Path
        The folder for the decks, created if missing.
    reveal_dir : Path
        The ``reveal.js`` folder of an npm install (see :func:`notebook_to_slides`).
    timeout : int, optional
        Seconds allowed for each cell (default 600).
    jobs : int or None, optional
        How many notebooks run at once (default: one per core, at most one per notebook).
    lesson : bool, optional
        Also write the lesson deck (``lesson.slides.html``, see :mod:`lowback.publish.lesson`),
        assembled from these executed notebooks; its tags are checked before any runs.

    Returns
    -------
    list[Path]
        The written decks, in the order of ``notebooks``, then the lesson's.

    Raises
    ------
    ReportError
        With a message naming the problem: reveal.js missing (and how to install it),
        duplicate stems, a lesson tag that no cell carries (naming it), a notebook that is
        missing, invalid or fails to run (naming the
        cell; the first in order if several fail), a deck that would need the network, or
        an unwritable ``out_dir`` (naming it and the system's error).
    ValueError
        If ``jobs`` is less than 1.
    """
    paths = [Path(nb_path).absolute() for nb_path in notebooks]
    out_dir = Path(out_dir)
    targets = output_paths(paths, out_dir, ".slides.html")
    _read_reveal(reveal_dir)  # fail before running any notebook

    read = [read_notebook(nb_path) for nb_path in paths]
    outline = read_outline() if lesson else None
    if outline is not None:
        check_lesson(outline, [(p.name, nb) for p, nb in zip(paths, read, strict=True)])
        targets.append(out_dir / outline.file_name)
    with sigterm_as_exit():
        prepare_out_dir(out_dir, [target.name for target in targets], what="slides")
        built = execute_and_convert(
            list(zip(paths, read, strict=True)),
            functools.partial(notebook_to_slides, reveal_dir=reveal_dir),
            timeout=timeout,
            jobs=jobs,
        )
        decks = [deck for _, deck in built]
        if outline is not None:
            executed = [(p.name, nb) for p, (nb, _) in zip(paths, built, strict=True)]
            lesson_nb = assemble_lesson(outline, executed)
            decks.append(notebook_to_slides(lesson_nb, reveal_dir=reveal_dir, title=outline.title))
        write_outputs(out_dir, targets, decks, what="slides")
    return targets
