"""How well the tree and the article's rulebook tell the pain types apart, on simulated runners.

Cross-validated accuracy, macro F1, recall and confusion (:func:`evaluate`), the tree's
depth chosen by the one-standard-error rule (:func:`depth_curve`, :func:`choose_depth`),
where the two agree and why they differ (:func:`compare`, :func:`agreement`), and how
accuracy falls as runners misreport their signs (:func:`noise_sweep`). Every number
describes a SIMULATED cohort under the assumptions file, not real runners.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import confusion_matrix, f1_score, recall_score
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from lowback.data.records import KnowledgeBase
from lowback.study.assumptions import Assumptions, load_assumptions
from lowback.study.cohort import simulate
from lowback.study.rulebook import UNDETERMINED, Rulebook, records_of_cohort
from lowback.study.tree import (
    TreeModel,
    fit_tree,
    make_tree,
    pain_labels,
    tree_features,
    with_pain,
)


class RulebookClassifier(ClassifierMixin, BaseEstimator):
    """The article's rules as a scikit-learn classifier (nothing is learned).

    Predicts the pain type with most of its symptoms present, or ``"undetermined"``.
    """

    def __init__(self, rulebook: Rulebook | None = None):
        self.rulebook = rulebook

    def fit(self, X: pd.DataFrame, y: pd.Series | None = None) -> RulebookClassifier:
        """Nothing to learn; records the classes."""
        self.classes_ = np.array([*self.rulebook.pain_types, UNDETERMINED], dtype=object)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The rulebook's answer for each runner."""
        return self.rulebook.predict(X)


@dataclass(frozen=True)
class Evaluation:
    """Cross-validated performance of a classifier on a simulated cohort."""

    name: str
    accuracy: float
    accuracy_sd: float
    macro_f1: float
    macro_f1_sd: float
    recall: pd.Series
    confusion: pd.DataFrame
    folds: int

    def summary(self) -> pd.Series:
        """Accuracy and macro F1 with their spread across folds."""
        return pd.Series(
            {
                "accuracy": self.accuracy,
                "accuracy_sd": self.accuracy_sd,
                "macro_f1": self.macro_f1,
                "macro_f1_sd": self.macro_f1_sd,
            },
            name=self.name,
        )


def evaluate(
    estimator: BaseEstimator,
    name: str,
    kb: KnowledgeBase,
    cohort: pd.DataFrame,
    *,
    folds: int = 5,
    random_state: int = 0,
) -> Evaluation:
    """Stratified k-fold cross-validation: accuracy and macro F1 with their spread,
    per-class recall and the confusion matrix summed over the folds.

    An ``"undetermined"`` answer counts as wrong.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 300, random_state=0)
    >>> result = lowback.evaluate(lowback.make_tree(), "tree", kb, cohort, folds=3)
    >>> result.folds, 0 <= result.accuracy <= 1
    (3, True)
    >>> int(result.confusion.to_numpy().sum()) == int((cohort["pain_type"] != "none").sum())
    True
    """
    rules = Rulebook.of(records_of_cohort(kb, cohort))
    has_pain, y = pain_labels(cohort)  # unicode labels: see pain_labels
    X = cohort.loc[has_pain, tree_features(rules)]
    if isinstance(estimator, DecisionTreeClassifier):
        # The float32 matrix the tree converts its input to, made once rather than for
        # every fold's fit and predict; the same values, so the same trees and answers.
        X = X.to_numpy(dtype=np.float32)
    # The metrics are computed on integer codes: scikit-learn's metrics sort and encode
    # string labels on every call, which made string labels most of evaluate's time.
    labels = list(rules.pain_types)
    answers = [*labels, UNDETERMINED]
    truth = pd.Categorical(y, categories=answers).codes
    predicted = np.empty(len(y), dtype=truth.dtype)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    # Fold by fold, as cross_validate does (a clone fitted on each training part), but
    # predicting each test part once: its accuracy is the share of answers that are
    # right, the estimator's own score (ClassifierMixin.score) without a second predict.
    accuracies, f1s = [], []
    for train, test in splitter.split(X, y):
        fitted = clone(estimator).fit(_rows(X, train), y[train])
        answer = fitted.predict(_rows(X, test))
        accuracies.append(float(np.mean(answer == y[test])))
        predicted[test] = pd.Categorical(answer, categories=answers).codes
        f1s.append(
            f1_score(truth[test], predicted[test], labels=range(len(labels)), average="macro")
        )
    undetermined = answers.index(UNDETERMINED)
    shown = answers if (predicted == undetermined).any() else labels
    matrix = confusion_matrix(truth, predicted, labels=range(len(shown)))[: len(labels)]
    return Evaluation(
        name=name,
        accuracy=float(np.mean(accuracies)),
        accuracy_sd=float(np.std(accuracies, ddof=1)),
        macro_f1=float(np.mean(f1s)),
        macro_f1_sd=float(np.std(f1s, ddof=1)),
        recall=pd.Series(
            recall_score(truth, predicted, labels=range(len(labels)), average=None),
            index=labels,
            name="recall",
        ),
        confusion=pd.DataFrame(
            matrix,
            index=pd.Index(labels, name="simulated pain type"),
            columns=pd.Index(shown, name="predicted"),
        ),
        folds=folds,
    )


