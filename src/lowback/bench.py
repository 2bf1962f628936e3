"""Benchmarks, each against a floor measured in the same run (``make bench``).

Absolute times drift on shared machines, so every result is also a ratio against a
floor: the same work done by the library underneath (pandas, scikit-learn, Python's
import of scikit-learn). Results go to ``reports/bench.json`` and a plotly page
``reports/bench.html``; the table is printed.

Run with ``python -m lowback.bench [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from lowback import config


def best_of(action: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``repeat`` runs of ``action``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _command_time(command: list[str], repeat: int) -> float:
    return best_of(lambda: subprocess.run(command, capture_output=True, check=True), repeat)


def cohort_scale(sizes: list[int]) -> dict:
    """Runners per second, the fitted scaling exponent and peak memory against the frame."""
    from lowback import load_knowledge_base
    from lowback.cohort import simulate

    kb = load_knowledge_base()
    simulate(kb, 1_000, random_state=0)  # warm caches and imports
    rows = []
    for n in sizes:
        seconds = best_of(lambda n=n: simulate(kb, n, random_state=0), repeat=3)
        tracemalloc.start()
        frame = simulate(kb, n, random_state=1)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        frame_bytes = int(frame.memory_usage(deep=True).sum())
        rows.append(
            {
                "runners": n,
                "seconds": seconds,
                "runners_per_second": n / seconds,
                "peak_bytes": peak,
                "frame_bytes": frame_bytes,
                "memory_ratio": peak / frame_bytes,
            }
        )
    large = [r for r in rows if r["runners"] >= 100_000]  # fixed costs blur the smallest size
    exponent = float(
        np.polyfit(np.log([r["runners"] for r in large]), np.log([r["seconds"] for r in large]), 1)[
            0
        ]
    )
    return {"rows": rows, "scaling_exponent": exponent}


def tree_fit_overhead(sizes: list[int]) -> dict:
    """lowback's ``fit_tree`` against scikit-learn's own ``fit`` on the same arrays."""
    from lowback import load_knowledge_base, model
    from lowback.cohort import simulate

    kb = load_knowledge_base()
    rows = []
    for n in sizes:
        cohort = simulate(kb, n, random_state=0)
        pain = model.with_pain(cohort)
        features = model.tree_features(kb.rulebook)
        X, y = pain[features], pain["pain_type"].astype(str)
        floor = best_of(lambda X=X, y=y: model.make_tree().fit(X, y), repeat=3)
        ours = best_of(lambda cohort=cohort: model.fit_tree(kb, cohort), repeat=3)
        rows.append({"runners": n, "seconds": ours, "floor_seconds": floor, "ratio": ours / floor})
    return {"rows": rows}


def assess_latency(calls: int = 2_000) -> dict:
    """Per-call time of ``assess`` in a warm process, and the cold CLI against the import
    of scikit-learn's tree module (the floor any CLI fitting a tree pays)."""
    from lowback.triage import assess

    assess(["pain_beside_spine"])
    per_call = (
        best_of(
            lambda: [
                assess(["pain_worse_when_bending", "pain_radiates_to_legs"], age=40)
                for _ in range(calls)
            ],
            repeat=5,
        )
        / calls
    )
    python = sys.executable
    cli = [python, "-m", "lowback", "assess", "--symptom", "pain_worse_when_bending", "--json"]
    cold = _command_time(cli, repeat=3)
    floor = _command_time([python, "-c", "import sklearn.tree"], repeat=3)
    return {
        "warm_ms_per_call": per_call * 1e3,
        "cli_seconds": cold,
        "floor_seconds": floor,
        "cli_ratio": cold / floor,
    }


def report_weight(reports_dir: Path) -> dict:
    """Each built page's bytes against plotly.js's own size."""
    from plotly.offline import get_plotlyjs

    plotly_bytes = len(get_plotlyjs().encode())
    pages = sorted(reports_dir.glob("*.html"))
    rows = [
        {"page": p.name, "bytes": p.stat().st_size, "ratio": p.stat().st_size / plotly_bytes}
        for p in pages
        if p.name != "bench.html"
    ]
    return {"plotly_js_bytes": plotly_bytes, "rows": rows}


