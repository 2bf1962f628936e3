"""Figures of the risk factors (notebook 03): what the material says, and what it implies.

Two kinds of figure, kept apart as in :mod:`lowback.study.risk`: the evidence, straight
from the records (which risk factor the material ties to which pain type or cause, and
which prevention it offers against what), and the effects on a SIMULATED cohort (pain
types by age, relative risks with bootstrap intervals, one family of risk factors at a
time). Pain types are those of the records, each in its colour from
:func:`~lowback.figures.style.pain_type_colours`; risk factors are shown by family.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lowback.data.records import KnowledgeBase
from lowback.figures.effects import factor_order, forest_plot, group_label
from lowback.figures.spotlight import risk_factor_spotlight
from lowback.figures.style import (
    MAGNITUDE_SCALE,
    REFERENCE_COLOUR,
    TEXT_COLOUR,
    counted,
    describe,
    dropdown,
    escape_wrapped,
    pain_type_colours,
    pain_types_in,
    plain,
    quotes_hover,
    style_figure,
)
from lowback.study.assumptions import OVER_65_FROM
from lowback.study.risk import ANY_PAIN, evidence_matrix, pain_share_by_age, prevention_matrix
from lowback.study.tree import AGE, feature_evidence

__all__ = ["age_figure", "evidence_map", "forest_plot", "prevention_map", "risk_factor_spotlight"]


def evidence_map(kb: KnowledgeBase) -> go.Figure:
    """How much the material says about each risk factor's links, and where it disagrees.

    Rows are risk factors (by family), columns the pain types and causes they are tied
    to; each cell counts the claims, and hovering shows their quotes. A factor whose
    claims the material contradicts is marked.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> fig = evidence_map(kb)
    >>> fig.data[0].type, fig.layout.title.text.startswith("What the material says")
    ('heatmap', True)
    """
    links = evidence_matrix(kb)
    factors = factor_order(kb)
    pain_kind = list(dict.fromkeys(links.loc[links["target_kind"] == "pain_type", "target"]))
    ordered = [t for t in pain_type_colours(kb) if t in pain_kind]  # the study's order
    pain_targets = ordered + [t for t in pain_kind if t not in ordered]
    cause_targets = [t for t in dict.fromkeys(links.loc[links["target_kind"] == "cause", "target"])]
    targets = pain_targets + cause_targets
    cell = links.set_index(["risk_factor", "target"])
    disputed = set(links.loc[links["contradicted"], "risk_factor"])
    z, text, hover = [], [], []
    for factor in factors:
        row_z, row_text, row_hover = [], [], []
        for target in targets:
            if (factor, target) in cell.index:
                link = cell.loc[(factor, target)]
                row_z.append(link["n_claims"])
                row_text.append(str(link["n_claims"]))
                note = (
                    "<br><b>contradicted elsewhere in the material</b>"
                    if link["contradicted"]
                    else ""
                )
                row_hover.append(
                    f"<b>{plain(kb.label(factor))} → {plain(kb.label(target))}</b>"
                    f"<br>{link['n_claims']} claim(s): {', '.join(link['claims'])}{note}"
                    f"<br>{quotes_hover(link['quotes'])}"
                )
            else:
                row_z.append(None)
                row_text.append("")
                row_hover.append(f"{plain(kb.label(factor))} → {plain(kb.label(target))}: no claim")
        z.append(row_z)
        text.append(row_text)
        hover.append(row_hover)
    groups = kb.entities.set_index("id")["group"]
    rows = [
        f"{plain(kb.label(f))} ({group_label(groups[f])})"
        + (" ⚠ contradicted" if f in disputed else "")
        for f in factors
    ]
    columns = [plain(kb.label(t)) + (" (cause)" if t in cause_targets else "") for t in targets]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=rows,
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hoverinfo="text",
            colorscale=MAGNITUDE_SCALE,
            zmin=0,
            colorbar={"title": "claims", "dtick": 1},
            textfont={"color": TEXT_COLOUR},
            xgap=2,
            ygap=2,
        )
    )
    fig.update_xaxes(title_text="Pain type or cause the factor is tied to", tickangle=-25)
    fig.update_yaxes(title_text="Risk factor (family)", autorange="reversed")
    title = "What the material says about each risk factor (number of claims)"
    fig = style_figure(fig, title, height=760)
    fig.update_layout(margin={"b": 150})
    most = links.loc[links["n_claims"].idxmax()] if len(links) else None
    return describe(
        fig,
        f"A grid of {counted(len(factors), 'risk factor')} (rows) against "
        f"{counted(len(pain_targets), 'pain type')} and {counted(len(cause_targets), 'cause')} "
        f"(columns): {counted(len(links), 'link')} backed by "
        f"{counted(int(links['n_claims'].sum()), 'claim')}"
        + (
            f", the most for {kb.label(most['risk_factor'])} → {kb.label(most['target'])} "
            f"({most['n_claims']})"
            if most is not None
            else ""
        )
        + f"; {counted(len(disputed), 'factor')} contradicted elsewhere in the material.",
    )


def age_figure(cohort: pd.DataFrame, kb: KnowledgeBase, band_width: int = 5) -> go.Figure:
    """Pain types by age in a simulated cohort, with the material's over-65 statement.

    Left: the share of each pain type among runners with pain, by age band. Right: the
    age distribution of each pain type. Buttons show one pain type or all. Every pain
    type the cohort has is shown, in its colour from the records.

    Parameters
    ----------
    cohort : DataFrame
        A simulated cohort (:func:`lowback.study.cohort.simulate`).
    kb : KnowledgeBase
        The records the cohort was simulated from.
    band_width : int, default 5
        Years per age band.

    Raises
    ------
    ValueError
        If the cohort has a pain type that ``kb`` does not.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 300, random_state=0)
    >>> fig = age_figure(cohort, kb)
    >>> len(fig.data) > 0, fig.layout.title.text
    (True, 'Age and pain type in the simulated cohort')
    """
    shares = pain_share_by_age(cohort, band_width)
    shares = shares[shares["runners"] >= 30]  # thin bands would only show noise
    colours = pain_type_colours(kb)
    among = [c.removeprefix("among_pain_") for c in shares if c.startswith("among_pain_")]
    pain_types = pain_types_in(among, colours)
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.55, 0.45],
        horizontal_spacing=0.1,
        subplot_titles=(
            "Share among simulated runners with pain",
            "Age of simulated runners, by pain type",
        ),
    )
    for pain_type in pain_types:
        colour = colours[pain_type]
        fig.add_trace(
            go.Scatter(
                x=shares.index + band_width / 2,
                y=shares[f"among_pain_{pain_type}"],
                name=pain_type,
                legendgroup=pain_type,
                mode="lines+markers",
                line={"color": colour, "width": 3},
                customdata=shares["runners"],
                hovertemplate=f"{pain_type}: %{{y:.0%}} of runners with pain aged %{{x:.0f}} ± "
                f"{band_width / 2:g}<br>%{{customdata:,}} runners in the band<extra></extra>",
            ),
            row=1,
            col=1,
        )
        ages = cohort.loc[cohort["pain_type"] == pain_type, "age"]
        fig.add_trace(
            go.Histogram(
                x=ages,
                name=pain_type,
                legendgroup=pain_type,
                showlegend=False,
                opacity=0.6,
                marker_color=colour,
                xbins={"start": 15, "end": 90, "size": band_width},
                hovertemplate=f"{pain_type}: %{{y:,}} runners aged %{{x}}<extra></extra>",
            ),
            row=1,
            col=2,
        )
    # The claim behind age: the first about the risk factor older age ("over 65").
    quote, start, end, claim = feature_evidence(kb, AGE)
    over_65_line = OVER_65_FROM - 0.5
    for col in (1, 2):
        fig.add_vline(x=over_65_line, line_dash="dash", line_color=REFERENCE_COLOUR, row=1, col=col)
    fig.add_trace(
        go.Scatter(
            x=[over_65_line],
            y=[0.95],
            mode="markers+text",
            text=["over 65"],
            textposition="middle right",
            marker={"size": 12, "color": REFERENCE_COLOUR, "symbol": "diamond"},
            showlegend=False,
            hovertext=[
                f"<b>The material</b> ({claim}, characters [{start}:{end}]):"
                f"<br>“{escape_wrapped(quote)}”"
            ],
            hoverinfo="text",
            name="over 65",
        ),
        row=1,
        col=1,
    )
    n_traces = len(fig.data)
    buttons = [
        {"label": "all pain types", "method": "restyle", "args": [{"visible": [True] * n_traces}]}
    ]
    for pain_type in pain_types:
        visible = [trace.legendgroup in (pain_type, None) for trace in fig.data]
        buttons.append({"label": pain_type, "method": "restyle", "args": [{"visible": visible}]})
    fig.update_layout(
        updatemenus=dropdown(buttons, x=0.0, y=1.18, xanchor="left"), barmode="overlay"
    )
    fig.update_xaxes(title_text="Age (years)")
    fig.update_yaxes(
        title_text="Share of runners with pain", tickformat=".0%", range=[0, 1], row=1, col=1
    )
    fig.update_yaxes(title_text="Simulated runners", row=1, col=2)
    fig = style_figure(fig, "Age and pain type in the simulated cohort", height=520)
    fig.update_layout(margin={"t": 130})
    pain = cohort[cohort["pain_type"].isin(pain_types)]
    old = pain[pain["age"] >= OVER_65_FROM]
    medians = ", ".join(
        f"{t} {pain.loc[pain['pain_type'] == t, 'age'].median():.0f}" for t in pain_types
    )
    over = (
        "; over 65: " + ", ".join(f"{(old['pain_type'] == t).mean():.0%} {t}" for t in pain_types)
        if len(old)
        else ""
    )
    return describe(
        fig,
        f"{counted(len(pain), 'simulated runner')} with pain, by pain type and age: the "
        f"share of each type by {band_width}-year band, and the age distribution of each. "
        f"Median age: {medians}{over}. A dashed line marks 65, where the material's "
        "statement on older age starts.",
    )


def _prevention_hover(kb: KnowledgeBase, cell: pd.DataFrame, measure: str, target: str) -> str:
    what = f"{plain(kb.label(measure))} against {plain(kb.label(target))}"
    if (measure, target) not in cell.index:
        return f"{what}: nothing said"
    return f"<b>{what}</b><br>{quotes_hover(cell.loc[(measure, target), 'quotes'])}"


def prevention_map(kb: KnowledgeBase) -> go.Figure:
    """Which measures the material offers against which risk factors (and in general).

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> fig = prevention_map(kb)
    >>> len(fig.data) > 0, fig.layout.title.text.startswith("Prevention")
    (True, True)
    """
    links = prevention_matrix(kb)
    measures = list(dict.fromkeys(links["measure"]))
    factors = [f for f in factor_order(kb) if f in set(links["target"])]
    targets = [ANY_PAIN, *factors]
    cell = links.set_index(["measure", "target"])
    z, hover = [], []
    for measure in measures:
        z.append(
            [
                cell.loc[(measure, t), "n_claims"] if (measure, t) in cell.index else None
                for t in targets
            ]
        )
        hover.append([_prevention_hover(kb, cell, measure, t) for t in targets])
    columns = ["low back pain (in general)", *(plain(kb.label(f)) for f in factors)]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=[plain(kb.label(m)) for m in measures],
            hovertext=hover,
            hoverinfo="text",
            colorscale=MAGNITUDE_SCALE,
            zmin=0,
            colorbar={"title": "claims", "dtick": 1},
            textfont={"color": TEXT_COLOUR},
            xgap=3,
            ygap=3,
            text=[["✓" if v else "" for v in row] for row in z],
            texttemplate="%{text}",
        )
    )
    fig.update_xaxes(title_text="What the measure works against")
    fig.update_yaxes(
        title_text="Prevention (or treatment) the material offers", autorange="reversed"
    )
    fig = style_figure(
        fig, "Prevention: which measures the material offers against which risk factors", height=560
    )
    cells = [v for row in z for v in row if v is not None]
    general = sum(row[0] is not None for row in z)
    return describe(
        fig,
        f"A grid of {counted(len(measures), 'measure')} (rows) against low back pain in "
        f"general and {counted(len(factors), 'risk factor')} (columns); a tick marks each of "
        f"the {counted(len(cells), 'pairing')} the material makes ({general} against low back "
        f"pain in general), backed by {counted(int(sum(cells)), 'claim')}.",
    )
