"""Tests for lowback.publish.folders: where outputs may go, and a scenario's own folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowback import config
from lowback.errors import ReportError
from lowback.publish.fileset import JOURNAL_NAME
from lowback.publish.folders import MARKER_NAME, check_out_dir, scenario_folder


@pytest.mark.parametrize(
    ("folder", "says"),
    [
        (Path("/"), "the file system's root"),
        (config.PROJECT_DIR, "the project's own folder"),
        (config.PROJECT_DIR.parent, "it holds the project"),
        (config.DATA_DIR, "the project's data/ folder"),
        (config.DATA_DIR / "records", "the project's data/ folder or inside it"),
        (config.DATA_DIR / "new-export", "the project's data/ folder or inside it"),
        (config.NOTEBOOKS_DIR, "the project's notebooks/ folder"),
        (config.PROJECT_DIR / "src", "the project's src/ folder"),
        (config.PROJECT_DIR / "tests", "the project's tests/ folder"),
        (config.PROJECT_DIR / "docs", "the project's docs/ folder"),
        (config.PROJECT_DIR / ".git", "the project's .git/ folder"),
    ],
)
@pytest.mark.parametrize("force", [False, True])
def test_the_root_the_project_and_its_own_folders_are_refused_even_with_force(
    folder: Path, says: str, force: bool
):
    with pytest.raises(ReportError) as info:
        check_out_dir(folder, what="reports", force=force)
    message = str(info.value)
    assert message.startswith(f"refusing to write reports into {folder}: ") and says in message
    assert "give --out a new or empty folder" in message


def test_the_home_folder_is_refused_even_empty(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(ReportError, match="it is the home folder"):
        check_out_dir(home, force=True)
    check_out_dir(home / "reports")  # a folder in it is fine


def test_a_relative_path_or_a_link_is_judged_where_it_leads(tmp_path, monkeypatch):
    link = tmp_path / "looks-harmless"
    link.symlink_to(config.NOTEBOOKS_DIR)
    with pytest.raises(ReportError, match="notebooks/ folder"):
        check_out_dir(link)
    monkeypatch.chdir(config.PROJECT_DIR)
    with pytest.raises(ReportError, match="the project's own folder"):
        check_out_dir(Path("."))


def test_a_folder_of_other_files_is_refused_unless_forced_naming_them(tmp_path):
    (tmp_path / "thesis.tex").write_text("mine", encoding="utf-8")
    (tmp_path / "index.html").write_text("an old page", encoding="utf-8")
    with pytest.raises(
        ReportError, match=r"it holds other files \(thesis\.tex\) and no \.lowback-built marker"
    ):
        check_out_dir(tmp_path, ["index.html"], what="reports")
    check_out_dir(tmp_path, ["index.html"], force=True)


def test_an_empty_a_marked_or_an_older_builds_folder_is_accepted(tmp_path):
    check_out_dir(tmp_path / "missing")
    check_out_dir(tmp_path)  # empty
    for name in ("a.html", "index.html", ".a.html.k1ll3d99.tmp", JOURNAL_NAME):
        (tmp_path / name).write_text("built", encoding="utf-8")
    check_out_dir(tmp_path, ["a.html", "index.html"])  # only what this build replaces
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ReportError, match=r"notes\.txt"):
        check_out_dir(tmp_path, ["a.html", "index.html"])
    (tmp_path / MARKER_NAME).write_text("", encoding="utf-8")
    check_out_dir(tmp_path, ["a.html"])  # lowback's: it rebuilds what it wrote


def test_the_projects_reports_folder_is_lowbacks_own():
    check_out_dir(config.REPORTS_DIR, ["01-knowledge-base.html"])  # reads, writes nothing


@pytest.mark.parametrize(
    ("name", "seed", "size", "folder"),
    [
        ("older-runners.toml", None, None, "older-runners"),
        ("older-runners.toml", 7, 20_000, "older-runners-seed-7-size-20000"),
        ("scénario v2.toml", None, None, "scénario v2"),
        (None, 0, None, "seed-0"),
    ],
)
def test_a_scenario_gets_its_own_folder_under_reports(tmp_path, name, seed, size, folder):
    scenario = None if name is None else tmp_path / "elsewhere" / name
    reports = tmp_path / "reports"
    assert scenario_folder(reports, assumptions=scenario, seed=seed, size=size) == (
        reports / folder
    )
    assert scenario_folder(reports) == reports


@pytest.mark.parametrize(
    "name", ["..toml", "...toml", ".toml", ".hidden.toml", " x.toml", "x..toml", "a\nb.toml"]
)
def test_a_scenario_name_that_cannot_be_a_folder_of_its_own_is_refused(tmp_path, name):
    with pytest.raises(ReportError) as info:
        scenario_folder(tmp_path / "reports", assumptions=tmp_path / name, seed=7)
    assert f"{tmp_path / name}: its name" in str(info.value) and "give --out" in str(info.value)


def test_a_scenario_folder_that_links_out_of_reports_is_refused(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "older").symlink_to(tmp_path)
    with pytest.raises(ReportError, match="leads out of"):
        scenario_folder(reports, assumptions=Path("older.toml"))
