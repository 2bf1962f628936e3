"""Fuzzing: the loader, `simulate`, `assess` and the CLI fail only with their documented errors.

Random records, assumptions and arguments either work or raise the one exception each
entry point documents, with a message that says where and what: ``RecordError`` for the
records, ``AssumptionError`` for the assumptions, ``TypeError``/``ValueError`` for
``simulate``'s arguments, ``AssessmentInputError`` for ``assess``, and for the CLI an exit
code with the reason on standard error, never a traceback.

Every test is derandomized (the same examples on every run, in CI too) and kept small: the
whole file runs in about ten seconds. Examples that once found a bug stay as ``@example``s.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import math
import os
import re
import shutil
import tomllib
import warnings
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from lowback import config
from lowback.cli import main
from lowback.data.records import load_knowledge_base
from lowback.data.schema import COLUMNS, TABLE_FILES, TRIAGE_LEVELS
from lowback.errors import AssessmentInputError, AssumptionError, RecordError, escaped
from lowback.study.assumptions import DEFAULT_ASSUMPTIONS, load_assumptions
from lowback.study.cohort import simulate
from lowback.study.triage import MAX_AGE, default_assessor

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Longer than any file name the system allows (255 bytes on ext4).
LONG_NAME = "x" * 300


# ---------------------------------------------------------------------------------------------
# The loader: corrupted copies of the record tables
# ---------------------------------------------------------------------------------------------

RECORDS_DIR = config.DATA_DIR / "records"
ORIGINAL = {name: (RECORDS_DIR / file).read_bytes() for name, file in TABLE_FILES.items()}
ROWS = {
    name: list(csv.reader(io.StringIO(data.decode("utf-8")))) for name, data in ORIGINAL.items()
}
LABELS = {name: f"records/{file}" for name, file in TABLE_FILES.items()}
SOURCE_FILES = {row[1] for row in ROWS["sources"][1:]}
IDS = sorted({row[0] for rows in ROWS.values() for row in rows[1:]})

#: pandas' names for a header cell left empty ("Unnamed: 3") or repeated ("id.1").
PANDAS_COLUMN = r"^Unnamed: \d+$|.+\.\d+$"

#: A broken table may also show as problems in the tables that refer to it.
SHOWS_IN = {
    "sources": {"sources", "passages", "claims", "skipped", "triage", "comparisons"},
    "passages": {"passages", "claims", "skipped", "triage"},
    "entities": {"entities", "claims", "triage"},
    # triage: a via naming a claim; comparisons: a claim compared, or left unweighed
    "claims": {"claims", "entities", "triage", "comparisons"},
    "skipped": {"skipped"},
    "triage": {"triage"},
    "comparisons": {"comparisons", "claims"},  # claims: a claim no longer weighed
}

cells = st.one_of(
    st.text(max_size=20),
    st.integers(-(10**20), 10**20).map(str),
    st.floats().map(repr),
    st.sampled_from(IDS),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1.5",
            "1e3",
            "nan",
            "NA",
            "None",
            "True",
            "9" * 25,
            "<b>bold</b>",
            "<script>alert(1)</script>",
            "=SUM(A1:A9)",
            '"',
            ",",
            "\n",
            "a\r\nb",
            "\x00",
            "\ufeff",
            "💥",
            LONG_NAME,
            "..",
            "/",
            "raw",
            "records/claims.csv",
            # The closed vocabularies and the id lists of issue 11 (raised_by, via).
            "states",
            "hedges",
            "recommends",
            "experts",
            "faq",
            "inferred",
            "literal",
            "reported",
            "urgent",
            "contradicts",
            "worsens",
            "c001 c002",
            "reported pain_radiates_to_toes",
            " c001",
            "c001  c999",
        ]
    ),
)

ROW_OPS = ["cell", "cell", "cell", "drop_row", "duplicate_row", "swap_rows"]
ROW_OPS += ["drop_column", "rename_column", "add_column", "short_row", "long_row"]
BYTE_OPS = ["truncate", "encode", "bom", "insert_bytes", "empty", "delete", "replace_text"]


def _edit_rows(draw, rows: list[list[str]]) -> None:
    """Apply one random row or column edit to a table, in place (rows[0] is the header)."""
    op = draw(st.sampled_from(ROW_OPS))
    header = rows[0]
    if len(rows) < 2 or not header:  # no record, or no column left: add one
        op = "add_column"
    row = draw(st.integers(1, len(rows) - 1)) if len(rows) > 1 else 0
    line = rows[row]
    if op == "cell":
        if line:
            line[draw(st.integers(0, len(line) - 1))] = draw(cells)
    elif op == "drop_row":
        del rows[row]
    elif op == "duplicate_row":
        rows.insert(draw(st.integers(1, len(rows))), list(line))
    elif op == "swap_rows":
        other = draw(st.integers(1, len(rows) - 1))
        rows[row], rows[other] = rows[other], line
    elif op in ("drop_column", "rename_column"):
        column = draw(st.integers(0, len(header) - 1))
        if op == "rename_column":
            header[column] = draw(st.one_of(st.text(max_size=12), st.sampled_from(header)))
        else:
            for each in rows:
                del each[column : column + 1]
    elif op == "add_column":
        header.append(draw(st.text(max_size=12)))
        value = draw(cells)
        for each in rows[1:]:
            each.append(value)
    elif op == "short_row":
        del line[draw(st.integers(0, len(line))) :]
    elif op == "long_row":
        line.append(draw(cells))


def _to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _edit_bytes(draw, data: bytes) -> bytes | None:
    """Apply one random byte-level corruption; None deletes the file."""
    op = draw(st.sampled_from(BYTE_OPS))
    if op == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    if op == "encode":
        encoding = draw(st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-32", "mac_roman"]))
        return data.decode("utf-8").encode(encoding, errors="replace")
    if op == "bom":
        return b"\xef\xbb\xbf" * draw(st.integers(1, 2)) + data
    if op == "insert_bytes":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if op == "empty":
        return draw(st.sampled_from([b"", b"\n", b" \r\n\t"]))
    if op == "delete":
        return None
    return draw(st.text(max_size=200)).encode("utf-8")


@st.composite
def corrupted_records(draw) -> dict[str, tuple[str, bytes | None]]:
    """One to three tables, each with row edits or one byte-level corruption."""
    names = draw(st.lists(st.sampled_from(list(TABLE_FILES)), min_size=1, max_size=3, unique=True))
    corrupted = {}
    for name in names:
        if draw(st.booleans()):
            rows = [list(line) for line in ROWS[name]]
            for _ in range(draw(st.integers(1, 3))):
                _edit_rows(draw, rows)
            corrupted[name] = ("rows", _to_csv(rows))
        else:
            corrupted[name] = ("bytes", _edit_bytes(draw, ORIGINAL[name]))
    return corrupted


#: sources.csv naming a file longer than the file system allows.
LONG_SOURCE_PATH = _to_csv(
    [ROWS["sources"][0], [ROWS["sources"][1][0], LONG_NAME, *ROWS["sources"][1][2:]]]
)
#: sources.csv with a trailing comma on its record: one field more than the header.
ONE_FIELD_TOO_MANY = _to_csv([ROWS["sources"][0], [*ROWS["sources"][1], ""]])


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the shipped data; each example overwrites record files, then restores them."""
    target = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(config.DATA_DIR, target, ignore=shutil.ignore_patterns("README.md"))
    return target


