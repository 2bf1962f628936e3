"""The study notebooks and the report built from them, against floor notebooks.

A floor notebook only starts a kernel and imports pandas, scikit-learn and plotly: what
every study notebook pays before its own work. Study notebooks run one at a time
(:func:`study_run`), then ``lowback report`` builds them in a fresh process
(:func:`report_build`), and the pages it wrote are weighed against plotly.js
(:func:`report_weight`).
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from benchmarks.timing import interleaved, lowback_command, run_checked, timed

#: What the floor notebooks run: a kernel start and the imports every study notebook pays.
FLOOR_SOURCE = "import pandas as pd\nimport plotly.graph_objects as go\nimport sklearn.tree"


def floor_notebooks(folder: Path, count: int) -> list[Path]:
    """Write ``count`` notebooks that only import pandas, scikit-learn and plotly.

    Executing them costs what any notebook of this study pays before its own work: a
    kernel start and those imports (the kernel-and-import floor).
    """
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(1, count + 1):
        nb = new_notebook(
            cells=[
                new_markdown_cell(f"# Floor notebook {k}: kernel start and imports"),
                new_code_cell(FLOOR_SOURCE),
            ],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        )
        path = folder / f"{k:02d}-floor.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def study_run(notebooks: list[Path], repeat: int = 3) -> dict:
    """Each study notebook executed in turn, against as many floor notebooks, one at a time.

    Both go through ``lowback.publish.execute.execute_notebook`` (the report's executor and kernel
    settings), one notebook at a time, so each notebook's own cost shows; the report
    build, which runs them side by side, is :func:`report_build`.
    """
    from lowback.publish.execute import execute_notebook

    floor_runs: list[list[float]] = []  # per repeat, each notebook's seconds
    study_runs: list[list[float]] = []
    with tempfile.TemporaryDirectory(prefix="lowback-bench-floor-") as tmp:
        floors = floor_notebooks(Path(tmp), len(notebooks))
        execute_notebook(floors[0])  # warm: the first kernel start reads everything from disk
        for _ in range(repeat):
            floor_runs.append([timed(lambda p=p: execute_notebook(p)) for p in floors])
            study_runs.append([timed(lambda p=p: execute_notebook(p)) for p in notebooks])
    rows = []
    for k, path in enumerate(notebooks):
        seconds = statistics.median(run[k] for run in study_runs)
        floor = statistics.median(run[k] for run in floor_runs)
        rows.append(
            {
                "notebook": path.name,
                "seconds": seconds,
                "floor_seconds": floor,
                "ratio": seconds / floor,
            }
        )
    seconds = statistics.median(sum(run) for run in study_runs)
    floor = statistics.median(sum(run) for run in floor_runs)
    return {"rows": rows, "seconds": seconds, "floor_seconds": floor, "ratio": seconds / floor}


def _report_command(notebooks: list[Path], out: Path) -> list[str]:
    return [*lowback_command(), "report", *map(str, notebooks), "--out", str(out)]


def report_build(notebooks: list[Path], out: Path, repeat: int = 3) -> dict:
    """``lowback report NOTEBOOKS --out OUT`` in a fresh process, against the same command on
    as many floor notebooks (so the floor runs them however the report build does).

    The pages stay in ``out``, for :func:`report_weight`.
    """
    with tempfile.TemporaryDirectory(prefix="lowback-bench-report-") as tmp:
        floors = floor_notebooks(Path(tmp) / "floor", len(notebooks))
        commands = {
            "floor": _report_command(floors, Path(tmp) / "floor-out"),
            "ours": _report_command(notebooks, out),
        }
        times = interleaved(
            {name: lambda c=command: run_checked(c) for name, command in commands.items()},
            repeat,
        )
    return {
        "notebooks": len(notebooks),
        "seconds": times["ours"],
        "floor_seconds": times["floor"],
        "ratio": times["ours"] / times["floor"],
    }


def report_weight(pages: list[Path]) -> dict:
    """Each page's bytes against plotly.js's own size."""
    from plotly.offline import get_plotlyjs

    plotly_bytes = len(get_plotlyjs().encode())
    rows = [
        {"page": p.name, "bytes": p.stat().st_size, "ratio": p.stat().st_size / plotly_bytes}
        for p in pages
    ]
    return {"plotly_js_bytes": plotly_bytes, "rows": rows}
