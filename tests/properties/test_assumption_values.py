"""Properties of the assumptions' reading: every number of the file refuses a value of the
wrong kind by name, and every ``extends`` chain either loads or is refused by name.

Derandomized and small, like ``test_fuzz.py``: the same examples on every run.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lowback.errors import AssumptionError
from lowback.study.assumptions import DEFAULT_ASSUMPTIONS, MAX_EXTENDS, load_assumptions

SMALL = settings(
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

BASE = tomllib.loads(DEFAULT_ASSUMPTIONS.read_text(encoding="utf-8"))


def _number_keys(table: dict, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key of the shipped file that holds a number (never a boolean: none does)."""
    keys = []
    for key, value in table.items():
        if isinstance(value, dict):
            keys += _number_keys(value, (*prefix, key))
        elif type(value) in (int, float):
            keys.append((*prefix, key))
    return keys


NUMBER_KEYS = _number_keys(BASE)
#: Values TOML holds that are no number the study can use: booleans (an int in Python),
#: texts of digits, NaN and the infinities (TOML floats).
WRONG_KINDS = st.sampled_from(["true", "false", '"0.5"', '"18"', "nan", "+inf", "-inf", '""'])


def _toml_key(key: tuple[str, ...]) -> str:
    return ".".join(json.dumps(part) for part in key)


@SMALL
@given(key=st.sampled_from(NUMBER_KEYS), value=WRONG_KINDS, in_base=st.booleans())
def test_a_number_of_the_wrong_kind_is_refused_naming_key_and_file(
    kb, tmp_path: Path, key, value, in_base
):
    base, scenario = tmp_path / "base.toml", tmp_path / "scenario.toml"
    shipped = DEFAULT_ASSUMPTIONS.read_text(encoding="utf-8")
    if in_base:
        base.write_text(_laid_into(shipped, key, value), encoding="utf-8")
        scenario.write_text('extends = "base.toml"\n', encoding="utf-8")
    else:
        base.write_text(shipped, encoding="utf-8")
        wrong = f"[{_toml_key(key[:-1])}]\n{json.dumps(key[-1])} = {value}\n"
        scenario.write_text(f'extends = "base.toml"\n{wrong}', encoding="utf-8")
    with pytest.raises(AssumptionError) as raised:
        load_assumptions(kb, scenario)
    dotted = ".".join(key)
    ours = [p for p in raised.value.problems if p.startswith(f"{dotted}: got ")]
    assert len(ours) == 1, raised.value.problems
    expected = ours[0].split("; expected ", 1)[1]
    assert expected.startswith(("a number", "a whole number", "a finite number")), ours[0]
    assert ours[0].endswith(f" (set in {base})") == in_base
    assert str(scenario) in str(raised.value)


def _laid_into(text: str, key: tuple[str, ...], value: str) -> str:
    """``text`` (the shipped file) with the value of ``key`` replaced by ``value``."""
    lines = text.splitlines(keepends=True)
    table, at = None, None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            table = tuple(stripped.strip("[]").split("."))
        elif table == key[:-1] and stripped.split("=")[0].strip() == key[-1]:
            at = i
    assert at is not None, key
    lines[at] = f"{key[-1]} = {value}\n"
    return "".join(lines)


@SMALL
@given(length=st.integers(1, 3 * MAX_EXTENDS), back_to=st.none() | st.integers(0, 3 * MAX_EXTENDS))
def test_an_extends_chain_loads_or_is_refused_by_name(kb, tmp_path: Path, length, back_to):
    """``c0`` extends ``c1`` ... ``c{length - 1}``, which extends the shipped file, or, with
    ``back_to``, a file of the chain (a loop)."""
    folder = tmp_path / f"chain-{length}-{back_to}"
    folder.mkdir()
    loops = back_to is not None and back_to < length
    for i in range(length):
        if i + 1 < length:
            base = f"c{i + 1}.toml"
        else:
            base = f"c{back_to}.toml" if loops else DEFAULT_ASSUMPTIONS.as_posix()
        (folder / f"c{i}.toml").write_text(f'extends = "{base}"\n', encoding="utf-8")
    top = folder / "c0.toml"
    if not loops and length <= MAX_EXTENDS:
        assert load_assumptions(kb, top).raw == load_assumptions(kb).raw
        return
    with pytest.raises(AssumptionError) as raised:
        load_assumptions(kb, top)
    (problem,) = raised.value.problems
    assert problem.startswith("extends: ")
    assert problem.split(": ", 2)[-1].startswith(str(top))  # the chain, from the file given
    if loops and length <= MAX_EXTENDS:
        assert "in a loop" in problem
    elif not loops:
        assert "one base too many" in problem
