"""The assessment audited against the article (notebook 02): every profile, every answer.

:func:`audit_figure` draws the table :func:`lowback.study.audit.audit` returns as a grid a
reader can scan: one row per profile of signs, the article's type, the rulebook's answer,
the tree's leaf and the assessment at the audit's ages side by side, every audited age
summed up, and the triage; each answer in its pain type's colour
(:func:`~lowback.figures.style.pain_type_colours`), "undetermined" in a neutral grey, the
triage in its level's colour, and a mark for how the assessment stands to the rulebook.
Profiles where they part come first. :func:`audit_summary` counts the rows by kind and by
abstain reason, for the notebook's text. Every leaf share is of SIMULATED runners.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go

from lowback.data.records import KnowledgeBase
from lowback.figures.style import (
    EMPTY_COLOUR,
    FONT_SIZE,
    TEXT_COLOUR,
    TRIAGE_COLOURS,
    UNDETERMINED_COLOUR,
    describe,
    escape_wrapped,
    on_colour,
    pain_type_colours,
    pain_types_in,
    plain,
    style_figure,
)
from lowback.study.audit import AUDIT_AGES, KINDS
from lowback.study.rulebook import UNDETERMINED

#: How each kind is marked in the grid (a symbol, so the mark needs no colour), and said.
KIND_MARKS: dict[str, tuple[str, str]] = {
    "tree_against_rulebook": ("≠", "names another type than the rulebook's"),
    "tree_where_rulebook_silent": ("◇", "names a type where the rulebook names none"),
    "abstains": ("○", "abstains: undetermined"),
    "agrees": ("✓", "agrees with the rulebook"),
}
#: Disagreements first: the order rows are sorted in (a profile by its worst row).
KIND_ORDER = ("tree_against_rulebook", "tree_where_rulebook_silent", "abstains", "agrees")
NO_COLOUR = EMPTY_COLOUR  # a cell that names nothing: the tally, an article with no type
ROW_PX, HEADER_PX = 44, 200
LABEL_CHARS = 32  # a profile's label in at most two lines (the hover has it whole)
KEY_CHARS = 120


def _shares(row, pain_types: list[str]) -> str:
    ranked = sorted(pain_types, key=lambda t: -row[f"share_{t}"])
    return ", ".join(f"{row[f'share_{t}']:.0%} {t}" for t in ranked)


def _hover(row, pain_types: list[str]) -> str:
    mark, words = KIND_MARKS[row["kind"]]
    answer = plain(row["pain_type"])
    if row["abstain_reason"]:
        answer += f": {escape_wrapped(row['abstain_reason'])}"
    article = row["article_type"] or "none (the signs point to several types, or none)"
    return (
        f"<b>{escape_wrapped(str(row['signs']))}</b>, age {row['age']:g}"
        f"<br>the article's type: {plain(article)}; rulebook: {plain(row['rulebook'])}"
        f"<br>leaf {row['leaf']}: {row['leaf_runners']:,} simulated runners, "
        f"{_shares(row, pain_types)}"
        f"<br>assessment: {answer}"
        f"<br>triage: {row['triage'].replace('_', ' ')} (rule {plain(row['decided_by'])})"
        f"<br>{mark} {words}"
    )


def _row_label(labels: list[str]) -> str:
    """A profile's label in at most two lines: wrapped; else a sign a line (two signs),
    each shortened; else the rest of the second line shortened (the hover has it all)."""
    lines = textwrap.wrap(" + ".join(labels), LABEL_CHARS) or [""]
    if len(lines) > 2 and len(labels) == 2:
        first = textwrap.shorten(labels[0], LABEL_CHARS - 2, placeholder="…")
        lines = [f"{first} +", textwrap.shorten(labels[1], LABEL_CHARS, placeholder="…")]
    elif len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), LABEL_CHARS, placeholder="…")]
    return "<br>".join(plain(line) for line in lines)


def _ages_shown(table: pd.DataFrame, ages) -> list[float]:
    audited = sorted(table["age"].unique())
    shown = [a for a in ages if a in set(audited)]
    return shown or [audited[0], audited[-1]][: len(audited)]


def _tally(kinds: Iterable[str]) -> str:
    """The marks of a profile's rows at every audited age: ``✓ 25 · ○ 2``."""
    counts = Counter(kinds)
    return " · ".join(f"{KIND_MARKS[k][0]} {counts[k]}" for k in KIND_ORDER if k in counts)


