"""Every error lowback raises on purpose, in one place, each saying what was expected.

They import nothing heavy, so the CLI can catch them without loading pandas, and every
layer raises them without importing another layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AssessmentInputError",
    "AssumptionError",
    "FigureExportError",
    "Problem",
    "RecordError",
    "ReportError",
]

_SHOWN_CHARS = 60


def shorten(value: object) -> str:
    """A value as a message shows it: quoted, cut to about 60 characters, and escaped as
    ``repr`` escapes (a control character shows as ``\\x1b``, never raw)."""
    text = str(value)
    if len(text) > _SHOWN_CHARS:
        text = text[: _SHOWN_CHARS - 1] + "…"
    return repr(text)


def escaped(text: str) -> str:
    """``text`` with every character a terminal would not print as itself (control and
    format characters, a newline, a tab) escaped as ``repr`` escapes it (``\\x1b``,
    ``\\n``, ``\\u202e``); everything else, accents included, as it is."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the records, located as precisely as it can be.

    ``row`` is the spreadsheet row (the header is row 1; a blank line is a row, a quoted
    field over several lines is one), as pandas' own parser errors count them; ``line``
    is the line of the file the row starts on, where it is another (after a field over
    several lines), as a text editor shows it. Everything shown is escaped: no control
    character of the records reaches a terminal raw.
    """

    file: str
    expected: str
    row: int | None = None
    column: str | None = None
    value: object = None
    line: int | None = None

    def __str__(self) -> str:
        where = [escaped(self.file)]
        if self.row is not None:
            at_line = "" if self.line is None else f" (line {self.line} of the file)"
            where.append(f"row {self.row}{at_line}")
        if self.column is not None:
            where.append(f"column '{escaped(self.column)}'")
        found = "" if self.value is None else f"got {shorten(self.value)}; "
        return f"{', '.join(where)}: {found}expected {escaped(self.expected)}"


class RecordError(ValueError):
    """The records are broken; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        lines = [f"{count} problem{'s' if count != 1 else ''} in the records:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class AssumptionError(ValueError):
    """The assumptions file is missing, malformed or inconsistent; lists every problem."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        # A key or value may hold control characters: escaped, never sent raw to a terminal
        # (a problem's own line breaks kept).
        lines = [f"{len(problems)} problem(s) in the assumptions file {escaped(str(path))}:"]
        lines += [f"  - {_escaped_lines(p)}" for p in problems]
        super().__init__("\n".join(lines))


def _escaped_lines(text: str) -> str:
    """:func:`escaped` line by line: control characters escaped, line breaks kept."""
    return "\n".join(escaped(line) for line in text.split("\n"))


class CohortError(ValueError):
    """A simulated cohort too small or too healthy for what was asked of it: no runner with
    pain to fit or evaluate a tree on. Says the cohort's size and what to change."""


class AssessmentInputError(ValueError):
    """Symptoms, age or risk factors that cannot be assessed; says what is valid."""


class ReportError(Exception):
    """A notebook could not be turned into an offline HTML report or deck."""


class FigureExportError(Exception):
    """A figure could not be written as a static image: no browser to draw it with, or a
    format that is not offered (the message names the valid ones)."""
