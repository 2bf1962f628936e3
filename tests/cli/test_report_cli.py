"""``lowback report``'s parameters on the command line: checked before any notebook runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowback import config
from lowback.cli import main
from lowback.cli.parser import MIN_COHORT_SIZE
from tests.conftest import run_cli

NOTEBOOK = str(config.NOTEBOOKS_DIR / "02-symptom-classifier.ipynb")


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--seed", "-1", "a whole number of at least 0"),
        ("--seed", "2.5", "a whole number of at least 0"),
        ("--size", str(MIN_COHORT_SIZE - 1), f"a whole number of at least {MIN_COHORT_SIZE:,}"),
        ("--size", "many", f"a whole number of at least {MIN_COHORT_SIZE:,}"),
        ("--data-dir", "no/such/folder", "expected an existing folder"),
        ("--data-dir", NOTEBOOK, "is not a folder"),
    ],
)
def test_a_bad_parameter_is_named_and_stops_the_report_before_any_notebook(
    tmp_path: Path, option: str, value: str, expected: str
):
    out = tmp_path / "reports"
    result = run_cli("report", NOTEBOOK, option, value, "--out", str(out))
    assert result.returncode == 2
    assert f"argument {option}: expected" in result.stderr and expected in result.stderr
    assert repr(value) in result.stderr
    assert not out.exists()


def _captured(monkeypatch: pytest.MonkeyPatch, *args: str) -> dict:
    """What ``lowback report ARGS`` hands to build_reports (which is not run)."""
    import lowback.publish.build

    seen: dict = {}

    def fake_build(notebooks, out_dir, **kwargs):
        seen.update(kwargs, out_dir=out_dir)
        return []

    monkeypatch.setattr(lowback.publish.build, "build_reports", fake_build)
    assert main(["report", NOTEBOOK, *args]) == 0
    return seen


def test_the_parameters_reach_the_build_and_name_its_folder(monkeypatch: pytest.MonkeyPatch):
    older = config.DATA_DIR / "scenarios" / "older-runners.toml"
    seen = _captured(
        monkeypatch, "--assumptions", str(older), "--seed", "7", "--size", str(MIN_COHORT_SIZE)
    )
    assert seen["parameters"] == {
        "ASSUMPTIONS": older,
        "RANDOM_SEED": 7,
        "COHORT_SIZE": MIN_COHORT_SIZE,
    }
    assert seen["out_dir"] == config.REPORTS_DIR / f"older-runners-seed-7-size-{MIN_COHORT_SIZE}"
    assert seen["explorer"] is True


def test_the_data_dir_goes_as_a_path_and_an_out_folder_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    seen = _captured(
        monkeypatch, "--data-dir", str(config.DATA_DIR), "--seed", "0", "--out", str(tmp_path)
    )
    assert seen["parameters"] == {"DATA_DIR": config.DATA_DIR, "RANDOM_SEED": 0}
    assert seen["out_dir"] == tmp_path
    assert _captured(monkeypatch)["parameters"] == {}  # none given: the notebooks as they are


# ---------------------------------------------------------------------------------------------
# The folder a report goes to: a scenario's own under reports/, never a place of the project
# ---------------------------------------------------------------------------------------------

OLDER = config.DATA_DIR / "scenarios" / "older-runners.toml"


def _scenario(folder: Path, name: str) -> Path:
    """A valid assumptions file (the older runners', its base named by absolute path)
    under another name."""
    path = folder / name
    base = (OLDER.parent / "../assumptions.toml").resolve().as_posix()
    text = OLDER.read_text(encoding="utf-8").replace('"../assumptions.toml"', f'"{base}"')
    path.write_text(text, encoding="utf-8")
    return path


def test_a_scenario_anywhere_gets_its_folder_under_reports(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    seen = _captured(monkeypatch, "--assumptions", str(_scenario(tmp_path, "x.toml")))
    assert seen["out_dir"] == config.REPORTS_DIR / "x"


@pytest.mark.parametrize("name", ["..toml", "...toml", ".toml", "x\n.toml"])
def test_a_scenario_name_that_is_no_folder_of_its_own_is_refused_before_any_notebook(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path, name: str
):
    """``..toml`` would have written into reports/ itself, ``...toml`` into the project."""
    import lowback.publish.build

    scenario = _scenario(tmp_path, name)
    built = []
    monkeypatch.setattr(lowback.publish.build, "build_reports", lambda *a, **k: built.append(a))
    assert main(["report", NOTEBOOK, "--assumptions", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert f"report not written, no notebook run: {scenario}: its name" in err
    assert "rename the file or give --out" in err
    assert built == []


def test_make_report_quotes_the_assumptions_file():
    """``make report ASSUMPTIONS='a b.toml'`` passes one argument (``make -n``: nothing runs)."""
    import shlex
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    for name in ("my scenario.toml", "it's $HOME $(shell echo x).toml"):
        result = subprocess.run(
            ["make", "-n", "report", f"ASSUMPTIONS={name}"],
            cwd=config.PROJECT_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        (line,) = [x for x in result.stdout.splitlines() if "lowback report" in x]
        words = shlex.split(line)
        assert words[words.index("--assumptions") + 1] == name
        assert "--out" not in words  # the scenario's own folder


def _guarded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a build gets as far as running a notebook (so writing anything)."""
    import lowback.publish.build
    import lowback.publish.slides

    def ran(*args, **kwargs):
        raise AssertionError("a notebook ran: the folder should have been refused")

    monkeypatch.setattr(lowback.publish.build, "execute_and_convert", ran)
    monkeypatch.setattr(lowback.publish.slides, "execute_and_convert", ran)


@pytest.mark.parametrize(
    ("out", "says"),
    [
        (Path("/"), "the file system's root"),
        (config.PROJECT_DIR, "the project's own folder"),
        (config.DATA_DIR, "the project's data/ folder"),
        (config.NOTEBOOKS_DIR, "the project's notebooks/ folder"),
        (config.PROJECT_DIR / "src", "the project's src/ folder"),
    ],
)
def test_report_refuses_an_out_folder_of_the_system_or_the_project(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, out: Path, says: str
):
    _guarded(monkeypatch)
    assert main(["report", NOTEBOOK, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"report not written: refusing to write reports into {out}: " in err
    assert says in err


def test_report_refuses_the_home_folder_and_a_folder_of_other_files(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path
):
    _guarded(monkeypatch)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert main(["report", NOTEBOOK, "--out", str(home)]) == 1
    assert "it is the home folder" in capsys.readouterr().err
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter-1.tex").write_text("mine", encoding="utf-8")
    assert main(["report", NOTEBOOK, "--out", str(mine)]) == 1
    assert (
        "it holds other files (chapter-1.tex) and no .lowback-built marker"
        in capsys.readouterr().err
    )
    assert [p.name for p in mine.iterdir()] == ["chapter-1.tex"]


def test_slides_refuse_an_out_folder_of_the_project(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path
):
    _guarded(monkeypatch)
    reveal = tmp_path / "reveal.js"  # a stand-in with the files a deck reads
    for relative in ("dist/reveal.js", "plugin/notes/notes.js", "dist/reveal.css"):
        (reveal / relative).parent.mkdir(parents=True, exist_ok=True)
        (reveal / relative).write_text("/* */", encoding="utf-8")
    (reveal / "dist/theme").mkdir()
    (reveal / "dist/theme/white.css").write_text("/* */", encoding="utf-8")
    args = ["slides", NOTEBOOK, "--no-lesson", "--reveal-dir", str(reveal)]
    assert main([*args, "--out", str(config.DATA_DIR)]) == 1
    err = capsys.readouterr().err
    assert f"slides not written: refusing to write slides into {config.DATA_DIR}: " in err
