"""The tree: shallow and seeded, its splits read as questions with quotes, its paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lowback.errors import CohortError
from lowback.study.cohort import NO_PAIN
from lowback.study.evaluation import evaluate
from lowback.study.tree import (
    AGE,
    TREE_DEPTH,
    decision_path,
    feature_evidence,
    fit_tree,
    make_tree,
    pain_labels,
    splits,
    tree_features,
    walk,
    with_pain,
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


def test_fit_tree_fits_unicode_labels_to_the_tree_of_the_frames_own_columns(cohort, tree):
    # scikit-learn sorts and encodes string labels on every fit: fixed-width unicode
    # sorts many times quicker than Python strings (make bench: tree fit / sklearn fit).
    assert tree.estimator.classes_.dtype.kind == "U"
    has_pain, labels = pain_labels(cohort)
    assert labels.tolist() == cohort.loc[has_pain, "pain_type"].astype(str).tolist()
    pain = with_pain(cohort)
    plain = make_tree(random_state=0).fit(pain[tree.features], pain["pain_type"].astype(str))
    for nodes in ("feature", "threshold", "value", "children_left", "children_right"):
        assert np.array_equal(getattr(plain.tree_, nodes), getattr(tree.estimator.tree_, nodes))
    assert tree.classes == plain.classes_.tolist()
    assert tree.estimator.feature_names_in_.tolist() == tree.features  # no warning on predict
    assert (tree.predict(pain) == plain.predict(pain[tree.features])).all()


def test_a_cohort_with_no_pain_is_refused_with_its_size_and_the_remedy(kb, cohort):
    """A scenario can pass its checks and still simulate no runner with pain (a tiny
    baseline risk, a small cohort): fit_tree and evaluate say so instead of scikit-learn's
    "Found array with 0 sample(s)"."""
    healthy = cohort.copy()
    healthy["pain_type"] = pd.Categorical(
        [NO_PAIN] * len(healthy), categories=cohort["pain_type"].cat.categories
    )
    fits = {
        "fit_tree": lambda: fit_tree(kb, healthy),
        "evaluate": lambda: evaluate(make_tree(3, 0), "tree", kb, healthy),
    }
    for name, fit in fits.items():
        with pytest.raises(CohortError, match=rf"none of the {len(cohort):,} simulated") as err:
            fit()
        assert "baseline_pain_risk" in str(err.value), name
