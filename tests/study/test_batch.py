"""Batch assessment: rows of a profiles CSV, each checked, assessed as ``assess`` would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lowback.errors import AssessmentInputError
from lowback.study.batch import Batch, usable_entities
from lowback.study.triage import MODEL_SEED, assess, default_assessor

GOOD = """id,symptoms,age,risk_factors
r1,pain_radiates_to_toes,50,
r2,"pain_beside_spine; muscle_cramping",30,weak_core;overuse

,pain_worse_when_bending,,
"""


@pytest.fixture(scope="module")
def batch() -> Batch:
    return Batch()


def _file(tmp_path: Path, text: str, name: str = "profiles.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_row_gets_what_assess_gives_it(batch, tmp_path):
    results = list(batch.assess(_file(tmp_path, GOOD)))
    assert [r.profile.line for r in results] == [2, 3, 5]  # the blank line 4 is no runner
    assert [r.profile.id for r in results] == ["r1", "r2", "5"]  # no id: the line
    for r in results:
        p = r.profile
        assert not r.problems
        assert r.assessment == assess(p.symptoms, age=p.age, risk_factors=p.risk_factors)
    assert results[1].profile.symptoms == ("pain_beside_spine", "muscle_cramping")
    assert results[1].profile.risk_factors == ("weak_core", "overuse")
    assert results[2].profile.age is None


def test_a_record_echoes_the_inputs_the_sources_and_the_seed(batch, tmp_path):
    result = list(batch.assess(_file(tmp_path, GOOD)))[1]
    record = batch.record(result)
    assessor = default_assessor()
    assert record["id"] == "r2" and record["line"] == 3 and record["age"] == 30.0
    assert record["symptoms"] == ["pain_beside_spine", "muscle_cramping"]
    assert record["sources"] == list(assessor.tree.sources)
    assert set(record["gate_sources"]) == set(assessor.all_records.sources["id"])
    assert record["seed"] == MODEL_SEED
    assert record["problems"] == []
    public = result.assessment.to_dict()
    assert {k: record[k] for k in public} == public


def test_the_json_line_is_the_record(batch, tmp_path):
    text = GOOD + "r9,pain_worse_when_bendin,abc,\n"
    for result in batch.assess(_file(tmp_path, text)):
        line = batch.json_line(result)
        assert "\n" not in line
        assert json.loads(line) == batch.record(result)


def test_the_flat_record_has_the_columns_and_the_first_reason(batch, tmp_path):
    r1 = next(iter(batch.assess(_file(tmp_path, GOOD))))
    row = batch.flat_record(r1)
    assert tuple(row) == batch.flat_columns
    reason = r1.assessment.reasons[0]
    assert (row["triage"], row["reason_rule"], row["reason_quote"]) == (
        r1.assessment.triage,
        reason.rule,
        reason.quote,
    )
    assert row["red_flags"] == ";".join(r1.assessment.red_flags)
    assert row["seed"] == MODEL_SEED


def test_bad_rows_are_located_and_the_others_still_assessed(batch, tmp_path):
    text = (
        "id,symptoms,age,risk_factors\n"
        "a,pain_worse_when_bendin,40,\n"  # line 2: a typo
        "b,pain_beside_spine,abc,weak_cor\n"  # line 3: two problems
        "c,,40,\n"  # line 4: no symptom
        "d,pain_beside_spine,200,\n"  # line 5: age out of range
        "e,weak_core,40,\n"  # line 6: a risk factor among the signs
        "f,pain_beside_spine,40\n"  # line 7: a field short
        "g,pain_beside_spine,40,,x\n"  # line 8: a field too many
        "h,pain_beside_spine,nan,\n"  # line 9: not a number of years
        "i,pain_beside_spine,40,\n"  # line 10: fine
    )
    path = _file(tmp_path, text)
    results = list(batch.assess(path))
    located = {(p.row, p.column) for r in results for p in r.problems}
    assert located == {
        (2, "symptoms"),
        (3, "age"),
        (3, "risk_factors"),
        (4, "symptoms"),
        (5, "age"),
        (6, "symptoms"),
        (7, "risk_factors"),
        (8, None),
        (9, "age"),
    }
    assert all(p.file == str(path) for r in results for p in r.problems)
    assert [r.assessment is None for r in results] == [True] * 8 + [False]
    messages = {str(p) for r in results for p in r.problems}
    assert any("did you mean 'pain_worse_when_bending'?" in m for m in messages)
    assert any("did you mean 'weak_core'?" in m for m in messages)
    assert any("a risk factor: it goes in risk_factors" in m for m in messages)
    assert batch.record(results[1])["age"] == "abc"  # echoed as written


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("id,age", "no 'symptoms' column"),
        ("symptom,age", "unknown column 'symptom'; did you mean 'symptoms'?"),
        ("symptoms,symptoms", "column 'symptoms' appears more than once"),
        ("", "no 'symptoms' column"),
    ],
)
def test_a_bad_header_is_an_error_naming_the_file(batch, tmp_path, header, message):
    path = _file(tmp_path, header + "\npain_beside_spine,40\n")
    with pytest.raises(AssessmentInputError, match=r"profiles\.csv, line 1") as err:
        list(batch.read(path))
    assert message in str(err.value)


def test_a_missing_file_raises(batch, tmp_path):
    with pytest.raises(FileNotFoundError):
        list(batch.read(tmp_path / "nowhere.csv"))


def test_the_same_profile_is_assessed_once(tmp_path, monkeypatch):
    assessor = default_assessor()
    calls = []
    real = assessor.assess
    monkeypatch.setattr(assessor, "assess", lambda *a, **k: calls.append(a) or real(*a, **k))
    text = "symptoms,age\npain_beside_spine,40\npain_beside_spine,40\npain_beside_spine,41\n"
    results = list(Batch(assessor, seed=MODEL_SEED).assess(_file(tmp_path, text)))
    assert len(calls) == 2
    assert results[0].assessment is results[1].assessment


def test_usable_entities_are_what_the_default_assessor_takes(all_records):
    assessor = default_assessor()
    rows = usable_entities(all_records)
    assert [r["id"] for r in rows] == all_records.entities["id"].tolist()
    assert {r["id"] for r in rows if r["sign"]} == set(assessor.signs)
    assert {r["id"] for r in rows if r["risk_factor"]} == set(assessor.rules.risk_factors)
