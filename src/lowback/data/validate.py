"""Checking the record tables against each other and against their sources.

Reading is done by :mod:`lowback.data.tables` (the CSV tables, each against its schema)
and :mod:`lowback.data.sources` (the documents, by sha256); this module checks what
crosses tables: passages tiling each source, quotes equal to their source at their
offsets, references that resolve; :mod:`lowback.data.readings` checks how claims read
their quotes and the triage rules.

Each problem names the file, the spreadsheet row (the header is row 1, the first record
row 2; a blank line is a row, a quoted field over several lines one: see
:mod:`lowback.data.csvfile`), the column, the value found and what was expected. All
problems found are raised together as one :class:`RecordError`, never as a pandas or
pandera traceback.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lowback.data.comparing import check_comparisons
from lowback.data.lookup import not_in, positions
from lowback.data.readings import check_claim_readings, check_triage
from lowback.data.schema import CLAIM, KINDS, RELATIONS, TABLE_FILES
from lowback.data.sources import MissingSource, read_sources, spreadsheet_row
from lowback.data.tables import read_tables
from lowback.data.wording import did_you_mean, first_difference
from lowback.errors import Problem, shorten


def check_passages(
    passages: pd.DataFrame, sources: pd.DataFrame, texts: dict[str, str]
) -> list[Problem]:
    """Passages name a known source and tile each source's text exactly once."""
    label = "records/passages.csv"
    problems = _unknown(label, passages, "source", set(sources["id"]), "an id from sources.csv")
    for source_id, text in texts.items():
        rows = passages[passages["source"] == source_id].sort_values("start", kind="stable")
        if rows.empty:
            problems.append(Problem(label, f"passages covering source '{source_id}'"))
            continue
        starts = rows["start"].to_numpy(dtype="int64")
        ends = rows["end"].to_numpy(dtype="int64")
        # How far the passages before each one reach (0 before the first), then all of them.
        reach = np.maximum.accumulate(np.concatenate(([0], ends)))
        # Only the passages with a problem are looked at one by one, in order.
        for k in np.flatnonzero((starts != reach[:-1]) | (ends > len(text))):
            index, start, end = rows.index[k], int(starts[k]), int(ends[k])
            covered_to = int(reach[k])
            if start > covered_to:
                problems.append(
                    Problem(
                        label,
                        f"the passage to start at {covered_to}, where the previous one ends "
                        f"(a gap of {start - covered_to} characters: "
                        f"{shorten(text[covered_to:start])})",
                        row=spreadsheet_row(index),
                        column="start",
                        value=start,
                    )
                )
            elif start < covered_to:
                problems.append(
                    Problem(
                        label,
                        f"the passage to start at {covered_to}, where the previous one ends "
                        f"(it overlaps by {covered_to - start} characters)",
                        row=spreadsheet_row(index),
                        column="start",
                        value=start,
                    )
                )
            if end > len(text):
                problems.append(_beyond_text(label, index, end, text))
        covered_to = int(reach[-1])
        if covered_to < len(text):
            last = rows.index[-1]
            problems.append(
                Problem(
                    label,
                    f"the last passage to end at {len(text)}, the end of the source "
                    f"({len(text) - covered_to} characters are in no passage)",
                    row=spreadsheet_row(last),
                    column="end",
                    value=covered_to,
                )
            )
    return problems


def check_quoted(
    name: str,
    table: pd.DataFrame,
    passages: pd.DataFrame | None,
    sources: pd.DataFrame,
    texts: dict[str, str],
) -> list[Problem]:
    """Quotes equal their source at their offsets, inside an on-topic passage."""
    label = f"records/{TABLE_FILES[name]}"
    problems = _unknown(label, table, "source", set(sources["id"]), "an id from sources.csv")
    by_id = None if passages is None else passages.set_index("id")
    if by_id is not None:
        known = set(by_id.index.tolist())
        problems += _unknown(label, table, "passage", known, "an id from passages.csv")
    # Only the suspect rows (none in good records) are checked one by one, to word problems.
    suspects = _quote_suspects(table, by_id, texts)
    if not len(suspects):  # nearly every load
        return problems
    rows = table.iloc[suspects]
    passage_by_id = (
        {} if by_id is None else by_id[by_id.index.isin(rows["passage"])].to_dict("index")
    )
    for index, row in zip(suspects, rows.itertuples(index=False), strict=True):
        text = texts.get(row.source)
        if text is None:
            continue
        start, end = int(row.start), int(row.end)
        if end > len(text):
            problems.append(_beyond_text(label, index, end, text))
            continue
        if text[start:end] != row.quote:
            problems.append(
                Problem(
                    label,
                    _quote_hint(text, row.quote, start, end),
                    row=spreadsheet_row(index),
                    column="quote",
                    value=row.quote,
                )
            )
            continue
        passage = passage_by_id.get(row.passage)
        if passage is None:
            continue
        if passage["source"] != row.source:
            problems.append(
                Problem(
                    label,
                    f"a passage of source '{row.source}'",
                    row=spreadsheet_row(index),
                    column="passage",
                    value=row.passage,
                )
            )
        elif not (int(passage["start"]) <= start and end <= int(passage["end"])):
            problems.append(
                Problem(
                    label,
                    f"a span inside passage '{row.passage}' [{passage['start']}:{passage['end']}]",
                    row=spreadsheet_row(index),
                    column="start",
                    value=f"[{start}:{end}]",
                )
            )
        elif passage["topic"] == "off_topic":
            problems.append(
                Problem(
                    label,
                    "a quote from an on-topic passage (article or faq); "
                    f"passage '{row.passage}' is off-topic",
                    row=spreadsheet_row(index),
                    column="passage",
                    value=row.passage,
                )
            )
    return problems


