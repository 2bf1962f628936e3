"""Effect figures of the risk factors (notebook 03): what went in, and what came out.

The relative risks of :func:`lowback.study.risk.relative_risks` are computed on a
SIMULATED cohort, so they are the assumptions returned: these figures show them beside
what went in (each factor's assumed odds ratio on pain, with its rationale from the
assumptions file), say on the figure why an odds ratio becomes a smaller relative risk,
mark the factors the material contradicts itself about, and label every interval for
what it is: simulation noise. Pain types keep their colours from
:func:`~lowback.figures.style.pain_type_colours`; what went in is drawn in black.
:mod:`lowback.figures.risk` shows these figures beside the evidence figures.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lowback.data.records import KnowledgeBase
from lowback.figures.style import (
    FONT_SIZE,
    NOTE_COLOUR,
    REFERENCE_COLOUR,
    TEXT_COLOUR,
    counted,
    describe,
    dropdown,
    escape_wrapped,
    note,
    pain_type_colours,
    pain_types_in,
    plain,
    quotes_hover,
    style_figure,
)
from lowback.study.assumptions import AGE_FACTOR, Assumptions, load_assumptions
from lowback.study.risk import ANY_PAIN, contested_factors, evidence_matrix, pain_risk_by_factor
from lowback.study.rulebook import Rulebook

#: The families of risk factors, in the order the figures show them.
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
#: What every bootstrap interval on these figures is.
INTERVAL_NOTE = (
    "95 % bootstrap interval over simulated runners: it shrinks with the cohort size and "
    "says nothing about real runners"
)
#: The mark of a factor the material contradicts itself about.
CONTESTED = "⚠"
CONTESTED_NOTE = f"{CONTESTED} contested: the material contradicts itself about this factor"
#: What went in (the assumptions) is black, an open diamond; what came out has its pain
#: type's colour (the umbrella's grey for any low back pain), a square.
INPUT_COLOUR = TEXT_COLOUR
_BAND = "rgba(0,0,0,0.07)"  # the row of a contested factor: a highlight, no meaning
_NOTE_COLOUR = NOTE_COLOUR
TIMES = "\N{MULTIPLICATION SIGN}"
_TICKS = (0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4, 6, 8, 12)


def group_label(group: str) -> str:
    """A family of risk factors in words."""
    return group.replace("_", " ")


def factor_order(kb: KnowledgeBase) -> list[str]:
    """The risk factors of the records, family by family (:data:`RISK_GROUP_ORDER`)."""
    factors = kb.entities_of_kind("risk_factor")
    rank = {g: i for i, g in enumerate(RISK_GROUP_ORDER)}
    ordered = factors.assign(rank=factors["group"].map(rank).fillna(len(rank)))
    return ordered.sort_values(["rank"], kind="stable")["id"].tolist()


def outcome_label(kb: KnowledgeBase, outcome: str) -> str:
    """An outcome in words: 'any low back pain', or the pain type's label, escaped."""
    return "any low back pain" if outcome == ANY_PAIN else plain(kb.label(outcome).lower())


def number_text(value: float, digits: int = 2) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def ratio_text(value: float) -> str:
    """An assumed multiplier as written in the file: 1.8, 1.25, 6."""
    return f"{value:.3g}"


def assumptions_for(
    kb: KnowledgeBase, cohort: pd.DataFrame | None, assumptions: Assumptions | None
) -> Assumptions | None:
    """The assumptions a cohort was simulated under: given, or read from its ``attrs``.

    Raises
    ------
    ValueError
        If both are given and the cohort says it was simulated from another file.
    """
    source = cohort.attrs.get("assumptions") if cohort is not None else None
    if assumptions is None:
        return load_assumptions(kb, source) if source else None
    if source and Path(source).resolve() != Path(assumptions.path).resolve():
        raise ValueError(
            f"the cohort was simulated from {source}, not from {assumptions.path}: a figure "
            "must show the assumptions its numbers came from"
        )
    return assumptions


