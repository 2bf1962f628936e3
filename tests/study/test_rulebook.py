"""The rulebook: the article's rules, derived from the claims."""

from __future__ import annotations

import pandas as pd

from lowback.study.rulebook import UNDETERMINED, Rulebook


def test_the_rulebook_answers_from_the_claims_and_admits_when_it_cannot(rules):
    present = pd.DataFrame(
        [
            {"pain_worse_when_bending": True, "pain_radiates_to_legs": True},
            {"pain_beside_spine": True, "generalized_lumbar_pain": True},
            {},
            {"generalized_lumbar_pain": True},
        ]
    ).fillna(False)
    present["age"] = 70  # age is a risk factor, not a sign: the rulebook never counts it
    assert rules.predict(present).tolist() == ["disc", UNDETERMINED, UNDETERMINED, "bone"]
    assert "age_over_65" not in rules.symptoms


def test_only_risk_factor_for_claims_make_risk_factors_and_their_types(kb, rules):
    claims = kb.claims
    claims["relation"] = claims["relation"].astype(str)
    claimed = set(claims.loc[claims["relation"] == "risk_factor_for", "subject"])
    assert set(rules.risk_factors) == claimed
    assert set(rules.risk_factor_types) <= claimed
    worsens = set(claims.loc[claims["relation"] == "worsens", "subject"])
    assert worsens and not worsens & set(rules.risk_factors)  # keep_running worsens (c020)
    assert rules.risk_factor_types["older_age"] == {"bone"}  # through arthritis (c032, c033)
    # Lumbar fatigue causes muscle pain; the pressure on the discs is not disc pain.
    assert rules.risk_factor_types["overuse"] == {"muscle"}


def test_the_rulebook_is_derived_once_per_knowledge_base(kb):
    assert Rulebook.of(kb) is Rulebook.of(kb)
    assert Rulebook.of(kb) == Rulebook.from_kb(kb)
