"""Fixtures of the lowback.publish tests: one small two-figure notebook, executed once."""

from __future__ import annotations

import pytest
from nbformat import v4

from lowback.publish.execute import execute_notebook
from lowback.publish.pages import notebook_to_html
from tests.publish.helpers import (
    FIGURE_1,
    FIGURE_2,
    HEADING,
    MARKER,
    XSS,
    Executed,
    write_notebook,
)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Executed:
    """The shared two-figure notebook, executed once for each module that uses it."""
    folder = tmp_path_factory.mktemp("figures")
    (folder / "marker.txt").write_text(MARKER, encoding="utf-8")
    path = write_notebook(
        folder / "figures.ipynb",
        [
            v4.new_markdown_cell(
                f"# {HEADING}\n\nRead [the article](https://example.org/article)."
            ),
            v4.new_code_cell(FIGURE_1),
            v4.new_code_cell(f"print({XSS!r})"),
            v4.new_code_cell(FIGURE_2),
            v4.new_code_cell("print(open('marker.txt').read())"),
        ],
    )
    before = path.read_bytes()
    return Executed(path=path, bytes_before=before, nb=execute_notebook(path, timeout=120))


@pytest.fixture(scope="module")
def page(executed: Executed) -> str:
    return notebook_to_html(executed.nb)
