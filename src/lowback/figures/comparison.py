"""Figures of the article against the NIH (notebook 04): the comparisons, drawn.

Every figure here draws a table of :mod:`lowback.study.comparison` and nothing else:
the verdicts by topic (:func:`verdict_bars`), every comparison as a mark with both
quotes on hover (:func:`claim_marks`), the warning signs side by side
(:func:`warning_signs_table`) and what the other side says that no comparison names
(:func:`other_only_marks`). Each has controls that work in the offline report (plotly
menus: no kernel). Verdicts have their colours from
:data:`~lowback.figures.style.VERDICT_COLOURS`, triage levels theirs, entity kinds theirs;
record text is escaped. Which side is which comes from the records (the collections of
``sources.csv``), never from a source id. With no comparison (the NIH texts missing)
there is nothing to draw: each function raises ``ValueError``; the notebook says why.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from lowback.data.records import KnowledgeBase
from lowback.data.schema import KINDS, TRIAGE_LEVELS, VERDICTS
from lowback.figures.style import (
    DARK_COLOUR,
    EMPTY_COLOUR,
    FONT_SIZE,
    NEUTRAL_COLOUR,
    TRIAGE_TINTS,
    VERDICT_COLOURS,
    VERDICT_OUTLINE,
    VERDICT_TEXT_COLOURS,
    counted,
    describe,
    dropdown,
    escape_wrapped,
    note,
    plain,
    style_figure,
    table,
)
from lowback.study.comparison import (
    collection_label,
    nih_only_claims,
    other_side_claims,
    paired_signs,
    sides,
    verdict_counts,
    warning_signs,
    weighed_claims,
)
from lowback.study.gate import GATE_SCOPE

#: Said wherever the warning signs are shown.
EDUCATION = "Education, not diagnosis."
#: The view of :func:`other_only_marks` that shows every publisher's claims.
ALL_PUBLISHERS = "all publishers"
#: What a side that never names a sign shows in its cell.
NOT_NAMED = "not named there"
_MODALITY = {"states": "stated", "hedges": "hedged", "recommends": "a recommendation"}
_MARKS_PER_ROW = 7


def words(value: str) -> str:
    """An id of a closed vocabulary (a topic, a verdict, a level) in words."""
    return str(value).replace("_", " ")


def level_tally(levels: pd.Series) -> str:
    """How many signs a side gives each triage level, most pressing first ("4 urgent,
    3 see doctor"); empty when it gives none."""
    return ", ".join(
        f"{(levels == level).sum()} {words(level)}"
        for level in reversed(TRIAGE_LEVELS)
        if (levels == level).any()
    )


def in_sentence(label: str) -> str:
    """A publisher's label inside a sentence: "The web article" -> "the web article"."""
    return label[0].lower() + label[1:] if label.startswith("The ") else label


def _require(frame: pd.DataFrame, what: str) -> None:
    if frame.empty:
        raise ValueError(
            f"no comparison in these records, so no {what} to draw (are the sources of the "
            "other side missing? see KnowledgeBase.missing)"
        )


def _side_labels(kb: KnowledgeBase, *, escaped: bool = True) -> tuple[str, str]:
    """The weighed side's label and the other side's, escaped for plotly (or as written)."""
    mine, *others = sides(kb)
    other = " and ".join(collection_label(kb, c) for c in others)
    labels = collection_label(kb, mine), other
    return (plain(labels[0]), plain(labels[1])) if escaped else labels


# ---------------------------------------------------------------------------------------------
# Verdicts by topic
# ---------------------------------------------------------------------------------------------


def verdict_bars(kb: KnowledgeBase) -> go.Figure:
    """How many comparisons of each topic end in each verdict: stacked horizontal bars.

    One bar per topic (its total in the tick label), one colour per verdict; hovering a
    segment lists its comparisons and claims. The dropdown shows one verdict, or all.

    Raises
    ------
    ValueError
        If the records hold no comparison.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> fig = verdict_bars(kb) if not kb.missing else None  # needs the NIH texts
    >>> fig is None or (len(fig.data) > 0 and bool(fig.layout.title.text))
    True
    """
    counts = verdict_counts(kb)
    _require(counts, "verdicts")
    table_ = weighed_claims(kb)
    mine, other = _side_labels(kb)
    totals = counts.sum(axis=1)
    ticks = [f"{words(t)} ({totals[t]})" for t in counts.index]
    fig = go.Figure()
    for verdict in VERDICTS:
        part = table_[table_["verdict"] == verdict]
        ids = part.groupby("topic", observed=True)["id"].agg(list)
        claims = part.groupby("topic", observed=True)["claim"].agg(list)
        fig.add_trace(
            go.Bar(
                name=f"{words(verdict)} ({int(counts[verdict].sum())})",
                y=ticks,
                x=counts[verdict].tolist(),
                orientation="h",
                marker={"color": VERDICT_COLOURS[verdict], "line": {"color": VERDICT_OUTLINE}},
                text=[str(n) if n else "" for n in counts[verdict]],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": VERDICT_TEXT_COLOURS[verdict], "size": FONT_SIZE},
                customdata=[
                    [
                        words(topic),
                        escape_wrapped(", ".join(ids.get(topic, []))),
                        escape_wrapped(", ".join(dict.fromkeys(claims.get(topic, [])))),
                    ]
                    for topic in counts.index
                ],
                hovertemplate=f"<b>%{{customdata[0]}}: %{{x}} {words(verdict)}</b>"
                "<br>comparisons %{customdata[1]}<br>claims %{customdata[2]}<extra></extra>",
            )
        )
    title = (
        f"{mine} against {other}: {len(table_)} comparisons of "
        f"{table_['claim'].nunique()} claims, by topic and verdict"
    )
    buttons = [
        {
            "label": f"all verdicts ({len(table_)})",
            "method": "restyle",
            "args": [{"visible": [True] * len(VERDICTS)}],
        }
    ]
    for i, verdict in enumerate(VERDICTS):
        buttons.append(
            {
                "label": f"{words(verdict)} ({int(counts[verdict].sum())})",
                "method": "restyle",
                "args": [{"visible": [j == i for j in range(len(VERDICTS))]}],
            }
        )
    fig.update_layout(
        barmode="stack",
        updatemenus=dropdown(buttons, x=1.0, y=1.12, xanchor="right"),
        legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top", "traceorder": "normal"},
    )
    fig.update_xaxes(title_text="Comparisons (a claim weighed twice counts twice)")
    fig.update_yaxes(title_text="Topic (comparisons)", autorange="reversed")
    fig = style_figure(fig, title, height=640)
    fig.update_layout(margin={"t": 130, "b": 130})
    tally = ", ".join(f"{int(counts[v].sum())} {words(v)}" for v in VERDICTS)
    mine, other = _side_labels(kb, escaped=False)
    return describe(
        fig,
        f"Stacked bars of {counted(len(table_), 'comparison')} of "
        f"{table_['claim'].nunique()} claims of {mine} against {other}, by "
        f"{counted(len(counts), 'topic')}: {tally}.",
    )


# ---------------------------------------------------------------------------------------------
# Claim by claim
# ---------------------------------------------------------------------------------------------


def comparison_hover(row) -> str:
    """A comparison in hover text: both sides' publishers, claims and quotes, the note.

    A ``silent`` comparison names no claim of the other side: it says so, with no quote.
    """
    lines = [
        f"<b>{plain(row.id)} · {words(row.topic)} · {words(row.verdict)}</b>",
        f"<b>{plain(row.claim_publisher)}</b> ({plain(row.claim)}, "
        f"{_MODALITY[row.claim_modality]}):",
        f"“{escape_wrapped(row.claim_quote)}”",
    ]
    if row.other:
        lines += [
            f"<b>{plain(row.other_publisher)}</b> ({plain(row.other)}, "
            f"{_MODALITY[row.other_modality]}):",
            f"“{escape_wrapped(row.other_quote)}”",
        ]
    else:
        lines.append(f"<b>{plain(row.against_label)}</b>: silent, no claim addresses it")
    lines.append(f"<i>{escape_wrapped('Note: ' + row.note)}</i>")
    return "<br>".join(lines)


def _grid(n: int) -> list[tuple[float, float]]:
    """Offsets of ``n`` marks in one cell: rows of :data:`_MARKS_PER_ROW`, each centred."""
    rows = math.ceil(n / _MARKS_PER_ROW)
    dy = min(0.4, 0.8 / rows)
    offsets = []
    for i in range(n):
        row, column = divmod(i, _MARKS_PER_ROW)
        in_row = min(_MARKS_PER_ROW, n - row * _MARKS_PER_ROW)
        offsets.append(((column - (in_row - 1) / 2) * 0.12, (row - (rows - 1) / 2) * dy))
    return offsets


def claim_marks(kb: KnowledgeBase) -> go.Figure:
    """Every comparison as a mark, by topic (rows) and verdict (columns).

    Hovering a mark shows the article's quote, the other side's quote (none for a
    ``silent`` comparison) and the curator's note. The dropdown shows one topic (and
    zooms to it), or all.

    Raises
    ------
    ValueError
        If the records hold no comparison.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> fig = claim_marks(kb) if not kb.missing else None  # needs the NIH texts
    >>> fig is None or (len(fig.data) > 0 and bool(fig.layout.title.text))
    True
    """
    table_ = weighed_claims(kb)
    _require(table_, "comparisons")
    labels = {c: collection_label(kb, c) for c in table_["against"].unique()}
    table_["against_label"] = table_["against"].map(labels)
    for column in ("topic", "verdict"):
        table_[column] = table_[column].astype(str)
    topics = list(dict.fromkeys(table_["topic"]))
    per_verdict = table_["verdict"].value_counts()
    fig = go.Figure()
    owner = []  # the topic of each trace, for the buttons
    for t, topic in enumerate(topics):
        for v, verdict in enumerate(VERDICTS):
            part = table_[(table_["topic"] == topic) & (table_["verdict"] == verdict)]
            if part.empty:
                continue
            offsets = _grid(len(part))
            fig.add_trace(
                go.Scatter(
                    name=f"{words(verdict)} ({per_verdict[verdict]})",
                    legendgroup=verdict,
                    legendrank=v,
                    showlegend=verdict not in {tr.legendgroup for tr in fig.data},
                    x=[v + dx for dx, _ in offsets],
                    y=[t + dy for _, dy in offsets],
                    mode="markers",
                    marker={
                        "size": 13,
                        "color": VERDICT_COLOURS[verdict],
                        "line": {"color": VERDICT_OUTLINE, "width": 1.5},
                    },
                    hovertext=[comparison_hover(row) for row in part.itertuples()],
                    hoverinfo="text",
                    customdata=part["id"].tolist(),
                )
            )
            owner.append(topic)
    n_topics = len(topics)
    full = [n_topics - 0.5, -0.5]
    per_topic = table_["topic"].value_counts()
    buttons = [
        {
            "label": f"all topics ({len(table_)})",
            "method": "update",
            "args": [{"visible": [True] * len(owner)}, {"yaxis.range": full}],
        }
    ]
    for t, topic in enumerate(topics):
        buttons.append(
            {
                "label": f"{words(topic)} ({per_topic[topic]})",
                "method": "update",
                "args": [
                    {"visible": [o == topic for o in owner]},
                    {"yaxis.range": [t + 0.5, t - 0.5]},
                ],
            }
        )
    mine, _ = _side_labels(kb)
    fig.update_layout(
        updatemenus=dropdown(buttons, x=1.0, y=1.1, xanchor="right"),
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        hovermode="closest",
    )
    fig.update_xaxes(
        title_text="Verdict: how the claim reads against the other side",
        tickvals=list(range(len(VERDICTS))),
        ticktext=[words(v) for v in VERDICTS],
        range=[-0.5, len(VERDICTS) - 0.5],
        showgrid=False,
        zeroline=False,
    )
    fig.update_yaxes(
        title_text="Topic",
        tickvals=list(range(n_topics)),
        ticktext=[words(t) for t in topics],
        range=full,
        showgrid=False,
        zeroline=False,
    )
    title = f"Claim by claim: one mark per comparison of {mine} (hover for both quotes)"
    fig = style_figure(fig, title, height=720)
    fig.update_layout(margin={"t": 130})
    busiest = per_topic.idxmax()
    return describe(
        fig,
        f"One mark per comparison ({len(table_)}) in a grid of "
        f"{counted(n_topics, 'topic')} by verdict, each with both quotes: "
        + ", ".join(f"{per_verdict.get(v, 0)} {words(v)}" for v in VERDICTS)
        + f"; the topic with the most is {words(busiest)} ({per_topic[busiest]}).",
    )


# ---------------------------------------------------------------------------------------------
# The warning signs, side by side
# ---------------------------------------------------------------------------------------------


def _sign_cell(row, pairs: pd.DataFrame, kb: KnowledgeBase) -> tuple[str, str]:
    """One side's cell for one sign: its level and sentence, or not named; its fill."""
    if row.level:
        how = [f"{row.basis}, {plain(row.rule)}"]
        also = list(zip(row.rules.split()[1:], row.levels.split()[1:], strict=True))
        how += [f"also {words(level)}, {plain(rule)}" for rule, level in also]
        text = (
            f"<b>{words(row.level).upper()}</b> ({'; '.join(how)})<br>"
            f"“{escape_wrapped(row.quote, 62)}”<br>— {plain(row.publisher)}"
        )
        return text, TRIAGE_TINTS[row.level]
    text = "named only together with other signs" if row.named else NOT_NAMED
    mine = pairs[(pairs["sign"] == row.sign) & (pairs["paired_collection"] == row.collection)]
    for pair in mine.itertuples():
        weighed = (
            f"weighed against its “{kb.label(pair.paired_sign)}”: "
            f"{words(pair.verdict)} ({pair.comparison})"
        )
        text += "<br>" + escape_wrapped(weighed, 62)
    return text, EMPTY_COLOUR


def warning_signs_table(kb: KnowledgeBase) -> go.Figure:
    """Each warning sign, each side's level and sentence side by side, as a table.

    A cell gives the side's level (coloured as the triage levels), whether it is literal
    or inferred, the rule and its sentence credited to its publisher, and any other rule
    of that side the sign fires; a side that never names the sign says so, with the
    comparisons that weigh the sign against one of that side's own. The dropdown shows
    every sign, those both sides name, those only one names, or those a comparison
    weighs against another sign of the other side. The figure says
    "Education, not diagnosis" and what the signs leave out
    (:data:`~lowback.study.gate.GATE_SCOPE`).

    Raises
    ------
    ValueError
        If the records hold no comparison.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> fig = warning_signs_table(kb) if not kb.missing else None  # needs the NIH texts
    >>> fig is None or (len(fig.data) > 0 and bool(fig.layout.title.text))
    True
    """
    signs = warning_signs(kb)
    _require(signs, "warning signs")
    pairs = paired_signs(kb)
    collections = list(dict.fromkeys(signs["collection"]))
    labels = {c: collection_label(kb, c) for c in collections}
    by_sign = {sign: part for sign, part in signs.groupby("sign", sort=False)}
    named_by = {s: tuple(part.loc[part["named"], "collection"]) for s, part in by_sign.items()}

    def columns(chosen: list[str]) -> tuple[list[list[str]], list[list[str]]]:
        values = [[plain(kb.label(s)) for s in chosen]]
        fills = [[EMPTY_COLOUR] * len(chosen)]
        for collection in collections:
            cells = [
                _sign_cell(
                    next(by_sign[s][by_sign[s]["collection"] == collection].itertuples()),
                    pairs,
                    kb,
                )
                for s in chosen
            ]
            values.append([text for text, _ in cells])
            fills.append([fill for _, fill in cells])
        return values, fills

    paired = set(pairs["sign"])
    views = [("every sign", list(by_sign))]
    views.append(
        ("named by both", [s for s, by in named_by.items() if len(by) == len(collections)])
    )
    for collection in collections:
        only = [s for s, by in named_by.items() if by == (collection,)]
        views.append((f"only {in_sentence(labels[collection])}", only))
    views.append(("weighed against a sign of the other side", [s for s in by_sign if s in paired]))
    header = ["Warning sign"]
    for collection in collections:
        tally = level_tally(signs.loc[signs["collection"] == collection, "level"])
        header.append(f"{plain(labels[collection])} says ({tally or 'no level'})")
    widths = [150, *([400] * len(collections))]
    values, fills = columns(views[0][1])
    cells = table(header, values, widths, header_colour=DARK_COLOUR, fill=fills, font_size=14)
    fig = go.Figure(cells)
    fig.data[0].domain = {"x": [0, 1], "y": [0, 0.86]}
    buttons = []
    for name, chosen in views:
        values, fills = columns(chosen)
        buttons.append(
            {
                "label": f"{plain(name)} ({len(chosen)})",
                "method": "restyle",
                "args": [{"cells.values": [values], "cells.fill.color": [fills]}],
            }
        )
    fig.update_layout(
        updatemenus=dropdown(buttons, x=1.0, y=1.0, xanchor="right"),
        annotations=[note(f"<b>{EDUCATION}</b> {escape_wrapped(GATE_SCOPE, 70)}", 1.0)],
    )
    mine, other = _side_labels(kb)
    title = f"What to tell a runner: {len(by_sign)} warning signs, {mine} and {other}"
    fig = style_figure(fig, title, height=720)
    sides_ = "; ".join(
        f"{labels[c]} names {len([s for s, by in named_by.items() if c in by])} "
        f"({level_tally(signs.loc[signs['collection'] == c, 'level']) or 'no level'})"
        for c in collections
    )
    both = len(views[1][1])
    return describe(
        fig,
        f"A table of {counted(len(by_sign), 'warning sign')}, each side's level and "
        f"sentence side by side: {sides_}; {both} named by both. {EDUCATION}",
    )


# ---------------------------------------------------------------------------------------------
# What only the other side says
# ---------------------------------------------------------------------------------------------


def other_only_marks(kb: KnowledgeBase) -> go.Figure:
    """What the other side says that no comparison names, one mark per claim, by kind.

    Rows are the kind of each claim's subject (a treatment, a risk factor...), in the
    study's order, coloured as the entity kinds; hovering a mark shows its publisher,
    statement and quote. The dropdown shows one publisher's claims, or all.

    Raises
    ------
    ValueError
        If the records hold no comparison.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> fig = other_only_marks(kb) if not kb.missing else None  # needs the NIH texts
    >>> fig is None or (len(fig.data) > 0 and bool(fig.layout.title.text))
    True
    """
    _require(weighed_claims(kb), "comparisons")
    claims = nih_only_claims(kb)
    kinds = [k for k in KINDS if (claims["kind"] == k).any()]
    publishers = list(dict.fromkeys(claims["publisher"]))
    hover = {
        row.id: (
            f"<b>{plain(row.publisher)}</b> ({plain(row.id)}, "
            f"{_MODALITY[row.modality]}):<br>{escape_wrapped(row.statement)}"
            f"<br>“{escape_wrapped(row.quote)}”"
        )
        for row in claims.itertuples()
    }

    mine, other = _side_labels(kb)
    total = len(other_side_claims(kb))

    def title(name: str, chosen: pd.DataFrame) -> str:
        only = "" if name == ALL_PUBLISHERS else f" ({plain(name)} only)"
        return (
            f"What {other} say that no comparison with {in_sentence(mine)} names: "
            f"{len(chosen)} of their {total} claims{only}"
        )

    def view(chosen: pd.DataFrame) -> tuple[list, list, list, list[str]]:
        xs, ys, texts = [], [], []
        for k, kind in enumerate(kinds):
            part = chosen[chosen["kind"] == kind]
            xs.append(list(range(1, len(part) + 1)))
            ys.append([k] * len(part))
            texts.append([hover[i] for i in part["id"]])
        ticks = [f"{words(k)} ({(chosen['kind'] == k).sum()})" for k in kinds]
        return xs, ys, texts, ticks

    xs, ys, texts, ticks = view(claims)
    fig = go.Figure()
    for kind, x, y, text in zip(kinds, xs, ys, texts, strict=True):
        fig.add_trace(
            go.Scatter(
                name=words(kind),
                x=x,
                y=y,
                mode="markers",
                marker={
                    "symbol": "square",
                    "size": 14,
                    # One colour: the kind is the row (its colour elsewhere would say
                    # something else here, two kinds sharing one).
                    "color": NEUTRAL_COLOUR,
                    "line": {"color": VERDICT_OUTLINE, "width": 1},
                },
                hovertext=text,
                hoverinfo="text",
                showlegend=False,
            )
        )
    options = [(ALL_PUBLISHERS, claims)] + [
        (p, claims[claims["publisher"] == p]) for p in publishers
    ]
    buttons = []
    for name, chosen in options:
        xs, ys, texts, view_ticks = view(chosen)
        buttons.append(
            {
                "label": f"{plain(name)} ({len(chosen)})",
                "method": "update",
                "args": [
                    {"x": xs, "y": ys, "hovertext": texts},
                    {"yaxis.ticktext": view_ticks, "title.text": title(name, chosen)},
                ],
            }
        )
    fig.update_layout(updatemenus=dropdown(buttons, x=1.0, y=1.1, xanchor="right"))
    fig.update_xaxes(title_text="Claims (one mark each)", rangemode="tozero", dtick=5)
    fig.update_yaxes(
        title_text="What the claim is about (kind of its subject)",
        tickvals=list(range(len(kinds))),
        ticktext=ticks,
        range=[len(kinds) - 0.5, -0.5],
        showgrid=False,
        zeroline=False,
    )
    fig = style_figure(fig, title(ALL_PUBLISHERS, claims), height=560)
    fig.update_layout(margin={"t": 130})
    by_kind = ", ".join(f"{(claims['kind'] == k).sum()} {words(k)}" for k in kinds)
    _, other = _side_labels(kb, escaped=False)
    return describe(
        fig,
        f"One mark per claim of {other} that no comparison names: {len(claims)} of their "
        f"{total} claims, by the kind of their subject ({by_kind}); a menu shows each "
        f"of the {counted(len(publishers), 'publisher')}.",
    )