@contextlib.contextmanager
def _laid_over(data_dir: Path, corrupted: dict[str, tuple[str, bytes | None]]) -> Iterator[None]:
    try:
        for name, (_how, data) in corrupted.items():
            path = data_dir / "records" / TABLE_FILES[name]
            if data is None:
                path.unlink()
            else:
                path.write_bytes(data)
        yield
    finally:
        for name, original in ORIGINAL.items():
            (data_dir / "records" / TABLE_FILES[name]).write_bytes(original)


def _unreadable(data: bytes | None) -> bool:
    if data is None or not data.strip():
        return True
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return True
    return False


@settings(FUZZ, max_examples=35)
@given(corrupted=corrupted_records())
@example(corrupted={"sources": ("rows", LONG_SOURCE_PATH)})  # raised OSError
@example(corrupted={"sources": ("rows", ONE_FIELD_TOO_MANY)})  # raised ValueError
def test_corrupted_records_raise_one_located_record_error(scratch: Path, corrupted):
    with _laid_over(scratch, corrupted):
        try:
            load_knowledge_base(scratch)
        except RecordError as err:
            problems, message = err.problems, str(err)
        else:
            event("records still valid")
            return  # a corruption that leaves valid records (a note, a label) is fine
    event(f"RecordError, {len(problems)} problem(s)" if len(problems) < 3 else "RecordError, 3+")
    assert problems, "a RecordError lists at least one problem"
    named = set()
    for problem in problems:
        assert str(problem) in message
        assert problem.row is None or problem.row >= 1, problem
        table = next((t for t, label in LABELS.items() if label == problem.file), None)
        assert table is not None or problem.file in SOURCE_FILES, problem
        named.add(table)
        if problem.column is not None and table is not None:
            written = (corrupted.get(table, ("", ORIGINAL[table]))[1] or b"").decode(
                "utf-8", errors="replace"
            )
            assert (
                problem.column in COLUMNS[table]
                or problem.column.replace('"', '""') in written  # as CSV quotes it
                or problem.column in written
                or re.match(PANDAS_COLUMN, problem.column)
            ), problem
    assert named & set().union(*(SHOWS_IN[name] for name in corrupted)), (corrupted, message)
    for name, (_how, data) in corrupted.items():
        if _unreadable(data):
            assert name in named, f"{LABELS[name]} cannot be read but is not named: {message}"


