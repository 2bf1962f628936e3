"""The study's decision tree: fitted on a simulated cohort, read in words, walked for one runner.

A tree from the symptoms a runner reports, and age, to the pain type, at most
:data:`TREE_DEPTH` questions deep (a depth chosen by cross-validation). It is fitted
on a SIMULATED cohort (:func:`lowback.study.cohort.simulate`), on the runners with low
back pain only: it shows how well the article's own rules separate the types if the
assumptions hold, and diagnoses no one. Its splits are read as questions, each with the
quote behind its feature, and :func:`decision_path` follows one runner to a leaf.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from lowback.data.records import KnowledgeBase
from lowback.errors import CohortError
from lowback.study.assumptions import AGE_FACTOR
from lowback.study.cohort import NO_PAIN
from lowback.study.rulebook import Rulebook, records_of_cohort

#: The tree's depth, chosen, not assumed: the smallest depth whose cross-validated macro F1
#: is within one standard error of the best, on the notebook's cohort (20,000 runners, seed
#: 2026, the default assumptions; :func:`lowback.study.evaluation.choose_depth`).
#: ``tests/study/test_depth.py`` derives it again, so it cannot go stale.
TREE_DEPTH = 6
AGE = "age"


def tree_features(rules: Rulebook) -> list[str]:
    """The tree's inputs: every symptom the runner reports, and age (in years).

    Age is a risk factor in the material, not a symptom; the tree finds its own threshold.
    """
    return [*rules.symptoms, AGE]


def with_pain(cohort: pd.DataFrame) -> pd.DataFrame:
    """The runners of a simulated cohort who have low back pain."""
    pain = cohort[cohort["pain_type"] != NO_PAIN].copy()
    pain["pain_type"] = pain["pain_type"].cat.remove_unused_categories()
    return pain


def pain_labels(cohort: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Which runners of a simulated cohort have low back pain (a boolean mask), and their
    pain types, in cohort order, as a NumPy unicode array.

    Unicode rather than Python strings: scikit-learn sorts and encodes the labels on every
    fit and split, and sorting fixed-width unicode is many times quicker than sorting
    objects (at 10,000 runners, most of the tree's own fit). The labels, hence the trees,
    splits and scores, are the same.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 50, random_state=1)
    >>> has_pain, labels = pain_labels(cohort)
    >>> labels.tolist() == cohort.loc[has_pain, "pain_type"].astype(str).tolist()
    True
    """
    pain_type = cohort["pain_type"]
    codes = pain_type.cat.codes.to_numpy()
    has_pain = (pain_type != NO_PAIN).to_numpy()
    if not has_pain.any():
        raise CohortError(
            f"none of the {len(cohort):,} simulated runners has low back pain: there is "
            "nothing to fit or evaluate a tree on; simulate more runners or raise the "
            "assumptions' baseline_pain_risk"
        )
    names = pain_type.cat.categories.to_numpy(dtype=str)
    return has_pain, names[codes[has_pain]]


@dataclass(frozen=True)
class TreeModel:
    """A fitted tree with the names of its inputs and classes."""

    estimator: DecisionTreeClassifier
    features: list[str]
    #: The sources of the cohort it was fitted on (empty: not known).
    sources: tuple[str, ...] = ()

    @cached_property
    def nodes(self) -> tuple[list[int], list[int], list[int], list[float]]:
        """The fitted tree's ``children_left``, ``children_right``, ``feature`` and
        ``threshold`` as lists, read once: :func:`walk` follows them for every runner
        assessed, and each read of a scikit-learn tree's array makes a new one."""
        return _read_nodes(self.estimator)

    @property
    def classes(self) -> list[str]:
        """The pain types, in the order of :meth:`predict_proba`'s columns."""
        return [str(c) for c in self.estimator.classes_]

    def predict(self, runners: pd.DataFrame) -> np.ndarray:
        """Pain type of each runner."""
        return self.estimator.predict(runners[self.features])

    def predict_proba(self, runners: pd.DataFrame) -> np.ndarray:
        """Share of each pain type in each runner's leaf."""
        return self.estimator.predict_proba(runners[self.features])


