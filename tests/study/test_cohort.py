"""The simulated cohort: reproducible, shaped by the claims, faithful to its assumptions."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from lowback.errors import AssumptionError
from lowback.study.assumptions import DEFAULT_ASSUMPTIONS, load_assumptions
from lowback.study.cohort import NO_PAIN, feature_columns, simulate
from lowback.study.rulebook import Rulebook

N = 40_000


@pytest.fixture(scope="module")
def cohort(kb):
    return simulate(kb, N, random_state=7)


def test_same_seed_same_frame_other_seed_other_frame(kb):
    first = simulate(kb, 2_000, random_state=11)
    assert first.equals(simulate(kb, 2_000, random_state=11))
    assert not first.equals(simulate(kb, 2_000, random_state=12))


def test_frame_has_one_column_per_sign_and_says_it_is_simulated(kb, cohort):
    columns = feature_columns(kb)
    expected = [
        "age",
        *columns["symptoms"],
        *columns["red_flags"],
        *columns["risk_factors"],
        "pain_type",
    ]
    assert list(cohort.columns) == expected
    assert cohort.index.name == "simulated_runner" and cohort.attrs["simulated"] is True
    assert list(cohort["pain_type"].cat.categories) == [NO_PAIN, "muscle", "bone", "disc"]
    assert all(cohort[c].dtype == bool for c in expected[1:-1])
    assert cohort["age"].between(18, 85).all()


def _rate(frame, column):
    return frame[column].mean()


def test_symptom_rates_follow_the_assumptions_and_the_claims(kb, cohort):
    assumptions = load_assumptions(kb)
    rules = Rulebook.from_kb(kb)
    noise = assumptions.misreport
    for symptom, (sensitivity, false_positive) in assumptions.symptoms.items():
        (own_type,) = rules.symptom_types[symptom]
        for pain_type, group in cohort[cohort["pain_type"] != NO_PAIN].groupby(
            "pain_type", observed=True
        ):
            base = sensitivity if pain_type == own_type else false_positive
            expected = base * (1 - noise) + (1 - base) * noise
            se = np.sqrt(expected * (1 - expected) / len(group))
            assert abs(_rate(group, symptom) - expected) < 4 * se + 1e-3, (symptom, pain_type)
    assert not cohort.loc[cohort["pain_type"] == NO_PAIN, list(assumptions.symptoms)].any().any()
    assert (cohort["age_over_65"] == (cohort["age"] >= 66)).all()


def test_risk_factors_shift_pain_types_as_the_claims_say(cohort):
    pain = cohort[cohort["pain_type"] != NO_PAIN]
    share_muscle = pain.groupby("weak_core")["pain_type"].apply(lambda s: (s == "muscle").mean())
    assert share_muscle[True] > share_muscle[False] + 0.05  # weak core -> muscle (c037)
    share_bone = pain.groupby("age_over_65")["pain_type"].apply(lambda s: (s == "bone").mean())
    assert share_bone[True] > 0.5 > share_bone[False]  # "chances are" arthritic (c031)
    has_pain = cohort["pain_type"] != NO_PAIN
    assert (
        has_pain[cohort["running_with_existing_pain"]].mean()
        > has_pain[~cohort["running_with_existing_pain"]].mean()
    )


def test_another_assumptions_file_gives_another_cohort(kb, tmp_path: Path):
    text = DEFAULT_ASSUMPTIONS.read_text(encoding="utf-8").replace("mean = 40.0", "mean = 65.0")
    older = tmp_path / "older.toml"
    older.write_text(text, encoding="utf-8")
    aged = simulate(kb, 5_000, assumptions=older, random_state=1)
    assert aged["age"].mean() > simulate(kb, 5_000, random_state=1)["age"].mean() + 15
    assert aged.attrs["assumptions"] == str(older)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            (
                'sensitivity = 0.80\nfalse_positive = 0.10\nrationale = "Disc',
                'sensitivity = 1.80\nfalse_positive = 0.10\nrationale = "Disc',
            ),
            "symptoms.pain_worse_when_bending.sensitivity: got 1.8; expected a number at most 1",
        ),
        (
            ("[symptoms.muscle_cramping]", "[symptoms.muscle_cramp]"),
            "symptoms.muscle_cramp: unknown symptom id (did you mean 'muscle_cramping'?)",
        ),
        (
            ("baseline_pain_risk = 0.30\n", ""),
            "cohort.baseline_pain_risk: missing; expected a value",
        ),
        (
            ('prevalence = 0.20\nrationale = "Bone', 'prevalence = 0.30\nrationale = "Bone'),
            "pain_types: prevalences sum to 1.1; expected 1",
        ),
        (
            ('claims = ["c030"]', 'claims = ["c999"]'),
            "symptoms.generalized_lumbar_pain.claims: unknown claim id 'c999'",
        ),
        (
            ("mean = 40.0", 'mean = "forty"'),
            "age.mean: got 'forty'; expected a number",
        ),
        (("[cohort]", "[cohort"), "not valid TOML"),
    ],
)
def test_bad_assumptions_get_an_error_naming_the_key(kb, tmp_path: Path, edit, message):
    old, new = edit
    text = DEFAULT_ASSUMPTIONS.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(AssumptionError) as raised:
        simulate(kb, 10, assumptions=broken)
    assert any(message in problem for problem in raised.value.problems), raised.value.problems
    assert str(broken) in str(raised.value)


def test_a_missing_assumptions_file_is_named(kb, tmp_path: Path):
    with pytest.raises(AssumptionError, match="does not exist"):
        load_assumptions(kb, tmp_path / "nowhere.toml")


@pytest.mark.parametrize(
    ("n", "error"), [(0, ValueError), (-5, ValueError), (2.5, TypeError), ("10", TypeError)]
)
def test_a_bad_cohort_size_is_refused(kb, n, error):
    with pytest.raises(error, match="n must"):
        simulate(kb, n)


def test_which_symptom_belongs_to_which_type_comes_from_the_claims(data_copy: Path):
    from lowback import load_knowledge_base

    claims = data_copy / "records" / "claims.csv"
    text = claims.read_text(encoding="utf-8")
    assert ",muscle_cramping,symptom_of,muscle," in text
    claims.write_text(
        text.replace(",muscle_cramping,symptom_of,muscle,", ",muscle_cramping,symptom_of,disc,"),
        encoding="utf-8",
    )
    shutil.copy(DEFAULT_ASSUMPTIONS, data_copy / "assumptions.toml")
    kb = load_knowledge_base(data_copy)
    cohort = simulate(kb, 20_000, assumptions=data_copy / "assumptions.toml", random_state=3)
    by_type = cohort.groupby("pain_type", observed=True)["muscle_cramping"].mean()
    assert by_type["disc"] > 0.4 > by_type["muscle"]