def input_text(assumptions: Assumptions, rules: Rulebook, factor: str, outcome: str) -> str:
    """What went in for one factor and outcome, short: '1.8', or '1.8, x2 muscle' with
    the type weight for a pain type the claims tie the factor to (x: a multiplication
    sign)."""
    _, odds_ratio, type_risk = assumptions.risk_factors[factor]
    text = ratio_text(odds_ratio)
    if outcome != ANY_PAIN and outcome in rules.risk_factor_types.get(factor, ()):
        if type_risk != 1:
            text += f", {TIMES}{ratio_text(type_risk)} {outcome}"
        if factor == AGE_FACTOR and outcome in assumptions.over_65_types:
            text += (
                f", {TIMES}{ratio_text(assumptions.raw.age.over_65_bone_weight)} {outcome} over 65"
            )
    return text


def input_hover(kb: KnowledgeBase, assumptions: Assumptions, rules: Rulebook, factor: str) -> str:
    """What went in for one factor, with the rationale from the assumptions file."""
    _, odds_ratio, type_risk = assumptions.risk_factors[factor]
    entry = assumptions.raw.risk_factors.get(factor)
    key = f"risk_factors.{factor}" if entry else "risk_factor_defaults"
    rationale = entry.rationale if entry else assumptions.raw.risk_factor_defaults.rationale
    label = plain(kb.label(factor))
    lines = [f"<b>{label}: assumed odds ratio on pain {ratio_text(odds_ratio)}</b>"]
    types = [t for t in rules.pain_types if t in rules.risk_factor_types.get(factor, ())]
    if types and type_risk != 1:
        lines.append(f"type weight {TIMES}{ratio_text(type_risk)} for {', '.join(types)} pain")
    if factor == AGE_FACTOR and assumptions.over_65_types:
        weight = ratio_text(assumptions.raw.age.over_65_bone_weight)
        lines.append(f"{TIMES}{weight} for {', '.join(assumptions.over_65_types)} pain over 65")
    lines.append(f"{plain(key)} in {plain(assumptions.path.name)}:")
    lines.append(f"“{escape_wrapped(rationale)}”")
    return "<br>".join(lines)


def contested_hover(contested: pd.DataFrame, factor: str) -> str:
    if factor not in contested.index:
        return ""
    row = contested.loc[factor]
    notes = "<br>".join(
        f"{plain(c)}: {escape_wrapped(n)}"
        for c, n in zip(row["contradictions"], row["notes"], strict=True)
    )
    return f"<br><b>{CONTESTED_NOTE}</b><br>{notes}"


def factor_label(kb: KnowledgeBase, factor: str, contested: pd.DataFrame) -> str:
    label = plain(kb.label(factor))
    return f"{CONTESTED} {label}" if factor in contested.index else label


def log_range(values) -> list[float]:
    finite = [v for v in values if v is not None and np.isfinite(v) and v > 0] or [1.0]
    low, high = min(*finite, 1.0), max(*finite, 1.0)
    return [math.log10(low / 1.12), math.log10(high * 1.12)]


def log_ticks(axis_range: list[float]) -> dict:
    low, high = (10**r for r in axis_range)
    values = [t for t in _TICKS if low <= t <= high]
    text = ["1 = no effect" if t == 1 else f"{t:g}" for t in values]
    return {"tickvals": values, "ticktext": text}


def _checked_risks(
    kb: KnowledgeBase, cohort: pd.DataFrame, effects: pd.DataFrame, factors: list[str]
) -> pd.DataFrame:
    risks = pain_risk_by_factor(kb, cohort)
    counts = effects.drop_duplicates("risk_factor").set_index("risk_factor")["with_factor"]
    if not risks["with_factor"].reindex(factors).equals(counts.reindex(factors).astype(int)):
        raise ValueError("the cohort is not the one the effects were computed from")
    return risks


