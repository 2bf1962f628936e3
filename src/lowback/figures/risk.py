"""Figures of the risk factors (notebook 03): what the material says, and what it implies.

Two kinds of figure, kept apart as in :mod:`lowback.study.risk`: the evidence, straight
from the records (which risk factor the material ties to which pain type or cause, and
which prevention it offers against what), and the effects on a SIMULATED cohort (pain
types by age, relative risks with bootstrap intervals, one family of risk factors at a
time). Pain types are those of the records, each in its colour from
:func:`~lowback.figures.style.pain_type_colours`; risk factors are shown by family.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lowback.data.records import KnowledgeBase
from lowback.figures.style import (
    dropdown,
    escape_wrapped,
    pain_type_colours,
    pain_types_in,
    quotes_hover,
    style_figure,
)
from lowback.study.assumptions import OVER_65_FROM
from lowback.study.risk import ANY_PAIN, evidence_matrix, pain_share_by_age, prevention_matrix
from lowback.study.tree import AGE, feature_evidence

RISK_GROUP_ORDER = (
    "age",
    "posture",
    "weak_core",
    "overtraining",
    "form",
    "flexibility",
    "pelvis",
    "diet",
    "anatomy",
    "running_with_pain",
)


def _group_label(group: str) -> str:
    return group.replace("_", " ")


def _factor_order(kb: KnowledgeBase) -> list[str]:
    factors = kb.entities_of_kind("risk_factor")
    rank = {g: i for i, g in enumerate(RISK_GROUP_ORDER)}
    ordered = factors.assign(rank=factors["group"].map(rank).fillna(len(rank)))
    return ordered.sort_values(["rank"], kind="stable")["id"].tolist()


def evidence_map(kb: KnowledgeBase) -> go.Figure:
    """How much the material says about each risk factor's links, and where it disagrees.

    Rows are risk factors (by family), columns the pain types and causes they are tied
    to; each cell counts the claims, and hovering shows their quotes. A factor whose
    claims the material contradicts is marked.
    """
    links = evidence_matrix(kb)
    factors = _factor_order(kb)
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
                    f"<b>{html.escape(kb.label(factor))} → {html.escape(kb.label(target))}</b>"
                    f"<br>{link['n_claims']} claim(s): {', '.join(link['claims'])}{note}"
                    f"<br>{quotes_hover(link['quotes'])}"
                )
            else:
                row_z.append(None)
                row_text.append("")
                row_hover.append(
                    f"{html.escape(kb.label(factor))} → {html.escape(kb.label(target))}: no claim"
                )
        z.append(row_z)
        text.append(row_text)
        hover.append(row_hover)
    groups = kb.entities.set_index("id")["group"]
    rows = [
        f"{html.escape(kb.label(f))} ({_group_label(groups[f])})"
        + (" ⚠ contradicted" if f in disputed else "")
        for f in factors
    ]
    columns = [
        html.escape(kb.label(t)) + (" (cause)" if t in cause_targets else "") for t in targets
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=rows,
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hoverinfo="text",
            colorscale="Blues",
            zmin=0,
            colorbar={"title": "claims", "dtick": 1},
            xgap=2,
            ygap=2,
        )
    )
    fig.update_xaxes(title_text="Pain type or cause the factor is tied to", tickangle=-25)
    fig.update_yaxes(title_text="Risk factor (family)", autorange="reversed")
    title = "What the material says about each risk factor (number of claims)"
    fig = style_figure(fig, title, height=760)
    fig.update_layout(margin={"b": 150})
    return fig


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
        fig.add_vline(x=over_65_line, line_dash="dash", line_color="#555555", row=1, col=col)
    fig.add_trace(
        go.Scatter(
            x=[over_65_line],
            y=[0.95],
            mode="markers+text",
            text=["over 65"],
            textposition="middle right",
            marker={"size": 12, "color": "#555555", "symbol": "diamond"},
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
    return fig


def _outcome_label(kb: KnowledgeBase, outcome: str) -> str:
    """An outcome in words: 'any low back pain', or the pain type's label, escaped."""
    return "any low back pain" if outcome == ANY_PAIN else html.escape(kb.label(outcome).lower())


