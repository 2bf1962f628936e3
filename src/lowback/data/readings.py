"""Checking that the records read the material faithfully: claims' readings, triage rules.

A claim says how it reads its quote (``modality``, ``attributed``, ``reading``; see
:data:`lowback.data.schema.MODALITIES` and the others); a triage rule says which signs
raise it and where its level comes from (``raised_by``, ``basis``, ``via``). The schema
checks each value against its vocabulary; this module checks what those values imply
across columns and tables:

- an ``inferred`` claim has a note saying how it is inferred, and every ``contradicts``
  claim is ``inferred``;
- a claim quoting a FAQ passage is attributed to the ``faq``, and only those are;
- a triage rule is raised by ``reported`` alone or by sign ids (symptoms, red flags),
  its ``via`` is empty for a ``literal`` basis and names existing claims for an
  ``inferred`` one, and a hedge in that chain never raises it above ``see_doctor``;
- exactly one baseline rule (no red flag), raised by nothing, literal, with no via.

Each problem names the file, the spreadsheet row, the column, the value found and what
was expected, as in :mod:`lowback.data.validate`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowback.data.lookup import positions
from lowback.data.schema import HEDGE_CEILING, REPORTED, SIGN_KINDS, TRIAGE_LEVELS
from lowback.data.sources import spreadsheet_row
from lowback.data.wording import did_you_mean
from lowback.errors import Problem

_CLAIMS = "records/claims.csv"
_TRIAGE = "records/triage.csv"
_SIGNS = " or ".join(SIGN_KINDS)
#: Empty, or only what ``str.strip`` strips (Python's white space, every such character
#: below U+3001), written as the characters themselves: both Python's ``re`` and pyarrow's
#: RE2 read the class alike.
_BLANK = "[" + "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "]*"


def check_claim_readings(claims: pd.DataFrame, passages: pd.DataFrame | None) -> list[Problem]:
    """Inferred claims carry a note, contradictions are inferred, FAQ claims are the FAQ's.

    Whole columns at a time, then the suspect rows (none in good records) one by one, in
    file order. ``passages`` is None when passages.csv could not be read: then who a
    claim is attributed to is not checked against its passage.
    """
    # Compared whole columns at a time (pyarrow), never as Python strings one by one.
    inferred = (claims["reading"] == "inferred").to_numpy(dtype=bool)
    no_note = inferred & claims["note"].str.fullmatch(_BLANK).to_numpy(dtype=bool)
    literal_contradiction = (claims["relation"] == "contradicts").to_numpy(dtype=bool) & ~inferred
    attributed_faq = (claims["attributed"] == "faq").to_numpy(dtype=bool)
    known = np.zeros(len(claims), dtype=bool)  # False: no such passage, checked elsewhere
    quotes_faq = np.zeros(len(claims), dtype=bool)
    position = np.full(len(claims), -1)
    if passages is not None:
        position = positions(claims["passage"], pd.Index(passages["id"], dtype=object))
        known = position >= 0
        of_faq = (passages["topic"].astype(str) == "faq").to_numpy(dtype=bool)
        quotes_faq[known] = of_faq[position[known]]
    misattributed = known & (quotes_faq != attributed_faq)
    problems: list[Problem] = []
    suspects = np.flatnonzero(no_note | literal_contradiction | misattributed)
    for k, row in zip(suspects, claims.iloc[suspects].itertuples(index=False), strict=True):
        where = {"row": spreadsheet_row(k)}
        if misattributed[k] and quotes_faq[k]:
            problems.append(
                Problem(
                    _CLAIMS,
                    f"'faq' for a claim quoting a passage of topic faq (passage '{row.passage}')",
                    column="attributed",
                    value=row.attributed,
                    **where,
                )
            )
        elif misattributed[k]:
            problems.append(
                Problem(
                    _CLAIMS,
                    f"'article', 'experts' or 'publisher' for a claim outside the FAQ "
                    f"(passage '{row.passage}' is of topic {passages['topic'].iloc[position[k]]})",
                    column="attributed",
                    value=row.attributed,
                    **where,
                )
            )
        if literal_contradiction[k]:
            problems.append(
                Problem(
                    _CLAIMS,
                    "'inferred' for a 'contradicts' claim (a curator's observation "
                    "across two claims)",
                    column="reading",
                    value=row.reading,
                    **where,
                )
            )
        if no_note[k]:
            problems.append(
                Problem(
                    _CLAIMS,
                    "a note saying how the claim is inferred (reading 'inferred')",
                    column="note",
                    **where,
                )
            )
    return problems


def check_triage(
    triage: pd.DataFrame, entities: pd.DataFrame, claims: pd.DataFrame | None
) -> list[Problem]:
    """Triage rules name red flags, the signs that raise them and the claims they rest on.

    ``claims`` is None when claims.csv could not be read: then the ids of ``via`` are not
    resolved (nor their modality looked at).
    """
    kind_of = dict(zip(entities["id"].tolist(), entities["kind"].astype(str).tolist(), strict=True))
    modality_of = None
    if claims is not None:  # only the claims some via names: a few among maybe 100,000
        named = {claim for via in triage["via"].tolist() for claim in via.split(" ")}
        cited = claims[claims["id"].isin(named)]
        modality_of = dict(
            zip(cited["id"].tolist(), cited["modality"].astype(str).tolist(), strict=True)
        )
    problems: list[Problem] = []
    baselines = []
    for index, row in enumerate(triage.itertuples(index=False)):
        where = {"row": spreadsheet_row(index)}
        if not row.red_flag:
            baselines.append(index)
            problems += _baseline_problems(row, where)
            continue
        if kind_of.get(row.red_flag) != "red_flag":
            red_flags = [e for e, kind in kind_of.items() if kind == "red_flag"]
            problems.append(
                Problem(
                    _TRIAGE,
                    "the id of a red_flag entity" + did_you_mean(row.red_flag, red_flags),
                    column="red_flag",
                    value=row.red_flag,
                    **where,
                )
            )
        problems += _raised_by_problems(row.raised_by, kind_of, where)
        problems += _via_problems(row, modality_of, claims, where)
    if len(baselines) != 1:
        problems.append(
            Problem(
                _TRIAGE,
                "exactly one baseline rule (empty red_flag): the level when no red flag is "
                f"raised; found {len(baselines)}",
            )
        )
    return problems


def _baseline_problems(row, where: dict) -> list[Problem]:
    """The baseline rule is raised by nothing, through nothing: literal, empty via."""
    problems = [
        Problem(
            _TRIAGE,
            "empty for the baseline rule (no red flag)",
            column=column,
            value=getattr(row, column),
            **where,
        )
        for column in ("raised_by", "via")
        if getattr(row, column)
    ]
    if row.basis != "literal":
        problems.append(
            Problem(
                _TRIAGE,
                "'literal' for the baseline rule (no red flag)",
                column="basis",
                value=row.basis,
                **where,
            )
        )
    return problems


def _raised_by_problems(raised_by: str, kind_of: dict[str, str], where: dict) -> list[Problem]:
    """``reported`` alone, or sign ids (symptoms, red flags), each one checked."""
    expected = f"'{REPORTED}' or the id of a {_SIGNS} entity"
    ids = raised_by.split(" ")
    if not raised_by:
        return [Problem(_TRIAGE, expected, column="raised_by", **where)]
    if REPORTED in ids and len(ids) > 1:
        return [
            Problem(
                _TRIAGE,
                f"'{REPORTED}' alone, or sign ids without it (the rule fires when the runner "
                "reports every one of them)",
                column="raised_by",
                value=raised_by,
                **where,
            )
        ]
    problems = []
    for sign in ids:
        kind = kind_of.get(sign)
        if sign == REPORTED or kind in SIGN_KINDS:
            continue
        signs = [e for e, k in kind_of.items() if k in SIGN_KINDS]
        why = (
            did_you_mean(sign, signs)
            if kind is None
            else f" ('{sign}' is a {kind}: a rule names its signs)"
        )
        problems.append(Problem(_TRIAGE, expected + why, column="raised_by", value=sign, **where))
    return problems


def _via_problems(
    row, modality_of: dict[str, str] | None, claims: pd.DataFrame | None, where: dict
) -> list[Problem]:
    """A literal rule has no via; an inferred one names existing claims, no hedge if urgent."""
    via = row.via.split(" ") if row.via else []
    if row.basis == "literal":
        if not via:
            return []
        return [
            Problem(
                _TRIAGE,
                "empty for a rule of basis 'literal' (its quote names the level)",
                column="via",
                value=row.via,
                **where,
            )
        ]
    if not via:
        return [
            Problem(
                _TRIAGE,
                "one or more claim ids, separated by single spaces, for a rule of basis "
                "'inferred' (the claims the level comes through)",
                column="via",
                **where,
            )
        ]
    if modality_of is None or claims is None:
        return []
    unknown = [claim for claim in via if claim not in modality_of]
    claim_ids = claims["id"].tolist() if unknown else []
    problems = [
        Problem(
            _TRIAGE,
            "the id of a claim in claims.csv" + did_you_mean(claim, claim_ids),
            column="via",
            value=claim,
            **where,
        )
        for claim in unknown
    ]
    if TRIAGE_LEVELS.index(row.level) > TRIAGE_LEVELS.index(HEDGE_CEILING):
        allowed = " or ".join(TRIAGE_LEVELS[: TRIAGE_LEVELS.index(HEDGE_CEILING) + 1])
        problems += [
            Problem(
                _TRIAGE,
                f"{allowed} (a hedge never raises a level above {HEDGE_CEILING}: "
                f"claim {claim} hedges)",
                column="level",
                value=row.level,
                **where,
            )
            for claim in via
            if modality_of.get(claim) == "hedges"
        ]
    return problems