def odds_sentence(
    kb: KnowledgeBase,
    effects: pd.DataFrame,
    assumptions: Assumptions | None,
    cohort: pd.DataFrame | None = None,
) -> str:
    """One sentence: why an assumed odds ratio comes out as a smaller relative risk.

    It takes the factor with the largest assumed odds ratio and, given the cohort, its
    numbers: the share of simulated runners with pain without the factor, and with it.
    """
    if assumptions is None:
        return (
            "Assumed odds ratios not shown: pass the assumptions the cohort was simulated "
            "under (assumptions=...)."
        )
    any_pain = effects[effects["outcome"] == ANY_PAIN].set_index("risk_factor")
    factors = [f for f in factor_order(kb) if f in any_pain.index]
    factor = max(factors, key=lambda f: assumptions.risk_factors[f][1])
    odds_ratio = ratio_text(assumptions.risk_factors[factor][1])
    label = plain(kb.label(factor).lower())
    relative_risk = number_text(any_pain.loc[factor, "relative_risk"])
    if cohort is not None:
        risks = _checked_risks(kb, cohort, effects, factors).loc[factor]
        if np.isfinite(risks["risk_with"]) and np.isfinite(risks["risk_without"]):
            baseline = assumptions.raw.cohort.baseline_pain_risk
            return (
                f"An odds ratio multiplies the odds, not the risk: without {label}, "
                f"{risks['risk_without']:.0%} of the simulated runners already have pain "
                f"(assumed {baseline:.0%} with no factor at all: the other factors share the "
                f"risk), so its assumed odds ratio of {odds_ratio} takes the risk only to "
                f"{risks['risk_with']:.0%}, a relative risk of {relative_risk}."
            )
    return (
        "An odds ratio multiplies the odds, not the risk: the more runners have pain "
        "without a factor, the less its odds ratio can raise their risk "
        f"({label}: assumed odds ratio {odds_ratio}, simulated relative risk {relative_risk})."
    )


def _wrap(text: str, width: int) -> str:
    """Wrap text already escaped for plotly into lines (plotly never wraps by itself)."""
    return "<br>".join(textwrap.wrap(text, width, break_on_hyphens=False))


def paper_y(pixels: float, height: int, margin: dict) -> float:
    """Paper y of a point ``pixels`` above the plot area (below it when negative), for a
    figure of ``height`` with ``margin``: plotly places menus and notes in paper units."""
    plot = height - margin["t"] - margin["b"]
    return (1 + pixels / plot) if pixels >= 0 else pixels / plot


def note_annotation(text: str, y: float, size: int = FONT_SIZE - 2) -> dict:
    """A note of the effect figures (:func:`lowback.figures.style.note`, in their grey)."""
    return note(text, y, size=size, colour=_NOTE_COLOUR)


_FOREST = (720, {"t": 130, "b": 195})  # height and margins: a 1280 x 720 projector


def _effects_title(label: str) -> str:
    return f"Assumed odds ratio in, simulated relative risk of {label} out"


