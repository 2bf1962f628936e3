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