def test_a_record_with_a_field_too_many_is_located_not_shifted(scratch: Path):
    corrupted = {"sources": ("rows", ONE_FIELD_TOO_MANY)}
    with _laid_over(scratch, corrupted), pytest.raises(RecordError) as raised:
        load_knowledge_base(scratch)
    assert [str(p) for p in raised.value.problems if p.file == "records/sources.csv"] == [
        f"records/sources.csv, row 2: got '{len(ROWS['sources'][0]) + 1} fields'; "
        f"expected {len(ROWS['sources'][0])} fields as in the header"
    ]


# ---------------------------------------------------------------------------------------------
# Assumptions files, and simulate's arguments
# ---------------------------------------------------------------------------------------------

BASE = tomllib.loads(DEFAULT_ASSUMPTIONS.read_text(encoding="utf-8"))


def _paths(table: dict, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for key, value in table.items():
        found.append((*prefix, key))
        if isinstance(value, dict):
            found += _paths(value, (*prefix, key))
    return found


toml_scalars = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.sampled_from([0, 1, 0.0, 1.0, -0.0, 1.0000001, -1e-9, 1e308, 5e-324, 10**400, 121, 65]),
    st.booleans(),
    st.text(max_size=10),
    st.sampled_from([*IDS[:5], "c001", "c999", "muscle", "older_age"]),
    st.datetimes(),
)
#: Numbers at or near the edges of what the assumptions allow.
edge_numbers = st.one_of(
    st.floats(0, 1),
    st.sampled_from([0.0, 1.0, 5e-324, 1e-300, 1e-40, 3.4e38, 1e39, 1e308, 0, 1, 18, 66, 120]),
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _toml_string(text: str) -> str:
    # JSON escapes are TOML escapes; TOML also wants DEL escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


def _toml(value) -> str:
    """``value`` as a TOML value (tables inline): enough of a writer for fuzzing."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_string(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    return value.isoformat()  # a datetime


def _toml_document(table: dict) -> str:
    return "".join(f"{_toml_string(k)} = {_toml(v)}\n" for k, v in table.items())


def _with_baseline(risk: str) -> tuple[str, set[str]]:
    """The shipped assumptions with another baseline pain risk, as a fuzzed document."""
    shipped = '"baseline_pain_risk" = 0.3,'
    return _toml_document(BASE).replace(shipped, f'"baseline_pain_risk" = {risk},'), set()


def _at(table: dict, path: tuple[str, ...]) -> dict:
    for key in path:
        table = table[key]
    return table


@st.composite
def assumption_documents(draw) -> tuple[str | bytes, set[str]]:
    """A TOML document (or raw text or bytes) and the top-level keys that were changed."""
    kind = draw(st.sampled_from(["edit", "edit", "edit", "edit", "text", "bytes"]))
    if kind == "text":
        return draw(st.text(max_size=200)), set()
    if kind == "bytes":
        return draw(st.binary(max_size=200)), set()
    doc = copy.deepcopy(BASE)
    changed = set()
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        how = draw(st.sampled_from(["number"] * 4 + ["set", "set", "delete", "add", "extends"]))
        numbers = [p for p in paths if type(_at(doc, p[:-1])[p[-1]]) in (int, float)]
        if how == "number" and numbers:
            path = draw(st.sampled_from(numbers))
            _at(doc, path[:-1])[path[-1]] = draw(edge_numbers)
            changed.add(path[0])
        elif how == "extends":
            doc["extends"] = draw(
                st.one_of(
                    st.sampled_from(
                        ["", ".", "..", "base.toml", "fuzz.toml", "nowhere.toml", "/", "\x00"]
                    ),
                    st.just(LONG_NAME),
                    st.text(max_size=12),
                    toml_scalars,
                )
            )
            changed.add("extends")
        elif how == "add" or not paths:
            tables = [p for p in [(), *paths] if isinstance(_at(doc, p), dict)]
            where = draw(st.sampled_from(tables))
            key = draw(st.text(max_size=10))
            _at(doc, where)[key] = draw(toml_values)
            changed.add(where[0] if where else key)
        else:
            path = draw(st.sampled_from(paths))
            parent = _at(doc, path[:-1])
            if how == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(toml_values)
            changed.add(path[0])
    return _toml_document(doc), changed


@pytest.fixture(scope="module")
def toml_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a valid ``base.toml`` for documents that extend it."""
    folder = tmp_path_factory.mktemp("assumptions")
    shutil.copyfile(DEFAULT_ASSUMPTIONS, folder / "base.toml")
    return folder


@settings(FUZZ, max_examples=120)
@given(document=assumption_documents(), n=st.integers(1, 60), seed=st.integers(0, 2**32))
# extends with a NUL byte (it raised ValueError) and with a name too long (OSError).
@example(document=('extends = "\\u0000"\n', {"extends"}), n=1, seed=0)
@example(document=(f'extends = "{LONG_NAME}"\n', {"extends"}), n=1, seed=0)
# A risk of 1 raised ZeroDivisionError; of 0 or near 0, warned of division by 0 or overflow.
@example(document=_with_baseline("1.0"), n=5, seed=0)
@example(document=_with_baseline("0.0"), n=5, seed=0)
@example(document=_with_baseline("1e-300"), n=5, seed=0)
def test_assumptions_load_and_simulate_or_name_file_and_key(kb, toml_dir, document, n, seed):
    text, changed = document
    path = toml_dir / "fuzz.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    try:
        assumptions = load_assumptions(kb, path)
    except AssumptionError as err:
        event("AssumptionError")
        message = str(err)
        assert err.problems and str(err.path) in message
        if err.path == path and "extends" not in changed:
            assert all(problem.strip() for problem in err.problems)
            if changed and not message.count("not valid TOML"):
                assert any(key in message for key in changed), (changed, message)
        return
    event("valid assumptions, simulated")
    with warnings.catch_warnings():
        # A valid file must not even warn: multipliers are bounded, so the cohort's float32
        # weights cannot overflow to inf (they did, past 3.4e38, before the bound).
        warnings.simplefilter("error")
        frame = simulate(kb, n, assumptions=assumptions, random_state=seed)
    raw = assumptions.raw
    assert len(frame) == n
    assert frame["age"].between(raw.age.min, raw.age.max).all()
    assert frame["pain_type"].notna().all()
    assert all(frame[c].dtype == bool for c in frame.columns if c not in ("age", "pain_type"))


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("over_65_bone_weight = 6.0", "over_65_bone_weight"),
        ("type_risk = 1.5", "type_risk"),
        ("pain_odds_ratio = 1.3", "pain_odds_ratio"),
    ],
)
def test_an_extreme_multiplier_is_refused_by_name(kb, tmp_path: Path, line, key):
    # 1e39 passed as "positive", then overflowed the cohort's float32 weights to inf, and
    # with a vanishing multiplier elsewhere gave NaN shares: every runner the first type.
    text = DEFAULT_ASSUMPTIONS.read_text(encoding="utf-8")
    assert line in text
    path = tmp_path / "extreme.toml"
    for extreme in ("1e39", "1e-46"):
        path.write_text(text.replace(line, f"{key} = {extreme}", 1), encoding="utf-8")
        with pytest.raises(AssumptionError, match=key) as raised:
            load_assumptions(kb, path)
        assert str(path) in str(raised.value)