def forest_plot(
    effects: pd.DataFrame,
    kb: KnowledgeBase,
    *,
    cohort: pd.DataFrame | None = None,
    assumptions: Assumptions | None = None,
) -> go.Figure:
    """What went in and what came out, for each risk factor, side by side.

    Each row shows a factor's assumed odds ratio on pain (black diamond; hover for the
    rationale) and the simulated relative risk of an outcome with against without the
    factor (square, with its 95 % bootstrap interval, labelled as simulation noise);
    the column on the right writes both numbers. A dropdown picks the outcome: any low
    back pain, or one pain type (the column then adds the type weight that went in).
    The subtitle says why an odds ratio comes out as a smaller relative risk, with the
    cohort's numbers; factors the material contradicts itself about are marked ⚠.

    Parameters
    ----------
    effects : DataFrame
        Relative risks (:func:`lowback.study.risk.relative_risks`).
    kb : KnowledgeBase
        The records the effects were simulated from.
    cohort : DataFrame, optional
        The simulated cohort the effects were computed on: its numbers explain the
        gap between odds ratio and relative risk, and its ``attrs`` name the
        assumptions file when ``assumptions`` is not given.
    assumptions : Assumptions, optional
        The assumptions the cohort was simulated under. Without them (and without a
        cohort that names them) the figure shows what came out only, and says so.

    Raises
    ------
    ValueError
        If an outcome is neither low back pain nor a pain type of ``kb``, or the cohort
        or assumptions are not those the effects came from.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 1000, random_state=0)
    >>> effects = lowback.relative_risks(kb, cohort, n_resamples=50, random_state=0)
    >>> fig = forest_plot(effects, kb, cohort=cohort)
    >>> len(fig.data) > 0, bool(fig.layout.title.text)
    (True, True)
    """
    assumptions = assumptions_for(kb, cohort, assumptions)
    rules = Rulebook.of(kb)
    order = [f for f in factor_order(kb) if f in set(effects["risk_factor"])]
    contested = contested_factors(kb)
    evidence = evidence_matrix(kb).groupby("risk_factor")["quotes"].sum()
    labels = [factor_label(kb, f, contested) for f in order]
    outcomes = list(dict.fromkeys(effects["outcome"]))
    colours = pain_type_colours(kb)
    pain_types_in(outcomes, colours)  # every outcome is low back pain or a pain type
    names = {o: outcome_label(kb, o) for o in outcomes}
    runners = int(effects["with_factor"].iloc[0] + effects["without_factor"].iloc[0])
    sentence = odds_sentence(kb, effects, assumptions, cohort)

    fig = make_subplots(
        rows=1, cols=2, shared_yaxes=True, column_widths=[0.66, 0.34], horizontal_spacing=0.01
    )
    odds_ratios = []
    if assumptions is not None:
        odds_ratios = [assumptions.risk_factors[f][1] for f in order]
        fig.add_trace(
            go.Scatter(
                x=odds_ratios,
                y=labels,
                mode="markers",
                name="assumed odds ratio on pain",
                legendgroup="in",
                legendgrouptitle_text="What went in",
                marker={
                    "size": 14,
                    "color": INPUT_COLOUR,
                    "symbol": "diamond-open",
                    "line": {"width": 3},
                },
                hovertext=[
                    input_hover(kb, assumptions, rules, f) + contested_hover(contested, f)
                    for f in order
                ],
                hoverinfo="text",
            ),
            row=1,
            col=1,
        )
    first_output = len(fig.data)
    views, ranges = [], []
    for i, outcome in enumerate(outcomes):
        part = effects[effects["outcome"] == outcome].set_index("risk_factor").loc[order]
        colour = colours[outcome]
        fig.add_trace(
            go.Scatter(
                x=part["relative_risk"],
                y=labels,
                mode="markers",
                name=names[outcome],
                legendgroup="out",
                legendgrouptitle_text="What came out: simulated relative risk of",
                marker={"size": 12, "color": colour, "symbol": "square"},
                visible=i == 0,
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": part["high"] - part["relative_risk"],
                    "arrayminus": part["relative_risk"] - part["low"],
                    "color": colour,
                    "thickness": 2.5,
                    "width": 6,
                },
                customdata=[
                    [
                        number_text(lo),
                        number_text(hi),
                        f"{w:,}",
                        quotes_hover(evidence.get(f, [])) + contested_hover(contested, f),
                    ]
                    for f, lo, hi, w in zip(
                        part.index, part["low"], part["high"], part["with_factor"], strict=True
                    )
                ],
                hovertemplate="<b>%{y}</b>: simulated relative risk %{x:.2f}"
                "<br>95 % bootstrap interval %{customdata[0]} to %{customdata[1]}: simulation"
                f" noise<br>%{{customdata[2]}} of {runners:,} simulated runners have the factor"
                "<br>%{customdata[3]}<extra>" + names[outcome] + "</extra>",
            ),
            row=1,
            col=1,
        )
        views.append(
            [
                (input_text(assumptions, rules, f, outcome) + " → " if assumptions else "")
                + f"{number_text(rr)}  ({number_text(lo)} to {number_text(hi)})"
                for f, rr, lo, hi in zip(
                    order, part["relative_risk"], part["low"], part["high"], strict=True
                )
            ]
        )
        ranges.append(log_range([*odds_ratios, *part["low"], *part["high"]]))
    fig.add_trace(
        go.Scatter(
            x=[0] * len(order),
            y=labels,
            mode="text",
            text=views[0],
            textposition="middle right",
            textfont={"size": FONT_SIZE - 1},
            showlegend=False,
            hoverinfo="skip",
            name="numbers",
        ),
        row=1,
        col=2,
    )
    for row, factor in enumerate(order):
        if factor in contested.index:
            fig.add_shape(  # one band across both columns, below the points
                type="rect",
                xref="paper",
                x0=0,
                x1=1,
                yref="y",
                y0=row - 0.5,
                y1=row + 0.5,
                fillcolor=_BAND,
                line_width=0,
                layer="below",
            )
    n_traces = len(fig.data)
    buttons = []
    for i, outcome in enumerate(outcomes):
        shown = {first_output + i, n_traces - 1}
        visible = [j < first_output or j in shown for j in range(n_traces)]
        text = [None] * (n_traces - 1) + [views[i]]
        buttons.append(
            {
                "label": names[outcome],
                "method": "update",
                "args": [
                    {"visible": visible, "text": text},
                    {
                        "title.text": _effects_title(names[outcome]),
                        "xaxis.range": ranges[i],
                        **{f"xaxis.{k}": v for k, v in log_ticks(ranges[i]).items()},
                    },
                ],
            }
        )
    fig.add_vline(x=1, line_dash="dash", line_color=REFERENCE_COLOUR, row=1, col=1)
    heading = ("in → out" if assumptions else "out") + " (95 % interval)"
    fig.update_layout(
        updatemenus=dropdown(buttons, x=1.0, y=paper_y(88, *_FOREST), xanchor="right"),
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": paper_y(-68, *_FOREST),
            "yanchor": "top",
        },
        annotations=[
            {
                "text": f"<b>{heading}</b>",
                "x": 0,
                "y": 1.0,
                "xref": "x2 domain",
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
            },
            note_annotation(
                f"Bars: {INTERVAL_NOTE}.<br>Simulation noise (here {runners:,} runners). "
                f"{CONTESTED_NOTE} (hover a point for both sides).",
                paper_y(-128, *_FOREST),
            ),
        ],
    )
    fig.update_xaxes(
        type="log",
        range=ranges[0],
        title_text="Odds ratio (in) and relative risk (out), log scale",
        **log_ticks(ranges[0]),
        row=1,
        col=1,
    )
    fig.update_xaxes(visible=False, range=[0, 1], row=1, col=2)
    fig.update_yaxes(autorange="reversed")
    fig = style_figure(fig, _effects_title(names[outcomes[0]]), height=_FOREST[0])
    fig.update_layout(
        title={"subtitle": {"text": _wrap(sentence, 125), "font": {"size": FONT_SIZE - 1}}},
        margin=_FOREST[1],
    )
    return describe(fig, _forest_summary(kb, effects, order, outcomes[0], runners, assumptions))