def _rows(X: np.ndarray | pd.DataFrame, index: np.ndarray) -> np.ndarray | pd.DataFrame:
    """The rows ``index`` of a matrix or a frame (by position)."""
    return X[index] if isinstance(X, np.ndarray) else X.iloc[index]


def depth_curve(
    kb: KnowledgeBase,
    cohort: pd.DataFrame,
    depths=range(1, 9),
    folds: int = 5,
    random_state: int = 0,
) -> pd.DataFrame:
    """Cross-validated macro F1 (the score) and accuracy of the tree at each depth.

    Each depth is scored by :func:`evaluate` (stratified k-fold, the same folds for every
    depth); ``leaves`` counts the leaves of the tree that depth gives on the whole cohort.

    Returns
    -------
    DataFrame
        One row per depth: ``depth``, ``macro_f1``, ``macro_f1_sd`` (across folds),
        ``macro_f1_se`` (``sd / sqrt(folds)``), ``accuracy``, ``leaves``.
    """
    rows = []
    for depth in depths:
        result = evaluate(
            make_tree(int(depth), random_state),
            "tree",
            kb,
            cohort,
            folds=folds,
            random_state=random_state,
        )
        whole = fit_tree(kb, cohort, max_depth=int(depth), random_state=random_state)
        rows.append(
            {
                "depth": int(depth),
                "macro_f1": result.macro_f1,
                "macro_f1_sd": result.macro_f1_sd,
                "macro_f1_se": result.macro_f1_sd / np.sqrt(folds),
                "accuracy": result.accuracy,
                "leaves": int(whole.estimator.get_n_leaves()),
            }
        )
    return pd.DataFrame(rows)


def choose_depth(curve: pd.DataFrame) -> int:
    """The one-standard-error rule: the smallest depth whose mean macro F1 is within one
    standard error (the best depth's) of the best mean.

    Examples
    --------
    >>> curve = pd.DataFrame(
    ...     {"depth": [2, 3, 4], "macro_f1": [0.70, 0.79, 0.80], "macro_f1_se": [0.01] * 3}
    ... )
    >>> choose_depth(curve)
    3
    """
    best = curve.loc[curve["macro_f1"].idxmax()]
    close = curve[curve["macro_f1"] >= best["macro_f1"] - best["macro_f1_se"]]
    return int(close["depth"].min())


