"""How deep the tree is, and why: cross-validated macro F1 against depth (notebook 02).

The study's tree depth is chosen by the one-standard-error rule on this curve
(:func:`lowback.study.evaluation.choose_depth`): the simplest tree whose score is within one
standard error of the best. The figure shows the curve, the band the rule accepts and the
depth it picks, on simulated runners. Both curves are the tree's, in its colour
(:data:`~lowback.figures.style.CLASSIFIER_COLOURS`): the score solid, accuracy dotted.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lowback.figures.style import CLASSIFIER_COLOURS, NEUTRAL_COLOUR, describe, style_figure


def depth_figure(curve: pd.DataFrame, chosen: int) -> go.Figure:
    """Macro F1 (mean ± one standard error over the folds) and accuracy at each depth.

    Parameters
    ----------
    curve : DataFrame
        :func:`lowback.study.evaluation.depth_curve`'s table.
    chosen : int
        The depth picked (:func:`lowback.study.evaluation.choose_depth`), marked.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 300, random_state=0)
    >>> from lowback.study.evaluation import choose_depth, depth_curve
    >>> curve = depth_curve(kb, cohort, depths=range(1, 4), folds=3)
    >>> fig = depth_figure(curve, choose_depth(curve))
    >>> len(fig.data) > 0, bool(fig.layout.title.text)
    (True, True)
    """
    best = curve.loc[curve["macro_f1"].idxmax()]
    floor = float(best["macro_f1"] - best["macro_f1_se"])
    fig = go.Figure()
    fig.add_hrect(
        y0=floor,
        y1=float(best["macro_f1"]),
        fillcolor=NEUTRAL_COLOUR,
        opacity=0.3,
        line_width=0,
    )
    fig.add_trace(
        go.Scatter(
            x=curve["depth"],
            y=curve["macro_f1"],
            error_y={"type": "data", "array": curve["macro_f1_se"], "visible": True},
            mode="lines+markers",
            name="macro F1 (the score)",
            line={"color": CLASSIFIER_COLOURS["tree"], "width": 3},
            customdata=curve[["leaves"]].to_numpy(),
            hovertemplate="depth %{x}: macro F1 %{y:.3f}, %{customdata[0]} leaves<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=curve["depth"],
            y=curve["accuracy"],
            mode="lines+markers",
            name="accuracy",
            line={"color": CLASSIFIER_COLOURS["tree"], "width": 2, "dash": "dot"},
            marker={"symbol": "square-open"},
            hovertemplate="depth %{x}: accuracy %{y:.3f}<extra></extra>",
        )
    )
    row = curve.loc[curve["depth"] == chosen].iloc[0]
    fig.add_annotation(
        x=chosen,
        y=float(row["macro_f1"]),
        text=(
            f"chosen: depth {chosen}, {int(row['leaves'])} leaves<br>"
            "the simplest tree within one standard error<br>of the best (the grey band)"
        ),
        align="left",
        showarrow=True,
        arrowhead=2,
        ax=-120,
        ay=90,
    )
    fig.update_xaxes(title_text="Tree depth (questions on the longest path)", dtick=1)
    fig.update_yaxes(title_text="Cross-validated score (0 to 1)", range=[0, 1])
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    fig = style_figure(fig, "How deep a tree? Cross-validated on simulated runners", height=480)
    depths = curve["depth"]
    return describe(
        fig,
        f"Cross-validated macro F1 and accuracy of the tree on simulated runners at depths "
        f"{depths.min()} to {depths.max()}. The best macro F1 is {best['macro_f1']:.3f} at "
        f"depth {int(best['depth'])}; depth {chosen} ({int(row['leaves'])} leaves, macro F1 "
        f"{row['macro_f1']:.3f}) is chosen as the simplest tree within one standard error of "
        f"it (at least {floor:.3f}).",
    )
