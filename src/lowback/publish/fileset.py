"""Write one file atomically, or a set of files into one folder all-or-none.

A build's pages (or decks) are written by :func:`write_atomic_set`: each is staged in a
temporary file next to its target and flushed to disk, then all are renamed into place
while a lock on the folder is held and SIGINT/SIGTERM wait. So an interrupted build
(Ctrl-C, SIGTERM, even SIGKILL or a power cut), a full disk, a read-only folder or a
second build into the same folder at the same time never leaves a half-written file, a
temporary file, or files of two builds mixed:

* An error or a stop signal while staging: the temporary files are removed, nothing is
  changed.
* A stop signal while renaming: held until every file is in place, then acted on.
* A rename that fails (a folder in the way, an I/O error): the files already renamed are
  put back, so the old set is whole again; a folder where a file goes is refused before
  anything is staged, naming it.
* SIGKILL while renaming: each file is whole (old or new), and a journal
  (:data:`JOURNAL_NAME`) lists the renames still to do, with the old files kept aside
  (hard links, ``.NAME.XXXXXXXX.old``); the next write into the folder, or :func:`tidy`,
  finishes them first, or, if one cannot be finished, puts the old set back.
* Two writers: they take turns on an exclusive ``flock`` of the folder (where
  :mod:`fcntl` exists); the last one wins, whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from lowback.errors import ReportError
from lowback.publish.signals import holding_stop_signals, sigterm_as_exit

try:
    import fcntl
except ImportError:  # Windows: builds into one folder are not serialised
    fcntl = None

__all__ = [
    "JOURNAL_NAME",
    "refuse_folders_in_the_way",
    "tidy",
    "write_atomic",
    "write_atomic_set",
]

JOURNAL_NAME = ".lowback-swap.json"
"""Lists the renames of a set being swapped in, so that a build killed halfway is finished."""


# ---------------------------------------------------------------------------------------------
# One file
# ---------------------------------------------------------------------------------------------


def _unlink_quietly(path: Path) -> None:
    """Remove a file if it exists, ignoring errors (used for clean-up only)."""
    with contextlib.suppress(OSError):
        path.unlink()


def _write_temp(path: Path, text: str | bytes) -> Path:
    """Write ``text`` (UTF-8) or bytes to a new temporary file next to ``path`` and return
    the temp path.

    The temp file gets ``path``'s permission bits if ``path`` exists, else ``0o644``. On any
    failure the temp file is removed and the error re-raised.
    """
    mode = path.stat().st_mode & 0o777 if path.is_file() else 0o644
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        data = text.encode("utf-8") if isinstance(text, str) else text
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def write_atomic(path: Path, text: str) -> None:
    """Write a UTF-8 text file atomically.

    The text goes to a temporary file in the same directory, which then replaces ``path``
    with :func:`os.replace`. Readers see either the old file or the complete new one, and a
    failed or interrupted write leaves the old file (if any) untouched.

    Parameters
    ----------
    path : Path
        The file to create or replace. Its directory must exist.
    text : str
        The content, written as UTF-8 with newlines as given.

    Raises
    ------
    OSError
        If the file cannot be written; the temporary file is removed first.
    UnicodeEncodeError
        If ``text`` cannot be encoded as UTF-8 (e.g. a lone surrogate); nothing is changed.
    """
    path = Path(path)
    tmp = _write_temp(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


# ---------------------------------------------------------------------------------------------
# The folder: its lock, its journal, its leftovers
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[int | None]:
    """Hold an exclusive advisory lock on ``folder`` itself (``flock`` on the folder).

    Yields the folder's file descriptor (``None`` without ``fcntl``, where nothing is
    locked). Waits while another process or thread holds the lock; the kernel releases it
    when its holder exits, however it exits. Locking the folder leaves no lock file behind.
    """
    if fcntl is None:
        yield None
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _fsync_folder(fd: int | None) -> None:
    """Make renames in a folder durable (where the file system supports it)."""
    if fd is not None:
        with contextlib.suppress(OSError):
            os.fsync(fd)


def _temp_name_pattern(name: str, kind: str = "tmp") -> re.Pattern[str]:
    """Names of the temporary files made for a file called ``name``: staged by
    :func:`_write_temp` (``kind="tmp"``) or kept aside by :func:`_keep_aside` (``"old"``)."""
    return re.compile(rf"\.{re.escape(name)}\.[A-Za-z0-9_]+\.{kind}")


#: One rename of a swap: the staged temp file, the file's name, and where its old file is
#: kept aside (``None``: there was none; :data:`_UNKNOWN`: a journal of an older lowback,
#: which kept no old file, so the file is left as the swap left it).
_Rename = tuple[str, str, "str | None"]
_UNKNOWN = ""


def _journal_entry(entry: object) -> _Rename:
    """One ``[temp, name]`` (an older lowback's) or ``[temp, name, old or null]`` entry."""
    if not isinstance(entry, list) or len(entry) not in (2, 3):
        raise ValueError(f"an entry is not [temp, name] or [temp, name, old]: {entry!r}")
    old = entry[2] if len(entry) == 3 else _UNKNOWN
    return str(entry[0]), str(entry[1]), None if old is None else str(old)


def _read_journal(journal: Path) -> list[_Rename]:
    """The renames listed in a swap journal."""
    try:
        entries = [
            _journal_entry(e) for e in json.loads(journal.read_text(encoding="utf-8"))["renames"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise ReportError(
            f"{journal}: expected a lowback swap journal (JSON with a 'renames' list of "
            f"[temp name, name] pairs), got something else ({exc}); delete it and build again"
        ) from exc
    for tmp, name, old in entries:
        if (
            Path(name).name != name
            or name in ("", ".", "..")
            or not (_temp_name_pattern(name).fullmatch(tmp))
            or (old and not _temp_name_pattern(name, "old").fullmatch(old))
        ):
            raise ReportError(
                f"{journal}: expected renames of .NAME.XXXX.tmp to NAME within the folder, "
                f"got {tmp!r} to {name!r}; delete it and build again"
            )
    return entries


def _keep_aside(path: Path) -> Path | None:
    """Keep the file at ``path`` (if any) under a new name beside it, so that a swap can
    put it back: a hard link (instant, and ``path`` stays in place), else a copy."""
    if not (path.is_file() or path.is_symlink()):
        return None
    while True:
        old = path.with_name(f".{path.name}.{secrets.token_hex(4)}.old")
        try:
            os.link(path, old, follow_symlinks=False)
        except FileExistsError:
            continue
        except (OSError, NotImplementedError):  # no hard links here (FAT, some shares)
            if old.exists():
                continue
            shutil.copy2(path, old, follow_symlinks=False)
        return old


def _put_back(folder: Path, renames: Sequence[_Rename], renamed: set[str]) -> None:
    """Undo the ``renamed`` names of a swap: each old file back in place, each file that
    was new removed; the staged temp files and the old files kept aside are removed."""
    for tmp, name, old in renames:
        if name in renamed and old:
            os.replace(folder / old, folder / name)
        elif name in renamed and old is None and (folder / name).is_file():
            os.unlink(folder / name)
        _unlink_quietly(folder / tmp)
    for _, _, old in renames:
        if old:
            _unlink_quietly(folder / old)


def _swap(folder: Path, renames: Sequence[_Rename]) -> None:
    """Rename each staged file into place; if one fails, put back those already renamed
    (the old set is whole again) and raise the error. Where putting back fails too, the
    journal stays, and the next call tries again."""
    renamed: set[str] = set()
    try:
        for tmp, name, _ in renames:
            if not (folder / tmp).exists():  # a killed swap renamed it
                renamed.add(name)
                continue
            os.replace(folder / tmp, folder / name)
            renamed.add(name)
    except OSError:
        _put_back(folder, renames, renamed)
        (folder / JOURNAL_NAME).unlink()
        raise
    for _, _, old in renames:
        if old:
            _unlink_quietly(folder / old)


def _tidy(folder: Path, names: Sequence[str]) -> None:
    """Finish a swap that a killed build left halfway (or, if it cannot be finished, put
    the old set back), then remove its leftover temp files.

    Only temporary files of ``names`` (and of the journal) are removed: files that other
    writers stage in the same folder are left alone. Call with the folder locked.
    """
    journal = folder / JOURNAL_NAME
    if journal.exists():
        renames = _read_journal(journal)
        try:
            _swap(folder, renames)
        except OSError:
            pass  # the old set is put back; the write that follows says what is in the way
        else:
            journal.unlink()
        names = [*names, *(name for _, name, _ in renames)]
    _remove_temp_files(folder, names)


def _remove_temp_files(folder: Path, names: Sequence[str]) -> None:
    """Remove the temporary files of ``names`` (and of the journal) in ``folder``: staged
    ones and old files kept aside.

    Call with the folder locked: every such file is then a leftover of this process or of
    a killed one, never one that another build is writing.
    """
    patterns = [
        _temp_name_pattern(name, kind) for name in (*names, JOURNAL_NAME) for kind in ("tmp", "old")
    ]
    with os.scandir(folder) as entries:
        found = [
            entry.path
            for entry in entries
            if any(p.fullmatch(entry.name) for p in patterns)
            and entry.is_file(follow_symlinks=False)
        ]
    for path in found:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def tidy(folder: Path, names: Sequence[str]) -> None:
    """Finish a set that a killed write left half swapped into ``folder``, and remove the
    temporary files of ``names`` that a killed write left behind.

    Takes the folder's lock (waiting for a write in progress), so a build can make its
    folder whole before it starts its long work: even a build that then fails leaves it so.
    Temporary files of other names (another writer's) are left alone.

    Raises
    ------
    OSError
        If the folder cannot be opened or a file cannot be renamed or removed.
    ReportError
        If the folder holds a journal that lowback did not write.
    """
    with _locked(folder):
        _tidy(folder, names)


# ---------------------------------------------------------------------------------------------
# A set of files
# ---------------------------------------------------------------------------------------------


def write_atomic_set(folder: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write several files (UTF-8 texts or bytes) into one folder as a set: all or none.

    Every file is first written to a temporary file next to it (``.NAME.XXXXXXXX.tmp``,
    flushed to disk); only then are they renamed into place, one :func:`os.replace` each.
    What can interrupt the writing, and what is left:

    * An error (a full disk, a read-only folder) or SIGINT/SIGTERM while staging: the
      temporary files are removed and no file is changed.
    * SIGINT or SIGTERM during the renames: held until every file is in place, then acted
      on (SIGTERM with its default action raises ``SystemExit(143)`` while this runs in the
      main thread, so that clean-up code runs).
    * SIGKILL or a power cut during the renames (a few renames: well under a millisecond):
      each file is whole, old or new, and a journal (``.lowback-swap.json``) lists the
      renames still to do. The next call for the folder finishes them first, so the set
      ends up whole. Temporary files that a killed call left behind are removed too.

    Calls for the same folder, from other processes or threads, take turns: an exclusive
    ``flock`` on the folder is held while staging and renaming (only where :mod:`fcntl`
    exists). The second call waits for the first, then writes its own set: the last one
    wins, and no one sees a mix of the two.

    Parameters
    ----------
    folder : Path
        An existing folder.
    files : Mapping[str, str or bytes]
        File names (no folder part) and their texts (written as UTF-8, newlines as given)
        or bytes (written as they are).

    Returns
    -------
    list[Path]
        The written files, in the order of ``files``.

    Raises
    ------
    OSError
        If a file cannot be written or renamed into place; nothing is changed (the files
        already renamed are put back) and no temporary file is left.
    ReportError
        If the folder holds a journal that lowback did not write, or a folder stands where
        one of the files goes (naming it); nothing is changed.
    ValueError
        If a name has a folder part.
    UnicodeEncodeError
        If a text cannot be encoded as UTF-8; nothing is changed.
    """
    folder = Path(folder)
    for name in files:
        if Path(name).name != name or name in ("", ".", "..", JOURNAL_NAME):
            raise ValueError(f"expected a plain file name, got {name!r}")
    with sigterm_as_exit(), _locked(folder) as fd:
        _tidy(folder, list(files))
        refuse_folders_in_the_way(folder, files)
        staged: dict[str, Path] = {}
        swapping = False
        try:
            for name, text in files.items():
                staged[name] = _write_temp(folder / name, text)
            with holding_stop_signals():
                renames = [
                    (tmp.name, name, getattr(_keep_aside(folder / name), "name", None))
                    for name, tmp in staged.items()
                ]
                journal = json.dumps({"renames": [list(rename) for rename in renames]})
                write_atomic(folder / JOURNAL_NAME, journal + "\n")
                _fsync_folder(fd)
                swapping = True
                _swap(folder, renames)
                _fsync_folder(fd)
                (folder / JOURNAL_NAME).unlink()
        finally:
            if not swapping:  # by name, not from `staged`: a signal may land before it is set
                _remove_temp_files(folder, list(files))
    return [folder / name for name in files]


def refuse_folders_in_the_way(folder: Path, names: Sequence[str]) -> None:
    """Refuse a set of ``names`` where a folder stands in the place of one of its files.

    Raises
    ------
    ReportError
        Naming the first such folder, and what to do.
    """
    in_the_way = [n for n in names if (folder / n).is_dir() and not (folder / n).is_symlink()]
    if in_the_way:
        raise ReportError(
            f"{folder / in_the_way[0]} is a folder, where the file {in_the_way[0]} goes: "
            "move or remove it, then write again (nothing was changed)"
        )
