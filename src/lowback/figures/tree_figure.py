"""The fitted decision tree drawn node by node (notebook 02).

The tree reads left to right: the root on the left, one column per question, every leaf
in the last column, one row each, so a deep tree stays readable. Each node is a bar of
its class mix in the pain types' colours (:func:`~lowback.figures.style.pain_type_colours`),
its width growing with the square root of its simulated runners, its count written
beside it; each question sits above its bar, the edges run between the columns (never
through a question) and say "yes" or "no". A dropdown (no kernel needed) shows the path
of the named example runners and then of every distinct path the audit's profiles take
(:func:`lowback.study.audit.profiles` at :func:`~lowback.study.audit.audit_ages`), each
once with the profiles that take it. A leaf where the rulebook names no type (or another
type) for a profile that ends there is outlined.
:func:`~lowback.figures.tree_paths.tree_description` says the same in plain sentences,
for a screen reader. Every number is of SIMULATED runners.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from lowback.data.records import KnowledgeBase
from lowback.figures.style import (
    DARK_COLOUR,
    NEUTRAL_COLOUR,
    NOTE_COLOUR,
    REFERENCE_COLOUR,
    TEXT_COLOUR,
    add_pain_type_legend,
    counted,
    describe,
    dropdown,
    escape_wrapped,
    note,
    pain_type_colours,
    pain_types_in,
    plain,
    style_figure,
)
from lowback.figures.tree_paths import listed, menu_entries, routes, rulebook_note
from lowback.study.audit import AUDIT_AGES
from lowback.study.tree import AGE, TreeModel, splits

#: Pixels per leaf row; the figure's height follows the number of leaves.
ROW_PX = 36
BAR_PX = 12
#: The columns: each starts with the elbow of its incoming edges and the answer that led
#: there; the bars start at GAP; a bar is at most BAR_WIDTH wide (the root's).
ELBOW, GAP, BAR_WIDTH, MIN_BAR = 0.04, 0.25, 0.7, 0.03
LABEL_SPACE = 1.95  # after the leaves' bars: "muscle 97% · n = 4,191 (rulebook silent)"
QUESTION_CHARS, QUESTION_LINES = 19, 2
#: The figure's top, in pixels: title, then dropdown and legend, the outlines' key, and
#: the chosen path in words (as many lines as the longest needs).
MENU_PX, KEY_PX, CAPTION_PX, LINE_PX = 56, 114, 142, 19
DARK = DARK_COLOUR
#: The outline of a leaf the rulebook does not back, and its words in the leaf's label.
MARKS = {"silent": ("dash", 2), "disagrees": ("dot", 3)}


@dataclass(frozen=True)
class _Node:
    depth: int
    column: int  # depth, or the last column for a leaf
    row: float  # leaves 0, 1, 2...; a parent midway between its children
    x0: float
    width: float
    runners: int
    leaf: bool


def _nodes(tree: TreeModel) -> dict[int, _Node]:
    """Where each node is drawn, root first."""
    structure = tree.estimator.tree_
    last = int(structure.max_depth)
    root = float(structure.n_node_samples[0])
    found: dict[int, _Node] = {}
    next_row = [0]

    def place(node: int, depth: int) -> float:
        left, right = structure.children_left[node], structure.children_right[node]
        leaf = left == right
        if leaf:
            row = float(next_row[0])
            next_row[0] += 1
        else:
            row = (place(left, depth + 1) + place(right, depth + 1)) / 2
        column = last if leaf else depth
        runners = int(structure.n_node_samples[node])
        width = max(MIN_BAR, BAR_WIDTH * math.sqrt(runners / root))
        found[node] = _Node(depth, column, row, column + GAP, width, runners, leaf)
        return row

    place(0, 0)
    return dict(sorted(found.items()))


def _short_question(split) -> str:
    """A split's question as drawn: at most two lines (the hover has it whole)."""
    text = f"Age over {split.threshold:g}?" if split.feature == AGE else split.question
    lines = textwrap.wrap(text, QUESTION_CHARS) or [""]
    if len(lines) > QUESTION_LINES:
        lines = [
            *lines[: QUESTION_LINES - 1],
            textwrap.shorten(" ".join(lines[1:]), 16, placeholder="…"),
        ]
    return "<br>".join(plain(line) for line in lines)


