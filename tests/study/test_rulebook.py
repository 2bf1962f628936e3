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
            {"generalized_lumbar_pain": True, "age_over_65": True, "pain_beside_spine": True},
        ]
    ).fillna(False)
    assert rules.predict(present).tolist() == ["disc", UNDETERMINED, UNDETERMINED, "bone"]


def test_the_rulebook_is_derived_once_per_knowledge_base(kb):
    assert Rulebook.of(kb) is Rulebook.of(kb)
    assert Rulebook.of(kb) == Rulebook.from_kb(kb)
