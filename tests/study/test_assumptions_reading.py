"""Reading an assumptions file: the ``extends`` chain, an empty file, unknown keys, odd TOML."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowback.errors import AssumptionError
from lowback.study.assumptions import DEFAULT_ASSUMPTIONS, MAX_EXTENDS, load_assumptions


def _chain(folder: Path, length: int) -> Path:
    """``s0.toml`` extends ``s1.toml`` ... extends ``s{length - 1}.toml``, which extends the
    shipped assumptions; each sets the mean age to its own number."""
    for i in range(length):
        base = f"s{i + 1}.toml" if i + 1 < length else DEFAULT_ASSUMPTIONS.as_posix()
        (folder / f"s{i}.toml").write_text(
            f'extends = "{base}"\n[age]\nmean = {20 + i % 40}.0\n', encoding="utf-8"
        )
    return folder / "s0.toml"


def test_a_chain_of_1500_files_is_refused_by_name_not_by_recursion(kb, tmp_path: Path):
    # The chain was walked by recursion: 1,500 files raised RecursionError.
    top = _chain(tmp_path, 1500)
    with pytest.raises(AssumptionError) as raised:
        load_assumptions(kb, top)
    err = raised.value
    assert err.path == tmp_path / f"s{MAX_EXTENDS}.toml"  # the file whose base is one too many
    (problem,) = err.problems
    assert problem.startswith(f"extends: 's{MAX_EXTENDS + 1}.toml' is one base too many;")
    assert f"expected at most {MAX_EXTENDS} files extended in a chain" in problem
    # the chain, named from the file given
    assert problem.index(str(top)) < problem.index(str(tmp_path / f"s{MAX_EXTENDS}.toml"))


def test_a_chain_as_long_as_the_cap_loads_and_the_nearest_file_wins(kb, tmp_path: Path):
    top = _chain(tmp_path, MAX_EXTENDS)  # s0 and MAX_EXTENDS - 1 bases, then the shipped file
    assumptions = load_assumptions(kb, top)
    assert assumptions.raw.age.mean == 20.0  # s0's own value, laid over every base
    assert assumptions.raw.age.sd == 13.0  # from the shipped file at the chain's end


def test_a_loop_names_every_file_in_it(kb, tmp_path: Path):
    for name, base in (("a", "b"), ("b", "c"), ("c", "a")):
        (tmp_path / f"{name}.toml").write_text(f'extends = "{base}.toml"\n', encoding="utf-8")
    with pytest.raises(AssumptionError) as raised:
        load_assumptions(kb, tmp_path / "a.toml")
    (problem,) = raised.value.problems
    assert raised.value.path == tmp_path / "c.toml"
    chain = " -> ".join(str(tmp_path / f"{n}.toml") for n in "abca")
    assert problem == f"extends: 'a.toml' leads back to a file of the chain, in a loop: {chain}"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_an_empty_file_is_one_problem_not_eight(kb, tmp_path: Path, text):
    # It was reported as eight missing tables (study, cohort, age...).
    path = tmp_path / "empty.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AssumptionError) as raised:
        load_assumptions(kb, path)
    assert raised.value.problems == [
        "the file is empty; expected the tables of an assumptions file ([study], [cohort], "
        '[age]...) or `extends = "base.toml"` and the values that differ from it'
    ]


def test_an_empty_base_is_named(kb, tmp_path: Path):
    (tmp_path / "base.toml").write_text("", encoding="utf-8")
    scenario = tmp_path / "scenario.toml"
    scenario.write_text('extends = "base.toml"\n', encoding="utf-8")
    with pytest.raises(AssumptionError, match="the file is empty") as raised:
        load_assumptions(kb, scenario)
    assert raised.value.path == tmp_path / "base.toml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('extend = "{base}"\n', "extend: unknown key (did you mean 'extends'?)"),
        (
            'extends = "{base}"\n[cohorts]\nbaseline_pain_risk = 0.3\n',
            "cohorts: unknown key (did you mean 'cohort'?)",
        ),
        (
            'extends = "{base}"\n[age]\nmena = 41.0\n',
            "age.mena: unknown key (did you mean 'mean'?)",
        ),
        (
            'extends = "{base}"\n[pain_types.bone]\nprevalance = 0.2\n',
            "pain_types.bone.prevalance: unknown key (did you mean 'prevalence'?)",
        ),
        (
            'extends = "{base}"\n[risk_factors.weak_core]\ntype_risks = 2.0\n',
            "risk_factors.weak_core.type_risks: unknown key (did you mean 'type_risk'?)",
        ),
    ],
)
def test_an_unknown_key_says_which_was_meant(kb, tmp_path: Path, text, expected):
    path = tmp_path / "typo.toml"
    path.write_text(text.format(base=DEFAULT_ASSUMPTIONS.as_posix()), encoding="utf-8")
    with pytest.raises(AssumptionError) as raised:
        load_assumptions(kb, path)
    assert any(p.startswith(expected) for p in raised.value.problems), raised.value.problems


def test_an_unknown_key_far_from_any_gets_the_valid_ones(kb, tmp_path: Path):
    path = tmp_path / "typo.toml"
    path.write_text(
        f'extends = "{DEFAULT_ASSUMPTIONS.as_posix()}"\n[noise]\nzzz = 1\n', encoding="utf-8"
    )
    with pytest.raises(AssumptionError) as raised:
        load_assumptions(kb, path)
    assert "noise.zzz: unknown key; expected one of: misreport, rationale" in raised.value.problems


def test_deeply_nested_toml_is_an_assumption_error(kb, tmp_path: Path):
    # tomllib recursed and raised RecursionError; so did showing a deep table as the value.
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 600 + "]" * 600 + "\n", encoding="utf-8")
    with pytest.raises(AssumptionError, match="not valid TOML: nested too deeply"):
        load_assumptions(kb, path)
    path.write_text(
        f'extends = "{DEFAULT_ASSUMPTIONS.as_posix()}"\n'
        f"[cohort.baseline_pain_risk{'.a' * 3000}]\nx = 1\n",
        encoding="utf-8",
    )
    with pytest.raises(AssumptionError) as raised:
        load_assumptions(kb, path)
    (problem,) = raised.value.problems
    assert problem.startswith("cohort.baseline_pain_risk: got {'a': {") and len(problem) < 300
