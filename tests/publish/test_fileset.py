"""Tests for lowback.publish.fileset: one file atomically, a set of files all-or-none.

Kills, signals, a full disk, a read-only folder and two writers at once:
tests/faults/test_faults.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lowback.errors import ReportError
from lowback.publish.fileset import JOURNAL_NAME, tidy, write_atomic, write_atomic_set
from tests.publish.helpers import leftovers


def test_write_atomic_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    write_atomic(target, "one\r\n")
    assert target.read_bytes() == b"one\r\n"
    write_atomic(target, "two ✓")
    assert target.read_text(encoding="utf-8") == "two ✓"
    assert leftovers(tmp_path, {"page.html"}) == set()


def test_write_atomic_failure_keeps_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "half written \ud800 never lands")
    assert target.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path, {"page.html"}) == set()


def test_a_set_that_cannot_be_encoded_changes_nothing(tmp_path: Path) -> None:
    write_atomic_set(tmp_path, {"a.html": "old a", "b.html": "old b"})
    with pytest.raises(UnicodeEncodeError):
        write_atomic_set(tmp_path, {"a.html": "new a", "b.html": "new \ud800 b"})
    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()} == {
        "a.html": "old a",
        "b.html": "old b",
    }


@pytest.mark.parametrize("name", ["sub/a.html", "..", "", JOURNAL_NAME])
def test_a_set_takes_plain_file_names_only(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="plain file name"):
        write_atomic_set(tmp_path, {name: "text"})


def test_tidy_finishes_a_swap_left_halfway_and_removes_leftovers(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("new a", encoding="utf-8")  # renamed before the kill
    (tmp_path / "b.html").write_text("old b", encoding="utf-8")
    (tmp_path / ".b.html.k1ll3d99.tmp").write_text("new b", encoding="utf-8")
    (tmp_path / ".c.html.abcd1234.tmp").write_text("a killed staging", encoding="utf-8")
    (tmp_path / ".other.html.abcd1234.tmp").write_text("another writer's", encoding="utf-8")
    renames = [[".a.html.x1y2z3w4.tmp", "a.html"], [".b.html.k1ll3d99.tmp", "b.html"]]
    (tmp_path / JOURNAL_NAME).write_text(json.dumps({"renames": renames}), encoding="utf-8")

    tidy(tmp_path, ["a.html", "b.html", "c.html"])

    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()} == {
        "a.html": "new a",
        "b.html": "new b",
        ".other.html.abcd1234.tmp": "another writer's",
    }


@pytest.mark.parametrize(
    "journal", ["not json", '{"renames": [["../../etc/passwd", "a.html"]]}', "{}"]
)
def test_a_journal_lowback_did_not_write_is_refused(tmp_path: Path, journal: str) -> None:
    (tmp_path / JOURNAL_NAME).write_text(journal, encoding="utf-8")
    with pytest.raises(ReportError, match="delete it and build again"):
        write_atomic_set(tmp_path, {"a.html": "text"})
    assert not (tmp_path / "a.html").exists()
