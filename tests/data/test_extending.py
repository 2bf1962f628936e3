"""Analysts extend the records: a second source, a new sentence, a removed skip."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from lowback import RecordError, load_knowledge_base
from tests.conftest import append_record, run_cli

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
        {
            "id": "hill_running",
            "path": "raw/second.txt",
            "title": "A second article",
            "sha256": hashlib.sha256(SECOND.encode()).hexdigest(),
        },
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


def test_a_second_source_is_added_with_no_code_change(data_copy: Path):
    _add_second_source(data_copy)
    kb = load_knowledge_base(data_copy)
    assert set(kb.sources["id"]) == {"runners_low_back_pain", "hill_running"}
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
    assert "2 source(s)" in result.stdout


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