def compare(tree: TreeModel, rules: Rulebook, cohort: pd.DataFrame) -> pd.DataFrame:
    """Where the tree and the rulebook agree and differ, by pattern of signs, and why.

    Returns
    -------
    DataFrame
        One row per combination of (symptoms present, tree's answer, rulebook's
        answer), most frequent first, with ``runners``, ``agree``, the share the tree
        and the rulebook got right, and ``why`` in words.
    """
    pain = with_pain(cohort)
    tree_says = tree.predict(pain)
    rules_say = rules.predict(pain)
    pattern = _patterns(pain[list(rules.symptoms)])
    frame = pd.DataFrame(
        {
            "signs": pattern.to_numpy(),
            "tree": tree_says,
            "rulebook": rules_say,
            "truth": pain["pain_type"].astype(str).to_numpy(),
        }
    )
    frame["tree_right"] = frame["tree"] == frame["truth"]
    frame["rulebook_right"] = frame["rulebook"] == frame["truth"]
    table = (
        frame.groupby(["signs", "tree", "rulebook"], sort=False)
        .agg(
            runners=("truth", "size"),
            tree_right=("tree_right", "mean"),
            rulebook_right=("rulebook_right", "mean"),
        )
        .reset_index()
        .sort_values("runners", ascending=False, kind="stable")
    )
    table["agree"] = table["tree"] == table["rulebook"]
    depth = tree.estimator.get_depth()
    table["why"] = [
        _why(t, r, s, depth)
        for t, r, s in zip(table["tree"], table["rulebook"], table["signs"], strict=True)
    ]
    return table.reset_index(drop=True)


def _patterns(present: pd.DataFrame) -> pd.Series:
    names = np.array(present.columns)
    bits = present.to_numpy()
    keys, inverse = np.unique(np.packbits(bits, axis=1), axis=0, return_inverse=True)
    labels = [
        ", ".join(names[np.unpackbits(k)[: len(names)].astype(bool)]) or "(none)" for k in keys
    ]
    return pd.Series(np.asarray(labels, dtype=object)[inverse.ravel()], index=present.index)


def _why(tree: str, rulebook: str, signs: str, depth: int) -> str:
    if tree == rulebook:
        return "both follow the same symptoms"
    if rulebook == UNDETERMINED and signs == "(none)":
        return "no symptom the article names: the tree guesses the most common type for the age"
    if rulebook == UNDETERMINED:
        return "symptoms of different types tie: the tree weighs them by how often each shows"
    return (
        f"the tree, at most {depth} questions deep, does not ask about every symptom on "
        "every path, discounts signs that also show with other types, and may weigh age, a "
        "risk factor the rulebook never counts"
    )


def agreement(tree: TreeModel, rules: Rulebook, cohort: pd.DataFrame) -> pd.Series:
    """Share of runners with pain on which tree and rulebook agree, overall and where the
    rulebook gives an answer; and each one's accuracy on the same runners."""
    pain = with_pain(cohort)
    tree_says, rules_say = tree.predict(pain), rules.predict(pain)
    truth = pain["pain_type"].astype(str).to_numpy()
    determined = rules_say != UNDETERMINED
    return pd.Series(
        {
            "agreement": float(np.mean(tree_says == rules_say)),
            "agreement_where_rulebook_decides": float(
                np.mean(tree_says[determined] == rules_say[determined])
            ),
            "rulebook_undetermined": float(np.mean(~determined)),
            "tree_accuracy": float(np.mean(tree_says == truth)),
            "rulebook_accuracy": float(np.mean(rules_say == truth)),
        },
        name="tree vs rulebook",
    )


def noise_sweep(
    kb: KnowledgeBase,
    levels: list[float] | np.ndarray,
    *,
    n: int = 20_000,
    folds: int = 3,
    assumptions=None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Cross-validated accuracy of tree and rulebook as misreporting noise grows.

    Each level simulates a fresh cohort (same seed) under ``assumptions`` (loaded
    assumptions, a path, or None for the default file) with that ``noise.misreport``.
    """
    base = (
        assumptions if isinstance(assumptions, Assumptions) else load_assumptions(kb, assumptions)
    )
    rules = Rulebook.of(base.study_records(kb))
    rows = []
    for level in levels:
        cohort = simulate(
            kb, n, assumptions=base.with_misreport(float(level)), random_state=random_state
        )
        for name, estimator in (
            ("tree", make_tree(random_state=random_state)),
            ("rulebook", RulebookClassifier(rules)),
        ):
            result = evaluate(estimator, name, kb, cohort, folds=folds, random_state=random_state)
            rows.append(
                {
                    "misreport": float(level),
                    "model": name,
                    "accuracy": result.accuracy,
                    "accuracy_sd": result.accuracy_sd,
                    "macro_f1": result.macro_f1,
                }
            )
    return pd.DataFrame(rows)