def test_a_long_or_nul_assumptions_path_is_named(kb, tmp_path: Path):
    for path in (tmp_path / LONG_NAME, tmp_path / "a\x00b.toml"):
        with pytest.raises(AssumptionError, match="does not exist") as raised:
            load_assumptions(kb, path)
        assert escaped(str(path)) in str(raised.value)
        assert "\x00" not in str(raised.value)  # named, escaped: `\\x00`, never a raw NUL


def test_control_characters_in_an_assumptions_key_are_escaped(kb, tmp_path: Path):
    """An unknown key is echoed in the message: its escape sequences are not sent raw."""
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(
        f'extends = "{DEFAULT_ASSUMPTIONS.as_posix()}"\n'
        '[symptoms."bad\\u001b[31mred"]\nsensitivity = 0.5\n',
        encoding="utf-8",
    )
    with pytest.raises(AssumptionError) as raised:
        load_assumptions(kb, scenario)
    message = str(raised.value)
    assert "\x1b" not in message and "bad\\x1b[31mred" in message, message


sizes = st.one_of(
    st.integers(-5, 40),
    st.sampled_from([2**63, 10**30]),
    st.floats(),
    st.booleans(),
    st.text(max_size=5),
    st.none(),
    st.integers(1, 40).map(np.int64),
    st.integers(1, 40).map(float),
)
seeds = st.one_of(
    st.none(),
    st.integers(-5, 2**70),
    st.booleans(),
    st.floats(),
    st.text(max_size=5),
    st.integers(0, 9).map(np.random.default_rng),
    st.integers(0, 9).map(np.int32),
    st.lists(st.integers(0, 9), max_size=2),
)