def audit_figure(table: pd.DataFrame, kb: KnowledgeBase, *, ages=AUDIT_AGES) -> go.Figure:
    """The audit as a grid: one row per profile, its answers side by side.

    Columns: the article's type, the rulebook's answer, the tree's leaf (its majority and
    share) and the assessment at each of ``ages`` (those of the table), the kinds at every
    audited age (``✓ 25 · ○ 2``) and the triage. A cell is in its pain type's colour,
    "undetermined" light grey, the triage in its level's; the assessment's mark says how
    it stands to the rulebook (:data:`KIND_MARKS`). Hovering a cell shows the leaf's
    shares and the reason the assessment abstains. Profiles whose rows part from the
    rulebook come first (:data:`KIND_ORDER`, by a profile's worst row); the height
    follows the rows.

    Parameters
    ----------
    table : DataFrame
        As :func:`lowback.study.audit.audit` returns it.
    kb : KnowledgeBase
        The records the audit's assessor was built on: the pain types' colours.
    ages : iterable of numbers
        The ages shown side by side (those the table holds).
    """
    colours = pain_type_colours(kb)
    shared = [c.removeprefix("share_") for c in table.columns if c.startswith("share_")]
    pain_types = pain_types_in(shared, colours)  # the study's order; a stranger raises
    known = {**{t: colours[t] for t in pain_types}, UNDETERMINED: UNDETERMINED_COLOUR}
    shown_ages = _ages_shown(table, ages)
    audited = table["age"].nunique()
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    # Each profile's rows as plain records, in the audit's order: read cell by cell
    # below, where slicing the frame per profile and age was most of this figure's time.
    position: dict[tuple, int] = {}
    by_profile: dict[int, list[dict]] = {}
    for record in table.to_dict("records"):
        at = position.setdefault(record["profile"], len(position))
        by_profile.setdefault(at, []).append(record)
    # Disagreements first: a profile by its worst row, then in the audit's order.
    order = sorted(by_profile, key=lambda i: (min(rank[r["kind"]] for r in by_profile[i]), i))

    header = ["the article's<br>type", "rulebook"]
    for age in shown_ages:
        header += [f"tree's leaf<br>(top share)<br>age {age:g}", f"assessment<br>age {age:g}"]
    header += [f"all {audited}<br>audited ages", "triage"]

    texts, colours, hovers, labels = [], [], [], []
    for profile in order:
        rows = by_profile[profile]
        at = {a: next(r for r in rows if r["age"] == a) for a in shown_ages}
        first = at[shown_ages[0]]
        common = (
            _hover(first, pain_types)
            + f"<br>at all {audited} audited ages: "
            + _tally(r["kind"] for r in rows)
        )
        article = first["article_type"]
        text = [article or "none", first["rulebook"]]
        colour = [known.get(article, NO_COLOUR), known.get(first["rulebook"], NO_COLOUR)]
        hover = [common, common]
        for age in shown_ages:
            row = at[age]
            # "undetermined" says it abstains: a mark only where a type is named.
            named = row["pain_type"] != UNDETERMINED
            answer = (
                f"{KIND_MARKS[row['kind']][0]} {row['pain_type']}" if named else row["pain_type"]
            )
            text += [f"{row['leaf_top']} {row['leaf_top_share']:.0%}", answer]
            colour += [known.get(row["leaf_top"], NO_COLOUR), known.get(row["pain_type"])]
            hover += [_hover(row, pain_types)] * 2
        text += [_tally(r["kind"] for r in rows), first["triage"].replace("_", " ")]
        colour += [NO_COLOUR, TRIAGE_COLOURS.get(first["triage"], NO_COLOUR)]
        hover += [common, common]
        texts.append(text)
        colours.append(colour)
        hovers.append(hover)
        labels.append(_row_label([kb.label(sign) for sign in first["profile"]]))
    # A discrete colour scale: one band per colour, each cell at the middle of its band.
    palette = list(dict.fromkeys(c for row in colours for c in row))
    scale = []
    for i, colour in enumerate(palette):
        scale += [[i / len(palette), colour], [(i + 1) / len(palette), colour]]
    z = [[palette.index(c) + 0.5 for c in row] for row in colours]
    # Black text, white where black would not read (a dark pain type of a larger study).
    texts = [
        [on_colour(t, c) for t, c in zip(trow, crow, strict=True)]
        for trow, crow in zip(texts, colours, strict=True)
    ]
    columns = list(range(len(header)))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=list(range(len(order))),
            zmin=0,
            zmax=max(len(palette), 1),
            colorscale=scale or [[0, NO_COLOUR], [1, NO_COLOUR]],
            showscale=False,
            text=texts,
            texttemplate="%{text}",
            textfont={"size": FONT_SIZE, "color": TEXT_COLOUR},
            hovertext=hovers,
            hoverinfo="text",
            xgap=3,
            ygap=3,
            name="audit",
        )
    )
    # The header again at the bottom: the grid is taller than a screen.
    fig.add_trace(go.Scatter(x=[None], y=[None], xaxis="x2", showlegend=False, hoverinfo="skip"))
    axis = {"tickvals": columns, "ticktext": header, "showgrid": False, "zeroline": False}
    fig.update_layout(
        xaxis={**axis, "side": "top", "range": [-0.5, len(header) - 0.5]},
        xaxis2={**axis, "side": "bottom", "overlaying": "x", "matches": "x"},
        yaxis={
            "tickvals": list(range(len(order))),
            "ticktext": labels,
            "autorange": "reversed",
            "showgrid": False,
            "zeroline": False,
        },
        plot_bgcolor=EMPTY_COLOUR,
    )
    counts = table["kind"].value_counts()
    sizes = table["n_signs"]
    signs = f"{sizes.min()}" if sizes.min() == sizes.max() else f"{sizes.min()} to {sizes.max()}"
    key = f"{len(order)} profiles of {signs} signs, at {audited} ages: {len(table):,} rows. "
    key += " · ".join(
        f"{mark} {words} ({counts.get(kind, 0):,} of {len(table):,} rows)"
        for kind, (mark, words) in KIND_MARKS.items()
    )
    title = "The assessment audited against the article, profile by profile (simulated runners)"
    height = HEADER_PX + ROW_PX * len(order) + 120
    fig = style_figure(fig, title, height=height)
    fig.update_layout(
        margin={"t": HEADER_PX, "b": 120, "l": 20, "r": 20},
        title={"y": 1 - 14 / height, "yanchor": "top", "yref": "container"},
        annotations=[
            {
                "text": "<br>".join(textwrap.wrap(key, KEY_CHARS)),
                "x": 0,
                "y": 1 + (HEADER_PX - 50) / (ROW_PX * len(order)),
                "xref": "paper",
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "top",
                "align": "left",
                "showarrow": False,
                "font": {"size": FONT_SIZE - 2},
            }
        ],
    )
    kinds = "; ".join(f"{counts.get(kind, 0):,} {words}" for kind, (_, words) in KIND_MARKS.items())
    return describe(
        fig,
        f"A grid of {len(order)} profiles of {signs} signs, each assessed at {audited} ages "
        f"({len(table):,} rows), side by side with the article's type, the rulebook's answer "
        f"and the tree's leaf on simulated runners. Of the rows: {kinds}.",
    )


