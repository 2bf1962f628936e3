"""A test run must leave no file behind: the guard that checks it, and the session's folders.

:class:`LeftoverGuard` is a pytest plugin (tests/conftest.py registers it in the process
that runs the session: pytest's, or xdist's controller, never a worker). At the start of the
session it

* snapshots the places a test could leave files in (:func:`default_places`): the temporary
  folder, Jupyter's runtime folder, the desktop trash, and the repository's ``reports/``,
  ``notebooks/``, ``data/`` and top level;
* points ``TMPDIR`` and ``JUPYTER_RUNTIME_DIR`` (and this process's ``tempfile``) at a
  folder of the session's own, before xdist starts its workers, so that they and every
  process a test starts inherit it: the kernels' connection files (which hold their keys),
  Jupyter's and Voila's runtime files, the browsers' profiles.

At the end it removes that folder (saying what was still in it), snapshots the places
again, and fails the run (exit status 1) if anything is new, changed or gone, naming each
path. Tools' own caches are not leftovers (:data:`CACHES`), and neither is pytest's
``tmp_path`` (pytest keeps the last three runs' and removes older ones).

The temporary folder, Jupyter's runtime folder and the trash are shared with every other
program of the machine: there only new entries count, and in the temporary folder only the
names a test run's tools make (:data:`TEMP_NAMES`), so that what another program writes
meanwhile is not blamed on the tests (it still can be: the report names each path).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

#: What a test run's tools name the files they would leave in the temporary folder if they
#: did not follow ``TMPDIR`` (those that do write into the session's folder): Jupyter's and
#: Voila's runtime files, kernels' connection files, notebooks, browser profiles,
#: send2trash's trash on another device, and lowback's own. Not tempfile's ``tmp*``: every
#: program of the machine makes those, and this run's go into the session's folder.
TEMP_NAMES = (
    "kernel-*",
    "voila_*",
    "jupyter*",
    "jpserver-*",
    "*.ipynb",
    "playwright*",
    "org.chromium.*",
    ".org.chromium.*",
    ".com.google.Chrome.*",
    ".Trash-*",
    "lowback*",
)
#: Caches that tools keep on purpose (gitignored), never counted as left behind.
CACHES = ("__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", ".import_linter_cache")
#: The prefix of the session's own temporary folder (removed at the end of the session).
SESSION_PREFIX = "lowback-tests-"

#: ``{path relative to the place: (size, modification time in ns)}``
Snapshot = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Place:
    """A folder a test could leave files in, and how far to look into it.

    ``counts(name)`` says whether a top-level entry is looked at (all, by default);
    ``new_only``: only new entries count (a shared folder, where other programs change and
    remove their own files).
    """

    label: str
    root: Path
    recursive: bool = True
    new_only: bool = False
    counts: Callable[[str], bool] = field(default=lambda name: True)

    def snapshot(self) -> Snapshot:
        """Every entry (file or folder) under the place, caches left out."""
        found: Snapshot = {}
        try:
            entries = list(os.scandir(self.root))
        except OSError:  # missing (or unreadable): nothing in it
            return found
        todo = [entry for entry in entries if self.counts(entry.name)]
        while todo:
            entry = todo.pop()
            if entry.name in CACHES:
                continue
            try:
                stat = entry.stat(follow_symlinks=False)
            except OSError:  # gone meanwhile
                continue
            relative = Path(entry.path).relative_to(self.root).as_posix()
            is_dir = entry.is_dir(follow_symlinks=False)
            # A folder's own time changes whenever an entry is added: its entries tell.
            if is_dir:
                found[relative + "/"] = (0, 0)
            else:
                found[relative] = (stat.st_size, stat.st_mtime_ns)
            if is_dir and self.recursive:
                with contextlib.suppress(OSError):
                    todo.extend(os.scandir(entry.path))
        return found


def changes(place: Place, before: Snapshot, after: Snapshot) -> list[str]:
    """What differs in ``place`` between two snapshots, a line per path: new, changed, gone."""
    lines = []
    for path in sorted(after.keys() - before.keys()):
        lines.append(f"{place.root}/{path} (new)")
    if not place.new_only:
        for path in sorted(after.keys() & before.keys()):
            if after[path] != before[path]:
                lines.append(f"{place.root}/{path} (changed)")
        for path in sorted(before.keys() - after.keys()):
            lines.append(f"{place.root}/{path} (gone)")
    return lines


def trash_dir() -> Path:
    """The desktop trash send2trash (and so Jupyter's "delete") moves files to."""
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "Trash"


def default_places(project_dir: Path, temp_root: Path) -> list[Place]:
    """The places a lowback test run could leave files in (see the module's docstring)."""
    from jupyter_core.paths import jupyter_runtime_dir

    def temp_name(name: str) -> bool:
        return any(fnmatchcase(name, pattern) for pattern in TEMP_NAMES) and not name.startswith(
            SESSION_PREFIX
        )

    return [
        Place("temporary folder", temp_root, recursive=False, new_only=True, counts=temp_name),
        Place("Jupyter's runtime folder", Path(jupyter_runtime_dir()), new_only=True),
        Place("the trash", trash_dir(), new_only=True),
        Place("reports/", project_dir / "reports"),
        Place("notebooks/", project_dir / "notebooks"),
        Place("data/", project_dir / "data"),
        Place("the repository's top level", project_dir, recursive=False, new_only=True),
    ]


class LeftoverGuard:
    """The pytest plugin: the session's own temporary folders, and the check at the end."""

    def __init__(self, places: Iterable[Place], temp_root: Path) -> None:
        self.places = list(places)
        self.temp_root = temp_root
        self.before: dict[str, Snapshot] = {}
        self.session_dir: Path | None = None
        self.saved_env: dict[str, str | None] = {}
        self.saved_tempdir: str | None = None
        self.left: list[str] = []
        self.cleaned: list[str] = []

    @pytest.hookimpl(tryfirst=True)  # before xdist starts its workers (trylast)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.before = {place.label: place.snapshot() for place in self.places}
        # pytest's tmp_path (and xdist's workers' basetemp under it) stays where pytest keeps
        # the last three runs': made now, before the temporary folder changes. (xdist
        # reads the same attribute to hand each worker its basetemp.)
        factory = getattr(session.config, "_tmp_path_factory", None)
        if factory is not None:
            factory.getbasetemp()
        self.session_dir = Path(tempfile.mkdtemp(prefix=SESSION_PREFIX, dir=self.temp_root))
        for name, folder in (("TMPDIR", "tmp"), ("JUPYTER_RUNTIME_DIR", "runtime")):
            (self.session_dir / folder).mkdir()
            self.saved_env[name] = os.environ.get(name)
            os.environ[name] = str(self.session_dir / folder)
        # This process's own temporary files too (kernels nbval starts in it, -n 0).
        self.saved_tempdir = tempfile.tempdir
        tempfile.tempdir = str(self.session_dir / "tmp")

    @pytest.hookimpl(trylast=True)  # after xdist's workers are done, and other finishers
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        tempfile.tempdir = self.saved_tempdir
        for name, value in self.saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if self.session_dir is not None:
            for folder in ("tmp", "runtime"):  # what is directly in them: enough to tell
                inside = Place(folder, self.session_dir / folder, recursive=False)
                self.cleaned += changes(inside, {}, inside.snapshot())
            shutil.rmtree(self.session_dir, ignore_errors=True)
        for place in self.places:
            self.left += changes(place, self.before.get(place.label, {}), place.snapshot())
        passed = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
        if self.left and session.exitstatus in passed:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        write = terminalreporter.write_line
        if self.cleaned:
            terminalreporter.write_sep("-", "left in the session's temporary folder (removed)")
            for line in self.cleaned:
                write(f"  {line}")
        if self.left:
            title = f"FILES LEFT BEHIND BY THE TEST RUN: {len(self.left)} (the run fails)"
            terminalreporter.write_sep("!", title, red=True, bold=True)
            for line in self.left:
                write(f"  {line}", red=True)
            write(
                "A test must clean up after itself: tmp_path, a fixture's teardown "
                "(tests/leftovers.py says where the guard looks).",
                red=True,
            )
