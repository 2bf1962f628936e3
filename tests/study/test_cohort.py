"""The simulated cohort: reproducible, shaped by the claims, faithful to its assumptions."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from lowback.errors import AssumptionError
from lowback.study.assumptions import DEFAULT_ASSUMPTIONS, OVER_65_FROM, load_assumptions
from lowback.study.cohort import NO_PAIN, feature_columns, simulate
from lowback.study.rulebook import Rulebook
from tests.conftest import append_record

N = 40_000


@pytest.fixture(scope="module")
def cohort(kb):
    return simulate(kb, N, random_state=7)


def test_same_seed_same_frame_other_seed_other_frame(kb):
    first = simulate(kb, 2_000, random_state=11)
    assert first.equals(simulate(kb, 2_000, random_state=11))
    assert not first.equals(simulate(kb, 2_000, random_state=12))


def test_frame_has_one_column_per_sign_and_says_it_is_simulated(study_kb, cohort):
    columns = feature_columns(study_kb)
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
    assert "age_over_65" not in cohort  # age is a risk factor, drawn as age; never a symptom


def _bone_share(frame, ages):
    pain = frame[(frame["pain_type"] != NO_PAIN) & ages(frame["age"])]
    return (pain["pain_type"] == "bone").mean(), len(pain)


def test_risk_factors_shift_pain_types_as_the_claims_say(cohort):
    pain = cohort[cohort["pain_type"] != NO_PAIN]
    share_muscle = pain.groupby("weak_core")["pain_type"].apply(lambda s: (s == "muscle").mean())
    assert share_muscle[True] > share_muscle[False] + 0.05  # weak core -> muscle (c037)
    over, _ = _bone_share(cohort, lambda age: age >= OVER_65_FROM)
    under, _ = _bone_share(cohort, lambda age: age < OVER_65_FROM)
    assert over > 0.5 > under  # "chances are" arthritic over 65 (c032, c033)
    has_pain = cohort["pain_type"] != NO_PAIN
    assert has_pain[cohort["older_age"]].mean() > has_pain[~cohort["older_age"]].mean()


def test_the_over_65_statement_is_counted_once(kb, tmp_path: Path):
    """With over_65_bone_weight = 1, runners over 65 have the bone share of those aged 50
    to 65: nothing else (older age's type risk, a symptom) counts the statement again."""
    assumptions = load_assumptions(kb)
    assert assumptions.over_65_types == ("bone",)  # older age -> arthritis -> bone pain
    assert assumptions.risk_factors["older_age"][2] == 1.0  # its type risk, as the file says
    text = DEFAULT_ASSUMPTIONS.read_text(encoding="utf-8")
    flat = tmp_path / "flat.toml"
    flat.write_text(text.replace("over_65_bone_weight = 6.0", "over_65_bone_weight = 1.0"))
    older = {"mean": 65.0}
    frame = simulate(kb, 60_000, assumptions=_with_age(flat, tmp_path, older), random_state=2)
    over, n_over = _bone_share(frame, lambda age: age >= OVER_65_FROM)
    middle, n_middle = _bone_share(frame, lambda age: (age >= 50) & (age < OVER_65_FROM))
    se = np.sqrt(middle * (1 - middle) * (1 / n_over + 1 / n_middle))
    assert abs(over - middle) < 4 * se
    weighted = simulate(kb, 60_000, assumptions=_with_age(DEFAULT_ASSUMPTIONS, tmp_path, older))
    assert _bone_share(weighted, lambda age: age >= OVER_65_FROM)[0] > over + 0.2


def _with_age(base: Path, folder: Path, age: dict) -> Path:
    path = folder / f"{base.stem}-aged.toml"
    lines = "".join(f"{key} = {value}\n" for key, value in age.items())
    path.write_text(f'extends = "{base}"\n\n[age]\n{lines}', encoding="utf-8")
    return path


def test_a_factor_that_only_worsens_pain_is_never_simulated(kb, data_copy: Path):
    """A risk_factor entity with a ``worsens`` claim and no risk_factor_for claim is no risk
    of getting pain: no column, no default numbers, and an assumption for it is an error."""
    from lowback import load_knowledge_base

    records = data_copy / "records"
    append_record(
        records / "entities.csv",
        {
            "id": "running_while_sore",
            "kind": "risk_factor",
            "label": "Running while sore",
            "description": "Running with back pain one already has.",
            "group": "",
        },
    )
    c020 = kb.claims.set_index("id").loc["c020"]  # "running can make the pain worse"
    append_record(
        records / "claims.csv",
        {
            **c020.to_dict(),
            "id": "c999",
            "subject": "running_while_sore",
            "relation": "worsens",
            "object": "low_back_pain",
        },
    )
    kb = load_knowledge_base(data_copy)
    assert "running_while_sore" not in Rulebook.of(kb).risk_factors
    assumptions = data_copy / "assumptions.toml"
    shutil.copy(DEFAULT_ASSUMPTIONS, assumptions)
    frame = simulate(kb, 2_000, assumptions=assumptions, random_state=0)
    assert "running_while_sore" not in frame
    with assumptions.open("a", encoding="utf-8") as f:
        f.write('\n[risk_factors.running_while_sore]\nprevalence = 0.2\nrationale = "x"\n')
    with pytest.raises(AssumptionError, match=r"risk_factors\.running_while_sore: unknown"):
        load_assumptions(kb, assumptions)


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
        (
            ("[symptoms.muscle_cramping]", "[symptoms.age_over_65]"),
            "symptoms.age_over_65: unknown symptom id",
        ),
        (
            ("[red_flags.suspected_arthritis]", "[red_flags.suspected_arthritis_or_disc_damage]"),
            "red_flags.suspected_arthritis_or_disc_damage: unknown reportable red flag id",
        ),
        (
            ("[risk_factors.beginner_runner]\n", "[risk_factors.running_with_existing_pain]\n"),
            "risk_factors.running_with_existing_pain: unknown risk factor id",
        ),
        (
            ("background = 0.08\n", "rate = 0.3\nbackground = 0.08\n"),
            "red_flags.persistent_or_severe_pain.rate: got 0.3; expected none",
        ),
        (
            (
                "[risk_factors.beginner_runner]\n",
                "[risk_factors.beginner_runner]\ntype_risk = 2.0\n",
            ),
            "risk_factors.beginner_runner.type_risk: got 2.0; expected none",
        ),
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
