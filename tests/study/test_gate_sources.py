"""The red-flag gate reads every source: the NIH's warning signs, each credited to its
publisher; the model's side reads only the sources the assumptions name."""

from __future__ import annotations

import pytest

from lowback.app.explorer import render_assessment
from lowback.cli import main
from lowback.study.gate import GATE_SCOPE, RedFlagGate
from lowback.study.triage import assess, default_assessor
from tests.conftest import require_every_source

#: The signs only the NIH texts name, and the sentence each rule quotes.
NIH_SIGNS = {
    "pain_after_injury": "You should also get medical attention if you have back pain following",
    "severe_pain": "If your back pain is severe or doesn't improve after three days",
    "no_improvement_after_three_days": "If your back pain is severe or doesn't improve after",
}


@pytest.fixture(scope="module")
def assessor():
    require_every_source("the NIH's warning signs")
    return default_assessor()


def test_every_triage_rule_is_credited_to_its_sources_publisher(all_records):
    kb = all_records
    gate = RedFlagGate(kb)
    publishers = dict(zip(kb.sources["id"], kb.sources["publisher"], strict=True))
    for rule in gate.rules:
        assert rule["publisher"] == publishers[rule["source"]]
    reason = gate.check({"pain_radiates_to_toes"}).reasons[-1]
    assert reason.attributed == f"{publishers[reason.source]}: \u201c{reason.quote}\u201d"


@pytest.mark.parametrize(("sign", "sentence"), NIH_SIGNS.items())
def test_a_sign_only_the_nih_names_is_reportable_and_raises_its_level(assessor, sign, sentence):
    assert sign in assessor.signs and sign not in assessor.rules.red_flags
    result = assess([sign], age=40)
    assert result.triage == "see_doctor"
    reason = next(r for r in result.reasons if r.red_flag == sign)
    assert reason.publisher.startswith("NIH ") and reason.quote.startswith(sentence)
    assert reason.basis == "literal"


def test_levels_from_two_sources_resolve_as_within_one(assessor):
    # The article's urgent sign and the NIH's see-doctor one: the more pressing stands, and
    # both sentences are given, most pressing first.
    result = assess(["suspected_disc_pain", "pain_after_injury"], age=40)
    assert result.triage == "urgent"
    levels = [r.level for r in result.reasons]
    assert levels == sorted(levels, key=["urgent", "see_doctor", "self_care"].index)
    assert {r.publisher for r in result.reasons} == {"The web article", "NIH MedlinePlus"}


def test_the_cli_and_the_explorer_credit_the_nih_and_say_what_the_gate_leaves_out(assessor, capsys):
    assert main(["assess", "--symptom", "pain_after_injury"]) == 0
    out = capsys.readouterr().out
    assert "NIH MedlinePlus: “You should also get medical attention" in out
    assert "Pain after an injury (red flag, t16, NIH MedlinePlus):" in out  # whose sign
    assert GATE_SCOPE in out
    page = render_assessment(assess(["pain_after_injury"], age=40))
    assert "NIH MedlinePlus" in page and "You should also get medical attention" in page
    assert "do not list every warning sign a clinician would ask about" in page


def test_the_model_side_reads_only_the_studys_sources(assessor):
    # The tree and its rulebook know the article's signs only; the NIH's reach the gate.
    assert set(assessor.kb.sources["id"]) == set(assessor.tree.sources)
    assert not set(NIH_SIGNS) & set(assessor.tree.features)
