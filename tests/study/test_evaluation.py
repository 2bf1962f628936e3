"""Evaluation on a simulated cohort: cross-validated metrics, agreement, the noise sweep."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.tree import DecisionTreeClassifier

from lowback.study.evaluation import RulebookClassifier, agreement, compare, evaluate, noise_sweep
from lowback.study.rulebook import UNDETERMINED, Rulebook
from lowback.study.tree import make_tree, tree_features, with_pain


def test_the_tree_beats_chance_and_the_rulebook_on_the_simulated_cohort(kb, rules, cohort):
    tree_eval = evaluate(make_tree(), "tree", kb, cohort, folds=5)
    rules_eval = evaluate(RulebookClassifier(rules), "rulebook", kb, cohort, folds=5)
    chance = with_pain(cohort)["pain_type"].value_counts(normalize=True).max()
    assert tree_eval.accuracy > chance + 0.1
    assert tree_eval.accuracy > rules_eval.accuracy
    assert 0 < tree_eval.accuracy_sd < 0.05
    assert tree_eval.confusion.to_numpy().sum() == len(with_pain(cohort))
    assert set(tree_eval.recall.index) == {"muscle", "bone", "disc"}
    assert UNDETERMINED in rules_eval.confusion.columns


def test_agreement_and_disagreements_are_explained(rules, cohort, tree):
    summary = agreement(tree, rules, cohort)
    assert 0.5 < summary["agreement"] < 1
    assert summary["agreement_where_rulebook_decides"] > summary["agreement"]
    table = compare(tree, rules, cohort)
    assert table["runners"].sum() == len(with_pain(cohort))
    assert table.loc[~table["agree"], "why"].str.len().gt(0).all()
    assert (table.loc[table["agree"], "tree"] == table.loc[table["agree"], "rulebook"]).all()


def test_accuracy_falls_as_misreporting_grows(kb):
    sweep = noise_sweep(kb, [0.0, 0.15, 0.3], n=6_000, folds=3)
    for name, curve in sweep.groupby("model"):
        accuracy = curve.sort_values("misreport")["accuracy"].to_numpy()
        assert (accuracy[1:] < accuracy[:-1]).all(), name


def test_evaluate_fits_each_fold_on_one_float32_matrix_with_unicode_labels(kb, cohort, monkeypatch):
    # The tree's own input type, made once, and labels scikit-learn sorts quickly: the
    # depth curve and the noise sweep fit 70 trees (make bench: study run).
    seen = []
    fit = DecisionTreeClassifier.fit

    def spy(self, X, y, *args, **kwargs):
        seen.append((type(X), getattr(X, "dtype", None), np.asarray(y).dtype.kind))
        return fit(self, X, y, *args, **kwargs)

    monkeypatch.setattr(DecisionTreeClassifier, "fit", spy)
    result = evaluate(make_tree(random_state=0), "tree", kb, cohort, folds=3, random_state=1)
    assert seen == [(np.ndarray, np.float32, "U")] * 3
    monkeypatch.undo()
    # The same scores as scikit-learn's own cross-validation of the frame's columns.
    pain = with_pain(cohort)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=1)
    own = cross_validate(
        make_tree(random_state=0),
        pain[tree_features(Rulebook.of(kb))],
        pain["pain_type"].astype(str),
        cv=folds,
    )
    assert result.accuracy == float(np.mean(own["test_score"]))
    assert result.accuracy_sd == float(np.std(own["test_score"], ddof=1))
