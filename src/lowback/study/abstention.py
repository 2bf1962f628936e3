"""When the assessment names a pain type, and when it says "undetermined", in words.

The tree always reaches a leaf; a leaf always has a majority. Naming that majority as the
runner's pain type would be a guess whenever the leaf is small, mixed, or against the
article's own words. :func:`judge` applies the rules below in this order and gives the
first that holds as the reason (a reason for a one-type profile always names the
article's type):

1. no reported symptom tells the types apart (red flags and signs tied to no single type
   are not read by the tree): the article's rules give no type, neither may the tree;
2. the leaf holds fewer than :data:`MIN_LEAF_RUNNERS` simulated runners: too few to
   speak for anyone;
3. every sign the runner reports points to one pain type by the claims (a *one-type
   profile*, :func:`article_type`), and the leaf's majority is another: no type is named
   against the article's words;
4. the leaf's majority share is under :data:`MIN_LEAF_SHARE`: the leaf is too mixed.

Otherwise the leaf's majority is named. Every number describes SIMULATED runners.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lowback.study.rulebook import UNDETERMINED, Rulebook
from lowback.study.tree import TreeModel, leaf_shares

#: The least share of the leaf's majority for a type to be named. Below a half, the
#: leaf's own runners are more often another type than the one it would name.
MIN_LEAF_SHARE = 0.5

#: The fewest simulated runners in a leaf for a type to be named. The tree's leaves
#: hold at least 20 (``min_samples_leaf``); at 50 a share of one half is known to about
#: +/- 14 points (two binomial standard errors), no better.
MIN_LEAF_RUNNERS = 50

#: Why an assessment abstains, as short codes (the words are in :attr:`Verdict.reason`).
NO_SYMPTOM, SMALL_LEAF, AGAINST_ARTICLE, MIXED_LEAF = (
    "no_symptom",
    "small_leaf",
    "against_article",
    "mixed_leaf",
)


def pointed_types(rules: Rulebook, signs: Iterable[str]) -> tuple[str, ...]:
    """The pain types the claims tie any of ``signs`` to (``symptom_of``,
    ``red_flag_for``), in the rulebook's order; signs tied to no pain type add none."""
    found: set[str] = set()
    for sign in signs:
        found |= rules.symptom_types.get(sign, frozenset())
        found |= rules.red_flag_types.get(sign, frozenset())
    return tuple(t for t in rules.pain_types if t in found)


def article_type(rules: Rulebook, signs: Iterable[str]) -> str:
    """The one pain type every sign of a profile points to by the claims, or ``""``.

    Signs tied to no pain type are ignored; ``""`` when the signs point to several types
    (taken together: a sign tied to two types makes the profile two-type) or to none.

    Examples
    --------
    >>> from lowback import load_knowledge_base
    >>> from lowback.study.assumptions import study_records
    >>> rules = Rulebook.of(study_records(load_knowledge_base()))
    >>> article_type(rules, ["pain_radiates_to_legs", "persistent_or_severe_pain"])
    'disc'
    >>> article_type(rules, ["pain_radiates_to_legs", "pain_beside_spine"])
    ''
    """
    types = pointed_types(rules, signs)
    return types[0] if len(types) == 1 else ""


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


@dataclass(frozen=True)
class Leaf:
    """The tree's leaf one runner reaches, as the training runners in it tell it."""

    node: int
    runners: int
    shares: dict[str, float]  # pain type -> share, in the tree's class order

    @property
    def top(self) -> str:
        """The leaf's majority class (the first in class order on a tie)."""
        return max(self.shares, key=self.shares.__getitem__)

    @property
    def top_share(self) -> float:
        return self.shares[self.top]

    def describe(self) -> str:
        """The leaf's shares, largest first: ``38% muscle, 33% bone, 29% disc``."""
        ranked = sorted(self.shares.items(), key=lambda item: -item[1])
        return ", ".join(f"{share:.0%} {pain}" for pain, share in ranked)


def leaf_of(tree: TreeModel, node: int) -> Leaf:
    """The leaf ``node`` of a fitted tree: its training runners and their shares."""
    shares = leaf_shares(tree, node)
    runners = int(tree.estimator.tree_.n_node_samples[node])
    return Leaf(node, runners, {c: float(s) for c, s in zip(tree.classes, shares, strict=True)})


