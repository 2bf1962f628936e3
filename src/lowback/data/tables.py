"""Reading the record tables: each CSV as text columns, checked against its schema.

A table that cannot be parsed, or that breaks its pandera schema, becomes located
problems (file, spreadsheet row, column, value, what was expected), in file order.
"""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lowback.data.csvfile import RowNumbers, delimiter_problem, other_delimiter, row_numbers
from lowback.data.lookup import not_in
from lowback.data.schema import (
    AT_LEAST_0,
    COLUMNS,
    OFFSET_COLUMNS,
    SPAN,
    TABLE_FILES,
    TABLE_RULES,
    WHOLE_NUMBER,
    ColumnRule,
    all_match,
    pandera_schemas,
)
from lowback.data.sources import exists, read_bytes, spreadsheet_row
from lowback.errors import Problem

if TYPE_CHECKING:
    import pandera.pandas as pa


def read_table(path: Path, name: str) -> tuple[pd.DataFrame | None, list[Problem], RowNumbers]:
    """Read one record table as text columns and check it against its schema.

    Returns the validated table (offsets as integers) or ``None``, the problems (at their
    spreadsheet rows) and where each record is in the file, to locate the problems the
    checks across tables find.
    """
    label = f"{path.parent.name}/{path.name}"
    data, problems = read_bytes(path, label)
    if data is None:
        return None, problems, RowNumbers()
    if not data or data.isspace():  # as `not data.strip()`, without copying the file
        header = "a header row: " + ",".join(COLUMNS[name])
        return None, [Problem(label, header, row=1)], RowNumbers()
    delimiter = other_delimiter(data)
    if delimiter is not None:
        return None, [delimiter_problem(label, delimiter)], RowNumbers()
    try:
        frame = _read_csv(data, name)
    except pd.errors.ParserError as err:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if match:
            want, line, saw = match.groups()
            expected = f"{want} fields as in the header"
            # pandas' "line" is a spreadsheet row: blank lines count, a field over several
            # lines is one.
            found = Problem(label, expected, row=int(line), value=f"{saw} fields")
            return None, [found], RowNumbers()
        return None, [Problem(label, f"well-formed CSV ({err})")], RowNumbers()
    rows = row_numbers(data, len(frame))
    if not isinstance(frame.index, pd.RangeIndex):
        # The first record has more fields than the header: pandas made the first ones an
        # index, shifting every column, instead of raising ParserError.
        want = len(frame.columns)
        saw = want + frame.index.nlevels
        expected = f"{want} fields as in the header"
        return None, [Problem(label, expected, value=f"{saw} fields", **rows.where(0))], rows
    problems = rows.relocated(_offset_problems(label, frame))
    if not _plainly_valid(frame, name):
        import pandera.errors  # only a table that fails the fast path needs it

        try:
            frame = _text_schemas()[name].validate(frame, lazy=True)
        except pandera.errors.SchemaErrors as err:
            problems += _schema_problems(label, name, err.failure_cases, rows)
    if problems:
        unique = {(p.row, p.column, p.expected): p for p in problems}
        return None, sorted(unique.values(), key=lambda p: (p.row or 0, p.column or "")), rows
    for column in OFFSET_COLUMNS[name]:
        frame[column] = frame[column].astype("int64")
    return frame, [], rows


def _read_csv(data: bytes, name: str) -> pd.DataFrame:
    """The table as pandas reads it: every column text, offsets as text or integers.

    pandas infers the columns' types first (six times faster than ``dtype=str``, which
    converts every value); where it took a text column for numbers or booleans, or an
    offset for anything but whole numbers, the file is read again as text, value for
    value as written. Bytes, not a StringIO of decoded text: pandas' C parser reads them
    a third faster.
    """
    frame = pd.read_csv(io.BytesIO(data), keep_default_na=False, na_filter=False)
    offsets = set(OFFSET_COLUMNS[name])
    as_written = all(
        isinstance(dtype, pd.StringDtype) or (column in offsets and dtype == "int64")
        for column, dtype in frame.dtypes.items()
    )
    if not as_written or any(frame[column].hasnans for column in frame.columns):
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, na_filter=False)
    return frame.fillna("")  # rows with too few fields


def _plainly_valid(frame: pd.DataFrame, name: str) -> bool:
    """Whether the table passes every check of its rules (:data:`TABLE_RULES`), whole
    columns at a time, without pandera.

    pandera takes several times as long as reading the file, even for a table it finds
    valid, and a fifth of a second to import; a valid table (nearly every load) is not
    given to it. False where a check fails: then pandera runs with the schema built from
    the same rules (:func:`_text_schemas`) and words the problems, so both ways judge
    alike.
    """
    rules = TABLE_RULES[name].columns
    if len(frame.columns) != len(rules) or set(frame.columns) != set(rules):
        return False
    for column, rule in rules.items():
        values = frame[column]
        if rule.offset:  # see _offset_problems
            continue
        if not isinstance(values.dtype, pd.StringDtype):  # _read_csv left no NaN
            return False
        if rule.unique and not values.is_unique:
            return False
        if not _passes(rule, values):
            return False
    return True


def _passes(rule: ColumnRule, values: pd.Series) -> bool:
    """Whether every value of a text column passes the rule's check."""
    if rule.allowed is not None and not_in(values, list(rule.allowed)).any():
        return False
    if rule.non_empty and not (values.str.len() >= 1).all():
        return False
    return rule.pattern is None or all_match(values, rule.pattern)


