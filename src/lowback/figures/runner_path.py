"""One runner's path through the decision tree, as a short chain of boxes (notebook 02).

The whole tree (:func:`~lowback.figures.tree_figure.tree_figure`) has dozens of leaves and
is read on a page; a class follows one runner. :func:`runner_path_figure` draws the named
example the tree figure's menu shows first (the ``examples`` it is given, in their
order) from the root to its leaf: one box per question the tree asks, with the answer this
runner gives, then the leaf: its class mix as a bar in the pain types' colours
(:func:`~lowback.figures.style.pain_type_colours`), its number of simulated runners, and
what the assessment says there: the kind of pain or why none is named
(:func:`lowback.study.abstention.judge`, in the explorers' words,
:func:`lowback.study.plain_words.pain_type_words`), and the red-flag gate's level for the
same signs, which comes first. Every number is of SIMULATED runners.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import plotly.graph_objects as go

from lowback.data.records import KnowledgeBase
from lowback.figures.style import (
    DARK_COLOUR,
    EMPTY_COLOUR,
    TRIAGE_TINTS,
    add_pain_type_legend,
    describe,
    escape_wrapped,
    pain_type_colours,
    pain_types_in,
    plain,
    style_figure,
    text_colour_on,
)
from lowback.study.abstention import judge, leaf_of
from lowback.study.gate import RedFlagGate
from lowback.study.plain_words import LEVEL_MARKS, LEVEL_WORDS, pain_type_words
from lowback.study.rulebook import Rulebook
from lowback.study.tree import AGE, TreeModel, feature_values, question, records_of_tree, walk

__all__ = ["path_steps", "runner_path_figure"]

ROW = 1.0  # a question's row, in data units
LEAF_ROWS = 2.6  # the leaf's box: its bar, its counts, the assessment
BOX_RIGHT = 0.72  # a question's box spans 0 to this share of the width
ROW_PX = 58
TOP_PX, BOTTOM_PX = 70, 20
TEXT_PX = 20
WRAP = 95  # characters per line in the leaf's box


def path_steps(
    tree: TreeModel, kb: KnowledgeBase, signs: set[str], age: float
) -> tuple[list[tuple[str, str]], int]:
    """One runner's questions and answers, root to leaf, and the leaf.

    Parameters
    ----------
    tree : lowback.study.tree.TreeModel
    kb : KnowledgeBase
        The records the questions' labels come from.
    signs : set of str
        The signs the runner reports.
    age : float
        The runner's age in years.

    Returns
    -------
    steps : list of (str, str)
        Each question as :func:`lowback.study.tree.question` words it (an age question
        with the runner's age after it) and the answer, ``"yes"`` or ``"no"``.
    leaf : int
        The leaf the runner ends in.
    """
    structure = tree.estimator.tree_
    nodes = walk(tree, feature_values(tree, signs, age))
    steps = []
    for node, following in itertools.pairwise(nodes):
        feature = tree.features[structure.feature[node]]
        asked = question(kb, feature, float(structure.threshold[node]))
        if feature == AGE:
            asked = f"{asked} ({age:g})"
        steps.append((asked, "yes" if following == structure.children_right[node] else "no"))
    return steps, nodes[-1]


def _box(x0: float, x1: float, y0: float, y1: float, fill: str, width: float = 2) -> dict:
    return {
        "type": "rect",
        "xref": "x",
        "yref": "y",
        "x0": x0,
        "x1": x1,
        "y0": y0,
        "y1": y1,
        "fillcolor": fill,
        "line": {"color": DARK_COLOUR, "width": width},
        "layer": "below",
    }


def _text(x: float, y: float, text: str, *, size: int = TEXT_PX, anchor: str = "left") -> dict:
    return {
        "x": x,
        "y": y,
        "xref": "x",
        "yref": "y",
        "text": text,
        "showarrow": False,
        "xanchor": anchor,
        "yanchor": "middle",
        "align": "left",
        "font": {"size": size},
    }


def runner_path_figure(
    tree: TreeModel,
    kb: KnowledgeBase,
    examples: Mapping[str, tuple[set[str], float]],
    *,
    name: str | None = None,
) -> go.Figure:
    """One example runner's path through the tree, root to leaf, as a chain of boxes.

    Parameters
    ----------
    tree : lowback.study.tree.TreeModel
    kb : KnowledgeBase
        Every source's records (the red-flag gate reads them all; the tree's sources give
        the questions and the assessment's pain type), as
        :func:`~lowback.figures.tree_figure.tree_figure` takes them.
    examples : Mapping[str, tuple[set[str], float]]
        Example name -> (the signs the runner reports, age in years): the tree figure's
        named examples.
    name : str, optional
        Which example; by default the first, the one the tree figure shows first.

    Returns
    -------
    plotly.graph_objects.Figure
        With a summary (:func:`~lowback.figures.style.describe`).

    Raises
    ------
    ValueError
        If there is no example, ``name`` is not one, or a class of the tree is not a
        pain type of ``kb``.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 300, random_state=0)
    >>> tree = lowback.fit_tree(kb, cohort)
    >>> fig = runner_path_figure(tree, kb, {"bending": ({"pain_worse_when_bending"}, 40.0)})
    >>> len(fig.data) > 0, bool(fig.layout.title.text)
    (True, True)
    """
    if not examples:
        raise ValueError("no example runner to follow: give at least one")
    name = next(iter(examples)) if name is None else name
    if name not in examples:
        raise ValueError(f"no example named {name!r}; expected one of: {', '.join(examples)}")
    signs, age = examples[name]
    signs = set(signs)
    steps, leaf = path_steps(tree, kb, signs, age)
    colours = pain_type_colours(kb)
    shown = pain_types_in(tree.classes, colours)
    found = leaf_of(tree, leaf)
    judged = judge(Rulebook.of(records_of_tree(kb, tree)), found, signs)
    gate = RedFlagGate(kb).check(signs)

    shapes, notes = [], []
    for i, (asked, answer) in enumerate(steps):
        top = i * ROW
        shapes.append(_box(0, BOX_RIGHT, top + 0.1, top + ROW - 0.1, EMPTY_COLOUR))
        notes.append(_text(0.015, top + ROW / 2, f"{i + 1}. {plain(asked)}"))
        notes.append(_text(BOX_RIGHT + 0.015, top + ROW / 2, f"<b>{answer}</b>", anchor="left"))
        notes.append(_text(BOX_RIGHT - 0.01, top + ROW / 2, "→", anchor="right"))
    top = len(steps) * ROW
    bottom = top + LEAF_ROWS
    shapes.append(_box(0, 1, top + 0.1, bottom - 0.05, EMPTY_COLOUR, width=3))
    left, bar_y0, bar_y1 = 0.015, top + 0.25, top + 0.85
    mix = []
    for pain_type in shown:
        share = found.shares.get(pain_type, 0.0)
        mix.append(f"{share:.0%} {pain_type}")
        width = 0.97 * share
        if width <= 0:
            continue
        shapes.append(_box(left, left + width, bar_y0, bar_y1, colours[pain_type], width=0))
        if share >= 0.08:
            label = f"{plain(pain_type)} {share:.0%}"
            colour = text_colour_on(colours[pain_type])
            notes.append(
                _text(
                    left + 0.01,
                    (bar_y0 + bar_y1) / 2,
                    f"<span style='color:{colour}'>{label}</span>",
                )
            )
        left += width
    runners = found.runners
    said = pain_type_words(judged.pain_type, judged.reason)
    level = f"<b>{LEVEL_MARKS[gate.level]} {plain(LEVEL_WORDS[gate.level])}</b>"
    if gate.reasons[0].basis != "literal":  # the sentence does not name these signs
        level += " (inferred)"
    notes.append(
        _text(
            0.015,
            top + 1.25,
            f"<b>The leaf</b>: {runners:,} simulated runners, {', '.join(mix)}.",
        )
    )
    notes.append(_text(0.015, top + 1.75, f"<b>The assessment</b>: {escape_wrapped(said, WRAP)}"))
    notes.append(
        _text(
            0.015,
            top + 2.25,
            f"<b>The warning signs come first</b>: for these signs the gate says {level}.",
        )
    )
    shapes.append(_box(0.005, 0.995, top + 2.02, top + 2.48, TRIAGE_TINTS[gate.level], width=0))

    root = int(tree.estimator.tree_.n_node_samples[0])
    fig = go.Figure(go.Scatter(x=[None], y=[None], showlegend=False, hoverinfo="skip"))
    add_pain_type_legend(fig, shown, colours, size=16)
    height = round(TOP_PX + BOTTOM_PX + ROW_PX * (len(steps) * ROW + LEAF_ROWS))
    title = (
        f"One runner's path: {plain(name)}, through the tree fitted on {root:,} simulated runners"
    )
    fig = style_figure(fig, title, height=height)
    fig.update_layout(
        shapes=shapes,
        annotations=notes,
        margin={"t": TOP_PX, "b": BOTTOM_PX, "l": 20, "r": 20},
        legend={
            "title": "pain type",
            "orientation": "h",
            "x": 1,
            "xanchor": "right",
            "y": 1,
            "yanchor": "bottom",
        },
    )
    fig.update_xaxes(visible=False, range=[0, 1], fixedrange=True)
    fig.update_yaxes(visible=False, range=[bottom, 0], fixedrange=True)
    asked = "; ".join(f"{q} {a}" for q, a in steps) or "no question"
    return describe(
        fig,
        f"One simulated runner's path through the decision tree ({name}): "
        f"{len(steps)} questions from the root to a leaf ({asked}). The leaf holds "
        f"{runners:,} simulated runners: {', '.join(mix)}. The assessment: {said} "
        f"The red-flag gate, which comes first, says: {LEVEL_WORDS[gate.level]}.",
    )
