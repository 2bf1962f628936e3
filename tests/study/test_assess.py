"""assess: the red-flag gate first, then the tree; vignettes from the material."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowback.cli import main
from lowback.data.schema import REPORTED, TRIAGE_LEVELS
from lowback.study.abstention import article_type
from lowback.study.triage import (
    AssessmentInputError,
    Assessor,
    assess,
    default_assessor,
)
from tests.conftest import IN_CI, MISSING_FETCHED
from tests.conftest import run_cli as run

VIGNETTES = pd.read_csv(Path(__file__).parent / "vignettes.csv", dtype=str, keep_default_na=False)
# A vignette with a sign only a fetched source names (the NIH's) needs that source: without
# it, the sign is unknown (the conftest's summary says the NIH is missing, loudly).
_NEEDS_FETCHED = VIGNETTES["decided_by"].isin(["t14", "t15", "t16", "t17"])
if MISSING_FETCHED and not IN_CI:
    VIGNETTES = VIGNETTES[~_NEEDS_FETCHED].reset_index(drop=True)
JSON_KEYS = {
    "pain_type",
    "probabilities",
    "triage",
    "red_flags",
    "advice",
    "evidence",
    "path",
    "reasons",
    "abstain_reason",
}
REASON_KEYS = {
    "source",
    "publisher",
    "rule",
    "red_flag",
    "label",
    "level",
    "basis",
    "raised_by",
    "via",
    "quote",
    "start",
    "end",
    "note",
}
SELF_CARE = TRIAGE_LEVELS[0]


def _split(cell: str, sep: str = ";") -> list[str]:
    return [part for part in cell.split(sep) if part]


def _assess_vignette(row: pd.Series, assessor: Assessor | None = None):
    run = assessor.assess if assessor else assess
    return run(
        _split(row["symptoms"]),
        age=float(row["age"]) if row["age"] else None,
        risk_factors=_split(row["risk_factors"]),
    )


@pytest.mark.parametrize("index", VIGNETTES.index, ids=VIGNETTES["id"].tolist())
def test_vignette_gets_the_material_s_answer_for_the_material_s_reason(index):
    row = VIGNETTES.loc[index]
    result = _assess_vignette(row)
    assert result.triage == row["triage"], row["because"]
    if row["pain_type"]:
        assert result.pain_type == row["pain_type"], row["because"]
        # An undetermined type comes with its reason in words; a named one with none.
        assert bool(result.abstain_reason) == (row["pain_type"] == "undetermined"), row["id"]
    reasons = {r.rule: r for r in result.reasons}
    assert row["decided_by"] in reasons, (row["id"], list(reasons))
    deciding = reasons[row["decided_by"]]
    assert deciding.level == result.triage  # its sentence names the verdict's level
    basis, *via = row["basis"].split()
    assert (deciding.basis, list(deciding.via)) == (basis, via), row["id"]
    for also in _split(row["also"], " "):
        assert also in reasons, (row["id"], also, list(reasons))
    assert result.reasons[0].level == result.triage


def test_the_vignettes_cover_every_reportable_sign_alone():
    alone = VIGNETTES[
        (~VIGNETTES["symptoms"].str.contains(";"))
        & (VIGNETTES["age"] == "40")
        & (VIGNETTES["risk_factors"] == "")
    ]
    assert sorted(alone["symptoms"]) == sorted(default_assessor().signs)


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
        self.estimator, self.sources = real.estimator, real.sources


def test_no_model_can_overrule_the_gate(monkeypatch):
    """Replace the tree's leaves by certain muscle pain: triage and reasons must not move."""
    real = default_assessor()
    fake_tree = _AlwaysMuscleTree(real.tree)
    hostile = Assessor(real.all_records, fake_tree, real.median_age)
    muscle = real.tree.classes.index("muscle")

    def certain_muscle(tree, leaf):
        shares = [0.0] * len(tree.classes)
        shares[muscle] = 1.0
        return np.array(shares)

    before = {row["id"]: _assess_vignette(row) for _, row in VIGNETTES.iterrows()}
    monkeypatch.setattr("lowback.study.abstention.leaf_shares", certain_muscle)
    changed = 0
    for _, row in VIGNETTES.iterrows():
        result = _assess_vignette(row, hostile)
        assert result.triage == row["triage"], row["id"]
        assert result.reasons == before[row["id"]].reasons, row["id"]
        signs = _split(row["symptoms"])
        if not any(s in real.rules.symptom_types for s in signs):
            assert result.pain_type == "undetermined", row["id"]
        elif article_type(real.rules, signs) not in ("", "muscle"):
            # Certain muscle against the article's words names nothing.
            assert result.pain_type == "undetermined", row["id"]
            assert "no type is named against the article's words" in result.abstain_reason
        else:
            assert result.pain_type in ("muscle", "undetermined"), row["id"]
        changed += result.pain_type != before[row["id"]].pain_type
    assert changed  # the model's answer did change


