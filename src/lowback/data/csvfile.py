"""A record table's layout as a file, before pandas reads it: its delimiter, and the row
and line of the file each record is on.

Problems name spreadsheet rows: the header is row 1, a blank line is a row (pandas skips
it, a spreadsheet shows it empty), a quoted field over several lines is one row. That is
how pandas numbers the rows in its own parser errors ("Expected 13 fields in line 7") and
how a spreadsheet shows the file. Where a field over several lines puts a record on
another line of the file than its row, the problem also names that line, as a text
editor shows it.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
from collections.abc import Iterable

import numpy as np

from lowback.errors import Problem

#: Delimiters a table written by another tool may use instead of a comma.
OTHER_DELIMITERS = (";", "\t", "|")


def other_delimiter(data: bytes) -> str | None:
    """The delimiter the file's header looks separated by, if it is not a comma.

    The header (its first line with anything on it) decides: a delimiter of
    :data:`OTHER_DELIMITERS` found more often than commas there is the file's.
    """
    text = data.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")
    end = text.find(b"\n")
    first_line = (text if end < 0 else text[:end]).split(b"\r", 1)[0]
    header = first_line.decode("utf-8", errors="replace")
    counts = {delimiter: header.count(delimiter) for delimiter in OTHER_DELIMITERS}
    likeliest = max(counts, key=counts.__getitem__)
    return likeliest if counts[likeliest] > header.count(",") else None


def delimiter_problem(label: str, delimiter: str) -> Problem:
    """A table separated by another delimiter, said in words that point at the fix."""
    return Problem(
        label,
        f"comma-separated fields: this file looks {delimiter!r}-separated; "
        "lowback's CSVs are comma-separated",
        row=1,
    )


@dataclasses.dataclass(frozen=True)
class RowNumbers:
    """Where each record of a table is in its file.

    ``rows[k]`` is the spreadsheet row of the record at position ``k`` and ``lines[k]``
    the line of the file it starts on; None stands for ``k + 2`` (no blank line and no
    field over several lines: every record on the line after the one before).
    """

    rows: np.ndarray | None = None
    lines: np.ndarray | None = None
    header_row: int = 1

    def where(self, position: int) -> dict[str, int | None]:
        """The ``row`` (and ``line``, where it is another) of the record at ``position``."""
        if self.rows is None:
            return {"row": int(position) + 2, "line": None}
        row = int(self.rows[position])
        line = None if self.lines is None else int(self.lines[position])
        return {"row": row, "line": None if line == row else line}

    def relocated(self, problems: Iterable[Problem]) -> list[Problem]:
        """Problems whose ``row`` counts records from 2 (``position + 2``), at their rows
        in the file; a problem of the header (row 1) at the header's row."""
        if self.rows is None:
            return list(problems)
        moved = []
        for problem in problems:
            if problem.row is None:
                moved.append(problem)
            elif problem.row == 1:
                moved.append(dataclasses.replace(problem, row=self.header_row))
            else:
                moved.append(dataclasses.replace(problem, **self.where(problem.row - 2)))
        return moved


def row_numbers(data: bytes, records: int) -> RowNumbers:
    """The rows and lines of a table's ``records`` records, as pandas read them from ``data``.

    A file with one record on each line after the header (nearly every file) is known
    without reading it again. Otherwise Python's csv module finds the rows and lines; were
    it ever to see another number of records than pandas, positions are given as rows
    (``k + 2``) rather than a guess.
    """
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    lone_carriage_returns = b"\r" in data and data.count(b"\r") != data.count(b"\r\n")
    if lines == records + 1 and not lone_carriage_returns:
        return RowNumbers()
    text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[int] = []
    starts: list[int] = []
    line_read = 0
    try:
        for row, fields in enumerate(reader, start=1):
            if fields and not (len(fields) == 1 and not fields[0].strip()):
                rows.append(row)  # pandas skips an empty or blank line; it is still a row
                starts.append(line_read + 1)
            line_read = reader.line_num
    except csv.Error:
        return RowNumbers()
    if len(rows) != records + 1:
        return RowNumbers()
    numbers = np.asarray(rows[1:], dtype="int64")
    first_lines = np.asarray(starts[1:], dtype="int64")
    return RowNumbers(
        rows=numbers,
        lines=None if np.array_equal(numbers, first_lines) else first_lines,
        header_row=rows[0],
    )
