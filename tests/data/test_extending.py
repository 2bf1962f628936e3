"""Analysts extend the records: a second source, a new sentence, a removed skip."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pandas as pd
import pytest

from lowback import RecordError, load_knowledge_base
from lowback.study.assumptions import load_assumptions
from lowback.study.cohort import simulate
from lowback.study.gate import RedFlagGate
from lowback.study.rulebook import Rulebook
from tests.conftest import append_record, run_cli, text_source_row

SECOND = (
    "Hill repeats strain the lower back. If your feet go numb after hill repeats, see a doctor. "
    "Subscribe to our newsletter!\n"
)
HILL_RISK = "Hill repeats strain the lower back."
HILL_FLAG = "If your feet go numb after hill repeats, see a doctor."


def _span(quote: str) -> dict[str, object]:
    start = SECOND.index(quote)
    return {"start": start, "end": start + len(quote)}


def _add_second_source(data: Path, *, quote: str = HILL_RISK) -> None:
    """A second article: two entities, two claims and a triage rule, in the new columns."""
    (data / "raw" / "second.txt").write_text(SECOND, encoding="utf-8")
    records = data / "records"
    cut = SECOND.index("Subscribe")
    append_record(
        records / "sources.csv",
        text_source_row("hill_running", "raw/second.txt", SECOND, "A second article"),
    )
    append_record(
        records / "passages.csv",
        {
            "id": "hill_article",
            "source": "hill_running",
            "start": 0,
            "end": cut,
            "topic": "article",
            "heading": "",
        },
    )
    append_record(
        records / "passages.csv",
        {
            "id": "hill_advert",
            "source": "hill_running",
            "start": cut,
            "end": len(SECOND),
            "topic": "off_topic",
            "heading": "Advert",
        },
    )
    for entity in (
        {
            "id": "hill_repeats",
            "kind": "risk_factor",
            "label": "Hill repeats",
            "description": "Running hill repeats.",
            "group": "overtraining",
        },
        {
            "id": "numb_feet_after_hills",
            "kind": "red_flag",
            "label": "Numb feet after hills",
            "description": "Feet that go numb after hill repeats.",
            "group": "",
        },
    ):
        append_record(records / "entities.csv", entity)
    claim = {"source": "hill_running", "passage": "hill_article", "attributed": "article"}
    append_record(
        records / "claims.csv",
        {
            **claim,
            "id": "hill_c1",
            "subject": "hill_repeats",
            "relation": "risk_factor_for",
            "object": "low_back_pain",
            "quote": quote,
            **_span(HILL_RISK),
            "modality": "states",
            "reading": "literal",
            "note": "",
        },
    )
    append_record(
        records / "claims.csv",
        {
            **claim,
            "id": "hill_c2",
            "subject": "numb_feet_after_hills",
            "relation": "red_flag_for",
            "object": "low_back_pain",
            "quote": HILL_FLAG,
            **_span(HILL_FLAG),
            "modality": "recommends",
            "reading": "inferred",
            "note": "The article is on back pain: its sign to see a doctor is read as one with it.",
        },
    )
    append_record(
        records / "triage.csv",
        {
            "id": "hill_t1",
            "level": "see_doctor",
            "red_flag": "numb_feet_after_hills",
            "raised_by": "reported",
            "basis": "literal",
            "via": "",
            "source": "hill_running",
            "quote": HILL_FLAG,
            **_span(HILL_FLAG),
            "passage": "hill_article",
            "note": "",
        },
    )


def test_a_second_source_is_added_with_no_code_change(data_copy: Path, kb):
    _add_second_source(data_copy)
    extended = load_knowledge_base(data_copy)
    assert extended.sources["id"].tolist() == [*kb.sources["id"], "hill_running"]
    kb = extended
    claim = kb.claims.set_index("id").loc["hill_c1"]
    assert kb.texts["hill_running"][claim["start"] : claim["end"]] == claim["quote"]
    assert claim[["modality", "attributed", "reading"]].tolist() == ["states", "article", "literal"]
    rule = kb.triage.set_index("id").loc["hill_t1"]
    assert rule[["level", "raised_by", "basis", "via"]].tolist() == [
        "see_doctor",
        "reported",
        "literal",
        "",
    ]
    result = run_cli("validate", str(data_copy))
    assert result.returncode == 0, result.stderr
    assert f"{len(kb.sources)} source(s)" in result.stdout


def test_a_second_source_changes_no_simulated_runner(data_copy: Path, kb):
    _add_second_source(data_copy)
    extended = load_knowledge_base(data_copy)
    # Its risk factor is a risk factor of the records as a whole...
    assert "hill_repeats" in Rulebook.of(extended).risk_factors
    # ...but the simulation reads only the sources the assumptions name.
    shipped = simulate(kb, 2_000, random_state=7)
    with_second = simulate(extended, 2_000, random_state=7)
    pd.testing.assert_frame_equal(with_second, shipped)
    assert (
        with_second.attrs["sources"]
        == shipped.attrs["sources"]
        == list(load_assumptions(kb).sources)
    )
    assert "hill_repeats" not in with_second.columns


def test_a_second_source_named_in_the_assumptions_is_simulated(data_copy: Path, tmp_path: Path):
    _add_second_source(data_copy)
    extended = load_knowledge_base(data_copy)
    scenario = tmp_path / "with-hills.toml"
    base = (data_copy / "assumptions.toml").resolve()
    shipped = load_assumptions(extended).sources
    scenario.write_text(
        f'extends = "{base}"\n[study]\nsources = {[*shipped, "hill_running"]!r}\n'.replace(
            "'", '"'
        ),
        encoding="utf-8",
    )
    cohort = simulate(extended, 500, assumptions=scenario, random_state=7)
    assert "hill_repeats" in cohort.columns  # named, it is simulated (with default numbers)
    assert cohort.attrs["sources"] == [*shipped, "hill_running"]


def test_the_gate_takes_a_second_sources_warning_sign_with_its_publisher(data_copy: Path):
    _add_second_source(data_copy)
    extended = load_knowledge_base(data_copy)
    verdict = RedFlagGate(extended).check({"numb_feet_after_hills"})
    (reason,) = verdict.reasons
    assert (verdict.level, reason.rule, reason.source) == ("see_doctor", "hill_t1", "hill_running")
    assert reason.attributed == f"A second article: \u201c{HILL_FLAG}\u201d"
    assert "numb_feet_after_hills" in RedFlagGate(extended).reportable


def test_a_second_source_with_a_wrong_quote_is_caught_on_its_own_row(data_copy: Path):
    _add_second_source(data_copy, quote="Hill repeats strain the upper back.")
    with pytest.raises(RecordError) as raised:
        load_knowledge_base(data_copy)
    (problem,) = raised.value.problems
    assert (problem.file, problem.column) == ("records/claims.csv", "quote")
    claims_rows = (data_copy / "records" / "claims.csv").read_text(encoding="utf-8").splitlines()
    hill_c1 = next(n for n, line in enumerate(claims_rows, 1) if line.startswith("hill_c1,"))
    assert problem.row == hill_c1  # the appended row, header counted as row 1


def test_validate_names_a_sentence_that_lost_its_skip(data_copy: Path):
    skipped = data_copy / "records" / "skipped.csv"
    lines = skipped.read_text(encoding="utf-8").splitlines(keepends=True)
    removed = next(csv.DictReader(lines[:1] + lines[1:2]))
    skipped.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")
    result = run_cli("validate", str(data_copy))
    assert result.returncode == 1
    assert removed["quote"] in result.stderr
    assert "1 uncovered" in result.stdout


def test_a_source_that_is_not_utf8_is_located_by_line_and_byte(data_copy: Path):
    data = "Hill repeats strain the lower back.\nCaf\xe9 stretches help.\n".encode("latin-1")
    (data_copy / "raw" / "latin1.txt").write_bytes(data)
    row = text_source_row("latin1_source", "raw/latin1.txt", "", "A Latin-1 file")
    digest = hashlib.sha256(data).hexdigest()
    append_record(data_copy / "records" / "sources.csv", row | {"sha256": digest})
    with pytest.raises(RecordError) as raised:
        load_knowledge_base(data_copy)
    found = [str(p) for p in raised.value.problems if p.file == "raw/latin1.txt"]
    assert found == ["raw/latin1.txt, row 2: got 'byte 0xe9'; expected UTF-8 text"]
