"""Figures of the symptom classifier (notebook 02): the tree, its evaluation, the gate.

The fitted decision tree drawn node by node (each node a bar of its class mix, in the
pain types' colours from :func:`~lowback.figures.style.pain_type_colours`, with the
quote behind each question and the paths of example runners), its cross-validated
confusion matrix, tree against the article's rulebook, accuracy as misreporting noise
grows, and the red-flag gate's rules. Every number comes from a SIMULATED cohort.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lowback.data.records import KnowledgeBase
from lowback.data.schema import TRIAGE_LEVELS
from lowback.figures.style import (
    NEUTRAL_COLOUR,
    SERIES_COLOURS,
    TRIAGE_COLOURS,
    dropdown,
    escape_wrapped,
    pain_type_colours,
    pain_types_in,
    style_figure,
    table,
)
from lowback.study.tree import decision_path, feature_values, splits, walk


def _tree_layout(structure) -> dict[int, tuple[float, float]]:
    """x (leaves evenly spaced, parents centred over children) and y (depth) per node."""
    positions: dict[int, tuple[float, float]] = {}
    next_leaf = [0]

    def place(node: int, depth: int) -> float:
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:
            x = float(next_leaf[0])
            next_leaf[0] += 1
        else:
            x = (place(left, depth + 1) + place(right, depth + 1)) / 2
        positions[node] = (x, -float(depth))
        return x

    place(0, 0)
    return positions


def tree_figure(
    tree,
    kb: KnowledgeBase,
    examples: dict[str, tuple[set[str], float]] | None = None,
    *,
    cohort_size: int | None = None,
) -> go.Figure:
    """The decision tree as an interactive figure.

    Each node is a bar of its class mix (simulated runners of each of the tree's pain
    types reaching it, each in its colour from the records); hovering a node shows its
    question, its counts and the quote behind its feature. A dropdown highlights the path
    of one example runner.

    Parameters
    ----------
    tree : lowback.study.tree.TreeModel
    kb : KnowledgeBase
    examples : dict, optional
        Example name -> (the signs the runner reports, age in years).
    cohort_size : int, optional
        Number of simulated runners the tree was fitted on, for the title.

    Raises
    ------
    ValueError
        If a class of the tree is not a pain type of ``kb``.
    """
    structure = tree.estimator.tree_
    positions = _tree_layout(structure)
    classes = tree.classes
    colours = pain_type_colours(kb)
    shown = pain_types_in(classes, colours)  # every class, in the study's order
    column = [classes.index(t) for t in shown]
    half_width, half_height = 0.42, 0.13
    fig = go.Figure()
    edge_x, edge_y, labels_x, labels_y, labels = [], [], [], [], []
    for node, (x, y) in positions.items():
        for child, answer in (
            (structure.children_left[node], "no"),
            (structure.children_right[node], "yes"),
        ):
            if child == -1 or structure.children_left[node] == structure.children_right[node]:
                continue
            cx, cy = positions[child]
            edge_x += [x, cx, None]
            edge_y += [y - half_height, cy + half_height, None]
            labels_x.append(x + 0.72 * (cx - x))  # near the child, clear of the question text
            labels_y.append(y + 0.72 * (cy - y))
            labels.append(answer)
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
            x=labels_x,
            y=labels_y,
            mode="text",
            text=labels,
            hoverinfo="skip",
            textfont={"size": 13, "color": "#555555"},
            showlegend=False,
            name="answers",
        )
    )

    hover, texts, xs, ys, bars = [], [], [], [], []
    split_at = {s.node: s for s in splits(tree, kb)}
    for node, (x, y) in positions.items():
        counts = (structure.value[node][0] * structure.weighted_n_node_samples[node])[column]
        total = counts.sum()
        left = x - half_width
        for share, pain_type in zip(counts / total, shown, strict=True):
            right = left + 2 * half_width * share
            bars.append(
                {
                    "type": "rect",
                    "x0": left,
                    "x1": right,
                    "y0": y - half_height,
                    "y1": y + half_height,
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
            texts.append(escape_wrapped(split.question, 18))
            hover.append(
                f"<b>node {node}: {html.escape(split.question)}</b><br>{runners}<br>{mix}"
                f"<br><i>from the material</i> ({split.claim}, characters "
                f"[{split.start}:{split.end}]):<br>“{escape_wrapped(split.quote)}”"
            )
        else:
            best = shown[int(counts.argmax())]
            texts.append(f"<b>{best}</b><br>{counts.max() / total:.0%}")
            hover.append(f"<b>leaf {node}: {best}</b><br>{runners}<br>{mix}")
        xs.append(x)
        ys.append(y)
    # One layout update: add_shape per bar re-validates every shape so far (quadratic).
    fig.update_layout(shapes=bars)
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=texts,
            textposition="bottom center",
            textfont={"size": 11},
            marker={"size": 30, "opacity": 0},
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
            name="nodes",
        )
    )
    for pain_type in shown:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=pain_type,
                marker={"symbol": "square", "size": 14, "color": colours[pain_type]},
            )
        )

    examples = examples or {}
    fixed = len(fig.data)
    captions = []
    for name, (signs, age) in examples.items():
        values = feature_values(tree, signs, age)
        nodes = walk(tree, values)
        fig.add_trace(
            go.Scatter(
                x=[positions[n][0] for n in nodes],
                y=[positions[n][1] for n in nodes],
                mode="lines+markers",
                line={"color": "#000000", "width": 4},
                marker={"size": 12, "color": "#000000"},
                opacity=0.55,
                name=f"path: {html.escape(name)}",
                hoverinfo="skip",  # hovering a node on the path must show the node and its quote
                visible=False,
                showlegend=False,
            )
        )
        steps = " → ".join(html.escape(s) for s in decision_path(tree, kb, values))
        captions.append(_path_caption(f"<b>{html.escape(name)}</b>: {steps}"))
    if examples:
        fig.data[fixed].visible = True
        buttons = []
        for i, name in enumerate(examples):
            visible = [True] * fixed + [j == i for j in range(len(examples))]
            buttons.append(
                {
                    "label": html.escape(name),
                    "method": "update",
                    "args": [{"visible": visible}, {"annotations": [captions[i]]}],
                }
            )
        fig.update_layout(
            updatemenus=dropdown(buttons, x=0.0, y=1.09, xanchor="left"),
            annotations=[captions[0]],
        )
    size = f" on {cohort_size:,} simulated runners" if cohort_size else " on simulated runners"
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, range=[min(y for _, y in positions.values()) - 0.45, 0.3])
    fig.update_layout(
        legend={"title": "pain type", "orientation": "h", "x": 1, "xanchor": "right", "y": 1.07}
    )
    fig = style_figure(fig, f"Decision tree fitted{size}", height=680)
    fig.update_layout(margin={"t": 120, "b": 90})
    return fig


def _path_caption(text: str) -> dict:
    """The chosen example runner's path in words, under the tree."""
    return {
        "text": text,
        "x": 0,
        "y": -0.04,
        "xref": "paper",
        "yref": "paper",
        "showarrow": False,
        "xanchor": "left",
        "yanchor": "top",
        "align": "left",
        "font": {"size": 13},
    }


