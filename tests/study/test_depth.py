"""The tree's depth, chosen by the one-standard-error rule, and one tree everywhere: the
notebook's, the command's and the explorer's."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest

from lowback import config
from lowback.study.cohort import simulate
from lowback.study.evaluation import choose_depth, depth_curve
from lowback.study.tree import TREE_DEPTH, fit_tree, make_tree
from lowback.study.triage import MODEL_COHORT_SIZE, MODEL_SEED, default_assessor

CLASSIFIER_NOTEBOOK = config.NOTEBOOKS_DIR / "02-symptom-classifier.ipynb"
DEPTHS = range(1, 9)
FOLDS = 5


@pytest.fixture(scope="module")
def model_cohort(kb):
    """The notebook's cohort: 20,000 runners, seed 2026, the default assumptions."""
    return simulate(kb, MODEL_COHORT_SIZE, random_state=MODEL_SEED)


@pytest.fixture(scope="module")
def curve(kb, model_cohort):
    return depth_curve(kb, model_cohort, DEPTHS, folds=FOLDS, random_state=MODEL_SEED)


def test_tree_depth_is_the_depth_the_one_standard_error_rule_chooses(curve):
    """Derived again from the notebook's cohort, so the constant cannot go stale."""
    assert choose_depth(curve) == TREE_DEPTH
    best = curve.loc[curve["macro_f1"].idxmax()]
    chosen = curve.set_index("depth").loc[TREE_DEPTH]
    assert chosen["macro_f1"] >= best["macro_f1"] - best["macro_f1_se"]
    shallower = curve[curve["depth"] < TREE_DEPTH]
    assert (shallower["macro_f1"] < best["macro_f1"] - best["macro_f1_se"]).all()


def test_the_depth_curve_has_one_row_per_depth_with_its_spread(curve):
    assert list(curve) == [
        "depth",
        "macro_f1",
        "macro_f1_sd",
        "macro_f1_se",
        "accuracy",
        "leaves",
    ]
    assert curve["depth"].tolist() == list(DEPTHS)
    assert np.allclose(curve["macro_f1_se"], curve["macro_f1_sd"] / np.sqrt(FOLDS))
    assert (curve["macro_f1_sd"] > 0).all() and curve["macro_f1"].between(0, 1).all()
    assert curve["leaves"].is_monotonic_increasing and curve["leaves"].iloc[0] == 2
    assert curve["macro_f1"].iloc[0] < curve["macro_f1"].max()  # one question is too few


@pytest.mark.parametrize(
    ("scores", "ses", "chosen"),
    [
        ([0.70, 0.802, 0.805, 0.81], [0.01] * 4, 3),  # within one SE of the best: smaller
        ([0.70, 0.75, 0.80, 0.78], [0.01] * 4, 4),  # nothing shallower comes close
        ([0.70, 0.795, 0.80, 0.80], [0.01, 0.01, 0.001, 0.01], 4),  # the best's own SE
    ],
)
def test_choose_depth_is_the_one_standard_error_rule(scores, ses, chosen):
    curve = pd.DataFrame({"depth": [2, 3, 4, 5], "macro_f1": scores, "macro_f1_se": ses})
    assert choose_depth(curve) == chosen


def test_the_tree_defaults_to_the_chosen_depth(kb, model_cohort):
    assert make_tree().max_depth == TREE_DEPTH
    assert fit_tree(kb, model_cohort.head(2_000)).estimator.max_depth == TREE_DEPTH


def _parameters(notebook) -> dict:
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    values: dict = {}
    exec(cell.source, {}, values)  # the notebook's own parameters cell: three assignments
    return values


def test_the_assessor_s_tree_is_the_notebook_s_tree(kb, model_cohort):
    """One tree everywhere: default_assessor (the command, the Voila app) fits the tree
    notebook 02 fits, on the cohort it draws, with the seed it passes."""
    notebook = nbformat.read(CLASSIFIER_NOTEBOOK, as_version=4)
    parameters = _parameters(notebook)
    assert parameters["COHORT_SIZE"] == MODEL_COHORT_SIZE
    assert parameters["RANDOM_SEED"] == MODEL_SEED
    assert parameters["ASSUMPTIONS"] is None  # the default assumptions
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "fit_tree(kb, cohort, random_state=RANDOM_SEED)" in code

    ours = default_assessor().tree.estimator.tree_
    theirs = fit_tree(kb, model_cohort, random_state=MODEL_SEED).estimator.tree_
    assert ours.node_count == theirs.node_count
    for array in ("children_left", "children_right", "feature", "threshold", "n_node_samples"):
        assert np.array_equal(getattr(ours, array), getattr(theirs, array)), array
    assert np.allclose(ours.value, theirs.value)
    assert default_assessor().tree.estimator.max_depth == TREE_DEPTH
    assert default_assessor().median_age == int(np.median(model_cohort["age"]))
