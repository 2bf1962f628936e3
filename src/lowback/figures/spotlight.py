"""The spotlight on a family of risk factors (notebook 03): a dot plot, one family a time.

The simulated relative risk of each pain type with against without each factor of a
family, on a log-scale axis, with the quotes the material gives about the family and,
given the assumptions, what went in: shown like the effect figure of
:mod:`lowback.figures.effects`, whose helpers it shares.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lowback.data.records import KnowledgeBase
from lowback.figures.effects import (
    CONTESTED_NOTE,
    INTERVAL_NOTE,
    contested_hover,
    effect_extremes,
    factor_label,
    factor_order,
    group_label,
    input_text,
    log_range,
    log_ticks,
    note_annotation,
    number_text,
    paper_y,
    ratio_text,
)
from lowback.figures.style import (
    FONT_SIZE,
    MAX_QUOTES_SHOWN,
    REFERENCE_COLOUR,
    counted,
    describe,
    dropdown,
    escape_wrapped,
    pain_type_colours,
    pain_types_in,
    plain,
    style_figure,
)
from lowback.study.assumptions import Assumptions
from lowback.study.risk import ANY_PAIN, contested_factors, evidence_matrix
from lowback.study.rulebook import Rulebook

_SPOTLIGHT = (720, {"t": 115, "b": 290})  # height and margins: a 1280 x 720 projector


def _quotes_box(quotes: list[str], width: int = 105) -> str:
    """The first quotes for the box under the plot: escaped, wrapped to its width."""
    quotes = list(dict.fromkeys(quotes))
    shown = [f"“{escape_wrapped(q, width)}”" for q in quotes[:MAX_QUOTES_SHOWN]]
    if len(quotes) > MAX_QUOTES_SHOWN:
        shown.append(f"… and {len(quotes) - MAX_QUOTES_SHOWN} more (hover the evidence map)")
    return "<br>".join(shown)


def _spotlight_tick(
    kb: KnowledgeBase,
    factor: str,
    contested: pd.DataFrame,
    assumptions: Assumptions | None,
    rules: Rulebook,
    pain_types: list[str],
) -> str:
    label = factor_label(kb, factor, contested)
    if assumptions is None:
        return label
    _, odds_ratio, _ = assumptions.risk_factors[factor]
    weights = [
        input_text(assumptions, rules, factor, t).split(", ", 1)[1]
        for t in pain_types
        if ", " in input_text(assumptions, rules, factor, t)
    ]
    went_in = ", ".join([f"in: odds ratio {ratio_text(odds_ratio)}", *weights])
    return f"{label}<br><span style='font-size:{FONT_SIZE - 2}px'>{went_in}</span>"


def risk_factor_spotlight(
    effects: pd.DataFrame,
    kb: KnowledgeBase,
    groups: tuple[str, ...] = ("age", "posture", "weak_core", "overtraining"),
    *,
    assumptions: Assumptions | None = None,
) -> go.Figure:
    """One view per risk-factor family: relative risk of each pain type, and the quotes.

    A dot plot on a log-scale axis (1 = no effect, marked): a dot per pain type and
    factor, with its 95 % bootstrap interval (simulation noise). A dropdown picks the
    family (age, posture, weak core, overtraining, ...); every view keeps its legend of
    pain types, and the box under the plot quotes what the material says about the
    family. Factors the material contradicts itself about are marked ⚠; given the
    assumptions, each factor's label says what went in (odds ratio on pain, type weights).

    Parameters
    ----------
    effects : DataFrame
        Relative risks (:func:`lowback.study.risk.relative_risks`).
    kb : KnowledgeBase
        The records the effects were simulated from.
    groups : tuple of str
        The families to offer, in the dropdown's order (the first is shown).
    assumptions : Assumptions, optional
        The assumptions the cohort was simulated under (what went in).

    Raises
    ------
    ValueError
        If an outcome is neither low back pain nor a pain type of ``kb``.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 1000, random_state=0)
    >>> effects = lowback.relative_risks(kb, cohort, n_resamples=50, random_state=0)
    >>> fig = risk_factor_spotlight(effects, kb)
    >>> len(fig.data) > 0, bool(fig.layout.title.text)
    (True, True)
    """
    evidence = evidence_matrix(kb)
    contested = contested_factors(kb)
    rules = Rulebook.of(kb)
    colours = pain_type_colours(kb)
    pain_types = [t for t in pain_types_in(effects["outcome"], colours) if t != ANY_PAIN]
    family_of = kb.entities.set_index("id")["group"]
    present = set(effects["risk_factor"])
    step = 0.7 / max(len(pain_types), 1)
    runners = int(effects["with_factor"].iloc[0] + effects["without_factor"].iloc[0])
    fig = go.Figure()
    views = []
    for g, group in enumerate(groups):
        factors = [f for f in factor_order(kb) if family_of.get(f) == group and f in present]
        part = effects[effects["risk_factor"].isin(factors)]
        first = len(fig.data)
        values = []
        for j, pain_type in enumerate(pain_types):
            rows = part[part["outcome"] == pain_type].set_index("risk_factor").loc[factors]
            offset = (j - (len(pain_types) - 1) / 2) * step
            fig.add_trace(
                go.Scatter(
                    x=rows["relative_risk"],
                    y=[i + offset for i in range(len(factors))],
                    mode="markers",
                    name=pain_type,
                    legendgroup=pain_type,
                    showlegend=True,
                    visible=g == 0,
                    marker={"size": 14, "color": colours[pain_type], "symbol": "circle"},
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": rows["high"] - rows["relative_risk"],
                        "arrayminus": rows["relative_risk"] - rows["low"],
                        "color": colours[pain_type],
                        "thickness": 2.5,
                        "width": 5,
                    },
                    customdata=[
                        [
                            plain(kb.label(f)),
                            number_text(lo),
                            number_text(hi),
                            contested_hover(contested, f),
                        ]
                        for f, lo, hi in zip(factors, rows["low"], rows["high"], strict=True)
                    ],
                    hovertemplate=f"<b>%{{customdata[0]}}</b>: {pain_type} pain, simulated "
                    "relative risk %{x:.2f}<br>95 % bootstrap interval %{customdata[1]} to "
                    "%{customdata[2]}: simulation noise%{customdata[3]}<extra></extra>",
                )
            )
            values += [*rows["low"], *rows["high"]]
        quotes = evidence.loc[evidence["risk_factor"].isin(factors), "quotes"].sum()
        ticks = [_spotlight_tick(kb, f, contested, assumptions, rules, pain_types) for f in factors]
        views.append((first, len(fig.data), _quotes_box(quotes), ticks, log_range(values), factors))
    buttons = []
    for g, (group, (first, last, quotes, ticks, axis_range, factors)) in enumerate(
        zip(groups, views, strict=True)
    ):
        visible = [first <= i < last for i in range(len(fig.data))]
        notes = f"Whiskers: {INTERVAL_NOTE}.<br>Simulation noise (here {runners:,} runners)."
        if contested.index.isin(factors).any():
            notes += f" {CONTESTED_NOTE} (hover a dot for both sides)."
        annotations = [
            note_annotation(notes, paper_y(-80, *_SPOTLIGHT)),
            note_annotation(
                f"<b>The material on {group_label(group)}:</b><br>{quotes}",
                paper_y(-128, *_SPOTLIGHT),
                FONT_SIZE - 2,
            ),
        ]
        layout = {
            "annotations": annotations,
            "xaxis.range": axis_range,
            **{f"xaxis.{k}": v for k, v in log_ticks(axis_range).items()},
            "yaxis.tickvals": list(range(len(factors))),
            "yaxis.ticktext": ticks,
            "yaxis.range": [len(factors) - 0.5, -0.5],
        }
        buttons.append(
            {
                "label": group_label(group),
                "method": "update",
                "args": [{"visible": visible}, layout],
            }
        )
        if g == 0:
            fig.update_layout(annotations=annotations)
            fig.update_xaxes(range=axis_range, **log_ticks(axis_range))
            fig.update_yaxes(
                tickvals=list(range(len(factors))),
                ticktext=ticks,
                range=[len(factors) - 0.5, -0.5],
            )
    fig.add_vline(x=1, line_dash="dash", line_color=REFERENCE_COLOUR)
    fig.update_layout(
        updatemenus=dropdown(buttons, x=1.0, y=paper_y(75, *_SPOTLIGHT), xanchor="right"),
        legend={
            "title": {"text": "Pain type:"},
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": paper_y(4, *_SPOTLIGHT),
            "yanchor": "bottom",
        },
    )
    fig.update_xaxes(type="log", title_text="Simulated relative risk, log scale")
    fig.update_yaxes(zeroline=False, showgrid=False)
    fig = style_figure(
        fig,
        "Spotlight on a family of risk factors: simulated relative risk by pain type",
        height=_SPOTLIGHT[0],
    )
    fig.update_layout(margin=_SPOTLIGHT[1])
    factors = views[0][5] if views else []
    first = effects[effects["risk_factor"].isin(factors) & effects["outcome"].isin(pain_types)]
    by_type = "; ".join(
        f"{t}: " + effect_extremes(first[first["outcome"] == t].set_index("risk_factor"), kb)
        for t in pain_types
    )
    return describe(
        fig,
        f"The simulated relative risk of each of {counted(len(pain_types), 'pain type')} with "
        f"against without each risk factor, with 95 % bootstrap intervals over {runners:,} "
        f"simulated runners, one family at a time ({counted(len(groups), 'family', 'families')}"
        f" in the menu). First, {group_label(groups[0])} "
        f"({counted(len(factors), 'factor')}): {by_type}.",
    )
