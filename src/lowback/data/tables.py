"""Reading the record tables: each CSV as text columns, checked against its schema.

A table that cannot be parsed, or that breaks its pandera schema, becomes located
problems (file, spreadsheet row, column, value, what was expected), in file order.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pandera.errors

from lowback.data.schema import COLUMNS, SCHEMAS, TABLE_FILES
from lowback.data.sources import exists, read_bytes, spreadsheet_row
from lowback.errors import Problem


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
                row=spreadsheet_row(case.index),
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
    if not exists(records_dir, folder=True):
        return tables, [Problem(str(records_dir), "a folder holding the record tables")]
    for name, file_name in TABLE_FILES.items():
        table, found = read_table(records_dir / file_name, name)
        problems += found
        if table is not None:
            tables[name] = table
    return tables, problems