@settings(FUZZ, max_examples=120)
@given(n=sizes, random_state=seeds)
@example(n=5, random_state=-1)  # numpy's "expected non-negative integer" did not name it
@example(n=5, random_state=1.5)  # numpy's TypeError about SeedSequence did not name it
@example(n=5, random_state=[1, 2])
def test_simulate_refuses_bad_sizes_and_seeds_by_name(kb, n, random_state):
    bad_n = isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1
    good_seed = random_state is None or isinstance(random_state, np.random.Generator)
    good_seed |= (
        isinstance(random_state, int | np.integer)
        and not isinstance(random_state, bool)
        and random_state >= 0
    )
    if not bad_n and n > 2**62:
        with pytest.raises(ValueError):  # numpy: no array that long
            simulate(kb, n, random_state=0)
        return
    if bad_n or not good_seed:
        with pytest.raises((TypeError, ValueError)) as raised:
            simulate(kb, n, random_state=random_state)
        assert ("n must" if bad_n else "random_state must") in str(raised.value)
        return
    frame = simulate(kb, n, random_state=random_state)
    assert len(frame) == n


# ---------------------------------------------------------------------------------------------
# assess: random symptoms, ages and risk factors
# ---------------------------------------------------------------------------------------------

ASSESSOR = default_assessor()
SIGNS = ASSESSOR.signs
RISK_FACTORS = ASSESSOR.rules.risk_factors
LEVEL = {level: i for i, level in enumerate(TRIAGE_LEVELS)}

