"""Shared fixtures: the shipped data, and throw-away copies of it to break or extend."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lowback import config, load_knowledge_base

BROKEN_DIR = Path(__file__).parent / "broken"


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


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lowback ARGS`` in a fresh process, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "lowback", *args], capture_output=True, text=True, check=False
    )
