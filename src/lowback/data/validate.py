"""Reading and checking the record tables, with every problem located.

Each problem names the file, the spreadsheet row (the header is row 1, the first
record row 2), the column, the value found and what was expected. All problems found
are raised together as one :class:`RecordError`, never as a pandas or pandera traceback.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors

from lowback.data.schema import CLAIM, COLUMNS, KINDS, RELATIONS, REPORTED, SCHEMAS, TABLE_FILES
from lowback.errors import Problem, shorten


def _row(index: int) -> int:
    """Spreadsheet row of a record: the header is row 1."""
    return int(index) + 2


# --------------------------------------------------------------------------- reading


def _found(path: Path, *, folder: bool = False) -> bool:
    """``path.is_file()`` (or ``is_dir()``), but False rather than OSError for a path the
    system cannot look up (a name too long for the file system, say)."""
    try:
        return path.is_dir() if folder else path.is_file()
    except OSError:
        return False


def read_bytes(path: Path, label: str) -> tuple[bytes | None, list[Problem]]:
    """Read a UTF-8 file as bytes without its byte-order mark, or say why it cannot be."""
    if not _found(path):
        return None, [Problem(label, "the file to exist")]
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        row = data.count(b"\n", 0, err.start) + 1
        bad = data[err.start : err.start + 1].hex()
        return None, [Problem(label, "UTF-8 text", row=row, value=f"byte 0x{bad}")]
    return data.removeprefix(codecs.BOM_UTF8), []


def read_text(path: Path, label: str) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 file, or say why it cannot be read."""
    data, problems = read_bytes(path, label)
    return (None if data is None else data.decode("utf-8")), problems