def _fires(rule: dict, signs: set[str]) -> bool:
    """The spec's rule, written again: reported red flag, or every sign named."""
    if rule["raised_by"] == REPORTED:
        return rule["red_flag"] in signs
    return set(rule["raised_by"].split()) <= signs


signs = st.lists(st.sampled_from(default_assessor().signs), min_size=1, max_size=6, unique=True)


@settings(max_examples=200, deadline=None)
@given(signs, st.one_of(st.none(), st.integers(0, 120)))
def test_the_gate_fires_exactly_the_rules_whose_signs_are_all_reported(symptoms, age):
    assessor = default_assessor()
    result = assessor.assess(symptoms, age=age)
    triage = assessor.all_records.triage  # the gate reads every source
    triage["level"] = triage["level"].astype(str)
    rules = [r for r in triage.to_dict("records") if r["red_flag"]]
    fired = {r["id"] for r in rules if _fires(r, set(symptoms))}
    baseline = triage.loc[triage["red_flag"] == "", "id"].tolist()
    assert {r.rule for r in result.reasons} == (fired or set(baseline))
    levels = [TRIAGE_LEVELS.index(r.level) for r in result.reasons]
    assert TRIAGE_LEVELS.index(result.triage) == max(levels) == levels[0]
    assert levels == sorted(levels, reverse=True)  # most pressing first
    for reason in result.reasons:
        assert set(reason.raised_by) <= set(symptoms)
    assert set(result.red_flags) == {r.red_flag for r in result.reasons if r.red_flag}
    # The evidence is what the runner reports, and nothing else: a raised flag the
    # runner did not report shows only with the reason that raised it.
    assert {e.id for e in result.evidence} == set(symptoms)
    assert abs(sum(result.probabilities.values()) - 1) < 1e-3


@settings(max_examples=150, deadline=None)
@given(signs, st.sampled_from(default_assessor().signs), st.integers(0, 120), st.integers(0, 120))
def test_adding_a_sign_never_lowers_the_triage_and_age_never_moves_it(symptoms, extra, age, other):
    assessor = default_assessor()
    before = assessor.assess(symptoms, age=age)
    after = assessor.assess([*symptoms, extra], age=age)
    assert TRIAGE_LEVELS.index(after.triage) >= TRIAGE_LEVELS.index(before.triage)
    assert set(before.red_flags) <= set(after.red_flags)
    # Age is a risk factor, not a sign: no triage rule reads it.
    assert assessor.assess(symptoms, age=other).reasons == before.reasons


def test_a_hedge_never_raises_a_level_above_see_doctor(kb):
    claims = kb.claims.set_index("id")
    hedged = set(claims.index[claims["modality"].astype(str) == "hedges"])
    assessor = default_assessor()
    for sign in assessor.signs:
        for reason in assessor.assess([sign], age=40).reasons:
            if hedged & set(reason.via):
                assert TRIAGE_LEVELS.index(reason.level) <= TRIAGE_LEVELS.index("see_doctor")
    (persistent,) = assess(["persistent_or_severe_pain"], age=40).reasons
    assert (persistent.level, persistent.basis, persistent.via) == (
        "see_doctor",
        "inferred",
        ("c075",),
    )
    assert claims.loc["c075", "modality"] == "hedges"


def test_nothing_that_tells_types_apart_is_undetermined_not_a_guess():
    result = assess(["no_relief_from_self_care"], age=40)
    assert result.pain_type == "undetermined"
    assert result.triage == "see_doctor"


