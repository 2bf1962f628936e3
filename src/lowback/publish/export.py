"""Export the records and a simulated cohort as Parquet and CSV, with their metadata.

Each export is one folder: every table twice, as Parquet (the pandas dtypes kept:
categoricals stay categorical, booleans boolean, whole numbers whole) and as CSV (for a
spreadsheet, or any tool), and ``datapackage.json``, a `Frictionless Data Package
<https://specs.frictionlessdata.io/data-package/>`_ descriptor: one tabular resource per
CSV with its Table Schema (field types, the vocabularies of :mod:`lowback.data.schema` as
``constraints.enum``, each field's description from the data dictionary
``data/README.md``), its size and sha256, and the Parquet twin named in the resource's
``parquet`` property (size and sha256 too). The package says lowback's version, the
sources' sha256 and licences; a cohort's says ``simulated: true``, its seed, size,
assumptions file (name and sha256) and the sources it was drawn from.

The folder is written as one set, all files or none (:mod:`lowback.publish.fileset`), and
the same inputs give the same bytes: Parquet holds no timestamp, only the versions of
pyarrow and pandas that wrote it (both locked).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow
import pyarrow.csv
import pyarrow.parquet

from lowback import __version__, config
from lowback.data.records import KnowledgeBase, load_knowledge_base
from lowback.data.schema import SCHEMAS, TABLE_FILES
from lowback.errors import ReportError
from lowback.publish.fileset import write_atomic_set
from lowback.publish.folders import check_out_dir

__all__ = ["DESCRIPTOR", "column_descriptions", "export_cohort", "export_records"]

#: The Data Package descriptor's file name in an export folder.
DESCRIPTOR = "datapackage.json"
#: The data dictionary the fields' descriptions come from.
DICTIONARY = config.DATA_DIR / "README.md"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
#: The name of the cohort's table (and its files) in an export folder.
COHORT = "cohort"

_SECTION = re.compile(r"^###\s+`([^`]+\.csv)`")
_HEADER = re.compile(r"^\|\s*column\s*\|\s*type\s*\|\s*meaning\s*\|\s*$")
_CC_BY = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0: the MedQuAD data set that holds the NIH texts",
}


# ---------------------------------------------------------------------------------------------
# The data dictionary
# ---------------------------------------------------------------------------------------------


def column_descriptions(readme: Path | str | None = None) -> dict[str, dict[str, str]]:
    """Each record table's columns and their meaning, as the data dictionary states them.

    Reads the ``| column | type | meaning |`` table of every ``### `file.csv` `` section
    of ``data/README.md``; a row naming several columns (```start`, `end```) describes
    each of them.

    Parameters
    ----------
    readme : Path or str, optional
        The data dictionary (default ``data/README.md``).

    Returns
    -------
    dict
        Table name (``claims``) -> column -> meaning (Markdown, as written).

    Examples
    --------
    >>> column_descriptions()["claims"]["quote"]
    'the exact words of the source that support the claim'
    """
    lines = Path(readme or DICTIONARY).read_text(encoding="utf-8").splitlines()
    tables: dict[str, dict[str, str]] = {}
    table: dict[str, str] | None = None
    in_rows = False
    for line in lines:
        section = _SECTION.match(line)
        if section or line.startswith("#"):
            table = (
                tables.setdefault(section.group(1).removesuffix(".csv"), {}) if section else None
            )
            in_rows = False
        elif table is not None and not table and _HEADER.match(line):
            in_rows = True
        elif in_rows and line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if set(cells[0]) <= set("- "):  # the separator row
                continue
            for column in re.findall(r"`([^`]+)`", cells[0]):
                table[column] = cells[-1]
        else:
            in_rows = False
    return tables


# ---------------------------------------------------------------------------------------------
# Table Schemas
# ---------------------------------------------------------------------------------------------


def _field_type(dtype: object) -> str:
    if isinstance(dtype, pd.CategoricalDtype):
        return _field_type(dtype.categories.dtype)
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    if pd.api.types.is_string_dtype(dtype):
        return "string"
    raise TypeError(f"no Table Schema type for the pandas dtype {dtype}")


def _field(name: str, dtype: object, description: str, constraints: dict | None = None) -> dict:
    field = {"name": name, "type": _field_type(dtype), "description": description}
    if isinstance(dtype, pd.CategoricalDtype):
        constraints = {**(constraints or {}), "enum": [str(c) for c in dtype.categories]}
    if constraints:
        field["constraints"] = constraints
    return field


def _record_constraints(table: str, column: str) -> dict:
    """The vocabulary (``enum``) and lower bound (``minimum``) lowback's schema checks."""
    constraints: dict = {}
    for check in SCHEMAS[table].columns[column].checks:
        if check.name == "isin":
            constraints["enum"] = list(check.statistics["allowed_values"])
        elif check.name == "greater_than_or_equal_to":
            constraints["minimum"] = check.statistics["min_value"]
    if SCHEMAS[table].columns[column].unique:
        constraints["unique"] = True
    return constraints


