"""A report's parameters: only to the notebooks that name them, paths relative, same bytes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from nbformat import v4

from lowback import config
from lowback.publish.build import build_changes, build_reports
from lowback.publish.execute import read_with_parameters
from lowback.publish.index import index_page
from lowback.study.assumptions import Change
from tests.publish.helpers import XSS, write_notebook

OLDER = config.DATA_DIR / "scenarios" / "older-runners.toml"


def _parameterised(path: Path, parameters: str, *more: str) -> Path:
    """A notebook whose second cell is tagged ``parameters``; every cell has a fixed id, so
    two copies written apart are the same file."""
    cell = v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    cells = [v4.new_markdown_cell("# Tiny"), cell, *map(v4.new_code_cell, more)]
    for n, each in enumerate(cells):
        each["id"] = f"cell-{n}"
    cells[1]["id"] = "params-01"
    return write_notebook(path, cells)


def _injected(nb) -> list:
    return [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]


def test_only_the_parameters_a_notebook_names_are_injected(tmp_path: Path):
    path = _parameterised(tmp_path / "seeded.ipynb", "RANDOM_SEED = 1\nCOHORT_SIZE = 10")
    nb = read_with_parameters(path, {"RANDOM_SEED": 7, "ASSUMPTIONS": "x.toml", "DATA_DIR": "d"})
    (cell,) = _injected(nb)
    assert "RANDOM_SEED = 7" in cell.source
    assert "ASSUMPTIONS" not in cell.source and "DATA_DIR" not in cell.source
    untouched = read_with_parameters(path, {"DATA_DIR": "d"})  # names none of them
    assert not _injected(untouched)


def test_a_path_is_injected_relative_to_the_notebook_with_a_fixed_cell_id(tmp_path: Path):
    (tmp_path / "notebooks").mkdir()
    path = _parameterised(tmp_path / "notebooks" / "n.ipynb", "ASSUMPTIONS = None")
    scenario = tmp_path / "data" / "scenarios" / "s.toml"
    nb = read_with_parameters(path, {"ASSUMPTIONS": scenario})
    (cell,) = _injected(nb)
    assert 'ASSUMPTIONS = "../data/scenarios/s.toml"' in cell.source
    assert str(tmp_path) not in cell.source
    assert cell["id"] == "params-01-injected"
    assert read_with_parameters(path, {"ASSUMPTIONS": scenario}) == nb


def test_the_index_opens_with_the_changes_table_escaped(kb):
    rows = [
        Change("age.mean", 40.0, 60.0, f"older {XSS}"),
        Change("study.sources", ["a"], ["a", "b"], ""),
    ]
    page = index_page([], changes=rows)
    table = page[page.index("What this build changes") :]
    assert "<td><code>age.mean</code></td><td>40.0</td><td>60.0</td>" in table
    assert "<td>a</td><td>a, b</td>" in table
    assert XSS not in page and "older &lt;script&gt;alert(1)&lt;/script&gt;" in table
    assert page.index("What this build changes") < page.index("The data")
    assert "What this build changes" not in index_page([])


def test_a_build_lists_the_scenarios_changes_and_the_seed_and_size_it_was_given():
    rows = build_changes({"ASSUMPTIONS": OLDER, "RANDOM_SEED": 7, "COHORT_SIZE": 20_000})
    assert [(r.key, r.before, r.after) for r in rows] == [
        ("age.mean", 40.0, 60.0),
        ("age.sd", 13.0, 10.0),
        ("RANDOM_SEED", 2026, 7),  # the size is the notebooks' own: no change
    ]
    assert build_changes({}) == []


def _project_copy(root: Path) -> tuple[Path, Path]:
    """A notebook and the older-runners scenario (with its base) in a copy of the layout."""
    (root / "notebooks").mkdir(parents=True)
    (root / "data" / "scenarios").mkdir(parents=True)
    shutil.copy(config.DATA_DIR / "assumptions.toml", root / "data" / "assumptions.toml")
    shutil.copy(OLDER, root / "data" / "scenarios" / OLDER.name)
    notebook = _parameterised(
        root / "notebooks" / "tiny.ipynb",
        "RANDOM_SEED = 2026\nASSUMPTIONS = None",
        "print(ASSUMPTIONS)\nprint(open(ASSUMPTIONS, encoding='utf-8').readline())",
    )
    return notebook, root / "data" / "scenarios" / OLDER.name


@pytest.mark.kernel
def test_a_scenario_page_is_the_same_bytes_from_any_folder_and_holds_no_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    built = []
    for name in ("first", "second"):
        notebook, scenario = _project_copy(tmp_path / name)
        monkeypatch.chdir(tmp_path / name / "data")  # each build from a working folder of its own
        out = tmp_path / name / "reports"
        pages = build_reports(
            [notebook], out, parameters={"ASSUMPTIONS": scenario, "RANDOM_SEED": 7}, explorer=True
        )
        built.append([page.read_bytes() for page in pages])
    assert built[0] == built[1]
    page, index, explorer = (b.decode("utf-8") for b in built[0])
    assert "../data/scenarios/older-runners.toml" in page
    assert "# Scenario: an older running population" in page  # the notebook read the file
    assert "built under older-runners.toml" in explorer
    for text in (page, index, explorer):
        assert str(config.PROJECT_DIR) not in text and str(tmp_path) not in text
    assert "<td><code>age.mean</code></td><td>40.0</td><td>60.0</td>" in index
    assert "<td><code>RANDOM_SEED</code></td><td>2026</td><td>7</td>" in index
