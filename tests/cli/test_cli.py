"""The `lowback` command: summaries, located errors and exit codes."""

from __future__ import annotations

import pytest

from lowback import __version__
from lowback.cli import main
from tests.conftest import run_cli as run


def test_validate_summarises_the_shipped_records_by_kind(kb, capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK: {len(kb.sources)} source(s)")
    assert f"{len(kb.claims)} claims" in out
    for kind, count in kb.entities["kind"].value_counts().items():
        assert f"{count} {kind}" in out
    assert "0 uncovered" in out


def test_version_and_help():
    assert run("--version").stdout.strip() == f"lowback {__version__}"
    helped = run("--help")
    assert helped.returncode == 0
    assert "validate" in helped.stdout and "not medical advice" in helped.stdout


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["validate", "a", "b"], ["report"]])
def test_bad_arguments_exit_2_with_usage(args):
    result = run(*args)
    assert result.returncode == 2
    assert "usage: lowback" in result.stderr


def test_validate_on_a_missing_folder_names_it_and_exits_1(tmp_path):
    result = run("validate", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert str(tmp_path / "nowhere") in result.stderr
    assert "Traceback" not in result.stderr


def test_locate_prints_offsets_that_slice_back_to_the_quote(kb, capsys):
    quote = "radiates mainly to your legs"
    assert main(["locate", quote]) == 0
    _header, line = capsys.readouterr().out.splitlines()
    source, start, end, passage, topic = line.split(",")
    assert kb.texts[source][int(start) : int(end)] == quote
    assert (passage, topic) == ("article_symptoms", "article")


def test_locate_says_when_a_quote_is_not_in_the_material(capsys):
    assert main(["locate", "running cures everything"]) == 1
    assert "not found" in capsys.readouterr().err
