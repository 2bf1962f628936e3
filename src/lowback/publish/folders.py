"""Which folders lowback may write a set of files into, and a scenario's own folder.

Every command that writes a folder (``lowback report``, ``slides``, ``export``,
``figures``) checks it here first, with :func:`check_out_dir`, before anything runs:

* never the file system's root, the home folder, the project's root or a folder that holds
  it, nor the project's own folders (``data``, ``notebooks``, ``src``, ``tests``, ``docs``,
  ``.git``) or anything inside them;
* an existing folder only if it is empty, holds lowback's marker (:data:`MARKER_NAME`,
  which every report or deck build writes with its set), or holds nothing but the files
  this write replaces (and lowback's own temporary files and journal): a folder of other
  files is refused unless the command's ``--force`` says so.

As git refuses to clone into a folder that is not empty, a build never mixes its pages
with files it did not write. :func:`scenario_folder` derives the folder of a build under
other assumptions, a seed or a cohort size (``reports/older-runners-seed-7``), and refuses a
name that could not be a folder of its own there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from lowback import config
from lowback.errors import ReportError
from lowback.publish.fileset import JOURNAL_NAME

__all__ = [
    "MARKER_NAME",
    "MARKER_TEXT",
    "PROTECTED_SUBDIRS",
    "check_out_dir",
    "scenario_folder",
]

MARKER_NAME = ".lowback-built"
"""The file a report or deck build writes with its set: the folder is lowback's to rebuild."""

MARKER_TEXT = (
    "This folder holds pages built by lowback (`lowback report` or `lowback slides`).\n"
    "lowback rebuilds the files it wrote here; delete this file to stop it writing here.\n"
)

PROTECTED_SUBDIRS = ("data", "notebooks", "src", "tests", "docs", ".git")
"""The project's own folders: no output goes into them (or anything inside them)."""

#: lowback's temporary files: ``.NAME.XXXXXXXX.tmp`` (staged), ``.NAME.XXXXXXXX.old`` (kept
#: while a set is swapped in).
_OWN_TEMP_RE = re.compile(r"\..+\.[A-Za-z0-9_]+\.(?:tmp|old)")

#: A name part of a scenario folder: letters, digits, ``_``, ``-``, and dots and spaces
#: inside; so never empty, ``.``, ``..``, hidden, or holding a folder separator.
_FOLDER_NAME_RE = re.compile(r"\w(?:[\w. -]*[\w-])?")
_MAX_FOLDER_NAME = 200  # bytes: file systems allow 255


def _refusal(folder: Path, what: str, why: str) -> ReportError:
    return ReportError(
        f"refusing to write {what} into {folder}: {why}; give --out a new or empty folder "
        "(for example under reports/)"
    )


def _protected(resolved: Path) -> str | None:
    """Why ``resolved`` (an absolute path, symlinks resolved) is no place for outputs."""
    project = config.PROJECT_DIR.resolve()
    if resolved == Path(resolved.anchor):
        return "it is the file system's root"
    try:
        home = Path.home().resolve()
    except RuntimeError:  # no HOME and no user entry: no home folder to protect
        home = None
    if resolved == home:
        return "it is the home folder"
    if resolved == project:
        return "it is the project's own folder"
    if project.is_relative_to(resolved):
        return f"it holds the project ({project})"
    for name in PROTECTED_SUBDIRS:
        if resolved.is_relative_to(project / name):
            return f"it is the project's {name}/ folder or inside it"
    return None


def _foreign_entries(folder: Path, names: Sequence[str]) -> list[str]:
    """The entries of an existing ``folder`` that this write would not replace and that
    are not lowback's own (empty if the folder holds lowback's marker)."""
    with os.scandir(folder) as entries:
        found = sorted(entry.name for entry in entries)
    if MARKER_NAME in found:
        return []
    own = {*names, JOURNAL_NAME}
    return [name for name in found if name not in own and not _OWN_TEMP_RE.fullmatch(name)]


