"""Risk factors: evidence from the records, effects from the simulated cohort."""

from __future__ import annotations

import numpy as np
import pytest

from lowback import load_knowledge_base
from lowback.study import risk
from lowback.study.cohort import simulate


@pytest.fixture(scope="module")
def cohort(kb):
    return simulate(kb, 20_000, random_state=11)


@pytest.fixture(scope="module")
def effects(kb, cohort):
    return risk.relative_risks(kb, cohort, n_resamples=200, random_state=0)


def test_evidence_matrix_counts_claims_and_flags_the_contradictions(kb):
    links = risk.evidence_matrix(kb).set_index(["risk_factor", "target"])
    assert links.loc[("weak_core", "muscle"), "n_claims"] == 2
    assert links.loc[("older_age", "arthritis"), "target_kind"] == "cause"
    # c091: running "one of the most injurious" (c001) against "a great way to strengthen
    # your core" (c079); c092: "the majority" is lumbar fatigue (c002) against "most
    # instances" are tight muscles (c073).
    assert links.loc[("repeated_strain_and_impact", "low_back_pain"), "contradicted"]
    assert links.loc[("tight_lower_back_muscles", "muscle"), "contradicted"]
    assert links["contradicted"].sum() == 2
    # "Running can make the pain worse" (c020) makes existing pain worse: no risk factor.
    assert "c020" not in {c for ids in links["claims"] for c in ids}
    claims = kb.claims.set_index("id")
    for (factor, target), row in links.iterrows():
        assert all(
            claims.loc[c, "subject"] == factor and claims.loc[c, "object"] == target
            for c in row["claims"]
        )


def test_relative_risk_matches_a_direct_count_and_sits_in_its_interval(cohort, effects):
    has = cohort["weak_core"].to_numpy()
    muscle = (cohort["pain_type"] == "muscle").to_numpy()
    direct = muscle[has].mean() / muscle[~has].mean()
    row = effects.set_index(["risk_factor", "outcome"]).loc[("weak_core", "muscle")]
    assert row["relative_risk"] == pytest.approx(direct, rel=1e-5)
    assert row["low"] < row["relative_risk"] < row["high"]
    assert row["low"] > 1  # weak core -> muscle pain, as the claims and assumptions say
    assert row["with_factor"] == has.sum()


def test_effects_cover_every_factor_and_outcome_and_follow_the_claims(kb, effects):
    claims = kb.claims
    factors = claims.loc[claims["relation"] == "risk_factor_for", "subject"]
    assert set(effects["risk_factor"]) == set(factors)
    assert set(effects["outcome"]) == {"low_back_pain", "muscle", "bone", "disc"}
    table = effects.set_index(["risk_factor", "outcome"])["relative_risk"]
    assert table[("older_age", "bone")] > table[("older_age", "muscle")]
    assert (effects.loc[effects["outcome"] == "low_back_pain", "relative_risk"] > 1).all()


def test_same_seed_same_intervals(kb, cohort, effects):
    again = risk.relative_risks(kb, cohort, n_resamples=200, random_state=0)
    assert np.allclose(again[["low", "high"]], effects[["low", "high"]])


def test_pain_share_by_age_sums_to_one_per_band(cohort):
    shares = risk.pain_share_by_age(cohort)
    assert np.allclose(shares[["none", "muscle", "bone", "disc"]].sum(axis=1), 1)
    among = shares[[c for c in shares if c.startswith("among_pain_")]].dropna()
    assert np.allclose(among.sum(axis=1), 1)
    assert shares["runners"].sum() == len(cohort)


def test_prevention_matrix_has_measures_against_risk_factors(kb):
    measures = risk.prevention_matrix(kb).set_index(["measure", "target"])
    assert ("strength_training", "weak_core") in measures.index
    # "Strong muscles, a solid core ... relieve a sore back" (c065) treats; c066 prevents.
    assert measures.loc[("strength_training", "weak_core"), "n_claims"] == 1
    assert measures.loc[("climbing_and_planking", "weak_core"), "n_claims"] == 1
    assert ("hamstring_stretching", "tight_hamstrings") in measures.index


def test_the_evidence_tables_are_found_once_per_knowledge_base(monkeypatch):
    # Notebook 03's figures and captions read them five times over (make bench).
    kb = load_knowledge_base(warn_missing=False)  # a fresh one: nothing found for it yet
    labelled = []
    claims_with_labels = type(kb).claims_with_labels
    monkeypatch.setattr(
        type(kb), "claims_with_labels", lambda self: labelled.append(1) or claims_with_labels(self)
    )
    for _ in range(3):
        risk.evidence_matrix(kb)
        risk.prevention_matrix(kb)
    assert len(labelled) == 2
    changed = risk.evidence_matrix(kb)
    changed["n_claims"] = 0
    assert (risk.evidence_matrix(kb)["n_claims"] > 0).all()