#: Columns naming another table's ``id``: (column, that table) -> the tables holding it.
_REFERENCES = {
    ("source", "sources"): ("passages", "claims", "skipped", "triage"),
    ("passage", "passages"): ("claims", "skipped", "triage"),
    ("claim", "claims"): ("comparisons",),
}


def _foreign_keys(table: str) -> list[dict]:
    return [
        {"fields": column, "reference": {"resource": target, "fields": "id"}}
        for (column, target), tables in _REFERENCES.items()
        if table in tables
    ]


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def _parquet_bytes(table: pyarrow.Table) -> bytes:
    """The table as Parquet (zstd), in memory; no timestamp, so the same frame gives the
    same bytes under the same pyarrow and pandas."""
    buffer = io.BytesIO()
    pyarrow.parquet.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def _csv_bytes(table: pyarrow.Table) -> bytes:
    """The table as CSV: a header row, text quoted, ``true``/``false``, ``\\n`` line ends.

    pyarrow writes it (a million runners in 0.8 s, where pandas' ``to_csv`` takes 5 s);
    a categorical column is written as its values.
    """
    columns = [
        column.cast(column.type.value_type) if pyarrow.types.is_dictionary(column.type) else column
        for column in table.columns
    ]
    buffer = io.BytesIO()
    pyarrow.csv.write_csv(pyarrow.Table.from_arrays(columns, names=table.column_names), buffer)
    return buffer.getvalue()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tables_to_files(
    tables: Mapping[str, tuple[pd.DataFrame, dict]],
) -> tuple[dict[str, bytes], list[dict]]:
    """Each table's Parquet and CSV bytes, and its resource (``schema`` given)."""
    files: dict[str, bytes] = {}
    resources = []
    for name, (frame, schema) in tables.items():
        table = pyarrow.Table.from_pandas(frame, preserve_index=False)
        parquet, csv = _parquet_bytes(table), _csv_bytes(table)
        files[f"{name}.parquet"], files[f"{name}.csv"] = parquet, csv
        resources.append(
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(csv),
                "hash": f"sha256:{_sha256(csv)}",
                "dialect": {"delimiter": ",", "lineTerminator": "\n", "header": True},
                "schema": {"missingValues": [], **schema},
                "parquet": {
                    "path": f"{name}.parquet",
                    "mediatype": PARQUET_MEDIATYPE,
                    "bytes": len(parquet),
                    "hash": f"sha256:{_sha256(parquet)}",
                },
            }
        )
    return files, resources


def _check_out_dir(out_dir: Path, force: bool) -> None:
    """Refuse the root, the home folder and the project's own folders
    (:func:`lowback.publish.folders.check_out_dir`), even with ``force``; a file; and a
    folder that is not empty, without ``force``."""
    check_out_dir(out_dir, what="the export", force=True)
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"output path exists and is not a folder: {out_dir}")
    if not force and out_dir.is_dir() and any(out_dir.iterdir()):
        raise FileExistsError(
            f"{out_dir} is not empty: export into a new or empty folder, or pass "
            "force=True (--force) to replace the export's files in it"
        )


def _write_export(out_dir: Path, files: dict[str, bytes], package: dict, force: bool) -> list[Path]:
    """Write the files and the descriptor as one set into ``out_dir`` (created if missing)."""
    descriptor = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    files = {**files, DESCRIPTOR: descriptor.encode("utf-8")}
    _check_out_dir(out_dir, force)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return write_atomic_set(out_dir, files)
    except OSError as exc:
        raise ReportError(f"export not written to {out_dir}: {exc}") from exc


# ---------------------------------------------------------------------------------------------
# The records
# ---------------------------------------------------------------------------------------------