def audit_summary(table: pd.DataFrame) -> pd.DataFrame:
    """The audit's rows counted by kind and by abstain reason.

    Returns
    -------
    DataFrame
        Columns ``by`` (``"kind"`` or ``"abstain reason"``), ``value``, ``rows``,
        ``profiles`` (the profiles with at least one such row) and ``share`` (of all
        rows). Every kind of :data:`lowback.study.audit.KINDS` has a row, zero included;
        reasons that differ only in their bracketed numbers or types count as one, the
        most frequent first.
    """
    total = len(table)
    found = []
    for kind in KINDS:
        part = table[table["kind"] == kind]
        found.append(("kind", kind, len(part), part["profile"].nunique()))
    reasons = table.loc[table["abstain_reason"] != "", ["profile", "abstain_reason"]].copy()
    reasons["reason"] = [_general(r) for r in reasons["abstain_reason"]]
    for reason, part in sorted(reasons.groupby("reason"), key=lambda item: -len(item[1])):
        found.append(("abstain reason", reason, len(part), part["profile"].nunique()))
    summary = pd.DataFrame(found, columns=["by", "value", "rows", "profiles"])
    summary["share"] = summary["rows"] / total if total else 0.0
    return summary


def _general(reason: str) -> str:
    """A reason without its bracketed particulars: ``too few ... like you (12 in this
    leaf)`` and ``(26 in this leaf)`` count as one."""
    return re.sub(r"\s*\([^)]*\)", "", reason).strip()
