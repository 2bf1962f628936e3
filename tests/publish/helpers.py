"""Helpers shared by the tests of lowback.publish: small notebooks, leftovers, plotly.js."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import v4
from plotly.offline import get_plotlyjs

FIGURE_1 = "import plotly.graph_objects as go\ngo.Figure(go.Bar(x=[1, 2], y=[3, 4]))"
FIGURE_2 = "go.Figure(go.Scatter(x=[1, 2], y=[4, 1]))"
XSS = "<script>alert(1)</script>"
MARKER = "marker-read-from-the-notebook-folder-42"
HEADING = "Running and the lower back"


@dataclass
class Executed:
    """A notebook executed by a fixture: its file, the file's bytes before, the result."""

    path: Path
    bytes_before: bytes
    nb: nbformat.NotebookNode


def plotlyjs_banner() -> str:
    """The version banner at the top of plotly.min.js, e.g. ``plotly.js v3.0.1``."""
    match = re.search(r"plotly\.js v\d+\.\d+\.\d+", get_plotlyjs())
    assert match is not None, "plotly.js has no version banner any more: update the test"
    return match.group(0)


def write_notebook(path: Path, cells: list) -> Path:
    nb = v4.new_notebook()
    nb.cells = cells
    nbformat.write(nb, path)
    return path


def leftovers(folder: Path, keep: set[str]) -> set[str]:
    """Names in ``folder`` other than ``keep`` (e.g. temp files left behind)."""
    return {p.name for p in folder.iterdir()} - keep
