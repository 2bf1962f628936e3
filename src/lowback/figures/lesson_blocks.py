"""The lesson's plain-words blocks: what a class reads on a slide, computed from the records.

Three HTML blocks, each the "in plain words" version of an analyst's figure or table
that stays on its notebook's page:

* :func:`pain_type_signs`: the pain types side by side, each with the signs the claims
  tie to it (``symptom_of``, through :class:`~lowback.study.rulebook.Rulebook`) and one
  short quote per sign, its column in the pain type's colour
  (:func:`~lowback.figures.style.pain_type_colours`);
* :func:`warning_signs`: the red-flag gate's warning signs grouped by the level they
  raise (the gate's own verdict for that sign alone, the more cautious where the material
  gives two), one quote per group credited to its publisher, in the words of the symptom
  explorers (:mod:`lowback.study.plain_words`);
* :func:`contradictions_side_by_side`: the first :data:`CONTRADICTIONS_SHOWN` of the
  records' ``contradicts`` claims, in the records' order, the two quotes side by side and
  who says each, without ids or offsets.

Every text from the records is escaped (:func:`~lowback.figures.style.plain`), so a record
holding markup shows as text. A hedged quote says it is a hedge, a recommendation that it
is advice, an inferred reading that it is inferred: no sentence says more than its quote.
Type is at least :data:`MIN_FONT_PX` px, for a projector. Show a block in a notebook with
``IPython.display.HTML``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import pandas as pd

from lowback.data.records import KnowledgeBase
from lowback.data.schema import TRIAGE_LEVELS
from lowback.figures.style import (
    DARK_COLOUR,
    NOTE_COLOUR,
    TRIAGE_COLOURS,
    TRIAGE_TINTS,
    pain_type_colours,
    plain,
    text_colour_on,
    tint,
)
from lowback.study.gate import GATE_SCOPE, RedFlagGate
from lowback.study.plain_words import LEVEL_MARKS, LEVEL_WORDS
from lowback.study.rulebook import Rulebook

__all__ = [
    "CONTRADICTIONS_SHOWN",
    "INFERRED_WORDS",
    "MIN_FONT_PX",
    "contradictions_side_by_side",
    "how_said",
    "pain_type_signs",
    "warning_signs",
    "who_says",
]

#: The least font size of a block, in px (a projector at 1280x720).
MIN_FONT_PX = 20
#: How many contradictions the lesson shows: the first ones in the records' order.
CONTRADICTIONS_SHOWN = 3

#: Who says a claim, by its ``attributed`` reading (else its source's publisher).
_WHO = {"article": "the article", "experts": "an expert the article quotes", "faq": "the FAQ"}
#: How a claim is said, when it is not a plain statement.
_HOW = {"hedges": "a hedge: a possibility, not a fact", "recommends": "advice"}
_INFERRED = "the link is the curator's reading"
#: What "inferred" means for a warning sign.
INFERRED_WORDS = (
    "the sentence does not name the sign; it is read with the text around it (the curator's "
    "reading, written down in the records)."
)

_STYLE = f"""<style>
.lowback-lesson {{ font-size: 22px; line-height: 1.35; color: #1a1a1a; }}
.lowback-lesson .cols {{ display: flex; gap: 0.8em; align-items: stretch; }}
.lowback-lesson .col {{ flex: 1 1 0; border: 2px solid {DARK_COLOUR}; border-radius: 6px;
  padding: 0 0 0.4em 0; background: #ffffff; min-width: 0; }}
.lowback-lesson .col > h4 {{ font-size: 24px; text-transform: none; margin: 0 0 0.3em 0;
  padding: 0.25em 0.6em; }}
.lowback-lesson ul {{ margin: 0; padding: 0 0.6em 0 1.6em; }}
.lowback-lesson li {{ margin: 0 0 0.35em 0; font-size: 22px; }}
.lowback-lesson .quote {{ display: block; font-size: {MIN_FONT_PX}px; color: {NOTE_COLOUR}; }}
.lowback-lesson .how {{ font-size: {MIN_FONT_PX}px; font-style: italic; }}
.lowback-lesson .pair {{ display: flex; gap: 0.8em; margin: 0 0 0.5em 0; }}
.lowback-lesson blockquote {{ flex: 1 1 0; margin: 0; padding: 0.3em 0.7em;
  border: 2px solid {DARK_COLOUR}; border-radius: 6px; font-size: {MIN_FONT_PX}px; }}
.lowback-lesson blockquote .who {{ display: block; font-weight: bold; font-size: {MIN_FONT_PX}px; }}
.lowback-lesson .scope {{ font-size: {MIN_FONT_PX}px; margin: 0.4em 0 0 0; }}
</style>"""


def who_says(kb: KnowledgeBase, claim: pd.Series) -> str:
    """Who says a claim, in words: ``the article``, ``the FAQ``, ``an expert the article
    quotes``, else its source's publisher (``NIH MedlinePlus``). Not escaped."""
    return _WHO.get(str(claim["attributed"])) or kb.publisher(str(claim["source"]))


def how_said(modality: str, reading: str = "literal") -> str:
    """How a claim is said, in words, when it is not a plain literal statement (else ``""``).

    Examples
    --------
    >>> how_said("hedges")
    'a hedge: a possibility, not a fact'
    >>> how_said("recommends", "inferred")
    "advice; the link is the curator's reading"
    >>> how_said("states")
    ''
    """
    parts = [_HOW[m] for m in [str(modality)] if m in _HOW]
    if str(reading) == "inferred":
        parts.append(_INFERRED)
    return "; ".join(parts)


def _how_html(modality: str, reading: str = "literal") -> str:
    words = how_said(modality, reading)
    return f' <span class="how">({plain(words)})</span>' if words else ""


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def _quoted(text: str) -> str:
    return f"\u201c{plain(text)}\u201d"


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


# ---------------------------------------------------------------------------------------------
# The pain types and their signs
# ---------------------------------------------------------------------------------------------


def sign_claims(kb: KnowledgeBase) -> dict[str, list[tuple[str, pd.Series]]]:
    """Pain type -> its signs, each with the first ``symptom_of`` claim (in the records'
    order) that ties it to the type: the pain types and signs of the rulebook, in its order."""
    rules = Rulebook.of(kb)
    claims = kb.claims
    tied = claims[claims["relation"].astype(str) == "symptom_of"]
    found: dict[str, list[tuple[str, pd.Series]]] = {}
    for pain_type in rules.pain_types:
        found[pain_type] = []
        for sign in rules.symptoms:
            if pain_type not in rules.symptom_types.get(sign, ()):
                continue
            rows = tied[(tied["subject"] == sign) & (tied["object"] == pain_type)]
            found[pain_type].append((sign, rows.iloc[0]))
    return found


def pain_type_signs(kb: KnowledgeBase) -> str:
    """The pain types side by side, each with its signs in plain words and a short quote.

    Parameters
    ----------
    kb : KnowledgeBase
        The records the study's rulebook reads (notebook 02's ``kb``).

    Returns
    -------
    str
        HTML: one column per pain type (its label over a band of its colour), each sign's
        label, who says it and its quote (hedges, advice and inferred readings said so).
    """
    colours = pain_type_colours(kb)
    columns = []
    for pain_type, signs in sign_claims(kb).items():
        colour = colours[pain_type]
        head = (
            f'<h4 style="background:{colour};color:{text_colour_on(colour)}">'
            f"{plain(kb.label(pain_type))}</h4>"
        )
        items = [
            f"<li><b>{plain(kb.label(sign))}</b>"
            f'<span class="quote">{_first_up(plain(who_says(kb, claim)))}: '
            f"{_quoted(claim['quote'])}{_how_html(claim['modality'], claim['reading'])}</span></li>"
            for sign, claim in signs
        ]
        body = f"<ul>{''.join(items)}</ul>" if items else "<p>No sign is tied to it.</p>"
        columns.append(
            f'<div class="col" style="border-color:{colour};background:{tint(colour, 0.08)}">'
            f"{head}{body}</div>"
        )
    return (
        f'{_STYLE}<div class="lowback-lesson" role="group" aria-label="'
        f'{len(columns)} pain types and their signs">'
        f'<div class="cols">{"".join(columns)}</div></div>'
    )


# ---------------------------------------------------------------------------------------------
# The warning signs
# ---------------------------------------------------------------------------------------------


def warning_groups(records: KnowledgeBase) -> list[dict]:
    """The gate's warning signs, grouped by the sentence that sets their level.

    A sign is what fires a rule (a red flag reported, or the signs a rule names
    together); its level is the gate's verdict for that sign alone, and its reason the one
    that sets it (most pressing, literal first). Signs whose reasons share level, quote and
    publisher form one group; most pressing level first, then the rules' order.

    Returns
    -------
    list of dict
        Each ``level``, ``reason`` (the :class:`~lowback.study.gate.Reason` whose quote is
        shown) and ``signs``: per sign, ``trigger`` (its sign ids), ``inferred`` (the level
        is the curator's reading), ``hedged`` (the claims it comes through hold a hedge),
        ``two_levels`` (another rule gives it a lower level).
    """
    gate = RedFlagGate(records)
    modality = dict(zip(records.claims["id"], records.claims["modality"].astype(str), strict=True))
    triggers = list(dict.fromkeys(rule["signs"] or (rule["red_flag"],) for rule in gate.rules))
    groups: dict[tuple, dict] = {}
    for trigger in triggers:
        verdict = gate.check(set(trigger))
        reason = verdict.reasons[0]
        key = (verdict.level, reason.quote, reason.publisher)
        group = groups.setdefault(key, {"level": verdict.level, "reason": reason, "signs": []})
        group["signs"].append(
            {
                "trigger": trigger,
                "inferred": reason.basis != "literal",
                "hedged": any(modality.get(c) == "hedges" for c in reason.via),
                "two_levels": len({r.level for r in verdict.reasons}) > 1,
            }
        )
    return sorted(groups.values(), key=lambda g: -TRIAGE_LEVELS.index(g["level"]))


def _sign_words(records: KnowledgeBase, sign: dict) -> str:
    labels = [plain(records.label(s)) for s in sign["trigger"]]
    words = labels[0] if len(labels) == 1 else f"{_joined(labels)}, together"
    notes = [
        note
        for note, holds in (
            ("inferred", sign["inferred"]),
            ("from a hedge", sign["hedged"]),
            ("also given a lower level: the more cautious stands", sign["two_levels"]),
        )
        if holds
    ]
    return f"<b>{words}</b>" + (f' <span class="how">({", ".join(notes)})</span>' if notes else "")


def warning_signs(records: KnowledgeBase) -> str:
    """The red-flag gate's warning signs in plain words, by level, each sentence credited
    to its publisher.

    Parameters
    ----------
    records : KnowledgeBase
        Every source's records: the gate reads them all (notebook 02's ``records``).

    Returns
    -------
    str
        HTML: a column per level above self-care (its words and mark, in the level's
        colour); in it each sentence that sets the level, its publisher, and the signs it
        sets it for, a sign marked *inferred* where the sentence does not name it, *from a
        hedge* where the reading rests on one, and where the material gives it a lower level
        too; then what "inferred" means and what the gate does not cover
        (:data:`~lowback.study.gate.GATE_SCOPE`).
    """
    groups = warning_groups(records)
    columns = []
    for level in reversed(TRIAGE_LEVELS):
        mine = [g for g in groups if g["level"] == level]
        if not mine:
            continue
        items = []
        for group in mine:
            reason = group["reason"]
            signs = "; ".join(_sign_words(records, sign) for sign in group["signs"])
            who = plain(reason.publisher or "the material")
            items.append(
                f'<li>{signs}<span class="quote">{who}: {_quoted(reason.quote)}</span></li>'
            )
        colour = TRIAGE_COLOURS[level]
        head = (
            f'<h4 style="background:{colour};color:{text_colour_on(colour)}">'
            f"{LEVEL_MARKS[level]} {plain(LEVEL_WORDS[level])}</h4>"
        )
        columns.append(
            f'<div class="col" style="border-color:{DARK_COLOUR};background:{TRIAGE_TINTS[level]}">'
            f"{head}<ul>{''.join(items)}</ul></div>"
        )
    return (
        f'{_STYLE}<div class="lowback-lesson" role="group" aria-label="warning signs by level">'
        f'<div class="cols">{"".join(columns)}</div>'
        f'<p class="scope"><i>Inferred</i>: {plain(INFERRED_WORDS)} '
        f"<b>{plain(GATE_SCOPE)}</b></p></div>"
    )


# ---------------------------------------------------------------------------------------------
# The contradictions
# ---------------------------------------------------------------------------------------------


def chosen_contradictions(kb: KnowledgeBase, shown: int = CONTRADICTIONS_SHOWN) -> pd.DataFrame:
    """The contradictions the lesson shows: the first ``shown`` ``contradicts`` claims in
    the records' order (rows of ``kb.claims``)."""
    claims = kb.claims
    return claims[claims["relation"].astype(str) == "contradicts"].head(shown)


def contradictions_side_by_side(kb: KnowledgeBase, shown: int = CONTRADICTIONS_SHOWN) -> str:
    """The first contradictions of the records, the two quotes side by side, who says each.

    Parameters
    ----------
    kb : KnowledgeBase
    shown : int, optional
        How many, the first in the records' order (default :data:`CONTRADICTIONS_SHOWN`).

    Returns
    -------
    str
        HTML: per contradiction, its two sides (the later claim, which the ``contradicts``
        claim's subject is, beside the one it contradicts) with who says each and how it
        is said where it is not a plain statement; no ids, no offsets; then how many there
        are in all.
    """
    claims = kb.claims.set_index("id")
    chosen = chosen_contradictions(kb, shown)
    pairs = []
    for link in chosen.itertuples(index=False):
        sides = []
        for claim_id in (link.object, link.subject):
            claim = claims.loc[claim_id]
            who = _first_up(plain(who_says(kb, claim)))
            sides.append(
                f'<blockquote><span class="who">{who} says:</span>{_quoted(claim["quote"])}'
                f"{_how_html(claim['modality'])}</blockquote>"
            )
        pairs.append(f'<div class="pair" role="listitem">{"".join(sides)}</div>')
    total = int((kb.claims["relation"].astype(str) == "contradicts").sum())
    rest = (
        f"The first {len(pairs)} of the {total} contradictions the records hold, in their "
        "order; every one is on notebook 01's page."
    )
    return (
        f'{_STYLE}<div class="lowback-lesson" role="list" aria-label="{len(pairs)} contradictions">'
        f'{"".join(pairs)}<p class="scope">{plain(rest)}</p></div>'
    )


def quotes_in(block: str) -> list[str]:
    """The quotes a block shows (between curly quotes), unescaped: for tests and checks."""
    return [html.unescape(q) for q in re.findall("\u201c(.*?)\u201d", block, flags=re.S)]


def signs_in(groups: Iterable[dict]) -> list[tuple[str, ...]]:
    """Every sign (its ids) of :func:`warning_groups`' groups, in order."""
    return [sign["trigger"] for g in groups for sign in g["signs"]]