def check_out_dir(
    folder: Path | str, names: Sequence[str] = (), *, what: str = "files", force: bool = False
) -> None:
    """Refuse an output folder that lowback must not write into.

    Parameters
    ----------
    folder : Path or str
        The output folder (it may not exist yet). Relative paths are taken from the working
        directory, and symbolic links are followed.
    names : sequence of str
        The files this write replaces: a folder holding only these (and lowback's
        temporary files) is accepted, as a build by an older lowback left it.
    what : str
        What is written, for the message (``"reports"``, ``"slides"``...).
    force : bool
        Accept an existing folder that holds other files (``--force``); the root, the
        home folder and the project's own folders are refused all the same.

    Raises
    ------
    ReportError
        Naming the folder, why it is refused and what to do: it is the root, the home
        folder, the project's root (or holds it) or one of its own folders
        (:data:`PROTECTED_SUBDIRS`); or it exists and holds files that are neither lowback's
        nor among ``names`` (the first few named), and ``force`` is False.

    Examples
    --------
    >>> check_out_dir("/", what="reports")
    Traceback (most recent call last):
    ...
    lowback.errors.ReportError: refusing to write reports into /: it is the file system's root; ...
    """
    folder = Path(folder)
    resolved = folder.absolute().resolve()
    why = _protected(resolved)
    if why is not None:
        raise _refusal(folder, what, why)
    if force or not folder.is_dir() or resolved == config.REPORTS_DIR.resolve():
        return  # not a folder: the write reports it; reports/ is lowback's own
    foreign = _foreign_entries(folder, names)
    if foreign:
        shown = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        raise _refusal(
            folder,
            what,
            f"it holds other files ({shown}) and no {MARKER_NAME} marker of a lowback build",
        )


def scenario_folder(
    reports_dir: Path,
    *,
    assumptions: Path | None = None,
    seed: int | None = None,
    size: int | None = None,
) -> Path:
    """The folder of a build under other assumptions, a seed or a cohort size.

    ``reports_dir / "-".join(parts)``: the assumptions file's name without ``.toml``, then
    ``seed-S`` and ``size-N``; ``reports_dir`` itself when none is given.

    Raises
    ------
    ReportError
        If the assumptions file's name cannot be a folder of its own inside
        ``reports_dir``: empty, ``.`` or ``..``, hidden (a leading dot), with a folder
        separator or another character than letters, digits, ``_``, ``-``, and dots and
        spaces inside, too long, or a folder that leads out of ``reports_dir`` (a link).

    Examples
    --------
    >>> scenario_folder(Path("reports"), assumptions=Path("s/older-runners.toml"), seed=7)
    PosixPath('reports/older-runners-seed-7')
    >>> scenario_folder(Path("reports"), assumptions=Path("...toml"))
    Traceback (most recent call last):
    ...
    lowback.errors.ReportError: ...toml: its name '..' cannot name a folder under reports ...
    """
    parts = []
    if assumptions is not None:
        stem = Path(assumptions).stem
        if not _FOLDER_NAME_RE.fullmatch(stem) or len(stem.encode()) > _MAX_FOLDER_NAME:
            raise ReportError(
                f"{assumptions}: its name {stem!r} cannot name a folder under {reports_dir} "
                "(expected letters, digits, '_' or '-', with dots or spaces only inside, "
                f"at most {_MAX_FOLDER_NAME} bytes); rename the file or give --out"
            )
        parts.append(stem)
    if seed is not None:
        parts.append(f"seed-{seed}")
    if size is not None:
        parts.append(f"size-{size}")
    if not parts:
        return reports_dir
    folder = reports_dir / "-".join(parts)
    if not folder.resolve().is_relative_to(reports_dir.resolve()):
        raise ReportError(f"{folder} leads out of {reports_dir} (a link?): remove it or give --out")
    return folder
