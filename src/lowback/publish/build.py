"""Build the offline reports: run the notebooks, convert them, write the pages as one set.

A build (:func:`build_reports`) reads every notebook first, then runs them side by side,
one kernel per core (:mod:`lowback.publish.execute`), converting each to a page
(:mod:`lowback.publish.pages`), and writes nothing until every page and the landing page
(:mod:`lowback.publish.index`), and with ``explorer`` the offline symptom explorer
(:mod:`lowback.publish.explorer_page`), are ready. The pages are then written as one set
(:mod:`lowback.publish.fileset`): staged in temporary files, then swapped in under a lock
on the folder, so an interrupted build, a full disk, a read-only folder or a second build
at the same time never leaves a half-written page or a mix of two builds' pages.

The output naming, folder preparation and writing here are shared with the slide decks
(:func:`lowback.publish.slides.build_slides`).
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Sequence
from pathlib import Path

from lowback.errors import ReportError
from lowback.publish.execute import execute_and_convert, read_with_parameters
from lowback.publish.explorer_page import EXPLORER_FILE, explorer_page
from lowback.publish.fileset import (
    JOURNAL_NAME,
    refuse_folders_in_the_way,
    tidy,
    write_atomic_set,
)
from lowback.publish.folders import MARKER_NAME, MARKER_TEXT, check_out_dir
from lowback.publish.index import index_page
from lowback.publish.lesson import read_outline
from lowback.publish.pages import notebook_to_html
from lowback.publish.signals import sigterm_as_exit

__all__ = [
    "build_changes",
    "build_reports",
    "fixed_outputs",
    "output_paths",
    "prepare_out_dir",
    "write_outputs",
]

#: What a page's name may not end with: the slide decks' (``lowback slides``, same folder).
_DECK_SUFFIX = ".slides.html"


@functools.cache
def fixed_outputs() -> dict[str, str]:
    """The files lowback writes under fixed names into a reports folder, and what each is:
    no notebook's page or deck may take one of these names (``make report``, ``make
    slides`` and ``make bench`` share ``reports/``)."""
    return {
        "index.html": "the landing page",
        EXPLORER_FILE: "the offline symptom explorer",
        read_outline().file_name: "the lesson deck",
        "bench.html": "the benchmarks' page (make bench)",
        "bench.json": "the benchmarks' results (make bench)",
        MARKER_NAME: "lowback's marker of the folder",
        JOURNAL_NAME: "lowback's swap journal",
    }


def output_paths(paths: Sequence[Path], out_dir: Path, suffix: str) -> list[Path]:
    """``out_dir / (stem + suffix)`` for each notebook; two notebooks may not share one,
    nor take the name of a file lowback writes there (:func:`fixed_outputs`).

    Names are compared as a case-insensitive file system (macOS, Windows) would.

    Raises
    ------
    ReportError
        If two notebooks would be written to the same file, naming both; or if a
        notebook's output would take a fixed output's name (``index.ipynb`` and the landing
        page), or a page a deck's name (``x.slides.ipynb``), naming the notebook and it.
    """
    targets = [out_dir / f"{nb_path.stem}{suffix}" for nb_path in paths]
    fixed = {name.casefold(): what for name, what in fixed_outputs().items()}
    seen: dict[str, Path] = {}
    for nb_path, target in zip(paths, targets, strict=True):
        key = target.name.casefold()
        if key in seen:
            raise ReportError(f"{seen[key]} and {nb_path} would both be written to {target}")
        if key in fixed:
            raise ReportError(
                f"{nb_path} would be written to {target}, the name of {fixed[key]}: "
                "rename the notebook"
            )
        if suffix != _DECK_SUFFIX and key.endswith(_DECK_SUFFIX):
            raise ReportError(
                f"{nb_path} would be written to {target}, a slide deck's name "
                f"(*{_DECK_SUFFIX}): rename the notebook"
            )
        seen[key] = nb_path
    return targets


def prepare_out_dir(out_dir: Path, names: Sequence[str], *, what: str = "reports") -> None:
    """Check ``out_dir`` (:func:`lowback.publish.folders.check_out_dir`), create it if
    needed, check that files can be created in it, and tidy it.

    Tidying (see :func:`lowback.publish.fileset.tidy`) finishes a set of ``names`` that a
    killed build left half swapped in (or puts the old set back) and removes the temporary
    files it left behind, before any notebook runs: even a build that then fails leaves
    the folder whole.

    Raises
    ------
    ReportError
        If ``out_dir`` is no place for outputs (the root, the home folder, the project's
        own folders, a folder of other files), is not a directory, holds a folder where one
        of ``names`` goes, or cannot be created or written to (naming it, ``what`` is
        written, and the system's error).
    """
    check_out_dir(out_dir, [*names, MARKER_NAME], what=what)
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"output path exists and is not a directory: {out_dir}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_dir):
            pass
        tidy(out_dir, names)
    except OSError as exc:
        raise ReportError(f"cannot write {what} to {out_dir}: {exc}") from exc
    refuse_folders_in_the_way(out_dir, [*names, MARKER_NAME])


def write_outputs(out_dir: Path, targets: Sequence[Path], texts: Sequence[str], what: str) -> None:
    """Write ``texts`` to ``targets`` as one set, with lowback's marker of the folder
    (:data:`~lowback.publish.folders.MARKER_NAME`; see
    :func:`~lowback.publish.fileset.write_atomic_set`), or raise a :class:`ReportError`
    naming the folder and the system's error."""
    files = {t.name: text for t, text in zip(targets, texts, strict=True)}
    try:
        write_atomic_set(out_dir, {**files, MARKER_NAME: MARKER_TEXT})
    except OSError as exc:
        raise ReportError(f"cannot write {what} to {out_dir}: {exc}") from exc


def build_reports(
    notebooks: Sequence[Path],
    out_dir: Path,
    *,
    timeout: int = 600,
    parameters: dict | None = None,
    index: bool = True,
    jobs: int | None = None,
    explorer: bool = False,
) -> list[Path]:
    """Execute notebooks and write one offline HTML report per notebook.

    All notebooks are read first, then executed and converted, side by side (one kernel
    per core by default); only when every page is ready is anything written, so one
    failing notebook leaves all existing reports untouched. The pages are then written as
    one set with :func:`~lowback.publish.fileset.write_atomic_set`: an interrupted build
    (Ctrl-C, SIGTERM, even SIGKILL), a full disk or a second build into the same folder at
    the same time never leaves a half-written page, temporary files, or pages of two
    builds mixed. On Ctrl-C or SIGTERM every kernel is shut down before the interruption
    is raised (SIGTERM as ``SystemExit(143)`` while this runs in the main thread).

    The pages do not depend on how many notebooks run at once, nor on the run: the same
    notebooks and parameters (so the same seeds) give the same bytes, index included.

    Parameters
    ----------
    notebooks : Sequence[Path]
        The ``.ipynb`` files. Their stems must differ, since each report is
        ``out_dir / f"{stem}.html"``.
    out_dir : Path
        The folder for the reports, created if missing.
    timeout : int, optional
        Seconds allowed for each cell (default 600).
    parameters : dict, optional
        Values for the notebooks' ``parameters`` cells (see
        :func:`~lowback.publish.execute.read_with_parameters`); the notebook files
        themselves are never changed.
    index : bool, optional
        Also write ``index.html``, the landing page (see
        :func:`~lowback.publish.index.index_page`).
    jobs : int or None, optional
        How many notebooks run at once (default: one per core, at most one per notebook).
    explorer : bool, optional
        Also write ``explorer.html``, the offline symptom explorer (see
        :func:`~lowback.publish.explorer_page.explorer_page`), answering as notebook 02's
        assessor under the same ``parameters`` (assumptions, seed, cohort size).

    Returns
    -------
    list[Path]
        The written reports, in the order of ``notebooks``, then ``index.html`` and
        ``explorer.html`` when asked for.

    Raises
    ------
    ReportError
        With a message naming the notebook and the problem: a missing file, invalid
        notebook JSON, a failing or timed-out cell, a page that would need the network (if
        several notebooks fail, the first in order is named, as in a sequential run); or
        naming ``out_dir`` and the system's error if it is not a writable directory or a
        write fails (a full disk); or duplicate stems.
    ValueError
        If ``jobs`` is less than 1.
    """
    paths = [Path(nb_path).absolute() for nb_path in notebooks]
    out_dir = Path(out_dir)
    targets = output_paths(paths, out_dir, ".html")
    if index:
        targets.append(out_dir / "index.html")
    if explorer:
        targets.append(out_dir / EXPLORER_FILE)

    read = [read_with_parameters(nb_path, parameters or {}) for nb_path in paths]
    with sigterm_as_exit():
        prepare_out_dir(out_dir, [target.name for target in targets])
        built = execute_and_convert(
            list(zip(paths, read, strict=True)), notebook_to_html, timeout=timeout, jobs=jobs
        )
        pages = [page for _, page in built]
        note = ""
        if parameters and parameters.get("ASSUMPTIONS"):
            note = f"These pages were built under {Path(parameters['ASSUMPTIONS']).name}."
        if index:
            executed = [
                (f"{nb_path.stem}.html", nb) for nb_path, (nb, _) in zip(paths, built, strict=True)
            ]
            pages.append(
                index_page(
                    executed,
                    note=note,
                    explorer=EXPLORER_FILE if explorer else None,
                    changes=build_changes(parameters or {}),
                )
            )
        if explorer:
            pages.append(explorer_page(_explorer_assessor(parameters or {}), note=note))
        write_outputs(out_dir, targets, pages, what="reports")
    return targets


def _explorer_assessor(parameters: dict):
    """The assessor notebook 02 builds under ``parameters`` (its ``parameters`` cell's
    names: ``ASSUMPTIONS``, ``RANDOM_SEED``, ``COHORT_SIZE``)."""
    from lowback.study.explorer_data import assessor_for
    from lowback.study.triage import MODEL_COHORT_SIZE, MODEL_SEED

    assumptions = parameters.get("ASSUMPTIONS")
    return assessor_for(
        str(assumptions) if assumptions is not None else None,
        cohort_size=int(parameters.get("COHORT_SIZE", MODEL_COHORT_SIZE)),
        seed=int(parameters.get("RANDOM_SEED", MODEL_SEED)),
    )


def build_changes(parameters: dict) -> list:
    """What a build's ``parameters`` change against the study as committed: each value
    of the assumptions file (``ASSUMPTIONS``) that differs from ``data/assumptions.toml``
    (:func:`lowback.study.assumptions.changes_against`), then the seed (``RANDOM_SEED``)
    and the number of simulated runners (``COHORT_SIZE``) where they differ from the
    notebooks' own. Empty for a build with none of them.

    >>> build_changes({})
    []
    >>> [(c.key, c.before, c.after) for c in build_changes({"RANDOM_SEED": 7})]
    [('RANDOM_SEED', 2026, 7)]
    """
    from lowback.study.assumptions import Change
    from lowback.study.triage import MODEL_COHORT_SIZE, MODEL_SEED

    rows: list[Change] = []
    if parameters.get("ASSUMPTIONS") is not None:
        from lowback.data.records import load_knowledge_base
        from lowback.study.assumptions import changes_against, load_assumptions

        kb = load_knowledge_base(warn_missing=False)
        rows += changes_against(
            load_assumptions(kb), load_assumptions(kb, parameters["ASSUMPTIONS"])
        )
    for name, default, what in (
        ("RANDOM_SEED", MODEL_SEED, "the seed of the simulated runners and of the models"),
        ("COHORT_SIZE", MODEL_COHORT_SIZE, "how many runners are simulated"),
    ):
        value = parameters.get(name)
        if value is not None and value != default:
            rows.append(Change(name, default, value, f"Set for this build: {what}."))
    return rows