def read_table(path: Path, name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one record table as text columns and check it against its schema.

    Returns the validated table (offsets as integers) or ``None`` with the problems.
    """
    label = f"{path.parent.name}/{path.name}"
    data, problems = read_bytes(path, label)
    if data is None:
        return None, problems
    if not data.strip():
        return None, [Problem(label, "a header row: " + ",".join(COLUMNS[name]), row=1)]
    try:
        # Bytes, not a StringIO of decoded text: pandas' C parser reads them a third faster.
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.ParserError as err:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if match:
            want, line, saw = match.groups()
            return None, [
                Problem(
                    label, f"{want} fields as in the header", row=int(line), value=f"{saw} fields"
                )
            ]
        return None, [Problem(label, f"well-formed CSV ({err})")]
    if not isinstance(frame.index, pd.RangeIndex):
        # The first record has more fields than the header: pandas made the first ones an
        # index, shifting every column, instead of raising ParserError.
        want = len(frame.columns)
        saw = want + frame.index.nlevels
        return None, [
            Problem(label, f"{want} fields as in the header", row=2, value=f"{saw} fields")
        ]
    frame = frame.fillna("")  # rows with too few fields
    try:
        return SCHEMAS[name].validate(frame, lazy=True), []
    except pandera.errors.SchemaErrors as err:
        return None, _schema_problems(label, name, err.failure_cases)


_CRASHED_CHECK = re.compile(r"^\w+(Error|Exception)\(")
_BUILTIN_CHECKS = {
    "field_uniqueness": "a unique value (this one is repeated)",
    "column_in_dataframe": "this column, which is missing",
    "column_in_schema": "only the columns {columns} (this one is extra)",
    "not_nullable": "a value",
}


def _schema_problems(label: str, name: str, cases: pd.DataFrame) -> list[Problem]:
    """Turn pandera's failure cases into located problems, in file order."""
    problems: list[Problem] = []
    located = cases[cases["index"].notna()]
    columns_with_row_failures = set(located["column"].dropna())
    for case in cases.itertuples(index=False):
        check = str(case.check)
        if check.startswith("coerce_dtype") or check.startswith("dtype("):
            if case.index is None or pd.isna(case.index):
                continue
            expected = "a whole number"
        else:
            expected = _BUILTIN_CHECKS.get(check, check).format(columns=", ".join(COLUMNS[name]))
        if case.index is None or pd.isna(case.index):
            if case.schema_context == "Column" and case.column in columns_with_row_failures:
                continue  # a knock-on of a value already reported for that column
            if _CRASHED_CHECK.match(str(case.failure_case)):
                continue  # a check that could not run on a value reported on its own row
            if check in ("column_in_dataframe", "column_in_schema"):
                problems.append(Problem(label, expected, row=1, column=str(case.failure_case)))
            else:
                problems.append(Problem(label, expected, column=_column(case.column)))
            continue
        if case.schema_context == "DataFrameSchema" and case.column != "end":
            continue  # a check across columns (start < end) is reported once, on `end`
        problems.append(
            Problem(
                label,
                expected,
                row=_row(case.index),
                column=_column(case.column),
                value=case.failure_case,
            )
        )
    unique = {(p.row, p.column, p.expected): p for p in problems}
    return sorted(unique.values(), key=lambda p: (p.row or 0, p.column or ""))


def _column(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def read_tables(records_dir: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Read every record table that can be read; return them with all problems found."""
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    if not _found(records_dir, folder=True):
        return tables, [Problem(str(records_dir), "a folder holding the record tables")]
    for name, file_name in TABLE_FILES.items():
        table, found = read_table(records_dir / file_name, name)
        problems += found
        if table is not None:
            tables[name] = table
    return tables, problems


def read_sources(data_dir: Path, sources: pd.DataFrame) -> tuple[dict[str, str], list[Problem]]:
    """Read each source document and check its sha256 against ``sources.csv``."""
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    label = "records/sources.csv"
    for index, source in sources.iterrows():
        path = data_dir / source["path"]
        if not _found(path):
            problems.append(
                Problem(
                    label, f"a file at {path}", row=_row(index), column="path", value=source["path"]
                )
            )
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != source["sha256"]:
            problems.append(
                Problem(
                    label,
                    f"the sha256 of {source['path']}, {digest} (has the material been edited?)",
                    row=_row(index),
                    column="sha256",
                    value=source["sha256"],
                )
            )
            continue
        text, found = read_text(path, source["path"])
        problems += found
        if text is not None:
            texts[source["id"]] = text
    return texts, problems


# ------------------------------------------------------------------ cross-table checks


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
                        row=_row(index),
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
                        row=_row(index),
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
                    row=_row(last),
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
                    row=_row(index),
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
                    row=_row(index),
                    column="passage",
                    value=row.passage,
                )
            )
        elif not (int(passage["start"]) <= start and end <= int(passage["end"])):
            problems.append(
                Problem(
                    label,
                    f"a span inside passage '{row.passage}' [{passage['start']}:{passage['end']}]",
                    row=_row(index),
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
                    row=_row(index),
                    column="passage",
                    value=row.passage,
                )
            )
    return problems


def _quote_suspects(
    table: pd.DataFrame, passages_by_id: pd.DataFrame | None, texts: dict[str, str]
) -> np.ndarray:
    """Positions of the rows that may fail a check of :func:`check_quoted`, in file order.

    Whole columns at a time (ids looked up as positions with ``Index.get_indexer``), plus
    one string comparison per row over plain lists: row by row access to pandas' string
    columns costs microseconds a value, seconds for 100,000 claims. Every row left out
    passes all of those checks.
    """
    start = table["start"].to_numpy(dtype="int64")
    end = table["end"].to_numpy(dtype="int64")
    source_ids = pd.Index(list(texts), dtype=object)
    source_at = source_ids.get_indexer(table["source"])  # -1: no text for that source
    known = source_at >= 0
    length = np.array([len(text) for text in texts.values()] + [0], dtype="int64")[source_at]
    suspect = known & (end > length)
    same = [
        not check or texts[source][a:b] == quote
        for check, source, a, b, quote in zip(
            (known & ~suspect).tolist(),
            table["source"].tolist(),
            start.tolist(),
            end.tolist(),
            table["quote"].tolist(),
            strict=True,
        )
    ]
    suspect |= ~np.array(same, dtype=bool)
    if passages_by_id is not None:
        at = passages_by_id.index.get_indexer(table["passage"])  # -1: no such passage

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


def _beyond_text(label: str, index: int, end: int, text: str) -> Problem:
    expected = f"an offset within the source's {len(text)} characters"
    return Problem(label, expected, row=_row(index), column="end", value=end)


def _quote_hint(text: str, quote: str, start: int, end: int) -> str:
    expected = f"the source's text at [{start}:{end}], {shorten(text[start:end])}"
    found = text.find(quote)
    if found >= 0:
        expected += f" (this quote is found at [{found}:{found + len(quote)}])"
    return expected


def check_claims(claims: pd.DataFrame, entities: pd.DataFrame | None) -> list[Problem]:
    """Subjects and objects resolve, with kinds the relation allows."""
    label = "records/claims.csv"
    problems: list[Problem] = []
    kind_of = (
        {}
        if entities is None
        else dict(zip(entities["id"].tolist(), entities["kind"].tolist(), strict=True))
    )
    claim_ids = set(claims["id"].tolist())
    # Only the suspect rows (none in good records) are checked one by one, to word problems.
    suspects = _reference_suspects(claims, None if entities is None else kind_of, claim_ids)
    for index, row in zip(suspects, claims.iloc[suspects].itertuples(index=False), strict=True):
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
                            f"a claim id (relation '{row.relation}' links claims)",
                            row=_row(index),
                            column=column,
                            value=ref,
                        )
                    )
                elif ref == row.id:
                    problems.append(
                        Problem(
                            label,
                            "another claim than this one",
                            row=_row(index),
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
                        label, "an id from entities.csv", row=_row(index), column=column, value=ref
                    )
                )
            elif kind_of[ref] not in wanted:
                problems.append(
                    Problem(
                        label,
                        f"an entity of kind {' or '.join(wanted)} for relation '{row.relation}' "
                        f"('{ref}' is a {kind_of[ref]})",
                        row=_row(index),
                        column=column,
                        value=ref,
                    )
                )
    if entities is not None:
        clash = claim_ids & set(entities["id"].tolist())
        for index, claim_id in enumerate(claims["id"].tolist()):
            if claim_id in clash:
                problems.append(
                    Problem(
                        label,
                        "a claim id that is not also an entity id",
                        row=_row(index),
                        column="id",
                        value=claim_id,
                    )
                )
    return problems


def _reference_suspects(
    claims: pd.DataFrame, kind_of: dict[str, str] | None, claim_ids: set[str]
) -> np.ndarray:
    """Positions of the claims whose subject or object may fail :func:`check_claims`.

    Whole columns at a time: entity ids are looked up as positions
    (``Index.get_indexer``), and a table of the kinds each relation allows is indexed by
    the codes of each row's relation and its subject's or object's kind. ``kind_of`` is
    None when entities.csv could not be read: then only the links between claims (few)
    are checked.
    """
    relation = pd.Index(list(RELATIONS), dtype=object).get_indexer(claims["relation"])
    suspect = relation < 0
    ids = claims["id"].to_numpy(dtype=object)
    if kind_of is not None:
        entity_ids = pd.Index(list(kind_of), dtype=object)
        entity_kind = np.append(pd.Categorical(list(kind_of.values()), categories=KINDS).codes, -1)
    for column in ("subject", "object"):
        refs = claims[column].to_numpy(dtype=object)
        wanted = [getattr(r, f"{column}_kinds") for r in RELATIONS.values()]
        links_claims = np.array([kinds == (CLAIM,) for kinds in wanted])[relation]
        ok = np.ones(len(claims), dtype=bool)
        linking = np.flatnonzero(links_claims)
        ok[linking] = [
            ref in claim_ids and ref != own
            for ref, own in zip(refs[linking], ids[linking], strict=True)
        ]
        if kind_of is not None:
            naming = np.flatnonzero(~links_claims)
            kind = entity_kind[entity_ids.get_indexer(refs[naming])]  # -1: unknown id
            allowed = np.array([[k in kinds for k in KINDS] + [False] for kinds in wanted])
            ok[naming] = allowed[relation[naming], kind]
        suspect |= ~ok
    return np.flatnonzero(suspect)


def check_entities_backed(entities: pd.DataFrame, claims: pd.DataFrame) -> list[Problem]:
    """Every entity is named by at least one claim."""
    # .tolist(): iterating a pandas string column directly is ten times slower.
    named = set(claims["subject"].tolist()) | set(claims["object"].tolist())
    return [
        Problem(
            "records/entities.csv",
            "an entity named by at least one claim in claims.csv",
            row=_row(index),
            column="id",
            value=entity_id,
        )
        for index, entity_id in enumerate(entities["id"].tolist())
        if entity_id not in named
    ]


def check_triage(triage: pd.DataFrame, entities: pd.DataFrame) -> list[Problem]:
    """Triage rules name red flags and how they are raised; one baseline rule has none."""
    label = "records/triage.csv"
    kind_of = dict(zip(entities["id"].tolist(), entities["kind"].tolist(), strict=True))
    problems: list[Problem] = []
    baselines = []
    for index, row in enumerate(triage.itertuples(index=False)):
        if not row.red_flag:
            baselines.append(index)
            if row.raised_by:
                problems.append(
                    Problem(
                        label,
                        "empty for the baseline rule (no red flag)",
                        row=_row(index),
                        column="raised_by",
                        value=row.raised_by,
                    )
                )
            continue
        if kind_of.get(row.red_flag) != "red_flag":
            problems.append(
                Problem(
                    label,
                    "the id of a red_flag entity",
                    row=_row(index),
                    column="red_flag",
                    value=row.red_flag,
                )
            )
        if row.raised_by != REPORTED and kind_of.get(row.raised_by) != "pain_type":
            problems.append(
                Problem(
                    label,
                    f"'{REPORTED}' or the id of a pain_type entity",
                    row=_row(index),
                    column="raised_by",
                    value=row.raised_by,
                )
            )
    if len(baselines) != 1:
        problems.append(
            Problem(
                label,
                "exactly one baseline rule (empty red_flag): the level when no red flag is "
                f"raised; found {len(baselines)}",
            )
        )
    return problems


def _unknown(
    label: str, table: pd.DataFrame, column: str, known: set[str], expected: str
) -> list[Problem]:
    values = table[column]
    return [
        Problem(label, expected, row=_row(index), column=column, value=values.iloc[index])
        for index in np.flatnonzero(~values.isin(known))
    ]


def check_records(data_dir: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[Problem]]:
    """Read and check everything under ``data_dir``; return tables, texts and problems."""
    tables, problems = read_tables(data_dir / "records")
    texts: dict[str, str] = {}
    sources = tables.get("sources")
    if sources is not None:
        texts, found = read_sources(data_dir, sources)
        problems += found
    passages = tables.get("passages")
    if passages is not None and sources is not None:
        problems += check_passages(passages, sources, texts)
    for name in ("claims", "skipped", "triage"):
        if name in tables and sources is not None:
            problems += check_quoted(name, tables[name], passages, sources, texts)
    if "claims" in tables:
        problems += check_claims(tables["claims"], tables.get("entities"))
        if "entities" in tables:
            problems += check_entities_backed(tables["entities"], tables["claims"])
    if "triage" in tables and "entities" in tables:
        problems += check_triage(tables["triage"], tables["entities"])
    return tables, texts, problems
