"""assess: the red-flag gate first, then the tree; vignettes from the material."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowback.data.schema import TRIAGE_LEVELS
from lowback.study.triage import (
    AssessmentInputError,
    Assessor,
    assess,
    default_assessor,
)
from tests.conftest import run_cli as run

VIGNETTES = pd.read_csv(Path(__file__).parent / "vignettes.csv", dtype=str, keep_default_na=False)
JSON_KEYS = {"pain_type", "probabilities", "triage", "red_flags", "advice", "evidence", "path"}


def _split(cell: str) -> list[str]:
    return [part for part in cell.split(";") if part]


def _assess_vignette(row: pd.Series, assessor: Assessor | None = None):
    run = assessor.assess if assessor else assess
    return run(
        _split(row["symptoms"]),
        age=float(row["age"]) if row["age"] else None,
        risk_factors=_split(row["risk_factors"]),
    )


@pytest.mark.parametrize("index", VIGNETTES.index, ids=VIGNETTES["id"].tolist())
def test_vignette_gets_the_material_s_answer(index):
    row = VIGNETTES.loc[index]
    result = _assess_vignette(row)
    assert result.triage == row["triage"], row["because"]
    if row["pain_type"]:
        assert result.pain_type == row["pain_type"], row["because"]


def test_no_vignette_is_under_triaged():
    under = [
        row["id"]
        for _, row in VIGNETTES.iterrows()
        if TRIAGE_LEVELS.index(_assess_vignette(row).triage) < TRIAGE_LEVELS.index(row["triage"])
    ]
    assert under == []


class _AlwaysMuscleTree:
    """A hostile model: whatever the signs, 100 % muscle pain."""

    def __init__(self, real):
        self.features, self.classes = real.features, real.classes
        self.estimator = real.estimator


def test_no_model_can_overrule_the_gate(monkeypatch):
    """Replace the tree's leaves by certain muscle pain: triage must not move."""
    real = default_assessor()
    fake_tree = _AlwaysMuscleTree(real.tree)
    hostile = Assessor(real.kb, fake_tree, real.median_age)
    muscle = real.tree.classes.index("muscle")

    def certain_muscle(tree, leaf):
        shares = [0.0] * len(tree.classes)
        shares[muscle] = 1.0
        return shares

    monkeypatch.setattr("lowback.study.triage.leaf_shares", certain_muscle)
    for _, row in VIGNETTES.iterrows():
        result = _assess_vignette(row, hostile)
        assert result.triage == row["triage"], row["id"]
        if any(s in real.rules.symptom_types for s in _split(row["symptoms"])):
            assert result.pain_type == "muscle"  # the model's answer did change


signs = st.lists(st.sampled_from(default_assessor().signs), min_size=1, max_size=6, unique=True)


@settings(max_examples=200, deadline=None)
@given(signs, st.one_of(st.none(), st.integers(0, 120)))
def test_triage_is_the_gate_s_level_and_never_below_a_raised_flag(symptoms, age):
    assessor = default_assessor()
    result = assessor.assess(symptoms, age=age)
    raised_levels = [e.level for e in result.evidence if e.kind == "red_flag"]
    assert TRIAGE_LEVELS.index(result.triage) == max(
        [0, *(TRIAGE_LEVELS.index(level) for level in raised_levels)]
    )
    disc_signs = {s for s, types in assessor.rules.symptom_types.items() if types == {"disc"}}
    disc_signs |= {f for f, types in assessor.rules.red_flag_types.items() if types == {"disc"}}
    if disc_signs & set(symptoms):
        assert result.triage == "urgent"
    assert abs(sum(result.probabilities.values()) - 1) < 1e-3


def test_nothing_that_tells_types_apart_is_undetermined_not_a_guess():
    result = assess(["no_relief_from_self_care"], age=40)
    assert result.pain_type == "undetermined"
    assert result.triage == "see_doctor"


def test_evidence_quotes_are_the_material_at_their_offsets(kb):
    result = assess(["pain_worse_when_bending", "pain_radiates_to_legs"], age=50)
    raw = kb.texts["runners_low_back_pain"]
    assert {e.id for e in result.evidence if e.kind == "symptom"} == {
        "pain_worse_when_bending",
        "pain_radiates_to_legs",
    }
    for item in (*result.evidence, *result.advice):
        assert raw[item.start : item.end] == item.quote


def test_advice_fits_the_pain_type_and_the_risk_factors():
    result = assess(["pain_beside_spine", "muscle_cramping"], age=30, risk_factors=["weak_core"])
    targets = {a.target for a in result.advice}
    assert targets == {"low_back_pain", "muscle", "weak_core"}
    assert "foam_rolling" in {a.id for a in result.advice}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"symptoms": ["pain_worse_when_bendin"]}, "Did you mean 'pain_worse_when_bending'"),
        ({"symptoms": ["headache"]}, "Valid ids: pain_beside_spine"),
        ({"symptoms": []}, "at least one symptom"),
        ({"symptoms": [3]}, "ids are text"),
        ({"symptoms": ["pain_beside_spine"], "age": -1}, "between 0 and 120"),
        ({"symptoms": ["pain_beside_spine"], "age": 400}, "between 0 and 120"),
        ({"symptoms": ["pain_beside_spine"], "age": "old"}, "a number of years"),
        ({"symptoms": ["pain_beside_spine"], "age": float("nan")}, "a number of years"),
        (
            {"symptoms": ["pain_beside_spine"], "risk_factors": ["weak_cor"]},
            "Did you mean 'weak_core'",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(kwargs, message):
    with pytest.raises(AssessmentInputError, match=message.replace("(", r"\(")):
        assess(**kwargs)


def test_cli_assess_json_says_disc_and_urgent_with_quotes(kb):
    result = run(
        "assess",
        "--symptom",
        "pain_worse_when_bending",
        "--symptom",
        "pain_radiates_to_legs",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == JSON_KEYS
    assert (data["pain_type"], data["triage"]) == ("disc", "urgent")
    raw = kb.texts["runners_low_back_pain"]
    assert data["evidence"]
    for item in data["evidence"]:
        assert raw[item["start"] : item["end"]] == item["quote"]
    assert "not medical advice" in result.stderr


def test_cli_assess_readable_output_says_it_is_not_medical_advice():
    result = run("assess", "--symptom", "pain_radiates_to_toes", "--age", "50")
    assert result.returncode == 0
    assert "not medical advice" in result.stdout
    assert "URGENT" in result.stdout and "toes" in result.stdout


def test_cli_assess_unknown_id_exits_2_with_a_suggestion():
    result = run("assess", "--symptom", "pain_worse_when_bendin")
    assert result.returncode == 2
    assert "Did you mean 'pain_worse_when_bending'" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_symptoms_lists_every_sign_with_its_quote(kb):
    result = run("symptoms", "--json")
    listed = json.loads(result.stdout)
    assert [item["id"] for item in listed] == list(default_assessor().signs)
    raw = kb.texts["runners_low_back_pain"]
    assert all(raw[i["start"] : i["end"]] == i["quote"] for i in listed)
    assert {tuple(i["pain_types"]) for i in listed if i["id"] == "pain_radiates_to_legs"} == {
        ("disc",)
    }
