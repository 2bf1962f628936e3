"""Figures of the symptom classifier (notebook 02): the tree, its evaluation, the gate.

The fitted decision tree (:func:`tree_figure`, drawn in :mod:`~lowback.figures.tree_figure`,
with :func:`tree_description`, its text alternative) and the audit of the assessment
(:func:`audit_figure`, :func:`audit_summary`, in :mod:`~lowback.figures.audit`) are
imported here, so the notebook calls every figure of its own as ``classifier.<name>``.
This module draws the tree's cross-validated confusion matrix, tree against the
article's rulebook, accuracy as misreporting noise grows, and the red-flag gate's rules.
Every number comes from a SIMULATED cohort. Each classifier has its colour
(:data:`~lowback.figures.style.CLASSIFIER_COLOURS`; one it does not name is neutral grey).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lowback.data.records import KnowledgeBase
from lowback.data.schema import TRIAGE_LEVELS
from lowback.figures.audit import audit_figure, audit_summary
from lowback.figures.style import (
    CLASSIFIER_COLOURS,
    DARK_COLOUR,
    MAGNITUDE_SCALE,
    NEUTRAL_COLOUR,
    TEXT_COLOUR,
    TRIAGE_TINTS,
    counted,
    describe,
    escape_wrapped,
    plain,
    style_figure,
    table,
)
from lowback.figures.tree_figure import tree_figure
from lowback.figures.tree_paths import tree_description

__all__ = [
    "audit_figure",
    "audit_summary",
    "confusion_heatmap",
    "noise_sweep_figure",
    "tree_description",
    "tree_figure",
    "tree_versus_rulebook",
    "triage_rules_table",
]


def confusion_heatmap(evaluation) -> go.Figure:
    """A cross-validated confusion matrix: share of each true type given each answer.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 300, random_state=0)
    >>> fig = confusion_heatmap(lowback.evaluate(lowback.make_tree(), "tree", kb, cohort, folds=3))
    >>> fig.data[0].type, "confusion matrix" in fig.layout.title.text
    ('heatmap', True)
    """
    matrix = evaluation.confusion
    shares = matrix.div(matrix.sum(axis=1), axis=0)
    fig = go.Figure(
        go.Heatmap(
            z=shares.to_numpy(),
            x=list(matrix.columns),
            y=list(matrix.index),
            zmin=0,
            zmax=1,
            colorscale=MAGNITUDE_SCALE,
            colorbar={"title": "share of row"},
            textfont={"color": TEXT_COLOUR},
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
    right = {t: float(shares.loc[t, t]) for t in shares.index if t in shares.columns}
    worst = min(right, key=right.get) if right else None
    summary = (
        f"For each simulated pain type (rows), the share of the {evaluation.name}'s "
        f"cross-validated answers naming each type (columns), over "
        f"{counted(int(matrix.to_numpy().sum()), 'simulated runner')}. "
        + "; ".join(f"{t}: {share:.0%} named right" for t, share in right.items())
        + (f". The weakest is {worst}." if worst else ".")
    )
    return describe(style_figure(fig, title, height=460), summary)


def classifier_colour(name: str) -> str:
    """A classifier's colour, by its name; neutral grey for one the palette does not name."""
    return CLASSIFIER_COLOURS.get(name, NEUTRAL_COLOUR)


def tree_versus_rulebook(evaluations) -> go.Figure:
    """Accuracy, macro F1 and per-class recall of each classifier, side by side.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 300, random_state=0)
    >>> rules = lowback.RulebookClassifier(lowback.Rulebook.of(lowback.study_records(kb)))
    >>> tree = lowback.evaluate(lowback.make_tree(), "tree", kb, cohort, folds=3)
    >>> fig = tree_versus_rulebook([tree, lowback.evaluate(rules, "rulebook", kb, cohort, folds=3)])
    >>> len(fig.data) > 0, bool(fig.layout.title.text)
    (True, True)
    """
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("Overall (mean ± sd across folds)", "Recall by pain type")
    )
    for evaluation in evaluations:
        colour = classifier_colour(evaluation.name)
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
    fig = style_figure(
        fig, "Tree versus the article's rulebook, cross-validated on simulated runners", height=460
    )
    scores = "; ".join(
        f"{e.name}: accuracy {e.accuracy:.2f} (sd {e.accuracy_sd:.2f}), macro F1 "
        f"{e.macro_f1:.2f}, recall " + ", ".join(f"{t} {r:.2f}" for t, r in e.recall.items())
        for e in evaluations
    )
    return describe(
        fig,
        f"Cross-validated scores of {counted(len(evaluations), 'classifier')} on simulated "
        f"runners, overall and by pain type. {scores}.",
    )


