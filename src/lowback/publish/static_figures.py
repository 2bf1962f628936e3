"""Every figure stored in executed notebooks as image files (PNG, SVG or PDF), one set.

The figures are the notebooks' stored plotly outputs (the JSON the report pages draw), so
nothing is re-run: a notebook's figures are as committed. Each file is named after its
notebook and the figure's position in it, one-based and two digits
(``02-symptom-classifier-fig03.png``), followed by the cell's figure tags if it has any:
``key-figure`` (the landing page's figure) and the lesson's ``lesson-NN-name`` tags
(``02-symptom-classifier-fig06-key-figure.png``). So a name says where the figure is and
stays the same while the notebook's figures do.

All the figures of a run are drawn by one browser (:func:`lowback.figures.static.to_images`)
and written as one set (:func:`lowback.publish.fileset.write_atomic_set`): an error or a
Ctrl-C leaves the folder as it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from lowback.errors import ReportError
from lowback.figures.static import image_format, to_images
from lowback.publish.fileset import write_atomic_set
from lowback.publish.folders import check_out_dir
from lowback.publish.index import KEY_FIGURE_TAG
from lowback.publish.pages import PLOTLY_MIMETYPE, iter_outputs

__all__ = ["StoredFigure", "figure_name", "stored_figures", "write_figures"]

#: The tags of a figure's cell that go into its file's name.
_LESSON_TAG_RE = re.compile(r"lesson-\d{2}-[a-z0-9-]+")
_UNSAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class StoredFigure:
    """One plotly figure stored in a notebook: where it is, its tags and its JSON."""

    notebook: Path
    position: int  # one-based, among the notebook's figures
    cell_index: int
    tags: tuple[str, ...]
    figure: dict

    @property
    def stem(self) -> str:
        """The file name without its suffix (see :func:`figure_name`)."""
        return figure_name(self.notebook.stem, self.position, self.tags)


def figure_name(notebook_stem: str, position: int, tags: Sequence[str] = ()) -> str:
    """The file name (without suffix) of a notebook's figure: notebook, position, tags.

    Parameters
    ----------
    notebook_stem : str
        The notebook's file name without ``.ipynb``.
    position : int
        The figure's place among the notebook's figures, from 1.
    tags : sequence of str
        The tags of the figure's cell; ``key-figure`` and ``lesson-NN-name`` ones are
        added to the name, in that order, the others left out.

    Examples
    --------
    >>> figure_name("02-symptom-classifier", 3)
    '02-symptom-classifier-fig03'
    >>> figure_name("04-article-vs-nih", 1, ["lesson-08-nih", "key-figure", "hide-input"])
    '04-article-vs-nih-fig01-key-figure-lesson-08-nih'
    """
    named = [t for t in tags if t == KEY_FIGURE_TAG] + sorted(
        t for t in tags if _LESSON_TAG_RE.fullmatch(t)
    )
    stem = "-".join([f"{notebook_stem}-fig{position:02d}", *named])
    return _UNSAFE_RE.sub("-", stem)


def _figures_of(path: Path, nb: NotebookNode) -> list[StoredFigure]:
    found = []
    for cell_index, _, output in iter_outputs(nb):
        data = output.get("data", {})
        if PLOTLY_MIMETYPE not in data:
            continue
        tags = tuple(nb.cells[cell_index].get("metadata", {}).get("tags", []))
        found.append(StoredFigure(path, len(found) + 1, cell_index, tags, data[PLOTLY_MIMETYPE]))
    return found


def stored_figures(notebooks: Sequence[Path | str]) -> list[StoredFigure]:
    """Every plotly figure stored in the notebooks, in their order, named.

    Raises
    ------
    ReportError
        If a notebook cannot be read, or two figures would get the same file name (two
        notebooks of one name from different folders).
    """
    figures: list[StoredFigure] = []
    for notebook in notebooks:
        path = Path(notebook)
        try:
            nb = nbformat.read(path, as_version=4)
        except (OSError, ValueError) as err:
            raise ReportError(f"cannot read the notebook {path}: {err}") from err
        figures += _figures_of(path, nb)
    seen: dict[str, Path] = {}
    for fig in figures:
        if fig.stem in seen and seen[fig.stem] != fig.notebook:
            raise ReportError(
                f"{seen[fig.stem]} and {fig.notebook} would both write {fig.stem}: "
                "give notebooks of different names"
            )
        seen[fig.stem] = fig.notebook
    return figures


def write_figures(
    notebooks: Sequence[Path | str],
    out_dir: Path | str,
    *,
    format: str = "png",
    scale: float = 1,
    force: bool = False,
) -> list[Path]:
    """Write every figure stored in the notebooks as an image file into ``out_dir``.

    Parameters
    ----------
    notebooks : sequence of Path or str
        Executed notebooks (their stored outputs are drawn; nothing is re-run).
    out_dir : Path or str
        The folder, created if missing. It must be empty unless ``force``.
    format : {"png", "svg", "pdf"}
        The image format, also the files' suffix.
    scale : float
        Multiplies each figure's width and height (its layout's, else 1000 x 500).
    force : bool
        Write into a folder that is not empty (files of the same names are replaced,
        others stay).

    Returns
    -------
    list of Path
        The files written, in the notebooks' and their figures' order.

    Raises
    ------
    FileExistsError
        If ``out_dir`` is not empty and ``force`` is False; nothing is written.
    ReportError
        If ``out_dir`` is the root, the home folder or one of the project's own folders
        (:func:`lowback.publish.folders.check_out_dir`; even with ``force``), or a
        notebook cannot be read or holds no figure at all.
    FigureExportError
        If the format is unknown or there is no Chromium; nothing is written.

    Examples
    --------
    >>> write_figures(["notebooks/02-symptom-classifier.ipynb"], "reports/figures")
    ... # doctest: +SKIP
    [PosixPath('reports/figures/02-symptom-classifier-fig01.png'), ...]
    """
    chosen = image_format(format=format)
    out = Path(out_dir)
    check_out_dir(out, what="figures", force=True)  # never the root, home or the project's
    if not force and out.is_dir() and any(out.iterdir()):
        raise FileExistsError(
            f"{out} is not empty: write the figures into a new or empty folder, or pass "
            "force=True (--force) to replace files of the same names in it"
        )
    figures = stored_figures(notebooks)
    if not figures:
        raise ReportError(
            f"no plotly figure stored in {', '.join(str(n) for n in notebooks)}: "
            "are they executed (`lowback execute`)?"
        )
    images = to_images([f.figure for f in figures], format=chosen, scale=scale)
    out.mkdir(parents=True, exist_ok=True)
    return write_atomic_set(
        out, {f"{fig.stem}.{chosen}": image for fig, image in zip(figures, images, strict=True)}
    )
