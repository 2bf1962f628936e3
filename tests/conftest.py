"""Shared fixtures: the shipped data, and throw-away copies of it to break or extend."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lowback import config, load_knowledge_base

BROKEN_DIR = Path(__file__).parent / "data" / "broken"

# ---------------------------------------------------------------------------------------------
# Tiers: `make test-fast` deselects these markers; `make test` runs everything
# ---------------------------------------------------------------------------------------------

#: Markers of the slow tier, each with what it means. Browser tests mark themselves
#: (tests/browser/conftest.py).
SLOW_MARKERS = {
    "notebook": "a notebook cell run by nbval (every notebook, top to bottom)",
    "kernel": "starts a Jupyter kernel: executes notebooks, builds pages or decks",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, meaning in SLOW_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")


@pytest.hookimpl(tryfirst=True)  # before -m selection, so `-m "not notebook"` sees it
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)


@pytest.fixture(autouse=True)
def _kernels_only_where_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """A test that starts a kernel in this process must say so (marker ``kernel``), or the
    quick tier would not be quick: an unmarked one fails, naming the marker it lacks.
    (Kernels of a child process, ``lowback report`` say, are not seen: mark those by hand.)"""
    node = request.node
    allowed = any(node.get_closest_marker(m) for m in (*SLOW_MARKERS, "browser"))
    if not allowed:
        from jupyter_client.manager import KernelManager

        async def refuse(*args, **kwargs):
            pytest.fail("this test starts a Jupyter kernel: mark it @pytest.mark.kernel")

        monkeypatch.setattr(KernelManager, "_async_launch_kernel", refuse)


@pytest.fixture(scope="session")
def kb():
    """The shipped knowledge base, loaded once."""
    return load_knowledge_base()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data folder (raw text and records)."""
    target = tmp_path / "data"
    shutil.copytree(config.DATA_DIR, target, ignore=shutil.ignore_patterns("README.md"))
    return target


def assemble_broken_case(name: str, target: Path) -> Path:
    """Build a broken record set: the small valid base with one case's files laid over it.

    A case folder holds replacement files (same relative paths as the base), an optional
    ``remove.txt`` listing files to delete, and ``expected.txt``: the exact problems.
    """
    shutil.copytree(BROKEN_DIR / "_base", target)
    case = BROKEN_DIR / name
    for path in case.rglob("*"):
        relative = path.relative_to(case)
        if path.is_file() and relative.parts[0] in ("records", "raw"):
            shutil.copyfile(path, target / relative)
    removals = case / "remove.txt"
    if removals.exists():
        for line in removals.read_text(encoding="utf-8").split():
            (target / line).unlink()
    return target


def append_record(path: Path, row: dict[str, object]) -> None:
    """Append one row to a record table (CSV), in the column order of its header."""
    with path.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    with path.open("a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, fieldnames=header, lineterminator="\n").writerow(row)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lowback ARGS`` in a fresh process, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "lowback", *args], capture_output=True, text=True, check=False
    )


PACKAGE_JSON = config.PROJECT_DIR / "package.json"
NPM_INSTALL = ["install", "--no-package-lock", "--no-audit", "--no-fund", "--ignore-scripts"]


# ---------------------------------------------------------------------------------------------
# reveal.js, installed once
# ---------------------------------------------------------------------------------------------


def pinned_reveal_version() -> str:
    return json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))["dependencies"]["reveal.js"]


def _installed_version(reveal_dir: Path) -> str | None:
    try:
        return json.loads((reveal_dir / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def _unavailable(reason: str) -> None:
    message = f"reveal.js unavailable, deck tests NOT RUN: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: this is a failure, not a skip)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def reveal_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """reveal.js at the version pinned in package.json: ``make slides``'s copy, or npm's."""
    pinned = pinned_reveal_version()
    made = config.PROJECT_DIR / ".cache" / "slides" / "node_modules" / "reveal.js"
    if _installed_version(made) == pinned:
        return made
    npm = shutil.which("npm")
    if npm is None:
        _unavailable("npm is not on PATH")
    prefix = tmp_path_factory.mktemp("slides-assets")
    shutil.copyfile(PACKAGE_JSON, prefix / "package.json")
    try:
        done = subprocess.run(
            [npm, *NPM_INSTALL, "--prefix", str(prefix)],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    except subprocess.TimeoutExpired:
        _unavailable("`npm install` timed out (no registry?)")
    if done.returncode != 0:
        _unavailable(f"`npm install` failed: {done.stderr.strip()[-500:]}")
    installed = prefix / "node_modules" / "reveal.js"
    assert _installed_version(installed) == pinned, "npm did not install the pinned version"
    return installed