not_text = st.one_of(
    st.integers(), st.floats(), st.none(), st.booleans(), st.binary(max_size=4), st.just(("x",))
)


def ids_of(valid: tuple[str, ...]) -> st.SearchStrategy[object]:
    """Half valid ids, half anything else: random text or not text at all."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), st.text(max_size=12), not_text)


ages = st.one_of(
    st.none(),
    st.integers(-5, 130),
    st.floats(-10, 200),
    st.floats(),
    st.sampled_from([10**400, -(10**400), True, "40", "", Fraction(131, 2), np.float64(70)]),
    st.decimals(allow_nan=True),
    st.complex_numbers(max_magnitude=10),
)


def _expected_error(symptoms, age, risk_factors) -> tuple[object, tuple[str, ...]] | None:
    """The bad value ``assess`` must name, and the valid values it must list; None if valid."""
    for ids, valid in ((symptoms, SIGNS), (risk_factors, RISK_FACTORS)):
        for value in [ids] if isinstance(ids, str) else ids:
            if not isinstance(value, str) or value not in valid:
                return value, valid if isinstance(value, str) else ()
        if ids is symptoms and not ids:
            return "at least one symptom", SIGNS
    if age is None:
        return None
    number = not isinstance(age, bool) and isinstance(age, int | float | Fraction | np.floating)
    finite = number and age == age and abs(age) != math.inf  # no float(): 10**400 overflows
    if not finite:
        return age, ("a number of years",)
    if not 0 <= age <= MAX_AGE:
        return age, (f"between 0 and {MAX_AGE}",)
    return None


@settings(FUZZ, max_examples=250)
@given(
    symptoms=st.one_of(st.lists(ids_of(SIGNS), max_size=5), st.sampled_from(SIGNS)),
    age=ages,
    risk_factors=st.lists(ids_of(RISK_FACTORS), max_size=3),
)
@example(symptoms=["pain_beside_spine"], age=10**400, risk_factors=[])  # raised OverflowError
@example(symptoms=["pain_beside_spine"], age=-(10**400), risk_factors=[])
def test_assess_accepts_valid_input_and_names_what_is_invalid(symptoms, age, risk_factors):
    expected = _expected_error(symptoms, age, risk_factors)
    if expected is None:
        result = ASSESSOR.assess(symptoms, age=age, risk_factors=risk_factors)
        assert result.triage in TRIAGE_LEVELS
        return
    with pytest.raises(AssessmentInputError) as raised:
        ASSESSOR.assess(symptoms, age=age, risk_factors=risk_factors)
    message = str(raised.value)
    bad, allowed = expected
    assert str(bad) in message or repr(bad) in message, (bad, message)
    assert all(value in message for value in allowed), (allowed, message)


@settings(FUZZ, max_examples=120)
@given(
    signs=st.lists(st.sampled_from(SIGNS), min_size=1, max_size=4, unique=True),
    more=st.lists(st.sampled_from(SIGNS), min_size=1, max_size=4, unique=True),
    ages=st.lists(st.one_of(st.none(), st.integers(0, MAX_AGE)), min_size=2, max_size=2),
)
def test_adding_a_sign_or_years_never_lowers_the_triage(signs, more, ages):
    """The gate's contract (triage.py, schema.TRIAGE_LEVELS): an assessment only moves up."""
    young, old = sorted(ages, key=lambda a: -1 if a is None else a)
    fewer = ASSESSOR.assess(signs, age=young)
    for result in (
        ASSESSOR.assess([*signs, *more], age=young),
        ASSESSOR.assess(signs, age=old),
        ASSESSOR.assess([*signs, *more], age=old),
    ):
        assert LEVEL[result.triage] >= LEVEL[fewer.triage]
        assert set(fewer.red_flags) <= set(result.red_flags)