def _quote_suspects(
    table: pd.DataFrame, passages_by_id: pd.DataFrame | None, texts: dict[str, str]
) -> np.ndarray:
    """Positions of the rows that may fail a check of :func:`check_quoted`, in file order.

    Whole columns at a time (ids looked up by :func:`~lowback.data.lookup.positions`,
    quotes compared by :func:`_quotes_differ`): row by row access to pandas' string
    columns costs microseconds a value, seconds for 100,000 claims. Every row left out
    passes all of those checks.
    """
    start = table["start"].to_numpy(dtype="int64")
    end = table["end"].to_numpy(dtype="int64")
    source_ids = pd.Index(list(texts), dtype=object)
    source_at = positions(table["source"], source_ids)  # -1: no text for that source
    known = source_at >= 0
    length = np.array([len(text) for text in texts.values()] + [0], dtype="int64")[source_at]
    suspect = known & (end > length)
    suspect |= _quotes_differ(table["quote"], source_at, start, end, known & ~suspect, texts)
    if passages_by_id is not None:
        at = positions(table["passage"], passages_by_id.index)  # -1: no such passage

        def of_passage(values: np.ndarray, missing: object) -> np.ndarray:
            return np.append(values, missing)[at]

        wrong = (
            (of_passage(source_ids.get_indexer(passages_by_id["source"]), -1) != source_at)
            | (of_passage(passages_by_id["start"].to_numpy(dtype="int64"), 0) > start)
            | (of_passage(passages_by_id["end"].to_numpy(dtype="int64"), 0) < end)
            | of_passage((passages_by_id["topic"] == "off_topic").to_numpy(dtype=bool), False)
        )
        suspect |= known & (at >= 0) & wrong
    return np.flatnonzero(suspect)


def _quotes_differ(
    quotes: pd.Series,
    source_at: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    checked: np.ndarray,
    texts: dict[str, str],
) -> np.ndarray:
    """Where a ``checked`` row's quote is not its source's text at its offsets.

    Each source's spans are cut in one pass over plain integers, then compared with the
    quotes as pyarrow holds them (``pyarrow.compute.equal``), never one pandas value at a
    time. ``source_at`` is each row's position in ``texts``.
    """
    differs = np.zeros(len(quotes), dtype=bool)
    column = pa.array(quotes)
    for k, text in enumerate(texts.values()):
        rows = np.flatnonzero(checked & (source_at == k))
        if not len(rows):
            continue
        spans = [text[a:b] for a, b in zip(start[rows].tolist(), end[rows].tolist(), strict=True)]
        quoted = column if len(rows) == len(column) else column.take(pa.array(rows))
        same = pc.equal(quoted, pa.array(spans, type=column.type))
        differs[rows] = ~same.fill_null(False).to_numpy(zero_copy_only=False)
    return differs


def _beyond_text(label: str, index: int, end: int, text: str) -> Problem:
    expected = f"an offset within the source's {len(text)} characters"
    return Problem(label, expected, row=spreadsheet_row(index), column="end", value=end)


def _quote_hint(text: str, quote: str, start: int, end: int) -> str:
    expected = f"the source's text at [{start}:{end}], {shorten(text[start:end])}"
    found = text.find(quote)
    if found >= 0:
        expected += f" (this quote is found at [{found}:{found + len(quote)}])"
    return f"{expected}; {first_difference(quote, text[start:end])}"