@dataclass(frozen=True)
class Verdict:
    """The pain type an assessment gives, and why it gives none.

    Attributes
    ----------
    pain_type : str
        A pain type, or ``undetermined``.
    code : str
        ``""`` when a type is named; else :data:`NO_SYMPTOM`, :data:`SMALL_LEAF`,
        :data:`AGAINST_ARTICLE` or :data:`MIXED_LEAF`.
    reason : str
        ``""`` when a type is named; else the reason in words.
    line : str
        The path's last line: the leaf actually used, naming no type the verdict does
        not give.
    """

    pain_type: str
    code: str
    reason: str
    line: str


def _no_symptom_reason(rules: Rulebook, signs: set[str]) -> str:
    types = pointed_types(rules, signs)
    if len(types) == 1:
        return (
            f"the article ties every sign you ticked to {types[0]} pain, but only as a warning "
            "sign: the tree reads symptoms, and none you ticked tells the types apart"
        )
    if types:
        shared = all(set(pointed_types(rules, [s])) == set(types) for s in signs)
        if shared:
            return f"the signs you ticked are shared by {_joined(list(types))} pain"
        return (
            f"the signs you ticked point to different types ({_joined(list(types))} pain), and "
            "none is a symptom that tells the types apart"
        )
    return "the article ties none of the signs you ticked to one type of pain"


def judge(rules: Rulebook, leaf: Leaf, signs: Iterable[str]) -> Verdict:
    """Name the leaf's majority, or abstain with the first rule that holds (module doc).

    Examples
    --------
    >>> from lowback import load_knowledge_base
    >>> from lowback.study.assumptions import study_records
    >>> rules = Rulebook.of(study_records(load_knowledge_base()))
    >>> mixed = Leaf(4, 1319, {"bone": 0.30, "disc": 0.28, "muscle": 0.42})
    >>> verdict = judge(rules, mixed, ["pain_radiates_to_legs"])
    >>> verdict.pain_type, verdict.code
    ('undetermined', 'against_article')
    >>> verdict.line
    "leaf 4: 42% muscle, 30% bone, 28% disc: no type is named against the article's words"
    >>> judge(rules, Leaf(9, 818, {"bone": 0.08, "disc": 0.71, "muscle": 0.21}),
    ...       ["pain_radiates_to_legs"]).line
    'leaf 9: disc (71% of 818 simulated runners here)'
    """
    signs = set(signs)
    article = article_type(rules, signs)
    head = f"leaf {leaf.node}: {leaf.describe()}"
    if not signs & set(rules.symptom_types):
        code, reason = NO_SYMPTOM, _no_symptom_reason(rules, signs)
        line = f"{head}: no symptom you ticked tells the types apart"
    elif leaf.runners < MIN_LEAF_RUNNERS:
        code = SMALL_LEAF
        reason = (
            f"too few simulated runners like you ({leaf.runners} in this leaf; a type is "
            f"named from {MIN_LEAF_RUNNERS})"
        )
        line = f"{head}: too few simulated runners ({leaf.runners}) to name a type"
    elif article and leaf.top != article:
        code = AGAINST_ARTICLE
        reason = (
            f"the article ties every sign you ticked to {article} pain, but the simulated "
            f"runners like you are mostly {leaf.top} ({leaf.top_share:.0%}): no type is named "
            "against the article's words"
        )
        line = f"{head}: no type is named against the article's words"
    elif leaf.top_share < MIN_LEAF_SHARE:
        code = MIXED_LEAF
        reason = f"the simulated runners like you are too mixed to name a type ({leaf.describe()})"
        line = f"{head}: too mixed to name a type"
    else:
        return Verdict(
            leaf.top,
            "",
            "",
            f"leaf {leaf.node}: {leaf.top} ({leaf.top_share:.0%} of {leaf.runners:,} simulated "
            "runners here)",
        )
    ties = f"the article ties every sign you ticked to {article} pain"
    if article and ties not in reason:
        reason += f"; {ties}"
    return Verdict(UNDETERMINED, code, reason, line)
