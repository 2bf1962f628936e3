"""Tests for lowback.publish.execute: notebooks run in a kernel, in their own folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbformat import v4

from lowback.errors import ReportError
from lowback.publish.execute import execute_and_convert, execute_notebook, read_notebook
from tests.publish.helpers import MARKER, Executed, write_notebook


@pytest.mark.kernel
def test_execution_runs_in_notebook_folder_and_leaves_file_alone(
    executed: Executed, page: str
) -> None:
    assert executed.path.read_bytes() == executed.bytes_before
    assert Path.cwd() != executed.path.parent
    assert MARKER in page


@pytest.mark.kernel
def test_a_failing_cell_is_named_with_its_error(tmp_path: Path) -> None:
    path = write_notebook(
        tmp_path / "failing.ipynb",
        [v4.new_code_cell("x = 1"), v4.new_code_cell("raise KeyError('boom-in-cell-1')")],
    )
    with pytest.raises(ReportError) as info:
        execute_notebook(path, timeout=120)
    message = str(info.value)
    assert message.startswith(f"{path}: cell 1 (0-based; first line: ")
    assert "KeyError" in message and "boom-in-cell-1" in message


def test_jobs_must_be_at_least_one(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "one.ipynb", [v4.new_code_cell("1")])
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        execute_and_convert([(path, read_notebook(path))], str, timeout=120, jobs=0)
