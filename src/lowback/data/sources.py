"""Reading the source documents: each file checked by sha256, then its text extracted.

Nothing here parses a table; a file that cannot be read becomes a located
:class:`~lowback.errors.Problem`, never an exception.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lowback.data.fetch import DATA_DIR_ENV, HOW_TO_FETCH, cache_dir, local_path, registry
from lowback.data.formats import FormatError, decode_utf8, extract_text, text_sha256
from lowback.data.wording import did_you_mean
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


def format_problem(label: str, err: FormatError) -> Problem:
    """A file that is not what its format says, as a located problem."""
    return Problem(label, err.expected, row=err.line, value=err.value)


def read_bytes(path: Path, label: str) -> tuple[bytes | None, list[Problem]]:
    """Read a UTF-8 file as bytes without its byte-order mark, or say why it cannot be."""
    if not exists(path):
        return None, [Problem(label, "the file to exist")]
    data = path.read_bytes()
    try:
        decode_utf8(data)
    except FormatError as err:
        return None, [format_problem(label, err)]
    return data.removeprefix(codecs.BOM_UTF8), []


@dataclass(frozen=True)
class MissingSource:
    """A fetched source whose file is not on this machine: the study runs without it.

    Attributes
    ----------
    id, path : str
        The source's id and its path in its registry (``sources.csv``).
    local : Path
        Where the file was looked for.
    """

    id: str
    path: str
    local: Path

    def __str__(self) -> str:
        return f"source '{self.id}' is missing ({self.local} not found): {HOW_TO_FETCH}"


def source_file(data_dir: Path, source: Mapping[str, str]) -> Path:
    """Where a source's file is: under ``data_dir``, or in the fetched sources' cache."""
    if source["fetch"]:
        return local_path(source["fetch"], source["path"])
    return data_dir / source["path"]


def outside_problem(data_dir: Path, source: Mapping[str, str], index: int) -> Problem | None:
    """A source whose path leads out of its folder, as a problem on its ``path``.

    A committed source must resolve inside the data folder, a fetched one inside the
    fetched sources' folder (:func:`~lowback.data.fetch.cache_dir`), symlinks resolved:
    otherwise ``/etc/passwd``, ``../../x`` or a symlink out would be read as material.
    """
    folder = cache_dir() if source["fetch"] else data_dir
    try:
        resolved = source_file(data_dir, source).resolve()
        inside = resolved.is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # too long a name, a symlink loop: it cannot be read
        return None  # either, and read_sources says it is not a file
    if inside:
        return None
    where = (
        f"the fetched sources' folder {folder} ({DATA_DIR_ENV})"
        if source["fetch"]
        else "the data folder (the folder holding records/)"
    )
    return Problem(
        "records/sources.csv",
        f"a path inside {where}, symlinks resolved; this one leads to {resolved}",
        row=spreadsheet_row(index),
        column="path",
        value=source["path"],
    )


def outside_problems(data_dir: Path, sources: pd.DataFrame) -> list[Problem]:
    """:func:`outside_problem` of every source, in file order."""
    found = (
        outside_problem(data_dir, source, index)
        for index, source in enumerate(sources.to_dict("records"))
        if not source["fetch"] or source["path"] in registry(source["fetch"])
    )
    return [problem for problem in found if problem is not None]


def read_sources(
    data_dir: Path, sources: pd.DataFrame
) -> tuple[dict[str, str], list[Problem], list[MissingSource]]:
    """Read each source document, check its sha256 and extract the text its records quote.

    A file in the data folder must be there (and resolve inside it); a fetched one
    (``fetch`` not empty) that is absent is a :class:`MissingSource`, not a problem. Any
    file that is there must match its sha256 (``sha256`` of the bytes, ``text_sha256`` of
    the extracted text), or it is a problem and its text is not used.
    """
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    missing: list[MissingSource] = []
    label = "records/sources.csv"
    for index, source in sources.iterrows():
        where = {"row": spreadsheet_row(index)}
        if source["fetch"] and source["path"] not in registry(source["fetch"]):
            problems.append(
                Problem(
                    label,
                    f"a path of the {source['fetch']} registry (lowback/data/registry)"
                    + did_you_mean(source["path"], registry(source["fetch"])),
                    column="path",
                    value=source["path"],
                    **where,
                )
            )
            continue
        outside = outside_problem(data_dir, source, index)
        if outside is not None:
            problems.append(outside)
            continue
        path = source_file(data_dir, source)
        if not exists(path):
            if source["fetch"]:
                missing.append(MissingSource(source["id"], source["path"], path))
                continue
            problems.append(
                Problem(label, f"a file at {path}", column="path", value=source["path"], **where)
            )
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        pinned = registry(source["fetch"]).get(source["path"]) if source["fetch"] else None
        if pinned is not None and pinned != source["sha256"]:
            problems.append(
                Problem(
                    label,
                    f"the sha256 the {source['fetch']} registry pins for {source['path']}, "
                    f"{pinned}",
                    column="sha256",
                    value=source["sha256"],
                    **where,
                )
            )
            continue
        if digest != source["sha256"]:
            problems.append(
                Problem(
                    label,
                    f"the sha256 of {path if source['fetch'] else source['path']}, {digest} "
                    "(has the material been edited?)",
                    column="sha256",
                    value=source["sha256"],
                    **where,
                )
            )
            continue
        try:
            text = extract_text(data, source["format"])  # the bytes read once, above
        except FormatError as err:
            problems.append(format_problem(source["path"], err))
            continue
        # A text file without a byte-order mark is its text: its sha256 is the text's.
        plain_text = source["format"] == "text" and not data.startswith(codecs.BOM_UTF8)
        extracted = digest if plain_text else text_sha256(text)
        if extracted != source["text_sha256"]:
            problems.append(
                Problem(
                    label,
                    f"the sha256 of the text extracted from {source['path']} as "
                    f"{source['format']}, {extracted}",
                    column="text_sha256",
                    value=source["text_sha256"],
                    **where,
                )
            )
            continue
        texts[source["id"]] = text
    return texts, problems, missing


#: What :func:`source_states` says of a source's file.
SOURCE_STATES = ("present", "missing", "differs")


def source_states(data_dir: Path, sources: pd.DataFrame) -> pd.DataFrame:
    """Every source of ``sources.csv`` and the state of its file on this machine.

    Reads only the files' bytes (no record is checked): ``present`` when the sha256
    matches, ``missing`` when there is no file, ``differs`` when its sha256 is not the
    recorded one (the records never use such a file).

    Returns
    -------
    DataFrame
        ``id, publisher, fetch, path, local, state``.
    """
    rows = []
    for source in sources.to_dict("records"):
        local = source_file(data_dir, source)
        if not exists(local):
            state = "missing"
        elif hashlib.sha256(local.read_bytes()).hexdigest() == source["sha256"]:
            state = "present"
        else:
            state = "differs"
        rows.append(
            {
                "id": source["id"],
                "publisher": source["publisher"],
                "fetch": source["fetch"],
                "path": source["path"],
                "local": str(local),
                "state": state,
            }
        )
    return pd.DataFrame(rows, columns=["id", "publisher", "fetch", "path", "local", "state"])