def check_claims(claims: pd.DataFrame, entities: pd.DataFrame | None) -> list[Problem]:
    """Subjects and objects resolve, with kinds the relation allows."""
    label = "records/claims.csv"
    problems: list[Problem] = []
    kind_of = (
        {}
        if entities is None
        else dict(zip(entities["id"].tolist(), entities["kind"].tolist(), strict=True))
    )
    claim_ids = _linked_claims(claims)
    # Only the suspect rows (none in good records) are checked one by one, to word problems.
    suspects = _reference_suspects(claims, None if entities is None else kind_of, claim_ids)
    suspect_rows = claims.iloc[suspects].itertuples(index=False) if len(suspects) else ()
    for index, row in zip(suspects, suspect_rows, strict=True):
        relation = RELATIONS[row.relation]
        for column, wanted in (
            ("subject", relation.subject_kinds),
            ("object", relation.object_kinds),
        ):
            ref = getattr(row, column)
            if wanted == (CLAIM,):
                if ref not in claim_ids:
                    problems.append(
                        Problem(
                            label,
                            f"a claim id (relation '{row.relation}' links claims)"
                            + did_you_mean(ref, claims["id"].tolist()),
                            row=spreadsheet_row(index),
                            column=column,
                            value=ref,
                        )
                    )
                elif ref == row.id:
                    problems.append(
                        Problem(
                            label,
                            "another claim than this one",
                            row=spreadsheet_row(index),
                            column=column,
                            value=ref,
                        )
                    )
                continue
            if entities is None:
                continue
            if ref not in kind_of:
                problems.append(
                    Problem(
                        label,
                        "an id from entities.csv" + did_you_mean(ref, kind_of),
                        row=spreadsheet_row(index),
                        column=column,
                        value=ref,
                    )
                )
            elif kind_of[ref] not in wanted:
                problems.append(
                    Problem(
                        label,
                        f"an entity of kind {' or '.join(wanted)} for relation '{row.relation}' "
                        f"('{ref}' is a {kind_of[ref]})",
                        row=spreadsheet_row(index),
                        column=column,
                        value=ref,
                    )
                )
    if entities is not None:
        clash = ~not_in(claims["id"], entities["id"].tolist())
        for index in np.flatnonzero(clash):
            problems.append(
                Problem(
                    label,
                    "a claim id that is not also an entity id",
                    row=spreadsheet_row(index),
                    column="id",
                    value=claims["id"].iloc[index],
                )
            )
    return problems


#: The relations whose subject or object is a claim.
_LINKING_CLAIMS = [
    r.name for r in RELATIONS.values() if CLAIM in (*r.subject_kinds, *r.object_kinds)
]


def _linked_claims(claims: pd.DataFrame) -> set[str]:
    """The ids of the claims that claims link to (``contradicts``) and that exist: all a
    check of such a link asks (a few hundred ids among maybe 100,000 claims)."""
    linking = ~not_in(claims["relation"], _LINKING_CLAIMS)
    named = set(claims["subject"][linking].tolist()) | set(claims["object"][linking].tolist())
    return set(claims["id"][~not_in(claims["id"], named)].tolist())


def _reference_suspects(
    claims: pd.DataFrame, kind_of: dict[str, str] | None, claim_ids: set[str]
) -> np.ndarray:
    """Positions of the claims whose subject or object may fail :func:`check_claims`.

    ``claim_ids`` holds at least the existing claims that claims link to
    (:func:`_linked_claims`).

    Whole columns at a time: entity ids are looked up as positions
    (:func:`~lowback.data.lookup.positions`), and a table of the kinds each relation
    allows is indexed by the codes of each row's relation and its subject's or object's
    kind. ``kind_of`` is None when entities.csv could not be read: then only the links
    between claims (few) are checked.
    """
    relation = positions(claims["relation"], pd.Index(list(RELATIONS), dtype=object))
    suspect = relation < 0
    if kind_of is not None:
        entity_ids = pd.Index(list(kind_of), dtype=object)
        entity_kind = np.append(pd.Categorical(list(kind_of.values()), categories=KINDS).codes, -1)
    for column in ("subject", "object"):
        wanted = [getattr(r, f"{column}_kinds") for r in RELATIONS.values()]
        links_claims = np.array([kinds == (CLAIM,) for kinds in wanted])[relation]
        ok = np.ones(len(claims), dtype=bool)
        linking = np.flatnonzero(links_claims)
        ok[linking] = [
            ref in claim_ids and ref != own
            for ref, own in zip(
                claims[column].iloc[linking].tolist(),
                claims["id"].iloc[linking].tolist(),
                strict=True,
            )
        ]
        if kind_of is not None:
            naming = np.flatnonzero(~links_claims)
            kind = entity_kind[positions(claims[column], entity_ids)[naming]]  # -1: unknown
            allowed = np.array([[k in kinds for k in KINDS] + [False] for kinds in wanted])
            ok[naming] = allowed[relation[naming], kind]
        suspect |= ~ok
    return np.flatnonzero(suspect)


