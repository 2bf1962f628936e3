"""`lowback export records|cohort`: what it writes, what it refuses, its exit codes.

Skipped until ``lowback.cli`` has the ``export`` command (its handler ``_export``).
"""

from __future__ import annotations

import hashlib
import json

import frictionless
import pytest

import lowback.cli
from lowback import config
from lowback.cli import main
from lowback.publish.export import DESCRIPTOR
from tests.conftest import run_cli as run

pytestmark = pytest.mark.skipif(
    not hasattr(lowback.cli, "_export"), reason="CLI not wired yet: no lowback.cli._export"
)


def test_export_records_writes_a_valid_package_and_lists_the_files(tmp_path, capsys):
    out = tmp_path / "records"
    assert main(["export", "records", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out / DESCRIPTOR}" in printed
    assert f"wrote {out / 'claims.parquet'}" in printed
    assert frictionless.validate(out / DESCRIPTOR).valid


def test_export_cohort_writes_the_seed_size_and_assumptions(tmp_path, capsys):
    out = tmp_path / "cohort"
    assert main(["export", "cohort", "--n", "300", "--seed", "5", "--out", str(out)]) == 0
    package = json.loads((out / DESCRIPTOR).read_text(encoding="utf-8"))
    default = config.DATA_DIR / "assumptions.toml"
    assert (package["simulated"], package["seed"], package["size"]) == (True, 5, 300)
    assert package["assumptions"]["sha256"] == hashlib.sha256(default.read_bytes()).hexdigest()
    assert f"wrote {out / 'cohort.csv'}" in capsys.readouterr().out


def test_a_non_empty_folder_is_refused_with_exit_2_until_force(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    args = ["export", "cohort", "--n", "50", "--seed", "1", "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("lowback export: ") and str(out) in err and "--force" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert main([*args, "--force"]) == 0
    assert (out / "cohort.parquet").is_file() and (out / "notes.txt").is_file()


@pytest.mark.parametrize(
    ("option", "value", "says"), [("--n", "0", "--n"), ("--seed", "-1", "--seed")]
)
def test_a_bad_size_or_seed_exits_2_naming_it(tmp_path, capsys, option, value, says):
    values = {"--n": "10", "--seed": "1", option: value}
    args = ["export", "cohort", *(x for kv in values.items() for x in kv)]
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lowback export: ") and says in err
    assert not (tmp_path / "out").exists()


def test_a_bad_assumptions_file_exits_2_naming_it(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = not [ toml", encoding="utf-8")
    args = ["export", "cohort", "--n", "10", "--seed", "1", "--assumptions", str(bad)]
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    assert str(bad) in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_output_that_cannot_be_written_exits_1(tmp_path, capsys):
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")
    assert main(["export", "records", "--out", str(a_file), "--force"]) == 1
    err = _without_missing_sources(capsys.readouterr().err)
    assert err.startswith("lowback export: ") and str(a_file) in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["export"],
        ["export", "records"],
        ["export", "cohort", "--n", "10", "--out", "x"],
        ["export", "cohort", "--n", "ten", "--seed", "1", "--out", "x"],
    ],
)
def test_missing_or_malformed_arguments_exit_2_with_usage(args):
    result = run(*args)
    assert result.returncode == 2
    assert "usage: lowback export" in result.stderr


def _without_missing_sources(err: str) -> str:
    """stderr without the line the CLI says for each fetched source not on this machine."""
    return "".join(
        line
        for line in err.splitlines(keepends=True)
        if not (line.startswith("lowback: source ") and "is missing" in line)
    )


@pytest.mark.parametrize("what", ["records", "cohort"])
@pytest.mark.parametrize("out", ["/", str(config.DATA_DIR), str(config.NOTEBOOKS_DIR)])
def test_the_root_and_the_projects_folders_are_refused_even_with_force(
    tmp_path, capsys, monkeypatch, what, out
):
    import lowback.publish.export

    def wrote(*args, **kwargs):
        raise AssertionError("the export was written: the folder should have been refused")

    monkeypatch.setattr(lowback.publish.export, "write_atomic_set", wrote)
    more = ["--n", "10", "--seed", "1"] if what == "cohort" else []
    assert main(["export", what, *more, "--out", out, "--force"]) == 1
    err = _without_missing_sources(capsys.readouterr().err)
    assert err.startswith(f"lowback export: refusing to write the export into {out}: ")