def _read_nodes(estimator: DecisionTreeClassifier) -> tuple[list, list, list, list]:
    structure = estimator.tree_
    return (
        structure.children_left.tolist(),
        structure.children_right.tolist(),
        structure.feature.tolist(),
        structure.threshold.tolist(),
    )


def _nodes(tree: TreeModel) -> tuple[list, list, list, list]:
    """:attr:`TreeModel.nodes`, or read from the estimator of any other model like it."""
    return tree.nodes if isinstance(tree, TreeModel) else _read_nodes(tree.estimator)


def records_of_tree(kb: KnowledgeBase, tree: TreeModel) -> KnowledgeBase:
    """The records a tree was fitted from: ``kb`` restricted to the sources of the cohort
    it was fitted on (``kb`` itself when the tree does not know them)."""
    return kb.restricted_to(tree.sources) if tree.sources else kb


def make_tree(max_depth: int = TREE_DEPTH, random_state: int = 0) -> DecisionTreeClassifier:
    """The study's tree: :data:`TREE_DEPTH` deep unless told, seeded."""
    return DecisionTreeClassifier(
        max_depth=max_depth, min_samples_leaf=20, random_state=random_state
    )


def fit_tree(
    kb: KnowledgeBase, cohort: pd.DataFrame, *, max_depth: int = TREE_DEPTH, random_state: int = 0
) -> TreeModel:
    """Fit the tree on the runners with pain of a simulated cohort (its symptoms are
    those of the sources the cohort was simulated from).

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 300, random_state=0)
    >>> tree = lowback.fit_tree(kb, cohort, max_depth=3)
    >>> tree.classes, tree.estimator.get_depth() <= 3
    (['bone', 'disc', 'muscle'], True)
    >>> pain = cohort[cohort["pain_type"] != "none"]
    >>> set(tree.predict(pain)) <= set(tree.classes)
    True
    """
    features = tree_features(Rulebook.of(records_of_cohort(kb, cohort)))
    # The runners with pain by a mask rather than with_pain() (no copy of the whole
    # frame), their labels as unicode (pain_labels): scikit-learn's fit is then quicker
    # on them than on the frame's own columns (make bench).
    has_pain, labels = pain_labels(cohort)
    estimator = make_tree(max_depth, random_state).fit(cohort.loc[has_pain, features], labels)
    return TreeModel(estimator, features, tuple(cohort.attrs.get("sources", ())))


@dataclass(frozen=True)
class Split:
    """One decision of the tree, in words, with the quote behind its feature."""

    node: int
    feature: str
    question: str
    threshold: float
    quote: str
    start: int
    end: int
    claim: str


#: Each knowledge base's evidence per tree feature, found once (see :func:`feature_evidence`).
_EVIDENCE: weakref.WeakKeyDictionary[KnowledgeBase, dict[str, tuple[str, int, int, str]]] = (
    weakref.WeakKeyDictionary()
)


def feature_evidence(kb: KnowledgeBase, feature: str) -> tuple[str, int, int, str]:
    """The quote, offsets and claim id behind a tree feature: a symptom's first
    ``symptom_of`` claim; for age, the first claim whose subject is the risk factor
    ``older_age``.

    Found once per knowledge base and feature (the tree's figure, its description and
    its reading each ask for every split's); a knowledge base is read-only.
    """
    found = _EVIDENCE.setdefault(kb, {})
    if feature not in found:
        found[feature] = _first_claim(kb, feature)
    return found[feature]


def _first_claim(kb: KnowledgeBase, feature: str) -> tuple[str, int, int, str]:
    claims = kb.claims
    if feature == AGE:
        claim = claims[claims["subject"] == AGE_FACTOR].iloc[0]
    else:
        claim = claims[(claims["subject"] == feature) & (claims["relation"] == "symptom_of")]
        claim = claim.iloc[0]
    return str(claim["quote"]), int(claim["start"]), int(claim["end"]), str(claim["id"])


