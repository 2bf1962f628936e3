"""Values an assumptions file may hold: each number in a range the whole study can run on.

A value that passed the up-front check and then broke a notebook (a pain type never drawn,
a risk factor no runner or every runner has) is refused by name, with the reason; so is a
boolean, a text or a NaN where a number goes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lowback.errors import AssumptionError
from lowback.study.assumptions import DEFAULT_ASSUMPTIONS, load_assumptions
from lowback.study.cohort import simulate
from lowback.study.risk import relative_risks
from lowback.study.tree import fit_tree

BONE = 'prevalence = 0.20\nrationale = "Bone'
MUSCLE = "prevalence = 0.50\n"
POSTURE = "[risk_factors.poor_posture]\nprevalence = 0.30\n"


def _edited(folder: Path, *edits: tuple[str, str]) -> Path:
    """The shipped assumptions with each ``(old, new)`` text replaced once."""
    text = DEFAULT_ASSUMPTIONS.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = folder / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(kb, path: Path) -> list[str]:
    with pytest.raises(AssumptionError) as raised:
        load_assumptions(kb, path)
    assert str(path) in str(raised.value)
    return raised.value.problems


@pytest.mark.parametrize(
    ("edits", "key", "expected"),
    [
        # bone never drawn: its relative risks were 0 / 0 (NaN), notebook 03's assert failed
        (
            [(MUSCLE, "prevalence = 0.70\n"), (BONE, BONE.replace("0.20", "0.0"))],
            "pain_types.bone.prevalence: got 0.0; expected a number greater than 0",
            "never simulated",
        ),
        # no runner with pain: no tree to fit, every notebook 02 cell after the cohort failed
        (
            [("baseline_pain_risk = 0.30", "baseline_pain_risk = 0")],
            "cohort.baseline_pain_risk: got 0; expected a number greater than 0",
            "no simulated runner has low back pain",
        ),
        (
            [("baseline_pain_risk = 0.30", "baseline_pain_risk = 1.0")],
            "cohort.baseline_pain_risk: got 1.0; expected a number less than 1",
            "every simulated runner has low back pain",
        ),
        # nobody of 120 among runners of at most 85: older age's relative risks were NaN
        (
            [("older_age_from = 50", "older_age_from = 120")],
            "age.older_age_from: got 120; expected at most age.max (85)",
            "no runner",
        ),
        (
            [("older_age_from = 50", "older_age_from = 18")],
            "age.older_age_from: got 18; expected more than age.min (18)",
            "every runner",
        ),
        # every runner clipped to 18: nobody older, the same NaN
        (
            [("mean = 40.0", "mean = 0.0")],
            "age.mean: got 0.0; expected between age.min (18) and age.max (85)",
            "clipped",
        ),
        (
            [(POSTURE, POSTURE.replace("0.30", "0.0"))],
            "risk_factors.poor_posture.prevalence: got 0.0; expected a number greater than 0",
            "relative risk",
        ),
        (
            [(POSTURE, POSTURE.replace("0.30", "1.0"))],
            "risk_factors.poor_posture.prevalence: got 1.0; expected a number less than 1",
            "relative risk",
        ),
        (
            [("prevalence = 0.20\npain_odds_ratio = 1.3", "prevalence = 0\npain_odds_ratio = 1.3")],
            "risk_factor_defaults.prevalence: got 0; expected a number greater than 0",
            "relative risk",
        ),
    ],
)
def test_a_value_the_study_cannot_run_on_is_refused_with_its_reason(
    kb, tmp_path: Path, edits, key, expected
):
    problems = _problems(kb, _edited(tmp_path, *edits))
    assert any(key in p and expected in p for p in problems), problems


def test_values_at_the_edge_of_the_checks_run_through_the_study(kb, tmp_path: Path):
    """Inside every bound above, however near, the cohort has every pain type and both
    sides of every risk factor, so the tree fits and every relative risk is a number (a
    count near 0 of a rare outcome among few runners is another matter, which no bound
    on one value can rule out)."""
    path = _edited(
        tmp_path,
        (MUSCLE, "prevalence = 0.65\n"),
        (BONE, BONE.replace("0.20", "0.05")),
        ("baseline_pain_risk = 0.30", "baseline_pain_risk = 0.1"),
        ("older_age_from = 50", "older_age_from = 19"),
        (POSTURE, POSTURE.replace("0.30", "0.9")),
    )
    assumptions = load_assumptions(kb, path)
    cohort = simulate(kb, 20_000, assumptions=assumptions, random_state=3)
    assert (cohort["pain_type"].value_counts() > 0).all()
    assert fit_tree(kb, cohort, random_state=0).estimator.n_classes_ == 3
    effects = relative_risks(kb, cohort, n_resamples=30, random_state=0)
    values = effects[["relative_risk", "low", "high"]].to_numpy()
    assert np.isfinite(values).all()
    assert (
        (effects["low"] <= effects["relative_risk"]) & (effects["relative_risk"] <= effects["high"])
    ).all()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a boolean is an int in Python: `mean = true` was read as 1.0
        ("mean = 40.0", "mean = true", "age.mean: got true (a boolean); expected a number"),
        ("min = 18", "min = false", "age.min: got false (a boolean); expected a whole number"),
        (
            "misreport = 0.05",
            "misreport = true",
            "noise.misreport: got true (a boolean); expected a number",
        ),
        # a text of digits was read as its number
        ("sd = 13.0", 'sd = "13"', "age.sd: got '13'; expected a number"),
        ("max = 85", 'max = "85"', "age.max: got '85'; expected a whole number"),
        # NaN and inf are TOML floats: they were refused as "at most 120", which they are not
        ("mean = 40.0", "mean = nan", "age.mean: got nan; expected a finite number"),
        ("mean = 40.0", "mean = -inf", "age.mean: got -inf; expected a finite number"),
        ("older_age_from = 50", "older_age_from = 50.0", "expected a whole number"),
    ],
)
def test_a_number_of_the_wrong_kind_is_refused_by_key(kb, tmp_path: Path, old, new, expected):
    problems = _problems(kb, _edited(tmp_path, (old, new)))
    assert any(expected in p for p in problems), problems


def test_a_bad_value_in_a_base_file_names_that_file(kb, tmp_path: Path):
    base = _edited(tmp_path, ("mean = 40.0", "mean = true"))
    scenario = tmp_path / "on-top.toml"
    scenario.write_text('extends = "scenario.toml"\n[age]\nsd = 10.0\n', encoding="utf-8")
    problems = _problems(kb, scenario)
    assert problems == [f"age.mean: got true (a boolean); expected a number (set in {base})"]


def test_a_number_in_a_text_key_is_still_refused(kb, tmp_path: Path):
    problems = _problems(
        kb, _edited(tmp_path, ('sources = ["runners_low_back_pain"]', "sources = [true]"))
    )
    assert any(
        p.startswith("study.sources.0: got true (a boolean); expected a text") for p in problems
    )


def test_misreport_levels_of_the_noise_sweep_are_numbers(kb):
    assumptions = load_assumptions(kb)
    assert assumptions.with_misreport(np.float64(0.3)).misreport == 0.3
    with pytest.raises(AssumptionError, match=r"noise\.misreport: got true \(a boolean\)"):
        assumptions.with_misreport(True)
