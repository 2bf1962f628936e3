"""The tree: shallow and seeded, its splits read as questions with quotes, its paths."""

from __future__ import annotations

from lowback.study.tree import (
    AGE,
    TREE_DEPTH,
    decision_path,
    feature_evidence,
    fit_tree,
    splits,
    tree_features,
    walk,
)


def test_the_tree_is_shallow_enough_to_read_and_seeded(kb, cohort, tree):
    assert tree.estimator.get_depth() <= TREE_DEPTH
    again = fit_tree(kb, cohort, random_state=0)
    assert (again.estimator.tree_.threshold == tree.estimator.tree_.threshold).all()
    assert "age_over_65" not in tree.features and "age" in tree.features


def test_the_tree_reads_every_symptom_and_age_the_risk_factor(kb, rules):
    assert tree_features(rules) == [*rules.symptoms, AGE]
    claims = kb.claims
    first = claims[claims["subject"] == "older_age"].iloc[0]
    assert feature_evidence(kb, AGE) == (first["quote"], first["start"], first["end"], first["id"])
    assert first["relation"] == "risk_factor_for"


def test_every_split_is_a_question_with_the_quote_behind_it(kb, tree):
    raw = kb.texts["runners_low_back_pain"]
    found = splits(tree, kb)
    assert found
    for split in found:
        assert split.question.endswith("?")
        assert raw[split.start : split.end] == split.quote


def test_the_decision_path_follows_the_tree(kb, tree, cohort):
    runner = cohort.iloc[0]
    values = {f: float(runner[f]) for f in tree.features}
    steps = decision_path(tree, kb, values)
    nodes = walk(tree, values)
    assert len(steps) == len(nodes)
    leaf = tree.estimator.apply(cohort[tree.features].iloc[[0]])[0]
    assert nodes[-1] == leaf
    assert steps[-1].startswith(f"leaf {leaf}: ")