TARGETS = {
    "cohort scaling exponent": (
        "close to 1.0",
        lambda r: abs(r["cohort"]["scaling_exponent"] - 1) < 0.15,
    ),
    "cohort 1e6 runners": (
        "about 1 s",
        lambda r: (
            next(x["seconds"] for x in r["cohort"]["rows"] if x["runners"] == 1_000_000) < 1.5
        ),
    ),
    "cohort peak memory / frame": (
        "at most 2x",
        lambda r: r["cohort"]["rows"][-1]["memory_ratio"] <= 2,  # the largest cohort
    ),
    "tree fit / sklearn fit": (
        "at most 1.1x",
        lambda r: max(x["ratio"] for x in r["tree"]["rows"]) <= 1.1,
    ),
    "assess warm per call": ("well under 1 ms", lambda r: r["assess"]["warm_ms_per_call"] < 0.5),
    "CLI cold / import sklearn.tree": ("at most 1.5x", lambda r: r["assess"]["cli_ratio"] <= 1.5),
    "report page / plotly.js": (
        "at most 1.2x",
        lambda r: all(x["ratio"] <= 1.2 for x in r["weight"]["rows"]),
    ),
}


def run(quick: bool = False) -> dict:
    """Run every benchmark; ``quick`` uses smaller sizes (for a smoke run)."""
    sizes = [10_000, 100_000, 1_000_000] if quick else [10_000, 100_000, 1_000_000, 10_000_000]
    results = {
        "cohort": cohort_scale(sizes),
        "tree": tree_fit_overhead([10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]),
        "assess": assess_latency(),
        "weight": report_weight(config.REPORTS_DIR),
    }
    results["targets"] = {
        name: {"target": target, "met": bool(check(results))}
        for name, (target, check) in TARGETS.items()
    }
    return results


def table(results: dict) -> str:
    """The results as a plain-text table."""
    lines = [f"{'benchmark':44} {'measured':>22}  target"]
    for row in results["cohort"]["rows"]:
        lines.append(
            f"{'simulate ' + format(row['runners'], ','):44} {row['seconds']:>20.3f} s  "
            f"(peak memory {row['memory_ratio']:.2f}x frame)"
        )
    lines.append(
        f"{'cohort scaling exponent':44} {results['cohort']['scaling_exponent']:>22.2f}  ~1.0"
    )
    for row in results["tree"]["rows"]:
        lines.append(
            f"{'fit_tree / sklearn fit, ' + format(row['runners'], ','):44} "
            f"{row['ratio']:>21.2f}x  <= 1.1x"
        )
    a = results["assess"]
    lines.append(
        f"{'assess, warm, per call':44} {a['warm_ms_per_call']:>19.3f} ms  well under 1 ms"
    )
    lines.append(
        f"{'lowback assess (cold) / import sklearn.tree':44} {a['cli_ratio']:>21.2f}x  <= 1.5x "
        f"({a['cli_seconds']:.2f} s / {a['floor_seconds']:.2f} s)"
    )
    for row in results["weight"]["rows"]:
        lines.append(f"{'page ' + row['page'] + ' / plotly.js':44} {row['ratio']:>21.2f}x  <= 1.2x")
    lines.append("")
    lines += [
        f"{'MET ' if t['met'] else 'MISSED'} {name} ({t['target']})"
        for name, t in results["targets"].items()
    ]
    return "\n".join(lines)


def figure_page(results: dict) -> str:
    """A plotly page (plotly.js embedded once, offline) of the scaling curves, log-log."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("simulate: seconds by cohort size", "fit_tree vs scikit-learn fit"),
    )
    cohort, tree = results["cohort"]["rows"], results["tree"]["rows"]
    curves = [  # (rows, time key, name, subplot column)
        (cohort, "seconds", "simulate", 1),
        (tree, "seconds", "lowback fit_tree", 2),
        (tree, "floor_seconds", "scikit-learn fit (floor)", 2),
    ]
    for rows, key, name, col in curves:
        x, y = [r["runners"] for r in rows], [r[key] for r in rows]
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=name), row=1, col=col)
    fig.update_xaxes(type="log", title_text="Simulated runners")
    fig.update_yaxes(type="log", title_text="Seconds (median)")
    fig.update_layout(title="lowback benchmarks (log-log)", template="plotly_white", height=520)
    return fig.to_html(include_plotlyjs=True, full_html=True, div_id="lowback-bench")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the table, write bench.json and bench.html."""
    parser = argparse.ArgumentParser(prog="python -m lowback.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--out", type=Path, default=config.REPORTS_DIR)
    args = parser.parse_args(argv)
    from lowback.report import write_atomic

    results = run(quick=args.quick)
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "bench.json", json.dumps(results, indent=2) + "\n")
    write_atomic(args.out / "bench.html", figure_page(results))
    print(table(results))  # noqa: T201 (a command's output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
