"""The tree's paths in words: the audit's profiles on the tree, the dropdown, the text.

For :mod:`~lowback.figures.tree_figure`: every profile the audit assesses
(:func:`lowback.study.audit.profiles`, at :func:`~lowback.study.audit.audit_ages`) walked
down the tree, grouped by the leaf it ends in (:func:`routes`), with what the rulebook
says of each (no type: *silent*; another type than the leaf's: *disagrees*), and the
dropdown's entries: the named examples first, then each distinct path once
(:func:`menu_entries`, escaped for plotly), and :func:`tree_description`: the whole tree
in plain sentences, the figure's text alternative.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lowback.data.records import KnowledgeBase
from lowback.figures.style import escape_wrapped, plain
from lowback.study.audit import AUDIT_AGES, audit_ages, profiles
from lowback.study.gate import reportable_red_flags
from lowback.study.rulebook import UNDETERMINED, Rulebook
from lowback.study.tree import (
    TreeModel,
    decision_path,
    feature_values,
    question,
    records_of_tree,
    splits,
    walk,
)

CAPTION_CHARS = 125  # characters per line of the path in words
MENU_CHARS = 80  # a dropdown is as wide as its longest label
PROFILES_LISTED = 8


@dataclass(frozen=True)
class Route:
    """The audit's profiles that end in one leaf (``items`` in words, profile order)."""

    leaf: int
    items: tuple[str, ...]  # "sign + sign, aged 23 to 28"
    profile: tuple[str, ...]  # the first profile, and an age it is audited at
    age: float
    silent: tuple[str, ...]  # the items the rulebook names no type for
    against: tuple[str, ...]  # the items it names another type than the leaf's for

    @property
    def mark(self) -> str:
        """``"disagrees"``, ``"silent"`` or ``""``: how the leaf is outlined."""
        return "disagrees" if self.against else "silent" if self.silent else ""


def age_phrase(ages: list[float], reached: list[bool]) -> str:
    """The audited ages at which a profile ends in a leaf, in words (``""``: at all).

    ``ages`` (sorted) holds both sides of every age the tree splits on, so between two
    neighbours that end in the same leaf every age does too; the first and the last
    stand for every age under and over them.

    >>> age_phrase([19, 20, 40, 70], [True, False, True, True])
    'aged 19 or under and aged 40 or over'
    """
    if all(reached):
        return ""
    runs, start = [], None
    for i, hit in enumerate([*reached, False]):
        if hit and start is None:
            start = i
        elif not hit and start is not None:
            low, high = ages[start], ages[i - 1]
            if start == 0:
                runs.append(f"aged {high:g} or under")
            elif i == len(ages):
                runs.append(f"aged {low:g} or over")
            else:
                runs.append(f"aged {low:g}" if low == high else f"aged {low:g} to {high:g}")
            start = None
    return " and ".join(runs)


def is_leaf(tree: TreeModel, node: int) -> bool:
    structure = tree.estimator.tree_
    return bool(structure.children_left[node] == structure.children_right[node])


def leaf_top(tree: TreeModel, leaf: int) -> tuple[str, float]:
    """A leaf's majority class and its share of the leaf's training runners."""
    shares = tree.estimator.tree_.value[leaf][0]
    best = int(np.argmax(shares))
    return tree.classes[best], float(shares[best] / shares.sum())


def routes(tree: TreeModel, kb: KnowledgeBase, max_signs: int, ages) -> dict[int, Route]:
    """Leaf -> the audit's profiles of up to ``max_signs`` signs that end there, at the
    audit's ages (``ages`` and both sides of each age the tree splits on), in leaf order."""
    # The tree's symptoms (of the sources it was fitted from) and every source's red flags:
    # the signs the assessor takes, and the audit assesses.
    rules = Rulebook.of(records_of_tree(kb, tree))
    found = profiles(rules, max_signs, red_flags=reportable_red_flags(kb))
    present = pd.DataFrame([{s: s in p for s in rules.symptoms} for p in found])
    answers = rules.predict(present) if found else []
    audited = list(audit_ages(tree, ages))
    by_leaf: dict[int, list] = {}
    for profile, answer in zip(found, answers, strict=True):
        ends = [walk(tree, feature_values(tree, set(profile), age))[-1] for age in audited]
        name = " + ".join(kb.label(s) for s in profile)
        for leaf in dict.fromkeys(ends):
            phrase = age_phrase(audited, [end == leaf for end in ends])
            item = f"{name}, {phrase}" if phrase else name
            age = audited[ends.index(leaf)]
            by_leaf.setdefault(leaf, []).append((item, profile, age, str(answer)))
    found_routes = {}
    for leaf, items in sorted(by_leaf.items()):
        top = leaf_top(tree, leaf)[0]
        found_routes[leaf] = Route(
            leaf,
            tuple(i[0] for i in items),
            items[0][1],
            items[0][2],
            tuple(i[0] for i in items if i[3] == UNDETERMINED),
            tuple(i[0] for i in items if i[3] not in (UNDETERMINED, top)),
        )
    return found_routes


