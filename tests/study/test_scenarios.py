"""Re-running the study under other assumptions: scenario files and parameterised reports."""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from lowback import config
from lowback.errors import AssumptionError
from lowback.publish.build import build_reports
from lowback.publish.execute import read_with_parameters, store_outputs
from lowback.study.assumptions import DEFAULT_ASSUMPTIONS, load_assumptions
from tests.conftest import run_cli

OLDER = config.DATA_DIR / "scenarios" / "older-runners.toml"
RISK_NOTEBOOK = config.NOTEBOOKS_DIR / "03-risk-factors.ipynb"


def test_a_scenario_sets_only_what_differs_from_its_base(kb):
    base, older = load_assumptions(kb), load_assumptions(kb, OLDER)
    assert (older.raw.age.mean, older.raw.age.sd) == (60.0, 10.0)
    assert older.raw.age.over_65_bone_weight == base.raw.age.over_65_bone_weight
    assert older.symptoms == base.symptoms and older.risk_factors == base.risk_factors


def test_extends_errors_name_the_file(kb, tmp_path: Path):
    missing = tmp_path / "orphan.toml"
    missing.write_text('extends = "nowhere.toml"\n', encoding="utf-8")
    with pytest.raises(AssumptionError, match="does not exist"):
        load_assumptions(kb, missing)
    loop_a, loop_b = tmp_path / "a.toml", tmp_path / "b.toml"
    loop_a.write_text('extends = "b.toml"\n', encoding="utf-8")
    loop_b.write_text('extends = "a.toml"\n', encoding="utf-8")
    with pytest.raises(AssumptionError, match="in a loop"):
        load_assumptions(kb, loop_a)


def test_parameters_are_injected_after_the_parameters_cell_and_the_file_is_untouched(
    tmp_path: Path,
):
    before = RISK_NOTEBOOK.read_bytes()
    nb = read_with_parameters(RISK_NOTEBOOK, {"ASSUMPTIONS": str(OLDER)})
    tags = [cell.metadata.get("tags", []) for cell in nb.cells]
    at = next(i for i, t in enumerate(tags) if "parameters" in t)
    assert "injected-parameters" in tags[at + 1]
    assert str(OLDER) in nb.cells[at + 1].source
    assert RISK_NOTEBOOK.read_bytes() == before
    unparameterised = tmp_path / "no-parameters.ipynb"
    nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), unparameterised
    )
    assert read_with_parameters(unparameterised, {"ASSUMPTIONS": "x"}) == nbformat.read(
        unparameterised, as_version=4
    )


def test_bad_assumptions_stop_the_report_before_any_notebook_runs(tmp_path: Path):
    broken = tmp_path / "broken.toml"
    broken.write_text(
        DEFAULT_ASSUMPTIONS.read_text(encoding="utf-8").replace("mean = 40.0", "mean = -4.0"),
        encoding="utf-8",
    )
    out = tmp_path / "reports"
    out.mkdir()
    (out / "03-risk-factors.html").write_text("previous report", encoding="utf-8")
    result = run_cli("report", str(RISK_NOTEBOOK), "--assumptions", str(broken), "--out", str(out))
    assert result.returncode == 1
    assert "no notebook run" in result.stderr and "age.mean" in result.stderr
    assert (out / "03-risk-factors.html").read_text(encoding="utf-8") == "previous report"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.kernel
def test_a_scenario_report_differs_and_leaves_the_notebooks_as_they_were(tmp_path: Path):
    notebooks = {p: _digest(p) for p in config.NOTEBOOKS_DIR.glob("*.ipynb")}
    pages = build_reports([RISK_NOTEBOOK], tmp_path, parameters={"ASSUMPTIONS": str(OLDER)})
    assert [p.name for p in pages] == ["03-risk-factors.html", "index.html"]
    assert "built under older-runners.toml" in pages[1].read_text(encoding="utf-8")
    text = pages[0].read_text(encoding="utf-8")
    assert "older-runners.toml" in text and "mean age 60.0 years" in text
    assert "assumptions.toml</code>; 20,000" not in text
    assert {p: _digest(p) for p in notebooks} == notebooks


@pytest.mark.kernel
def test_storing_outputs_twice_gives_the_same_bytes(tmp_path: Path):
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider(3)"),
        v4.new_code_cell("print(6 * 7)"),
    ]
    nb.cells[1].metadata["execution"] = {"shell.execute_reply": "2020-01-01T00:00:00Z"}  # stale
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    store_outputs(path)
    first = path.read_bytes()
    store_outputs(path)
    assert path.read_bytes() == first
    stored = nbformat.read(path, as_version=4)
    assert "widgets" not in stored.metadata
    assert all("execution" not in cell.metadata for cell in stored.cells)
    assert stored.cells[1].outputs[0]["text"] == "42\n"