def _forest_title(label: str) -> str:
    return f"Relative risk of {label}, with vs without each factor (simulated, bootstrap 95 % CI)"


def forest_plot(effects: pd.DataFrame, kb: KnowledgeBase) -> go.Figure:
    """Relative risk of an outcome with and without each risk factor (bootstrap 95 % CI).

    A dropdown picks the outcome: any low back pain, or one pain type. Hovering a factor
    shows the claim behind it. The effects come back out of the simulation's assumptions.

    Parameters
    ----------
    effects : DataFrame
        Relative risks (:func:`lowback.study.risk.relative_risks`).
    kb : KnowledgeBase
        The records the effects were simulated from.

    Raises
    ------
    ValueError
        If an outcome is neither low back pain nor a pain type of ``kb``.
    """
    order = [f for f in _factor_order(kb) if f in set(effects["risk_factor"])]
    evidence = evidence_matrix(kb).groupby("risk_factor")["quotes"].sum()
    labels = [f"{html.escape(kb.label(f))}" for f in order]
    outcomes = list(dict.fromkeys(effects["outcome"]))
    colours = pain_type_colours(kb)
    pain_types_in(outcomes, colours)  # every outcome is low back pain or a pain type
    names = {o: _outcome_label(kb, o) for o in outcomes}
    fig = go.Figure()
    for i, outcome in enumerate(outcomes):
        part = effects[effects["outcome"] == outcome].set_index("risk_factor").loc[order]
        colour = colours[outcome]
        fig.add_trace(
            go.Scatter(
                x=part["relative_risk"],
                y=labels,
                mode="markers",
                name=names[outcome],
                marker={"size": 11, "color": colour, "symbol": "square"},
                visible=i == 0,
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": part["high"] - part["relative_risk"],
                    "arrayminus": part["relative_risk"] - part["low"],
                    "color": colour,
                    "thickness": 2,
                },
                customdata=[
                    [f"{lo:.2f}", f"{hi:.2f}", f"{w:,}", quotes_hover(evidence.get(f, []))]
                    for f, lo, hi, w in zip(
                        part.index, part["low"], part["high"], part["with_factor"], strict=True
                    )
                ],
                hovertemplate="<b>%{y}</b>: relative risk %{x:.2f}"
                " (95 % CI %{customdata[0]} to %{customdata[1]})"
                "<br>%{customdata[2]} simulated runners with the factor"
                "<br>%{customdata[3]}<extra></extra>",
            )
        )
    buttons = [
        {
            "label": names[o],
            "method": "update",
            "args": [
                {"visible": [j == i for j in range(len(outcomes))]},
                {"title.text": _forest_title(names[o])},
            ],
        }
        for i, o in enumerate(outcomes)
    ]
    fig.add_vline(x=1, line_dash="dash", line_color="#555555")
    fig.update_layout(
        updatemenus=dropdown(buttons, x=1.0, y=1.1, xanchor="right"), showlegend=False
    )
    fig.update_xaxes(title_text="Relative risk (1 = no difference)", type="log")
    fig.update_yaxes(autorange="reversed")
    return style_figure(fig, _forest_title(names[outcomes[0]]), height=680)


