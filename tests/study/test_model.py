"""The tree and the rulebook on a simulated cohort: readable, evaluated, traceable."""

from __future__ import annotations

import pandas as pd
import pytest

from lowback.study import model
from lowback.study.cohort import simulate
from lowback.study.rulebook import UNDETERMINED, Rulebook


@pytest.fixture(scope="module")
def rules(kb):
    return Rulebook.from_kb(kb)


@pytest.fixture(scope="module")
def cohort(kb):
    return simulate(kb, 20_000, random_state=5)


@pytest.fixture(scope="module")
def tree(kb, cohort):
    return model.fit_tree(kb, cohort, random_state=0)


def test_the_tree_is_shallow_enough_to_read_and_seeded(kb, cohort, tree):
    assert tree.estimator.get_depth() <= model.MAX_DEPTH
    again = model.fit_tree(kb, cohort, random_state=0)
    assert (again.estimator.tree_.threshold == tree.estimator.tree_.threshold).all()
    assert "age_over_65" not in tree.features and "age" in tree.features


def test_the_tree_beats_chance_and_the_rulebook_on_the_simulated_cohort(kb, rules, cohort):
    tree_eval = model.evaluate(model.make_tree(), "tree", kb, cohort, folds=5)
    rules_eval = model.evaluate(model.RulebookClassifier(rules), "rulebook", kb, cohort, folds=5)
    chance = model.with_pain(cohort)["pain_type"].value_counts(normalize=True).max()
    assert tree_eval.accuracy > chance + 0.1
    assert tree_eval.accuracy > rules_eval.accuracy
    assert 0 < tree_eval.accuracy_sd < 0.05
    assert tree_eval.confusion.to_numpy().sum() == len(model.with_pain(cohort))
    assert set(tree_eval.recall.index) == {"muscle", "bone", "disc"}
    assert UNDETERMINED in rules_eval.confusion.columns


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


def test_agreement_and_disagreements_are_explained(rules, cohort, tree):
    summary = model.agreement(tree, rules, cohort)
    assert 0.5 < summary["agreement"] < 1
    assert summary["agreement_where_rulebook_decides"] > summary["agreement"]
    table = model.compare(tree, rules, cohort)
    assert table["runners"].sum() == len(model.with_pain(cohort))
    assert table.loc[~table["agree"], "why"].str.len().gt(0).all()
    assert (table.loc[table["agree"], "tree"] == table.loc[table["agree"], "rulebook"]).all()


def test_every_split_is_a_question_with_the_quote_behind_it(kb, tree):
    raw = kb.texts["runners_low_back_pain"]
    found = model.splits(tree, kb)
    assert found
    for split in found:
        assert split.question.endswith("?")
        assert raw[split.start : split.end] == split.quote


def test_the_decision_path_follows_the_tree(kb, tree, cohort):
    runner = cohort.iloc[0]
    values = {f: float(runner[f]) for f in tree.features}
    steps = model.decision_path(tree, kb, values)
    nodes = model.walk(tree, values)
    assert len(steps) == len(nodes)
    leaf = tree.estimator.apply(cohort[tree.features].iloc[[0]])[0]
    assert nodes[-1] == leaf
    assert steps[-1].startswith(f"leaf {leaf}: ")


def test_accuracy_falls_as_misreporting_grows(kb):
    sweep = model.noise_sweep(kb, [0.0, 0.15, 0.3], n=6_000, folds=3)
    for name, curve in sweep.groupby("model"):
        accuracy = curve.sort_values("misreport")["accuracy"].to_numpy()
        assert (accuracy[1:] < accuracy[:-1]).all(), name
