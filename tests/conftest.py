"""Shared fixtures: the shipped data, and throw-away copies of it to break or extend."""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from lowback import config, load_knowledge_base
from tests.leftovers import LeftoverGuard, default_places
from tests.scheduling import ScopeTimes, SlowestFirst

BROKEN_DIR = Path(__file__).parent / "data" / "broken"

# ---------------------------------------------------------------------------------------------
# Fetched sources (the NIH texts): skipped loudly where missing, a failure under CI=true
# ---------------------------------------------------------------------------------------------

#: CI runs with every fetched source present (.ci/run sets LOWBACK_DATA_DIR): there, a
#: missing one fails the tests that need it instead of skipping them.
IN_CI = os.environ.get("CI", "").lower() == "true"
#: Starts the reason of every skip for a missing fetched source (the summary counts them).
MISSING_SKIP = "fetched source missing"


def _missing_fetched_sources() -> list[str]:
    """Ids of the fetched sources (sources.csv, ``fetch`` not empty) not on this machine."""
    from lowback.data.records import source_states

    states = source_states()
    return states.loc[(states["fetch"] != "") & (states["state"] == "missing"), "id"].tolist()


MISSING_FETCHED = _missing_fetched_sources()
HOW = "set LOWBACK_DATA_DIR to a folder holding them, or run `lowback sources fetch`"


def missing_sources_message(what: str) -> str:
    return f"{MISSING_SKIP} ({', '.join(MISSING_FETCHED)}): {what}; {HOW}"


def require_sources_of(nb_path: Path, what: str) -> None:
    """Skip (loudly) a test that compares with a notebook's stored outputs where a source
    they were made with is missing; fail it under CI=true."""
    lacking = _sources_of_stored_outputs(nb_path) & set(MISSING_FETCHED)
    if lacking:
        message = missing_sources_message(f"{what} ({nb_path.name} was stored with them)")
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def require_every_source(what: str) -> None:
    """Skip (loudly) a test that needs every fetched source where one is missing; fail it
    under CI=true."""
    if MISSING_FETCHED:
        message = missing_sources_message(what)
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


# ---------------------------------------------------------------------------------------------
# Tiers: `make test-fast` deselects these markers; `make test` runs everything
# ---------------------------------------------------------------------------------------------

#: Markers of the slow tier, each with what it means. Browser tests mark themselves
#: (tests/browser/conftest.py); the marker is declared here too, so that `-m "not browser"`
#: on a selection without tests/browser is not an unknown marker.
SLOW_MARKERS = {
    "notebook": "a notebook cell run by nbval (every notebook, top to bottom)",
    "kernel": "starts a Jupyter kernel: executes notebooks, builds pages or decks",
    "browser": "drives headless Chromium (tests/browser; needs Debian's chromium)",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, meaning in SLOW_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")
    # The run's files: its own temporary folders, and a failure for any file it leaves
    # (tests/leftovers.py). In the process that runs the session only: not in xdist's
    # workers, which inherit its temporary folders and whose files it sees.
    if not hasattr(config, "workerinput"):
        temp_root = Path(tempfile.gettempdir())
        guard = LeftoverGuard(default_places(config.rootpath, temp_root), temp_root)
        config.pluginmanager.register(guard, "lowback-leftovers")
        config.pluginmanager.register(ScopeTimes(), "lowback-scope-times")
        # The longest scopes first (tests/scheduling.py), in the order collected: not
        # xdist's, which hands out first the scopes with the most tests.
        if getattr(config.option, "loadscopereorder", False):
            config.option.loadscopereorder = False
    config.pluginmanager.register(SlowestFirst(), "lowback-slowest-first")


def _sources_of_stored_outputs(path: Path) -> set[str]:
    """The sources present when a notebook's outputs were stored (``lowback execute``)."""
    metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    return set(metadata.get("lowback", {}).get("sources", []))


@pytest.hookimpl(tryfirst=True)  # before -m selection, so `-m "not notebook"` sees it
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    stored: dict[Path, set[str]] = {}
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
            if item.path not in stored:
                stored[item.path] = _sources_of_stored_outputs(item.path)
            # Outputs stored with a source this machine lacks cannot match: skip them
            # loudly (CI has every source, and runs them).
            if not IN_CI and stored[item.path] & set(MISSING_FETCHED):
                reason = missing_sources_message(f"the outputs of {item.path.name} show them")
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say loudly what a missing fetched source left untested."""
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if MISSING_SKIP in str(getattr(r, "longrepr", ""))
    ]
    if MISSING_FETCHED:
        terminalreporter.write_sep("!", "fetched sources missing", yellow=True, bold=True)
        terminalreporter.write_line(
            f"{len(MISSING_FETCHED)} fetched source(s) missing ({', '.join(MISSING_FETCHED)}): "
            f"{len(skipped)} test(s) and notebook cell(s) skipped. {HOW}."
        )


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


@functools.cache
def shipped_kb():
    """The shipped knowledge base, every source present, loaded once per process."""
    return load_knowledge_base()


@pytest.fixture(scope="session")
def kb():
    """The shipped knowledge base, loaded once: every source present. (tests/study
    redefines ``kb`` as the study's records and calls this one ``all_records``.)"""
    return shipped_kb()


@pytest.fixture(scope="session")
def study_kb():
    """The records the study simulates and models from: the sources the default
    assumptions name."""
    from lowback.study.assumptions import study_records

    return study_records(shipped_kb())


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
# The npm packages of package.json (reveal.js, axe-core), installed once
# ---------------------------------------------------------------------------------------------


def pinned_npm_versions() -> dict[str, str]:
    """``{package: version}`` as package.json pins them."""
    return json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))["dependencies"]


def pinned_reveal_version() -> str:
    return pinned_npm_versions()["reveal.js"]


def _installed_version(package_dir: Path) -> str | None:
    try:
        return json.loads((package_dir / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def _unavailable(reason: str) -> None:
    message = f"npm packages unavailable, deck and accessibility tests NOT RUN: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: this is a failure, not a skip)")
    pytest.skip(message)


def _all_pinned(node_modules: Path) -> bool:
    return all(
        _installed_version(node_modules / name) == version
        for name, version in pinned_npm_versions().items()
    )


@pytest.fixture(scope="session")
def node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``node_modules`` holding every package of package.json at its pinned version:
    ``make slides``'s copy in ``.cache/slides``, or a fresh ``npm install``."""
    made = config.PROJECT_DIR / ".cache" / "slides" / "node_modules"
    if _all_pinned(made):
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
    installed = prefix / "node_modules"
    assert _all_pinned(installed), "npm did not install the pinned versions"
    return installed


@pytest.fixture(scope="session")
def reveal_dir(node_modules: Path) -> Path:
    """reveal.js at the version pinned in package.json: ``make slides``'s copy, or npm's."""
    return node_modules / "reveal.js"


@pytest.fixture(scope="session")
def axe_source(node_modules: Path) -> str:
    """axe-core's ``axe.min.js`` at the pinned version, to inject into a page under test."""
    return (node_modules / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


def text_source_row(source_id: str, path: str, text: str, title: str, **columns) -> dict:
    """A sources.csv row, every column filled, for a plain UTF-8 text file holding ``text``
    (a source added as data/README.md describes)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    row = {
        "id": source_id,
        "path": path,
        "title": title,
        "sha256": digest,
        "format": "text",
        "fetch": "",
        "collection": source_id,
        "publisher": title,
        "url": "",
        "dataset": "",
        "licence": "made up for the tests",
        "text_sha256": digest,  # a plain text file without a byte-order mark: the same
    }
    row.update(columns)
    return row