def risk_factor_spotlight(
    effects: pd.DataFrame,
    kb: KnowledgeBase,
    groups: tuple[str, ...] = ("age", "posture", "weak_core", "overtraining"),
) -> go.Figure:
    """One view per risk-factor family: relative risk of each pain type, and the quotes.

    A dropdown picks the family (age, posture, weak core, overtraining, ...); the box
    under the bars quotes what the material says about it.

    Parameters
    ----------
    effects : DataFrame
        Relative risks (:func:`lowback.study.risk.relative_risks`).
    kb : KnowledgeBase
        The records the effects were simulated from.
    groups : tuple of str
        The families to offer, in the dropdown's order (the first is shown).

    Raises
    ------
    ValueError
        If an outcome is neither low back pain nor a pain type of ``kb``.
    """
    evidence = evidence_matrix(kb)
    colours = pain_type_colours(kb)
    pain_types = [t for t in pain_types_in(effects["outcome"], colours) if t != ANY_PAIN]
    family_of = kb.entities.set_index("id")["group"]
    fig = go.Figure()
    views = []
    for g, group in enumerate(groups):
        factors = [
            f
            for f in _factor_order(kb)
            if family_of.get(f) == group and f in set(effects["risk_factor"])
        ]
        part = effects[effects["risk_factor"].isin(factors)]
        first = len(fig.data)
        for pain_type in pain_types:
            rows = part[part["outcome"] == pain_type].set_index("risk_factor").loc[factors]
            fig.add_trace(
                go.Bar(
                    x=[html.escape(kb.label(f)) for f in factors],
                    y=rows["relative_risk"],
                    name=pain_type,
                    marker_color=colours[pain_type],
                    visible=g == 0,
                    legendgroup=pain_type,
                    showlegend=g == 0,
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": rows["high"] - rows["relative_risk"],
                        "arrayminus": rows["relative_risk"] - rows["low"],
                    },
                    hovertemplate=f"{pain_type}: relative risk %{{y:.2f}}<extra>%{{x}}</extra>",
                )
            )
        quotes = evidence.loc[evidence["risk_factor"].isin(factors), "quotes"].sum()
        views.append((first, len(fig.data), quotes_hover(quotes)))
    buttons = []
    for g, (group, (first, last, quotes)) in enumerate(zip(groups, views, strict=True)):
        visible = [first <= i < last for i in range(len(fig.data))]
        annotation = {
            "text": f"<b>The material on {_group_label(group)}:</b><br>{quotes}",
            "x": 0,
            "y": -0.32,
            "xref": "paper",
            "yref": "paper",
            "showarrow": False,
            "align": "left",
            "xanchor": "left",
            "yanchor": "top",
            "font": {"size": 14},
        }
        buttons.append(
            {
                "label": _group_label(group),
                "method": "update",
                "args": [{"visible": visible}, {"annotations": [annotation]}],
            }
        )
        if g == 0:
            fig.update_layout(annotations=[annotation])
    fig.add_hline(y=1, line_dash="dash", line_color="#555555")
    fig.update_layout(
        updatemenus=dropdown(buttons, x=1.0, y=1.12, xanchor="right"), barmode="group"
    )
    fig.update_yaxes(title_text="Relative risk (1 = no difference)")
    fig.update_xaxes(title_text="Risk factor in the family")
    fig = style_figure(
        fig,
        "Spotlight on a family of risk factors: relative risk by pain type (simulated)",
        height=720,
    )
    fig.update_layout(margin={"b": 260})
    return fig


def _prevention_hover(kb: KnowledgeBase, cell: pd.DataFrame, measure: str, target: str) -> str:
    what = f"{html.escape(kb.label(measure))} against {html.escape(kb.label(target))}"
    if (measure, target) not in cell.index:
        return f"{what}: nothing said"
    return f"<b>{what}</b><br>{quotes_hover(cell.loc[(measure, target), 'quotes'])}"


def prevention_map(kb: KnowledgeBase) -> go.Figure:
    """Which measures the material offers against which risk factors (and in general)."""
    links = prevention_matrix(kb)
    measures = list(dict.fromkeys(links["measure"]))
    factors = [f for f in _factor_order(kb) if f in set(links["target"])]
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
    columns = ["low back pain (in general)", *(html.escape(kb.label(f)) for f in factors)]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=[html.escape(kb.label(m)) for m in measures],
            hovertext=hover,
            hoverinfo="text",
            colorscale=[[0, "#9ECAE1"], [1, "#0072B2"]],
            showscale=False,
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
    return style_figure(
        fig, "Prevention: which measures the material offers against which risk factors", height=560
    )
