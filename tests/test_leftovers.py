"""The guard of tests/leftovers.py: a run that leaves a file fails, naming it; a clean one
passes; the session's temporary folders are its own, and gone at the end.

Each case runs pytest in a fresh process on a throw-away project whose conftest registers
the guard as tests/conftest.py does, watching a folder of that project (not the real
places: a test here must leave nothing in them either).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from lowback import config
from tests.leftovers import SESSION_PREFIX

CONFTEST = """
from pathlib import Path

from tests.leftovers import LeftoverGuard, Place

HERE = Path(__file__).parent


def pytest_configure(config):
    if not hasattr(config, "workerinput"):
        places = [Place("watched", HERE / "watched"), Place("temp", HERE / "temp", new_only=True)]
        config.pluginmanager.register(LeftoverGuard(places, HERE / "temp"), "guard")
"""

TESTS = """
import os
from pathlib import Path

WATCHED = Path(__file__).parent / "watched"


def test_leaves_a_file():
    (WATCHED / "left.txt").write_text("forgotten")


def test_changes_a_file():
    (WATCHED / "changed.txt").write_text("overwritten")


def test_removes_a_file():
    (WATCHED / "removed.txt").unlink()


def test_leaves_a_folder():
    (WATCHED / "screenshots").mkdir()


def test_writes_nothing():
    assert (WATCHED / "kept.txt").read_text() == "kept"


def test_leaves_a_key_in_the_sessions_folders():
    for name in ("TMPDIR", "JUPYTER_RUNTIME_DIR"):
        folder = Path(os.environ[name])
        assert folder.parent.name.startswith("lowback-tests-"), folder
        (folder / "kernel-1234.json").write_text('{"key": "secret"}')
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_cases.py").write_text(TESTS)
    (tmp_path / "watched").mkdir()
    for name in ("kept.txt", "changed.txt", "removed.txt"):
        (tmp_path / "watched" / name).write_text("kept")
    (tmp_path / "temp").mkdir()
    return tmp_path


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest in a fresh process in ``project`` (only the plugins named in ``args``)."""
    env = {
        **os.environ,
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONPATH": str(config.PROJECT_DIR),
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_run_that_leaves_files_fails_and_names_each(project: Path):
    leaving = ["test_leaves_a_file", "test_changes_a_file", "test_removes_a_file"]
    done = run(project, *(f"test_cases.py::{test}" for test in leaving))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "3 passed" in done.stdout  # the tests passed: the run fails for what they left
    assert "FILES LEFT BEHIND BY THE TEST RUN: 3" in done.stdout
    for line in ("left.txt (new)", "changed.txt (changed)", "removed.txt (gone)"):
        assert f"{project}/watched/{line}" in done.stdout, done.stdout


def test_a_folder_left_is_named_with_its_slash(project: Path):
    done = run(project, "test_cases.py::test_leaves_a_folder")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{project}/watched/screenshots/ (new)" in done.stdout, done.stdout


def test_a_clean_run_passes(project: Path):
    done = run(project, "test_cases.py::test_writes_nothing")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "LEFT BEHIND" not in done.stdout


def test_the_sessions_folders_are_its_own_and_removed_at_the_end(project: Path):
    done = run(project, "test_cases.py::test_leaves_a_key_in_the_sessions_folders")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "left in the session's temporary folder (removed)" in done.stdout
    assert "tmp/kernel-1234.json (new)" in done.stdout
    assert "runtime/kernel-1234.json (new)" in done.stdout
    assert list((project / "temp").iterdir()) == []  # the session's folder is gone


def test_under_xdist_the_controller_sees_what_a_worker_left(project: Path):
    done = run(project, "-p", "xdist.plugin", "-n", "2", "test_cases.py::test_leaves_a_file")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FILES LEFT BEHIND BY THE TEST RUN: 1" in done.stdout
    assert f"{project / 'watched/left.txt'} (new)" in done.stdout


def test_this_run_has_its_own_temporary_and_runtime_folders():
    """What this suite starts (Jupyter servers, Voila, kernels, Chromium) writes its
    connection files and runtime files into the session's folders, removed at the end."""
    for name in ("TMPDIR", "JUPYTER_RUNTIME_DIR"):
        folder = Path(os.environ[name])
        assert folder.is_dir(), (name, folder)
        assert folder.parent.name.startswith(SESSION_PREFIX), (name, folder)
    assert Path(tempfile.gettempdir()) == Path(os.environ["TMPDIR"])
