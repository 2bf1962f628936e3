"""Each broken record set under tests/data/broken/ fails with exactly the problems it documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowback import RecordError, load_knowledge_base
from tests.conftest import BROKEN_DIR, assemble_broken_case, run_cli

CASES = sorted(p.name for p in BROKEN_DIR.iterdir() if p.is_dir() and not p.name.startswith("_"))


def expected_problems(name: str) -> list[str]:
    return (BROKEN_DIR / name / "expected.txt").read_text(encoding="utf-8").splitlines()


def test_the_base_of_the_corpus_is_valid():
    kb = load_knowledge_base(BROKEN_DIR / "_base")
    assert len(kb.claims) == 4
    # The base holds one of each new reading, so the cases can break each one.
    claims = kb.claims.set_index("id")
    assert claims.loc["c1", "reading"] == "inferred" and claims.loc["c1", "note"]
    assert claims.loc["c4", "modality"] == "hedges"
    triage = kb.triage.set_index("id")
    assert triage.loc["t1", ["red_flag", "raised_by", "basis", "via"]].tolist() == [
        "",
        "",
        "literal",
        "",
    ]
    assert triage.loc["t2", ["level", "basis", "via"]].tolist() == ["see_doctor", "inferred", "c4"]


@pytest.mark.parametrize("name", CASES)
def test_broken_set_raises_every_documented_problem(name: str, tmp_path: Path):
    data_dir = assemble_broken_case(name, tmp_path / name)
    with pytest.raises(RecordError) as raised:
        load_knowledge_base(data_dir)
    assert [str(p) for p in raised.value.problems] == expected_problems(name)


@pytest.mark.parametrize("name", ["missing_file", "quote_differs", "several_problems"])
def test_cli_validate_prints_the_problems_and_exits_1(name: str, tmp_path: Path):
    data_dir = assemble_broken_case(name, tmp_path / name)
    before = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    result = run_cli("validate", str(data_dir))
    assert result.returncode == 1
    for line in expected_problems(name):
        assert line in result.stderr
    assert "Traceback" not in result.stderr
    after = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    assert after == before, "validation must not change any file"