# ---------------------------------------------------------------------------------------------
# The CLI, in-process: exit codes and messages, never a traceback
# ---------------------------------------------------------------------------------------------

paths = st.one_of(
    st.sampled_from(["nowhere", LONG_NAME, f"{LONG_NAME}/{LONG_NAME}", "", ".", "/", "-", "é💥"]),
    st.text(max_size=12),
)
age_texts = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "-1", "200", "65.5", "abc", "1e400", "0x10", "", "40"]),
    st.text(max_size=6),
)


def _pairs(flag: str, values, min_size: int = 0) -> st.SearchStrategy[list[str]]:
    return st.lists(st.tuples(st.just(flag), values), min_size=min_size, max_size=3).map(
        lambda pairs: [token for pair in pairs for token in pair]
    )


@st.composite
def argvs(draw) -> list[str]:
    command = draw(st.sampled_from(["validate", "locate", "symptoms", "assess", "assess"]))
    noise = draw(
        st.sampled_from([None] * 6 + ["--json", "--bogus", "-h", "extra", "--age", "--symptom"])
    )
    if command == "validate":
        args = draw(st.lists(paths, max_size=2))
    elif command == "locate":
        quote = draw(
            st.one_of(st.sampled_from(["", "runner", "radiates", " "]), st.text(max_size=8))
        )
        args = [quote, *draw(_pairs("--data-dir", paths))[:2]]
    elif command == "symptoms":
        args = draw(st.lists(st.sampled_from(["--json"]), max_size=1))
    else:
        valid = st.sampled_from(SIGNS)
        args = draw(_pairs("--symptom", st.one_of(valid, valid, ids_of(SIGNS).map(str)), 1))
        years = st.integers(0, MAX_AGE).map(lambda age: ["--age", str(age)])
        args += draw(st.one_of(st.just([]), years, _pairs("--age", age_texts)))
        valid = st.sampled_from(RISK_FACTORS)
        args += draw(_pairs("--risk-factor", st.one_of(valid, ids_of(RISK_FACTORS).map(str))))
        args += draw(st.lists(st.just("--json"), max_size=1))
    tokens = [command, *args]
    if noise:
        tokens.insert(draw(st.integers(1, len(tokens))), noise)
    return tokens


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = exit_.code
            assert code in (0, 2), code
            if code == 2:
                assert "usage: lowback" in err.getvalue()
    return code, out.getvalue(), err.getvalue()


@settings(FUZZ, max_examples=80)
@given(argv=argvs())
@example(argv=["validate", LONG_NAME])  # raised OSError: file name too long
@example(argv=["locate", "", "--data-dir", "nowhere"])
@example(argv=["locate", ""])  # printed every offset of the material, one line each
def test_cli_exits_with_a_code_and_a_reason_never_a_traceback(argv):
    code, out, err = _run(argv)
    event(f"{argv[0]} exit {code}")
    assert code in (0, 1, 2), code
    assert "Traceback" not in out + err
    if code != 0:
        assert err.strip(), f"exit {code} without a reason on stderr"
    if argv[0] == "validate" and code == 1 and len(argv) == 2 and not argv[1].startswith("-"):
        records = Path(argv[1]) / "records"
        if not os.path.isdir(records):  # os.path: False for a name too long, not OSError
            # named, its control characters escaped (never sent raw to the terminal)
            assert escaped(str(records)) in err, "a missing data folder is named"
    if argv == ["locate", ""]:
        assert code == 2 and "QUOTE is empty" in err and out == ""


def test_cli_assess_names_the_bad_value():
    code, _out, err = _run(["assess", "--symptom", "pain_beside_spine", "--age", "nan"])
    assert code == 2 and "nan" in err and "age" in err
    code, _out, err = _run(["assess", "--symptom", "headache"])
    assert code == 2 and "'headache'" in err and "pain_beside_spine" in err