def _text_schema(schema: pa.DataFrameSchema) -> pa.DataFrameSchema:
    """The schema pandera checks: offset columns only required, their values checked by
    :func:`_offset_problems`, which reports every bad one (pandera's coercion stops at the
    first, and then blames a row of the check across columns that is fine)."""
    import pandera.pandas as pa

    columns = {
        name: pa.Column(None, required=True) if str(column.dtype) == "int64" else column
        for name, column in schema.columns.items()
    }
    return pa.DataFrameSchema(columns, strict=schema.strict, ordered=schema.ordered)


@functools.cache
def _text_schemas() -> dict[str, pa.DataFrameSchema]:
    """Each table's :func:`_text_schema`, built (and pandera imported) on first use."""
    return {name: _text_schema(schema) for name, schema in pandera_schemas().items()}


def _offset_problems(label: str, frame: pd.DataFrame) -> list[Problem]:
    """Every offset that is not a whole number >= 0, and every ``end`` not after its
    ``start``, each on its own row (counted ``position + 2``); the offset columns are
    left as integers where every value is one."""
    present = [c for c in ("start", "end") if c in frame.columns]
    problems: list[Problem] = []
    parsed: dict[str, np.ndarray] = {}
    whole: dict[str, np.ndarray] = {}
    for column in present:
        values, ok = _whole_numbers(frame[column])
        parsed[column], whole[column] = values, ok
        for k in np.flatnonzero(~ok):
            problems.append(
                Problem(
                    label,
                    WHOLE_NUMBER,
                    row=spreadsheet_row(k),
                    column=column,
                    value=frame[column].iloc[k],
                )
            )
        for k in np.flatnonzero(ok & (values < 0)):
            problems.append(
                Problem(
                    label, AT_LEAST_0, row=spreadsheet_row(k), column=column, value=int(values[k])
                )
            )
    if len(present) == 2:
        both = whole["start"] & whole["end"]
        for k in np.flatnonzero(both & (parsed["start"] >= parsed["end"])):
            problems.append(
                Problem(
                    label, SPAN, row=spreadsheet_row(k), column="end", value=int(parsed["end"][k])
                )
            )
    return problems


def _whole_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A text column as int64, and which of its values are whole numbers (as ``int()``
    reads them, within int64); the others are 0."""
    try:
        return values.astype("int64").to_numpy(), np.ones(len(values), dtype=bool)
    except (ValueError, TypeError, OverflowError):
        pass
    numbers = np.zeros(len(values), dtype="int64")
    ok = np.zeros(len(values), dtype=bool)
    for k, value in enumerate(values.tolist()):
        try:
            number = int(value)
        except (ValueError, TypeError):
            continue
        if -(2**63) <= number < 2**63:
            numbers[k], ok[k] = number, True
    return numbers, ok


_CRASHED_CHECK = re.compile(r"^\w+(Error|Exception)\(")
_BUILTIN_CHECKS = {
    "field_uniqueness": "a unique value (this one is repeated)",
    "column_in_dataframe": "this column, which is missing",
    "column_in_schema": "only the columns {columns} (this one is extra)",
    "not_nullable": "a value",
}


def _schema_problems(label: str, name: str, cases: pd.DataFrame, rows: RowNumbers) -> list[Problem]:
    """Turn pandera's failure cases into located problems, in file order."""
    problems: list[Problem] = []
    located = cases[cases["index"].notna()]
    columns_with_row_failures = set(located["column"].dropna())
    for case in cases.itertuples(index=False):
        check = str(case.check)
        if check.startswith("coerce_dtype") or check.startswith("dtype("):
            if case.index is None or pd.isna(case.index):
                continue
            expected = WHOLE_NUMBER
        else:
            expected = _BUILTIN_CHECKS.get(check, check).format(columns=", ".join(COLUMNS[name]))
        if case.index is None or pd.isna(case.index):
            if case.schema_context == "Column" and case.column in columns_with_row_failures:
                continue  # a knock-on of a value already reported for that column
            if _CRASHED_CHECK.match(str(case.failure_case)):
                continue  # a check that could not run on a value reported on its own row
            if check in ("column_in_dataframe", "column_in_schema"):
                column = str(case.failure_case)
                problems.append(Problem(label, expected, row=rows.header_row, column=column))
            else:
                problems.append(Problem(label, expected, column=_column(case.column)))
            continue
        if case.schema_context == "DataFrameSchema" and case.column != "end":
            continue  # a check across columns (start < end) is reported once, on `end`
        problems.append(
            Problem(
                label,
                expected,
                column=_column(case.column),
                value=case.failure_case,
                **rows.where(int(case.index)),
            )
        )
    return problems


def _column(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def read_tables(
    records_dir: Path,
) -> tuple[dict[str, pd.DataFrame], list[Problem], dict[str, RowNumbers]]:
    """Read every record table that can be read; return them with all problems found,
    and where the records of each table are in its file (by label,
    ``records/claims.csv``)."""
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    rows: dict[str, RowNumbers] = {}
    if not exists(records_dir, folder=True):
        return tables, [Problem(str(records_dir), "a folder holding the record tables")], rows
    for name, file_name in TABLE_FILES.items():
        table, found, rows[f"{records_dir.name}/{file_name}"] = read_table(
            records_dir / file_name, name
        )
        problems += found
        if table is not None:
            tables[name] = table
    return tables, problems, rows