def listed(items: tuple[str, ...], limit: int = PROFILES_LISTED) -> str:
    """The first ``limit`` items, ``; ``-separated, and how many more."""
    shown = "; ".join(items[:limit])
    return shown + (f"; … and {len(items) - limit} more" if len(items) > limit else "")


def rulebook_note(route: Route | None, top: str) -> str:
    """What the rulebook says of the profiles that end in a leaf, in words."""
    if route is None:
        return "no profile of the audit ends here"
    total = len(route.items)
    parts = []
    if route.against:
        parts.append(
            f"the rulebook names another type than {top} for {len(route.against)} of the "
            f"{total} profiles ending here ({listed(route.against, 3)})"
        )
    if route.silent:
        parts.append(
            f"the rulebook names no type for {len(route.silent)} of the {total} profiles "
            f"ending here ({listed(route.silent, 3)})"
        )
    return "; ".join(parts) or f"the rulebook names {top} for every profile ending here"


def path_words(tree: TreeModel, kb: KnowledgeBase, path: list[int]) -> list[str]:
    """A path's questions and answers, then its leaf: like
    :func:`~lowback.study.tree.decision_path`, without one runner's age (a path is taken
    at every age its profiles are audited at)."""
    structure = tree.estimator.tree_
    steps = []
    for node, following in itertools.pairwise(path):
        feature = tree.features[structure.feature[node]]
        answer = "yes" if following == structure.children_right[node] else "no"
        steps.append(f"{question(kb, feature, float(structure.threshold[node]))} {answer}")
    top, share = leaf_top(tree, path[-1])
    steps.append(f"leaf {path[-1]}: {top} ({share:.0%} of simulated runners here)")
    return steps


def _wrapped(text: str) -> str:
    return escape_wrapped(text, CAPTION_CHARS)


def menu_entries(
    tree: TreeModel,
    kb: KnowledgeBase,
    examples: Mapping[str, tuple[set[str], float]],
    found: dict[int, Route],
) -> list[tuple[str, list[int], str]]:
    """(menu label, nodes, caption), escaped: each named example, then each distinct path
    of the audit's profiles that no example takes, in leaf order, labelled by its first
    profile (``"Pain radiating to the legs (+7 more)"``)."""
    entries, taken = [], set()
    for name, (signs, age) in examples.items():
        values = feature_values(tree, signs, age)
        path = walk(tree, values)
        route = found.get(path[-1])
        also = f"<br>{_wrapped(f'Also on this path: {listed(route.items)}.')}" if route else ""
        steps = " → ".join(decision_path(tree, kb, values))
        caption = f"<b>{plain(name)}</b>: {_wrapped(steps)}{also}"
        entries.append((plain(name), path, caption))
        taken.add(path[-1])
    for leaf, route in found.items():
        if leaf in taken:
            continue
        path = walk(tree, feature_values(tree, set(route.profile), route.age))
        count = len(route.items)
        who = f"{count} profiles of the audit take it" if count > 1 else "1 profile takes it"
        caption = (
            f"<b>The path</b>: {_wrapped(' → '.join(path_words(tree, kb, path)))}"
            f"<br>{_wrapped(f'{who}: {listed(route.items)}.')}"
        )
        label = plain(textwrap.shorten(route.items[0], MENU_CHARS, placeholder="…"))
        entries.append((label + (f" (+{count - 1} more)" if count > 1 else ""), path, caption))
    return entries


def tree_description(
    tree: TreeModel, kb: KnowledgeBase, *, max_signs: int = 2, ages=AUDIT_AGES
) -> str:
    """The tree in plain sentences, one per split (after one on the whole tree): the
    text alternative of :func:`~lowback.figures.tree_figure.tree_figure`. Print it under
    the figure: screen readers do not read plotly's own text. Plain text, not markup.
    """
    structure = tree.estimator.tree_
    runners = structure.n_node_samples
    found = routes(tree, kb, max_signs, ages)
    leaves = [n for n in range(structure.node_count) if is_leaf(tree, n)]
    sentences = [
        f"The decision tree was fitted on {structure.n_node_samples[0]:,} simulated runners "
        f"with back pain; it asks up to {structure.max_depth} questions and ends in "
        f"{len(leaves)} leaves."
    ]

    def reached(node: int) -> str:
        if not is_leaf(tree, node):
            return f"node {node}"
        best, share = leaf_top(tree, node)
        text = f"leaf {node}, {best} ({share:.0%} of its {runners[node]:,} runners"
        route = found.get(node)
        if route and route.mark:
            text += (
                "; the rulebook names another type for a profile ending here"
                if route.mark == "disagrees"
                else "; the rulebook names no type for a profile ending here"
            )
        return text + ")"

    for split in splits(tree, kb):
        node = split.node
        sentences.append(
            f"Node {node} ({runners[node]:,} runners) asks “{split.question}”: yes "
            f"leads to {reached(structure.children_right[node])}, no to "
            f"{reached(structure.children_left[node])}."
        )
    if not structure.node_count > 1:
        sentences.append(f"It asks nothing: every runner ends in {reached(0)}.")
    return "\n".join(sentences)