def test_every_quote_is_the_material_at_its_offsets(kb):
    raw = kb.texts["runners_low_back_pain"]
    for signs_ in (["pain_worse_when_bending", "pain_radiates_to_legs"], ["pain_beside_spine"]):
        result = assess(signs_, age=50)
        counters = [c for a in result.advice for c in a.countered_by]
        for item in (*result.evidence, *result.advice, *result.reasons, *counters):
            assert raw[item.start : item.end] == item.quote


def test_evidence_and_advice_carry_their_claim_s_modality(kb):
    modality = dict(zip(kb.claims["id"], kb.claims["modality"].astype(str), strict=True))
    result = assess(["pain_beside_spine", "persistent_or_severe_pain"], age=30)
    assert {e.id: e.record for e in result.evidence} == {
        "pain_beside_spine": "c026",
        "persistent_or_severe_pain": "c075",
    }
    for item in result.evidence:
        assert item.modality == modality[item.record]
    assert result.advice
    for item in result.advice:
        assert item.modality == modality[item.claim]
        assert all(c.modality == modality[c.claim] for c in item.countered_by)
    assert {e.modality for e in result.evidence} == {"states", "hedges"}


def _contested(kb) -> dict[str, set[str]]:
    """Claim id -> the claims a contradicts claim sets against it."""
    claims = kb.claims
    links = claims[claims["relation"] == "contradicts"]
    against: dict[str, set[str]] = {}
    for subject, obj in zip(links["subject"], links["object"], strict=True):
        against.setdefault(subject, set()).add(obj)
        against.setdefault(obj, set()).add(subject)
    return against


def test_contradicted_advice_is_withheld_above_self_care_and_countered_at_it(kb):
    against = _contested(kb)
    claims = kb.claims
    advice = claims[claims["relation"].astype(str).isin(["treats", "prevents"])]
    link_claims = advice.groupby(["subject", "object"])["id"].agg(set)
    assessor = default_assessor()
    seen = {level: 0 for level in TRIAGE_LEVELS}
    for sign in assessor.signs:
        for extra in ([], ["pain_beside_spine"], ["generalized_lumbar_pain"]):
            result = assessor.assess([sign, *extra], age=40)
            seen[result.triage] += 1
            for item in result.advice:
                disputed = set().union(
                    *(against.get(c, set()) for c in link_claims[item.id, item.target])
                )
                if result.triage == SELF_CARE:
                    assert disputed <= {c.claim for c in item.countered_by}, item
                else:
                    assert not disputed and not item.countered_by, (sign, result.triage, item)
    assert all(seen.values()), seen  # every level was checked


def test_keep_running_comes_with_its_counter_claim_and_never_above_self_care():
    calm = assess(["pain_beside_spine"], age=30)
    assert calm.triage == "self_care"
    (keep,) = [a for a in calm.advice if a.claim == "c077"]
    assert keep.modality == "recommends"
    counters = {c.claim: c.via for c in keep.countered_by}
    assert counters.get("c020") == "c078"  # "running can make the pain worse"
    for signs_ in (
        ["persistent_or_severe_pain"],
        ["pain_radiates_to_toes"],
        ["suspected_arthritis"],
    ):
        pressing = assess(signs_, age=30)
        assert pressing.triage != "self_care"
        assert "keep_running" not in {a.id for a in pressing.advice}, signs_


def test_advice_fits_the_pain_type_and_the_risk_factors():
    result = assess(["pain_beside_spine", "muscle_cramping"], age=30, risk_factors=["weak_core"])
    targets = {a.target for a in result.advice}
    assert targets == {"low_back_pain", "muscle", "weak_core"}
    assert "foam_rolling" in {a.id for a in result.advice}


def test_to_dict_has_the_public_keys_and_plain_lists():
    data = assess(["pain_radiates_to_toes"], age=40).to_dict()
    assert set(data) == JSON_KEYS
    assert [r["rule"] for r in data["reasons"]] == ["t11", "t04"]
    assert all(set(r) == REASON_KEYS for r in data["reasons"])
    assert data["reasons"][0]["via"] == ["c056"] and isinstance(data["red_flags"], list)
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"symptoms": ["pain_worse_when_bendin"]}, "Did you mean 'pain_worse_when_bending'"),
        ({"symptoms": ["headache"]}, "Valid ids: pain_beside_spine"),
        ({"symptoms": ["age_over_65"]}, "unknown symptom id 'age_over_65'"),
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


