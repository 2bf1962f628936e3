"""Reading and checking the record tables, with every problem located.

Each problem names the file, the spreadsheet row (the header is row 1, the first
record row 2), the column, the value found and what was expected. All problems found
are raised together as one :class:`RecordError`, never as a pandas or pandera traceback.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.errors

from lowback.schema import CLAIM, COLUMNS, RELATIONS, REPORTED, SCHEMAS, TABLE_FILES

_SHOWN_CHARS = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the records, located as precisely as it can be."""

    file: str
    expected: str
    row: int | None = None
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        found = "" if self.value is None else f"got {_shorten(self.value)}; "
        return f"{', '.join(where)}: {found}expected {self.expected}"


class RecordError(ValueError):
    """The records are broken; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        lines = [f"{count} problem{'s' if count != 1 else ''} in the records:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


def _shorten(value: object) -> str:
    text = str(value)
    if len(text) > _SHOWN_CHARS:
        text = text[: _SHOWN_CHARS - 1] + "…"
    return repr(text)


def _row(index: int) -> int:
    """Spreadsheet row of a record: the header is row 1."""
    return int(index) + 2


# --------------------------------------------------------------------------- reading


def read_text(path: Path, label: str) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 file, or say why it cannot be read."""
    if not path.is_file():
        return None, [Problem(label, "the file to exist")]
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as err:
        row = data.count(b"\n", 0, err.start) + 1
        bad = data[err.start : err.start + 1].hex()
        return None, [Problem(label, "UTF-8 text", row=row, value=f"byte 0x{bad}")]


def read_table(path: Path, name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one record table as text columns and check it against its schema.

    Returns the validated table (offsets as integers) or ``None`` with the problems.
    """
    label = f"{path.parent.name}/{path.name}"
    text, problems = read_text(path, label)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [Problem(label, "a header row: " + ",".join(COLUMNS[name]), row=1)]
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
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
    if not records_dir.is_dir():
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
        if not path.is_file():
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
        covered_to = 0
        for index, passage in rows.iterrows():
            start, end = int(passage["start"]), int(passage["end"])
            if start > covered_to:
                problems.append(
                    Problem(
                        label,
                        f"the passage to start at {covered_to}, where the previous one ends "
                        f"(a gap of {start - covered_to} characters: "
                        f"{_shorten(text[covered_to:start])})",
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
            covered_to = max(covered_to, end)
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
    passage_by_id = {} if passages is None else passages.set_index("id").to_dict("index")
    if passages is not None:
        problems += _unknown(label, table, "passage", set(passage_by_id), "an id from passages.csv")
    for index, row in enumerate(table.itertuples(index=False)):
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


def _beyond_text(label: str, index: int, end: int, text: str) -> Problem:
    expected = f"an offset within the source's {len(text)} characters"
    return Problem(label, expected, row=_row(index), column="end", value=end)


def _quote_hint(text: str, quote: str, start: int, end: int) -> str:
    expected = f"the source's text at [{start}:{end}], {_shorten(text[start:end])}"
    found = text.find(quote)
    if found >= 0:
        expected += f" (this quote is found at [{found}:{found + len(quote)}])"
    return expected


def check_claims(claims: pd.DataFrame, entities: pd.DataFrame | None) -> list[Problem]:
    """Subjects and objects resolve, with kinds the relation allows."""
    label = "records/claims.csv"
    problems: list[Problem] = []
    kind_of = {} if entities is None else dict(zip(entities["id"], entities["kind"], strict=True))
    claim_ids = set(claims["id"])
    for index, row in enumerate(claims.itertuples(index=False)):
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
        clash = claim_ids & set(entities["id"])
        for index, claim_id in enumerate(claims["id"]):
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


def check_entities_backed(entities: pd.DataFrame, claims: pd.DataFrame) -> list[Problem]:
    """Every entity is named by at least one claim."""
    named = set(claims["subject"]) | set(claims["object"])
    return [
        Problem(
            "records/entities.csv",
            "an entity named by at least one claim in claims.csv",
            row=_row(index),
            column="id",
            value=entity_id,
        )
        for index, entity_id in enumerate(entities["id"])
        if entity_id not in named
    ]


def check_triage(triage: pd.DataFrame, entities: pd.DataFrame) -> list[Problem]:
    """Triage rules name red flags and how they are raised; one baseline rule has none."""
    label = "records/triage.csv"
    kind_of = dict(zip(entities["id"], entities["kind"], strict=True))
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
    return [
        Problem(label, expected, row=_row(index), column=column, value=value)
        for index, value in enumerate(table[column])
        if value not in known
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