def _mix(tree: TreeModel, node: int, shown: list[str]) -> tuple[np.ndarray, float]:
    structure = tree.estimator.tree_
    column = [tree.classes.index(t) for t in shown]
    counts = (structure.value[node][0] * structure.weighted_n_node_samples[node])[column]
    return counts, float(counts.sum())


# ---------------------------------------------------------------------------------------------
# The figure
# ---------------------------------------------------------------------------------------------


def _edge(parent: _Node, child: _Node) -> tuple[list, list]:
    """An elbow from the parent's bar to the child's: along the parent's row, down or up
    between the columns, along the child's row."""
    elbow = parent.depth + 1 + ELBOW
    return (
        [parent.x0 + parent.width, elbow, elbow, child.x0, None],
        [parent.row, parent.row, child.row, child.row, None],
    )


def _outline(node: _Node, pad: float) -> tuple[list, list]:
    top, bottom = node.row - pad, node.row + pad
    x0, x1 = node.x0 - 0.012, node.x0 + node.width + 0.012
    return [x0, x1, x1, x0, x0, None], [top, top, bottom, bottom, top, None]


def tree_figure(
    tree: TreeModel,
    kb: KnowledgeBase,
    examples: Mapping[str, tuple[set[str], float]] | None = None,
    *,
    max_signs: int = 2,
    ages=AUDIT_AGES,
) -> go.Figure:
    """The decision tree as an interactive figure, left to right.

    Each node is a bar of its class mix (simulated runners of each of the tree's pain
    types reaching it, in their colours from the records), as wide as the square root of
    its runners and labelled with their number (``n = 1,234``); hovering a node shows its
    question, its counts and the quote behind its feature. A dropdown highlights one path:
    each named example's first, then each distinct path of the audit's profiles
    (:func:`lowback.study.audit.profiles` of up to ``max_signs`` signs, at
    :func:`~lowback.study.audit.audit_ages`), once, with the profiles that take it. A
    leaf is outlined where the rulebook names no type (dashed) or another type (dotted)
    for a profile that ends there. The title gives the runners the tree was fitted on
    (the root's: those with pain).

    Parameters
    ----------
    tree : lowback.study.tree.TreeModel
    kb : KnowledgeBase
    examples : dict, optional
        Example name -> (the signs the runner reports, age in years).
    max_signs, ages
        The audit's profiles and ages (:func:`lowback.study.audit.audit`'s defaults).

    Raises
    ------
    ValueError
        If a class of the tree is not a pain type of ``kb``.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 300, random_state=0)
    >>> tree = lowback.fit_tree(kb, cohort)
    >>> fig = tree_figure(tree, kb)
    >>> len(fig.data) > 0, fig.layout.title.text.startswith("Decision tree")
    (True, True)
    """
    structure = tree.estimator.tree_
    nodes = _nodes(tree)
    colours = pain_type_colours(kb)
    shown = pain_types_in(tree.classes, colours)  # every class, in the study's order
    leaves = sum(n.leaf for n in nodes.values())
    last = int(structure.max_depth)
    top_pad, bottom_pad = 1.3, 0.8  # rows: room for the questions above the first bars

    def px(pixels: float) -> float:
        return pixels / ROW_PX

    found = routes(tree, kb, max_signs, ages)
    split_at = {s.node: s for s in splits(tree, kb)}
    leaf_bar = max((n.width for n in nodes.values() if n.leaf), default=MIN_BAR)
    label_x = last + GAP + leaf_bar + 0.04

    fig = go.Figure()
    edge_x, edge_y, answer_x, answer_y, answers = [], [], [], [], []
    for node, at in nodes.items():
        if at.leaf:
            continue
        for child, answer in (
            (structure.children_left[node], "no"),
            (structure.children_right[node], "yes"),
        ):
            xs, ys = _edge(at, nodes[child])
            edge_x += xs
            edge_y += ys
            answer_x.append(at.depth + 1 + ELBOW + 0.015)
            answer_y.append(nodes[child].row + px(2))
            answers.append(answer)
    fig.add_trace(
        go.Scatter(
            x=edge_x,
            y=edge_y,
            mode="lines",
            line={"color": NEUTRAL_COLOUR, "width": 2},
            hoverinfo="skip",
            showlegend=False,
            name="edges",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=answer_x,
            y=answer_y,
            mode="text",
            text=answers,
            textposition="bottom right",
            hoverinfo="skip",
            textfont={"size": 12, "color": REFERENCE_COLOUR},
            showlegend=False,
            name="answers",
        )
    )

    bars, hover = [], []
    questions = {"x": [], "y": [], "text": []}
    counts_text = {"x": [], "y": [], "text": []}
    leaf_text = {"x": [], "y": [], "text": []}
    marked: dict[str, tuple[list, list]] = {m: ([], []) for m in MARKS}
    for node, at in nodes.items():
        counts, total = _mix(tree, node, shown)
        left = at.x0
        for share, pain_type in zip(counts / total, shown, strict=True):
            right = left + at.width * share
            bars.append(
                {
                    "type": "rect",
                    "x0": left,
                    "x1": right,
                    "y0": at.row - px(BAR_PX / 2),
                    "y1": at.row + px(BAR_PX / 2),
                    "fillcolor": colours[pain_type],
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
            left = right
        mix = "<br>".join(
            f"{t}: {round(c):,} ({c / total:.0%})" for t, c in zip(shown, counts, strict=True)
        )
        runners = f"{round(total):,} simulated runners"
        if node in split_at:
            split = split_at[node]
            questions["x"].append(at.column + ELBOW + 0.025)  # right of the incoming elbow
            questions["y"].append(at.row - px(BAR_PX / 2 + 2))
            questions["text"].append(_short_question(split))
            counts_text["x"].append(at.x0)
            counts_text["y"].append(at.row + px(BAR_PX / 2 + 4))
            counts_text["text"].append(f"n = {at.runners:,}")
            hover.append(
                f"<b>node {node}: {plain(split.question)}</b><br>{runners}<br>{mix}"
                f"<br><i>from the material</i> ({split.claim}, characters "
                f"[{split.start}:{split.end}]):<br>“{escape_wrapped(split.quote)}”"
            )
            continue
        best = shown[int(counts.argmax())]
        route = found.get(node)
        mark = route.mark if route else ""
        words = {"silent": " (rulebook silent)", "disagrees": " (rulebook disagrees)"}
        leaf_text["x"].append(label_x)
        leaf_text["y"].append(at.row)
        leaf_text["text"].append(
            f"<b>{best}</b> {counts.max() / total:.0%} · n = {at.runners:,}{words.get(mark, '')}"
        )
        if mark:
            xs, ys = marked[mark]
            x0, x1 = at.x0 - 0.04, label_x + LABEL_SPACE - 0.02
            top, bottom = at.row - px(ROW_PX * 0.4), at.row + px(ROW_PX * 0.4)
            xs += [x0, x1, x1, x0, x0, None]
            ys += [top, top, bottom, bottom, top, None]
        taken = f"<br>profiles ending here: {escape_wrapped(listed(route.items))}" if route else ""
        hover.append(
            f"<b>leaf {node}: {best}</b><br>{runners}<br>{mix}{taken}"
            f"<br>{escape_wrapped(rulebook_note(route, best))}"
        )
    # One layout update: add_shape per bar re-validates every shape so far (quadratic).
    fig.update_layout(shapes=bars)
    for name, text, position, font in (
        ("questions", questions, "top right", {"size": 12.5}),
        ("runners", counts_text, "bottom right", {"size": 12, "color": NOTE_COLOUR}),
        ("leaves", leaf_text, "middle right", {"size": 13}),
    ):
        fig.add_trace(
            go.Scatter(
                **text,
                mode="text",
                textposition=position,
                textfont=font,
                hoverinfo="skip",
                showlegend=False,
                name=name,
            )
        )
    for mark, (dash, width) in MARKS.items():
        xs, ys = marked[mark]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": DARK, "width": width, "dash": dash},
                hoverinfo="skip",
                showlegend=False,
                name=f"rulebook {mark}",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[at.x0 + at.width / 2 for at in nodes.values()],
            y=[at.row for at in nodes.values()],
            mode="markers",
            marker={"size": 18, "opacity": 0},
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
            name="nodes",
        )
    )
    add_pain_type_legend(fig, shown, colours)

    entries = menu_entries(tree, kb, examples or {}, found)
    fixed = len(fig.data)
    captions = []
    for label, route_nodes, caption in entries:
        xs, ys = [], []
        for parent, child in itertools.pairwise(route_nodes):
            ex, ey = _edge(nodes[parent], nodes[child])
            xs += ex
            ys += ey
        for n in route_nodes:
            ox, oy = _outline(nodes[n], px(BAR_PX / 2 + 2))
            xs += ox
            ys += oy
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": TEXT_COLOUR, "width": 3},
                opacity=0.65,
                name=f"path: {label}",
                hoverinfo="skip",  # hovering a node on the path must show the node and its quote
                visible=False,
                showlegend=False,
            )
        )
        captions.append(caption)
    lines = max((c.count("<br>") + 1 for c in captions), default=0)
    top_px = CAPTION_PX + LINE_PX * lines + 16
    bottom = 20
    rows = leaves + top_pad + bottom_pad
    plot = rows * ROW_PX
    height = round(top_px + plot + bottom)

    def above(pixels_from_top: float) -> float:
        """Paper y of a point ``pixels_from_top`` below the figure's top edge."""
        return 1 + (top_px - pixels_from_top) / plot

    key = _key(marked, above(KEY_PX))
    annotations = [_path_caption(c, above(CAPTION_PX)) for c in captions]
    if entries:
        fig.data[fixed].visible = True
        buttons = [
            {
                "label": label,
                "method": "update",
                "args": [
                    {"visible": [True] * fixed + [j == i for j in range(len(entries))]},
                    {"annotations": [annotations[i], *key]},
                ],
            }
            for i, (label, _, _) in enumerate(entries)
        ]
        menu = dropdown(buttons, x=0.0, y=above(MENU_PX), xanchor="left")
        menu[0]["font"] = {"size": 13}
        fig.update_layout(
            updatemenus=menu,
            annotations=[annotations[0], *key],
        )
    else:
        fig.update_layout(annotations=key)
    fig.update_xaxes(visible=False, range=[-0.02, label_x + LABEL_SPACE])
    fig.update_yaxes(visible=False, range=[leaves - 1 + bottom_pad + 0.5, -top_pad - 0.5])
    fig.update_layout(
        legend={
            "title": "pain type",
            "orientation": "h",
            "x": 1,
            "xanchor": "right",
            "y": above(MENU_PX),
            "yanchor": "top",
        }
    )
    root = int(structure.n_node_samples[0])
    title = f"Decision tree fitted on {root:,} simulated runners with back pain"
    fig = style_figure(fig, title, height=height)
    fig.update_layout(title={"y": 1 - 12 / height, "yanchor": "top", "yref": "container"})
    fig.update_layout(margin={"t": top_px, "b": bottom, "l": 20, "r": 20})
    outlined = {m: sum(part is None for part in marked[m][0]) for m in MARKS}
    majority = [shown[int(_mix(tree, n, shown)[0].argmax())] for n, at in nodes.items() if at.leaf]
    by_type = ", ".join(f"{majority.count(t)} {t}" for t in shown if t in majority)
    first = split_at.get(0)
    return describe(
        fig,
        f"The decision tree fitted on {root:,} simulated runners with back pain, read left "
        f"to right: depth {last}, {counted(leaves, 'leaf', 'leaves')} (by majority: "
        f"{by_type})"
        + (f"; its first question: “{first.question}”" if first else "")
        + f". {outlined['silent']} leaves end a profile the rulebook names no type for, "
        f"{outlined['disagrees']} one it names another type for.",
    )


def _key(marked: dict, y: float) -> list[dict]:
    """What an outline means, in words, under the legend (only the outlines drawn)."""
    words = {
        "silent": "dashed outline: the rulebook names no type for a profile ending in this leaf",
        "disagrees": "dotted outline: the rulebook names another type for a profile ending here",
    }
    parts = [words[m] for m in MARKS if marked[m][0]]
    text = "; ".join(["Black: the chosen path", *parts]) + "."
    return [
        {
            "text": text,
            "x": 1,
            "y": y,
            "xref": "paper",
            "yref": "paper",
            "showarrow": False,
            "xanchor": "right",
            "yanchor": "top",
            "font": {"size": 13},
        }
    ]


def _path_caption(text: str, y: float) -> dict:
    """The chosen path in words, over the tree, wrapped (the top margin fits it)."""
    return note(text, y, size=14)