def question(kb: KnowledgeBase, feature: str, threshold: float) -> str:
    """A split as a yes/no question."""
    if feature == AGE:
        return f"Is the runner older than {threshold:g} years?"
    return f"{kb.label(feature)}?"


def splits(tree: TreeModel, kb: KnowledgeBase) -> list[Split]:
    """Every split of the tree, in node order, in words with its quote."""
    structure = tree.estimator.tree_
    found = []
    for node in range(structure.node_count):
        if structure.children_left[node] == structure.children_right[node]:
            continue
        feature = tree.features[structure.feature[node]]
        threshold = float(structure.threshold[node])
        quote, start, end, claim = feature_evidence(kb, feature)
        found.append(
            Split(
                node, feature, question(kb, feature, threshold), threshold, quote, start, end, claim
            )
        )
    return found


def feature_values(tree: TreeModel, signs: set[str] | list[str], age: float) -> dict[str, float]:
    """One runner's inputs to the tree: 1.0 for each sign present, 0.0 otherwise, and age."""
    values = {feature: float(feature in signs) for feature in tree.features}
    values[AGE] = float(age)
    return values


def tree_reading(tree: TreeModel, kb: KnowledgeBase) -> pd.DataFrame:
    """The tree's splits in plain words, each with the quote and claim behind its feature."""
    return pd.DataFrame(
        [
            {
                "node": s.node,
                "question": s.question,
                "claim": s.claim,
                "the material says": s.quote,
                "characters": f"[{s.start}:{s.end}]",
            }
            for s in splits(tree, kb)
        ]
    ).set_index("node")


def walk(tree: TreeModel, values: Mapping[str, float]) -> list[int]:
    """The nodes one runner passes through, root to leaf.

    ``values`` maps each feature to the runner's value (booleans as 0/1). Reads the
    fitted tree's own arrays, which is far quicker than a validated ``predict`` for one
    runner.
    """
    left, right, feature, threshold = _nodes(tree)
    node, nodes = 0, [0]
    while left[node] != right[node]:
        value = float(values[tree.features[feature[node]]])
        node = right[node] if value > threshold[node] else left[node]
        nodes.append(node)
    return nodes


def leaf_shares(tree: TreeModel, leaf: int) -> np.ndarray:
    """Share of each class (in ``tree.classes`` order) among training runners in a leaf."""
    counts = tree.estimator.tree_.value[leaf][0]
    return counts / counts.sum()


def decision_path(
    tree: TreeModel, kb: KnowledgeBase, values: Mapping[str, float], *, last: str | None = None
) -> list[str]:
    """The tree's decisions for one runner, in words, ending with the leaf.

    The last line is ``last`` when given (an assessment's own reading of the leaf, see
    :func:`lowback.study.abstention.judge`), else the leaf's majority class and its share:
    the tree's raw reading, which an assessment may decline to name.
    """
    _, right, feature_of, threshold_of = _nodes(tree)
    nodes = walk(tree, values)
    steps = []
    for node, following in itertools.pairwise(nodes):
        feature = tree.features[feature_of[node]]
        threshold = float(threshold_of[node])
        answer = "yes" if following == right[node] else "no"
        if feature == AGE:
            steps.append(
                f"{question(kb, feature, threshold)} {float(values[feature]):g} → {answer}"
            )
        else:
            steps.append(f"{question(kb, feature, threshold)} {answer}")
    if last is not None:
        steps.append(last)
        return steps
    shares = leaf_shares(tree, nodes[-1])
    best = int(np.argmax(shares))
    steps.append(
        f"leaf {nodes[-1]}: {tree.classes[best]} ({shares[best]:.0%} of simulated runners here)"
    )
    return steps