def _records_tables(kb: KnowledgeBase, dictionary: dict[str, dict[str, str]]) -> dict:
    tables = {}
    for name in TABLE_FILES:
        frame = getattr(kb, name)
        meanings = dictionary.get(name, {})
        undocumented = [c for c in frame.columns if c not in meanings]
        if undocumented:
            raise ReportError(
                f"{DICTIONARY}: no description of {name}.csv's column(s) "
                f"{', '.join(undocumented)}; add them to its `| column | type | meaning |` table"
            )
        fields = [
            _field(c, frame[c].dtype, meanings[c], _record_constraints(name, c))
            for c in frame.columns
        ]
        schema = {"fields": fields, "primaryKey": "id", "foreignKeys": _foreign_keys(name)}
        tables[name] = (frame, schema)
    return tables


def _source_list(kb: KnowledgeBase) -> list[dict]:
    return [
        {
            "title": s.title,
            "path": s.url or f"data/{s.path}",
            "id": s.id,
            "publisher": s.publisher,
            "sha256": s.sha256,
            "text_sha256": s.text_sha256,
            "licence": s.licence,
        }
        for s in kb.sources.itertuples()
    ]


def _licenses(kb: KnowledgeBase) -> list[dict]:
    """The licences ``sources.csv`` states: CC BY 4.0 where a source says so."""
    return [_CC_BY] if kb.sources["licence"].str.contains("CC BY 4.0").any() else []


def export_records(
    out_dir: Path | str, *, kb: KnowledgeBase | None = None, force: bool = False
) -> list[Path]:
    """Write every record table as Parquet and CSV, with ``datapackage.json``.

    Parameters
    ----------
    out_dir : Path or str
        The folder, created if missing. It must be empty unless ``force``.
    kb : KnowledgeBase, optional
        The records (default: :func:`~lowback.data.records.load_knowledge_base`, every
        source present on this machine; a missing one is named in the descriptor).
    force : bool
        Replace the export's files in a folder that is not empty (other files stay).

    Returns
    -------
    list[Path]
        The files written: ``TABLE.parquet`` and ``TABLE.csv`` for each table of
        :data:`lowback.data.schema.TABLE_FILES`, then ``datapackage.json``.

    Raises
    ------
    FileExistsError
        If ``out_dir`` is not empty and ``force`` is False; nothing is written.
    ReportError
        If ``out_dir`` is the root, the home folder or one of the project's own folders
        (:func:`lowback.publish.folders.check_out_dir`; even with ``force``), a column has
        no description in the data dictionary, or a file cannot be written (nothing is
        then changed).

    Examples
    --------
    >>> import json, tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "records"
    >>> written = export_records(folder)
    >>> [p.name for p in written][:2]
    ['sources.parquet', 'sources.csv']
    >>> json.loads((folder / "datapackage.json").read_text())["resources"][3]["name"]
    'claims'
    """
    kb = kb if kb is not None else load_knowledge_base(warn_missing=False)
    files, resources = _tables_to_files(_records_tables(kb, column_descriptions()))
    missing = [m.id for m in kb.missing]
    package = {
        "profile": "tabular-data-package",
        "name": "lowback-records",
        "title": "lowback: the records of lower back pain in runners, each with its quote",
        "description": (
            "The curated record tables of one web article on lower back pain in runners "
            "and the NIH consumer-health texts: every claim with its exact quote and "
            "character offsets into its source. The article states no licence (see each "
            "source's `licence`). Education, not diagnosis: not medical advice."
        ),
        "version": __version__,
        "lowback_version": __version__,
        "licenses": _licenses(kb),
        "sources": _source_list(kb),
        "missing_sources": missing,
        "resources": resources,
    }
    return _write_export(Path(out_dir), files, package, force)


# ---------------------------------------------------------------------------------------------
# A simulated cohort
# ---------------------------------------------------------------------------------------------


def _assumption_files(files: tuple[Path, ...]) -> list[dict]:
    """The assumptions file and each file it ``extends`` (as ``load_assumptions`` walked
    them), with their sha256."""
    return [{"name": path.name, "sha256": _sha256(path.read_bytes())} for path in files]


#: How a cohort's boolean column reads, by its role (:func:`~lowback.study.cohort.feature_columns`).
_ROLE_WORDS = {
    "symptoms": "reports the symptom",
    "red_flags": "reports the warning sign",
    "risk_factors": "has the risk factor",
}