def confusion_heatmap(evaluation) -> go.Figure:
    """A cross-validated confusion matrix: share of each true type given each answer."""
    matrix = evaluation.confusion
    shares = matrix.div(matrix.sum(axis=1), axis=0)
    fig = go.Figure(
        go.Heatmap(
            z=shares.to_numpy(),
            x=list(matrix.columns),
            y=list(matrix.index),
            zmin=0,
            zmax=1,
            colorscale="Blues",
            colorbar={"title": "share of row"},
            text=[
                [f"{s:.0%}<br>({c:,})" for s, c in zip(srow, crow, strict=True)]
                for srow, crow in zip(shares.to_numpy(), matrix.to_numpy(), strict=True)
            ],
            texttemplate="%{text}",
            hovertemplate="simulated %{y}, predicted %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="Predicted pain type")
    fig.update_yaxes(title_text="Simulated pain type", autorange="reversed")
    title = f"{evaluation.name}: confusion matrix, {evaluation.folds}-fold CV on simulated runners"
    return style_figure(fig, title, height=460)


def tree_versus_rulebook(evaluations) -> go.Figure:
    """Accuracy, macro F1 and per-class recall of each classifier, side by side."""
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("Overall (mean ± sd across folds)", "Recall by pain type")
    )
    for colour, evaluation in zip(SERIES_COLOURS, evaluations, strict=False):
        fig.add_trace(
            go.Bar(
                name=evaluation.name,
                x=["accuracy", "macro F1"],
                marker_color=colour,
                y=[evaluation.accuracy, evaluation.macro_f1],
                legendgroup=evaluation.name,
                error_y={"type": "data", "array": [evaluation.accuracy_sd, evaluation.macro_f1_sd]},
                text=[f"{evaluation.accuracy:.2f}", f"{evaluation.macro_f1:.2f}"],
                textposition="inside",
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Bar(
                name=evaluation.name,
                x=list(evaluation.recall.index),
                marker_color=colour,
                y=evaluation.recall.to_numpy(),
                legendgroup=evaluation.name,
                showlegend=False,
                text=[f"{r:.2f}" for r in evaluation.recall],
                textposition="inside",
            ),
            row=1,
            col=2,
        )
    fig.update_yaxes(title_text="Score (0 to 1)", range=[0, 1])
    fig.update_layout(barmode="group")
    return style_figure(
        fig, "Tree versus the article's rulebook, cross-validated on simulated runners", height=460
    )


def noise_sweep_figure(sweep: pd.DataFrame) -> go.Figure:
    """Accuracy of tree and rulebook as the misreporting noise grows."""
    fig = go.Figure()
    for colour, (name, curve) in zip(
        SERIES_COLOURS, sweep.groupby("model", sort=False), strict=False
    ):
        fig.add_trace(
            go.Scatter(
                x=curve["misreport"],
                y=curve["accuracy"],
                name=name,
                mode="lines+markers",
                line={"color": colour, "width": 3},
                error_y={"type": "data", "array": curve["accuracy_sd"], "visible": True},
                hovertemplate="misreport %{x:.0%}: accuracy %{y:.3f}<extra>" + name + "</extra>",
            )
        )
    fig.update_xaxes(title_text="Probability that a runner misreports a symptom", tickformat=".0%")
    fig.update_yaxes(title_text="Cross-validated accuracy (0 to 1)", range=[0, 1])
    return style_figure(
        fig,
        "How robust are the rules? Accuracy as misreporting grows (simulated runners)",
        height=460,
    )


def _raised_by(kb: KnowledgeBase, flag: str, how: str) -> str:
    """What fires a triage rule, in words: the red flag reported, or every sign it names."""
    if not flag:
        return "no rule fires (baseline)"
    if how == "reported":
        return f"reported: {html.escape(kb.label(flag))}"
    signs = " + ".join(html.escape(kb.label(sign)) for sign in how.split())
    return f"all of: {signs} → {html.escape(kb.label(flag))}"


def triage_rules_table(kb: KnowledgeBase) -> go.Figure:
    """The red-flag gate: each triage rule, what fires it, its level, basis and quote.

    A rule fires when the runner reports its red flag, or every sign it names; its basis
    is literal (its quote names the level) or inferred through the claims it lists.
    """
    rules = kb.triage
    for column in ("level", "basis"):
        rules[column] = rules[column].astype(str)
    order = {level: i for i, level in enumerate(reversed(TRIAGE_LEVELS))}
    rules = rules.sort_values("level", key=lambda s: s.map(order), kind="stable")
    raised = [
        _raised_by(kb, flag, how)
        for flag, how in zip(rules["red_flag"], rules["raised_by"], strict=True)
    ]
    basis = [
        f"inferred via {', '.join(via.split())}" if via else html.escape(b)
        for b, via in zip(rules["basis"], rules["via"], strict=True)
    ]
    values = [
        rules["id"].tolist(),
        [level.replace("_", " ") for level in rules["level"]],
        raised,
        basis,
        [f"“{escape_wrapped(q, 70)}”" for q in rules["quote"]],
    ]
    fill = [[TRIAGE_COLOURS[level] + "33" for level in rules["level"]]] * len(values)
    header = ["rule", "level", "raised by", "basis", "the material says"]
    widths = [40, 80, 220, 110, 360]
    fig = go.Figure(table(header, values, widths, header_colour="#333333", fill=fill))
    return style_figure(
        fig, "The red-flag gate, applied before any model: rules from the material", height=860
    )