def check_entities_backed(entities: pd.DataFrame, claims: pd.DataFrame) -> list[Problem]:
    """Every entity is named by at least one claim."""
    # The distinct subjects and objects only: a few thousand among maybe 100,000 claims.
    named = set(claims["subject"].unique().tolist()) | set(claims["object"].unique().tolist())
    ids = entities["id"]
    return [
        Problem(
            "records/entities.csv",
            "an entity named by at least one claim in claims.csv",
            row=spreadsheet_row(index),
            column="id",
            value=ids.iloc[index],
        )
        for index in np.flatnonzero(not_in(ids, named))
    ]


def _unknown(
    label: str, table: pd.DataFrame, column: str, known: set[str], expected: str
) -> list[Problem]:
    values = table[column]
    return [
        Problem(
            label,
            expected + did_you_mean(values.iloc[index], known),
            row=spreadsheet_row(index),
            column=column,
            value=values.iloc[index],
        )
        for index in np.flatnonzero(not_in(values, known))
    ]


def without_missing(tables: dict[str, pd.DataFrame], missing: set[str]) -> dict[str, pd.DataFrame]:
    """The tables without the records of the missing sources.

    Their passages, claims, skipped sentences and triage rules go; so do the entities
    only their claims name, and every comparison against a collection one of them
    belongs to (a comparison with part of the other side would say less than it seems).
    """
    if not missing:
        return tables
    kept = dict(tables)
    for name in ("passages", "claims", "skipped", "triage"):
        if name in kept:
            kept[name] = kept[name][~kept[name]["source"].isin(missing)].reset_index(drop=True)
    if "claims" in tables and "entities" in tables:
        gone = tables["claims"][tables["claims"]["source"].isin(missing)]
        dropped = set(gone["subject"]) | set(gone["object"])
        stays = kept["claims"]
        named = set(stays["subject"]) | set(stays["object"])
        entities = kept["entities"]
        only_missing = entities["id"].isin(dropped - named)
        kept["entities"] = entities[~only_missing].reset_index(drop=True)
    if "comparisons" in kept and "sources" in tables:
        sources = tables["sources"]
        partial = set(sources.loc[sources["id"].isin(missing), "collection"])
        comparisons = kept["comparisons"]
        kept["comparisons"] = comparisons[~comparisons["against"].isin(partial)].reset_index(
            drop=True
        )
    return kept


def check_records(
    data_dir: Path,
) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[Problem], list[MissingSource]]:
    """Read and check everything under ``data_dir``.

    Returns the tables (without the records of missing sources), the texts, the problems
    and the fetched sources that are missing. The records of a missing source are checked
    like every record (so rows keep their numbers in the problems), except against a text
    that is not there; then they are left out.
    """
    tables, problems, rows = read_tables(data_dir / "records")
    texts: dict[str, str] = {}
    missing: list[MissingSource] = []
    sources = tables.get("sources")
    # The checks across tables count rows from 2 (position + 2): moved to the file's
    # rows below, after a blank line or a field over several lines.
    found: list[Problem] = []
    if sources is not None:
        texts, read, missing = read_sources(data_dir, sources)
        found += read
    passages = tables.get("passages")
    if passages is not None and sources is not None:
        found += check_passages(passages, sources, texts)
    for name in ("claims", "skipped", "triage"):
        if name in tables and sources is not None:
            found += check_quoted(name, tables[name], passages, sources, texts)
    if "claims" in tables:
        found += check_claims(tables["claims"], tables.get("entities"))
        found += check_claim_readings(tables["claims"], passages)
        if "entities" in tables:
            found += check_entities_backed(tables["entities"], tables["claims"])
        if "comparisons" in tables and sources is not None:
            found += check_comparisons(tables["comparisons"], tables["claims"], sources)
    if "triage" in tables and "entities" in tables:
        found += check_triage(tables["triage"], tables["entities"], tables.get("claims"))
    for problem in found:
        numbers = rows.get(problem.file)
        problems += [problem] if numbers is None else numbers.relocated([problem])
    tables = without_missing(tables, {m.id for m in missing})
    if sources is not None:
        present = ~sources["id"].isin({m.id for m in missing})
        tables["sources"] = sources[present].reset_index(drop=True)
    return tables, texts, problems, missing