def _cohort_fields(kb: KnowledgeBase, cohort: pd.DataFrame, age: tuple[int, int]) -> list[dict]:
    from lowback.study.cohort import NO_PAIN, feature_columns

    roles = {c: role for role, cs in feature_columns(kb).items() for c in cs}
    entities = kb.entities.set_index("id")
    fields = [
        _field(
            "simulated_runner",
            cohort.index.dtype,
            "the simulated runner's number",
            {"unique": True, "minimum": 0},
        ),
    ]
    for column in cohort.columns:
        dtype = cohort[column].dtype
        if column == "age":
            text = "age in years (simulated: normal, rounded, clipped to the assumptions' range)"
            fields.append(_field(column, dtype, text, {"minimum": age[0], "maximum": age[1]}))
        elif column == "pain_type":
            text = f"the simulated pain type: `{NO_PAIN}` for no low back pain, else a pain type"
            fields.append(_field(column, dtype, text))
        else:
            entity = entities.loc[column]
            text = f"whether the simulated runner {_ROLE_WORDS[roles[column]]} {entity['label']!r}"
            fields.append(_field(column, dtype, f"{text}: {entity['description']}"))
    return fields


def export_cohort(
    out_dir: Path | str,
    *,
    n: int,
    seed: int,
    assumptions: Path | str | None = None,
    force: bool = False,
) -> list[Path]:
    """Simulate ``n`` runners and write them as Parquet and CSV, with ``datapackage.json``.

    The cohort is :func:`lowback.study.cohort.simulate`'s, one row per simulated runner
    (``simulated_runner`` first, then its columns and dtypes as they are). The descriptor
    says ``simulated: true``, the seed, the size, the assumptions file's name and sha256
    (and those of each file it extends), the sources drawn from and lowback's version.

    Parameters
    ----------
    out_dir : Path or str
        The folder, created if missing. It must be empty unless ``force``.
    n : int
        Number of runners (at least 1).
    seed : int
        The seed (a whole number, at least 0): the same seed gives the same bytes.
    assumptions : Path or str, optional
        An assumptions file (default ``data/assumptions.toml``).
    force : bool
        Replace the export's files in a folder that is not empty (other files stay).

    Returns
    -------
    list[Path]
        ``cohort.parquet``, ``cohort.csv`` and ``datapackage.json``.

    Raises
    ------
    FileExistsError
        If ``out_dir`` is not empty and ``force`` is False; nothing is written.
    AssumptionError
        If the assumptions file is missing, malformed or inconsistent.
    TypeError, ValueError
        If ``n`` or ``seed`` is not a whole number in range.
    ReportError
        If ``out_dir`` is the root, the home folder or one of the project's own folders
        (:func:`lowback.publish.folders.check_out_dir`; even with ``force``), or a file
        cannot be written (nothing is then changed).

    Examples
    --------
    >>> import json, tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "cohort"
    >>> [p.name for p in export_cohort(folder, n=100, seed=7)]
    ['cohort.parquet', 'cohort.csv', 'datapackage.json']
    >>> package = json.loads((folder / "datapackage.json").read_text())
    >>> package["simulated"], package["seed"], package["size"]
    (True, 7, 100)
    """
    from lowback.study.assumptions import load_assumptions
    from lowback.study.cohort import simulate

    _check_out_dir(Path(out_dir), force)  # before the (long) simulation
    kb = load_knowledge_base(warn_missing=False)
    resolved = load_assumptions(kb, assumptions)
    cohort = simulate(kb, n, assumptions=resolved, random_state=seed)
    study_kb = resolved.study_records(kb)
    age = (resolved.raw.age.min, resolved.raw.age.max)
    schema = {"fields": _cohort_fields(study_kb, cohort, age), "primaryKey": "simulated_runner"}
    files, resources = _tables_to_files({COHORT: (cohort.reset_index(), schema)})
    chain = _assumption_files(resolved.files)
    package = {
        "profile": "tabular-data-package",
        "name": "lowback-simulated-cohort",
        "title": "lowback: a SIMULATED cohort of runners (not real people)",
        "description": (
            "Simulated runners drawn from the article's rules under the assumptions file "
            "named here: every rate is an assumption, not a measurement. Education, not "
            "diagnosis: not medical advice."
        ),
        "version": __version__,
        "lowback_version": __version__,
        "simulated": True,
        "seed": seed,
        "size": n,
        "assumptions": {**chain[0], "extends": chain[1:]},
        "sources": [s for s in _source_list(study_kb) if s["id"] in cohort.attrs["sources"]],
        "licenses": _licenses(study_kb),
        "resources": resources,
    }
    return _write_export(Path(out_dir), files, package, force)
