"""Tests for lowback.publish.fileset: one file atomically, a set of files all-or-none.

Kills, signals, a full disk, a read-only folder and two writers at once:
tests/faults/test_faults.py.
"""

from __future__ import annotations

import errno
import json
import os
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


# ---------------------------------------------------------------------------------------------
# A rename that fails: the old set is put back, and later writes are not stuck
# ---------------------------------------------------------------------------------------------

OLD_SET = {"a.html": "old a", "b.html": "old b", "c.html": "old c"}
NEW_SET = {"a.html": "new a", "b.html": "new b", "c.html": "new c", "d.html": "new d"}


def _contents(folder: Path) -> dict[str, str]:
    """Every entry of ``folder``: a file's text, or ``"<folder>"``."""
    return {
        p.name: "<folder>" if p.is_dir() else p.read_text(encoding="utf-8")
        for p in folder.iterdir()
    }


def test_a_folder_where_a_file_goes_is_refused_naming_it_and_nothing_changes(tmp_path):
    write_atomic_set(tmp_path, OLD_SET)
    (tmp_path / "d.html").mkdir()
    (tmp_path / "d.html" / "kept.txt").write_text("inside", encoding="utf-8")
    for _ in range(2):  # and again: a refusal, never a stuck folder
        with pytest.raises(ReportError, match=r"d\.html is a folder, where the file d\.html go"):
            write_atomic_set(tmp_path, NEW_SET)
        assert _contents(tmp_path) == {**OLD_SET, "d.html": "<folder>"}
    (tmp_path / "d.html" / "kept.txt").unlink()
    (tmp_path / "d.html").rmdir()
    write_atomic_set(tmp_path, NEW_SET)
    assert _contents(tmp_path) == NEW_SET


@pytest.mark.parametrize("failing", list(NEW_SET))
def test_a_rename_that_fails_puts_the_old_set_back(tmp_path, monkeypatch, failing):
    """The k-th rename raises (after k-1 files are in place): those are put back, the file
    that was new (d.html) is removed again, and no journal or temporary file is left."""
    write_atomic_set(tmp_path, OLD_SET)
    replace = os.replace

    def failing_rename(source, target):
        if Path(target).name == failing and Path(source).name.endswith(".tmp"):
            raise OSError(errno.EIO, "Input/output error", str(target))
        replace(source, target)

    monkeypatch.setattr(os, "replace", failing_rename)
    with pytest.raises(OSError, match="Input/output error"):
        write_atomic_set(tmp_path, NEW_SET)
    assert _contents(tmp_path) == OLD_SET

    monkeypatch.setattr(os, "replace", replace)
    write_atomic_set(tmp_path, NEW_SET)
    assert _contents(tmp_path) == NEW_SET


class _Killed(BaseException):
    """Stands for SIGKILL in the middle of a swap: nothing runs after it."""


def _killed_after_the_first_rename(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OLD_SET written, then NEW_SET's write killed right after its first page's rename:
    a swap left half-done, as a kill -9 leaves it."""
    write_atomic_set(folder, OLD_SET)
    replace, renamed = os.replace, []

    def killed_after_the_first(source, target):
        if Path(source).name.endswith(".tmp") and Path(target).suffix == ".html":
            if renamed:
                raise _Killed
            renamed.append(target)
        replace(source, target)

    monkeypatch.setattr(os, "replace", killed_after_the_first)
    with pytest.raises(_Killed):
        write_atomic_set(folder, NEW_SET)
    monkeypatch.setattr(os, "replace", replace)


def test_a_killed_swap_that_cannot_be_finished_is_put_back_and_the_folder_named(
    tmp_path, monkeypatch
):
    """Killed after the first rename; then a folder takes the place of c.html. The next
    write cannot finish the swap: it puts the old set back (a and b old again), then
    refuses, naming the folder; once it is gone, a write goes through."""
    _killed_after_the_first_rename(tmp_path, monkeypatch)
    assert (tmp_path / JOURNAL_NAME).exists()
    assert (tmp_path / "a.html").read_text(encoding="utf-8") == "new a"
    (tmp_path / "c.html").unlink()
    (tmp_path / "c.html").mkdir()

    with pytest.raises(ReportError, match=r"c\.html is a folder"):
        write_atomic_set(tmp_path, NEW_SET)
    assert _contents(tmp_path) == {"a.html": "old a", "b.html": "old b", "c.html": "<folder>"}

    (tmp_path / "c.html").rmdir()
    write_atomic_set(tmp_path, NEW_SET)
    assert _contents(tmp_path) == NEW_SET


def test_a_killed_swap_is_finished_with_the_old_files_kept_aside_removed(tmp_path, monkeypatch):
    _killed_after_the_first_rename(tmp_path, monkeypatch)
    tidy(tmp_path, list(NEW_SET))
    assert _contents(tmp_path) == NEW_SET