def effect_extremes(part: pd.DataFrame, kb: KnowledgeBase) -> str:
    """The largest and the smallest relative risk of ``part`` (indexed by factor), in words."""
    ranked = part["relative_risk"].dropna().sort_values()
    if ranked.empty:
        return "no relative risk could be computed"

    def one(factor: str) -> str:
        row = part.loc[factor]
        return (
            f"{kb.label(factor)} {number_text(row['relative_risk'])} "
            f"({number_text(row['low'])} to {number_text(row['high'])})"
        )

    if len(ranked) == 1:
        return one(ranked.index[0])
    return f"the largest is {one(ranked.index[-1])}, the smallest {one(ranked.index[0])}"


def _forest_summary(kb, effects, order, outcome, runners, assumptions) -> str:
    """The forest plot's first view in words."""
    part = effects[effects["outcome"] == outcome].set_index("risk_factor").loc[order]
    went_in = (
        "its assumed odds ratio on pain (what went in) and "
        if assumptions is not None
        else "(the assumptions not given) "
    )
    return (
        f"For each of {counted(len(order), 'risk factor')}, {went_in}the simulated relative "
        f"risk of {'any low back pain' if outcome == ANY_PAIN else kb.label(outcome).lower()}"
        " with the factor against without it (what came "
        f"out), with 95 % bootstrap intervals over {runners:,} simulated runners: "
        f"{effect_extremes(part, kb)}. A menu shows each pain type instead."
    )
