"""Checking comparisons.csv: each row weighs a claim of one collection of sources
against what another collection says (see :data:`lowback.data.schema.VERDICTS`).

Each problem names the file, the spreadsheet row, the column, the value found and what
was expected, as in :mod:`lowback.data.validate`, which runs this check.
"""

from __future__ import annotations

import pandas as pd

from lowback.data.schema import SILENT
from lowback.data.sources import spreadsheet_row
from lowback.data.wording import did_you_mean
from lowback.errors import Problem


def check_comparisons(
    comparisons: pd.DataFrame, claims: pd.DataFrame, sources: pd.DataFrame
) -> list[Problem]:
    """Comparisons weigh a claim of one collection against a claim of another.

    ``claim`` and ``other`` are claim ids; ``against`` is a collection of ``sources.csv``
    other than the claim's own; ``other`` is a claim of that collection, and empty exactly
    when the verdict is ``silent``. (That every claim is weighed is a coverage question,
    like every sentence being covered: :func:`lowback.data.coverage.unweighed_claims`.)
    """
    label = "records/comparisons.csv"
    if comparisons.empty:
        return []
    collection_of_source = dict(zip(sources["id"], sources["collection"], strict=True))
    # Only the claims the comparisons name are looked up (claims.csv may hold 10^5 rows).
    named = set(comparisons["claim"].tolist()) | set(comparisons["other"].tolist())
    in_use = claims[claims["id"].isin(named)]
    source_of = dict(zip(in_use["id"], in_use["source"], strict=True))
    collection_of = {c: collection_of_source.get(s) for c, s in source_of.items()}
    collections = set(collection_of_source.values())
    problems: list[Problem] = []
    for index, row in enumerate(comparisons.itertuples(index=False)):
        where = {"row": spreadsheet_row(index)}
        own = collection_of.get(row.claim)
        if row.claim not in source_of:
            expected = "an id from claims.csv" + did_you_mean(row.claim, claims["id"].tolist())
            problems.append(Problem(label, expected, column="claim", value=row.claim, **where))
        if row.against not in collections:
            problems.append(
                Problem(
                    label,
                    "a collection of sources.csv (column collection)"
                    + did_you_mean(row.against, collections),
                    column="against",
                    value=row.against,
                    **where,
                )
            )
        elif own == row.against:
            problems.append(
                Problem(
                    label,
                    f"another collection than the claim's own ('{own}')",
                    column="against",
                    value=row.against,
                    **where,
                )
            )
        if (row.verdict == SILENT) != (row.other == ""):
            expected = (
                "empty: a 'silent' verdict names no claim of the other side"
                if row.verdict == SILENT
                else f"a claim id of collection '{row.against}' (verdict '{row.verdict}')"
            )
            problems.append(Problem(label, expected, column="other", value=row.other, **where))
        elif row.other and collection_of.get(row.other) != row.against:
            problems.append(
                Problem(
                    label,
                    f"a claim id of a source of collection '{row.against}'",
                    column="other",
                    value=row.other,
                    **where,
                )
            )
    return problems