def noise_sweep_figure(sweep: pd.DataFrame) -> go.Figure:
    """Accuracy of tree and rulebook as the misreporting noise grows.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> from lowback.study.evaluation import noise_sweep
    >>> fig = noise_sweep_figure(noise_sweep(kb, [0.0, 0.2], n=300))
    >>> len(fig.data) > 0, bool(fig.layout.title.text)
    (True, True)
    """
    fig = go.Figure()
    ends = []
    for name, curve in sweep.groupby("model", sort=False):
        colour = classifier_colour(str(name))
        first, last = curve.iloc[0], curve.iloc[-1]
        ends.append(
            f"{name}: {first['accuracy']:.2f} at {first['misreport']:.0%} misreporting, "
            f"{last['accuracy']:.2f} at {last['misreport']:.0%}"
        )
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
    fig = style_figure(
        fig,
        "How robust are the rules? Accuracy as misreporting grows (simulated runners)",
        height=460,
    )
    levels = sweep["misreport"].nunique()
    return describe(
        fig,
        f"Cross-validated accuracy on simulated runners at {counted(levels, 'level')} of "
        f"misreporting (the chance that a runner misreports a symptom): " + "; ".join(ends) + ".",
    )


def _raised_by(kb: KnowledgeBase, flag: str, how: str) -> str:
    """What fires a triage rule, in words: the red flag reported, or every sign it names."""
    if not flag:
        return "no rule fires (baseline)"
    if how == "reported":
        return f"reported: {plain(kb.label(flag))}"
    signs = " + ".join(plain(kb.label(sign)) for sign in how.split())
    return f"all of: {signs} → {plain(kb.label(flag))}"


def triage_rules_table(kb: KnowledgeBase) -> go.Figure:
    """The red-flag gate: each triage rule, what fires it, its level, basis, source and
    quote (the rules of every source: the gate reads them all).

    A rule fires when the runner reports its red flag, or every sign it names; its basis
    is literal (its quote names the level) or inferred through the claims it lists.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> fig = triage_rules_table(kb)
    >>> fig.data[0].type, fig.layout.title.text.startswith("The red-flag gate")
    ('table', True)
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
        f"inferred via {', '.join(via.split())}" if via else plain(b)
        for b, via in zip(rules["basis"], rules["via"], strict=True)
    ]
    publishers = dict(zip(kb.sources["id"], kb.sources["publisher"], strict=True))
    values = [
        rules["id"].tolist(),
        [level.replace("_", " ") for level in rules["level"]],
        raised,
        basis,
        [plain(publishers[source]) for source in rules["source"]],
        [f"“{escape_wrapped(q, 60)}”" for q in rules["quote"]],
    ]
    fill = [[TRIAGE_TINTS[level] for level in rules["level"]]] * len(values)
    header = ["rule", "level", "raised by", "basis", "source", "the source says"]
    widths = [40, 80, 200, 100, 110, 320]
    fig = go.Figure(table(header, values, widths, header_colour=DARK_COLOUR, fill=fill))
    title = "The red-flag gate, applied before any model: the rules of every source"
    fig = style_figure(fig, title, height=860 + 40 * max(0, len(rules) - 13))
    levels = rules["level"].value_counts()
    tally = ", ".join(
        f"{levels[level]} {level.replace('_', ' ')}"
        for level in reversed(TRIAGE_LEVELS)
        if level in levels
    )
    inferred = int((rules["via"] != "").sum())
    return describe(
        fig,
        f"A table of the red-flag gate's {counted(len(rules), 'rule')} from "
        f"{counted(rules['source'].nunique(), 'source')}, the most pressing level first "
        f"({tally}); {inferred} of them are inferred through other claims, the rest named "
        "literally; each row gives what fires it, its basis, its source and its quote.",
    )
