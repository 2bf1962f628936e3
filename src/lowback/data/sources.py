"""Reading the raw documents: UTF-8 files as they are, and each source checked by sha256.

Nothing here parses a table; a file that cannot be read becomes a located
:class:`~lowback.errors.Problem`, never an exception.
"""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import pandas as pd

from lowback.errors import Problem


def spreadsheet_row(index: int) -> int:
    """Spreadsheet row of a record: the header is row 1, the first record row 2."""
    return int(index) + 2


def exists(path: Path, *, folder: bool = False) -> bool:
    """``path.is_file()`` (or ``is_dir()``), but False rather than OSError for a path the
    system cannot look up (a name too long for the file system, say)."""
    try:
        return path.is_dir() if folder else path.is_file()
    except OSError:
        return False


def read_bytes(path: Path, label: str) -> tuple[bytes | None, list[Problem]]:
    """Read a UTF-8 file as bytes without its byte-order mark, or say why it cannot be."""
    if not exists(path):
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


def read_sources(data_dir: Path, sources: pd.DataFrame) -> tuple[dict[str, str], list[Problem]]:
    """Read each source document and check its sha256 against ``sources.csv``."""
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    label = "records/sources.csv"
    for index, source in sources.iterrows():
        path = data_dir / source["path"]
        if not exists(path):
            problems.append(
                Problem(
                    label,
                    f"a file at {path}",
                    row=spreadsheet_row(index),
                    column="path",
                    value=source["path"],
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
                    row=spreadsheet_row(index),
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