def test_cli_assess_json_says_disc_and_urgent_with_quotes_and_reasons(kb):
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
    (reason,) = data["reasons"]
    assert (reason["rule"], reason["basis"], reason["via"]) == ("t10", "inferred", ["c034", "c035"])
    assert reason["raised_by"] == ["pain_worse_when_bending", "pain_radiates_to_legs"]
    assert data["red_flags"] == ["suspected_disc_pain"]
    assert data["abstain_reason"] == ""  # a type is named
    assert "suspected_disc_pain" not in {e["id"] for e in data["evidence"]}  # not reported
    raw = kb.texts["runners_low_back_pain"]
    assert data["evidence"]
    for item in [*data["evidence"], *data["reasons"], *data["advice"]]:
        assert raw[item["start"] : item["end"]] == item["quote"]
    assert all("modality" in item for item in [*data["evidence"], *data["advice"]])
    assert "not medical advice" in result.stderr


# The readable output is checked in this process (the tree is fitted once per worker);
# the --json and bad-id tests above and below run the real command in a child process.
def test_cli_assess_readable_output_gives_the_verdict_then_its_reasons(capsys):
    assert main(["assess", "--symptom", "pain_radiates_to_toes", "--age", "50"]) == 0
    out = capsys.readouterr().out
    assert "not medical advice" in out
    assert "URGENT" in out and "toes" in out
    inferred = out.index(
        "  inferred via c056, The web article: “If you are experiencing discogenic pain"
    )
    literal = out.index("  literal, The web article: “If you have pain that radiates to your toes")
    assert out.index("triage: URGENT") < inferred < literal  # most pressing first
    assert "(recommendation)" in out  # the sign's claim recommends


def test_cli_assess_shows_the_counter_claim_on_self_care(capsys):
    assert main(["assess", "--symptom", "pain_beside_spine", "--age", "30"]) == 0
    out = capsys.readouterr().out
    assert (
        "triage: SELF CARE" in out
        and "  literal, The web article: “If you have pain in your bones" in out
    )
    assert "Keep running" in out and "(c020, c078)" in out
    assert "running can make the pain worse" in out and "(hedged)" in out


def test_cli_assess_says_why_no_pain_type_is_named(capsys):
    assert main(["assess", "--symptom", "no_relief_from_self_care", "--age", "40"]) == 0
    out = capsys.readouterr().out
    line = out.index("pain type: undetermined")
    reason = out.index("  no type named: the signs you ticked are shared by muscle and bone pain")
    assert line < reason < out.index("the tree's path:")
    path = out[out.index("the tree's path:") :].split("what the material suggests:")[0]
    last = path.strip().splitlines()[-1].strip()  # the leaf used, its shares, no verdict
    assert re.fullmatch(r"leaf \d+: \d+% .+: no symptom you ticked tells the types apart", last)
    assert main(["assess", "--symptom", "pain_radiates_to_legs", "--age", "40"]) == 0
    named = capsys.readouterr().out
    assert "pain type: disc" in named and "no type named" not in named


def test_cli_assess_unknown_id_exits_2_with_a_suggestion():
    result = run("assess", "--symptom", "pain_worse_when_bendin")
    assert result.returncode == 2
    assert "Did you mean 'pain_worse_when_bending'" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_symptoms_lists_every_sign_with_its_quote(all_records, capsys):
    kb = all_records
    assert main(["symptoms", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [item["id"] for item in listed] == list(default_assessor().signs)
    assert all(kb.texts[i["source"]][i["start"] : i["end"]] == i["quote"] for i in listed)
    publisher = dict(zip(kb.sources["id"], kb.sources["publisher"], strict=True))
    assert all(i["publisher"] == publisher[i["source"]] for i in listed)
    types = {i["id"]: tuple(i["pain_types"]) for i in listed}
    assert types["pain_radiates_to_legs"] == ("disc",)
    # The FAQ ties persistent or severe pain to no single type ("such as" is an example).
    assert types["persistent_or_severe_pain"] == ("low_back_pain",)
    assert {i["id"]: i["modality"] for i in listed}["persistent_or_severe_pain"] == "hedges"
