"""Benchmarks, each against a floor measured in the same run (``make bench``).

Absolute times drift on shared machines, so every result is also a ratio against a
floor: the same work done by the library underneath (pandas, scikit-learn, Python's
import of scikit-learn, a Jupyter kernel that only imports them, ``python -c pass``).
Floor and ours run in turn, so both see the same load. Results go to
``reports/bench.json`` and a plotly page ``reports/bench.html``; the table is printed
with each target MET or MISSED.

Run with ``python -m benchmarks [--quick] [--no-tests] [--out DIR]``.
"""

# This module runs the suite and holds its command line. The benchmarks are in
# benchmarks.study (cohort, tree fit, assess, batch assess), .startup (the CLI's start-up),
# .first_figure (time to the first figure drawn in Chromium),
# .knowledge_base (load by size, on .synthetic data), .notebooks (study run, report build,
# page weight) and .testsuite (make test); .targets judges them and .output writes them.

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from benchmarks import first_figure, knowledge_base, notebooks, output, startup, study, testsuite
from benchmarks.targets import judge
from lowback import config


def run(quick: bool = False, tests: bool = True) -> dict:
    """Run every benchmark; ``quick`` uses smaller sizes, single runs of the notebooks, the
    report build and the cold CLI, and leaves out the test suite, as does ``tests=False``."""
    sizes = [10_000, 100_000, 1_000_000] if quick else [10_000, 100_000, 1_000_000, 10_000_000]
    study_notebooks = sorted(config.NOTEBOOKS_DIR.glob("0*.ipynb"))
    results = {
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()[0]},
        "quick": quick,
        "cohort": study.cohort_scale(sizes),
        "tree": study.tree_fit_overhead(
            [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
        ),
        "assess": study.assess_latency(cold_repeat=1 if quick else 3),
        "batch": study.batch_assess(repeat=1 if quick else 3),
        "startup": startup.cli_startup(repeat=10 if quick else 20),
        "kb": knowledge_base.kb_scale([1_000, 10_000, 30_000, 100_000], repeat=3 if quick else 7),
        "study": notebooks.study_run(study_notebooks, repeat=1 if quick else 3),
    }
    with tempfile.TemporaryDirectory(prefix="lowback-bench-pages-") as pages:
        results["report"] = notebooks.report_build(
            study_notebooks, Path(pages), repeat=1 if quick else 3
        )
        # The pages this run built, and the decks of `make slides` where they were built.
        decks = sorted(config.REPORTS_DIR.glob("*.slides.html"))
        results["weight"] = notebooks.report_weight([*sorted(Path(pages).glob("*.html")), *decks])
        results["first_figure"] = first_figure.first_figure(
            sorted(Path(pages).glob("*.html")), repeat=3 if quick else 7
        )
    results["tests"] = testsuite.make_test_time() if tests and not quick else None
    results["targets"] = judge(results)
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the table, write bench.json and bench.html."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes, no test suite: a smoke run"
    )
    parser.add_argument(
        "--no-tests", action="store_true", help="skip timing the test suite (make test)"
    )
    parser.add_argument("--out", type=Path, default=config.REPORTS_DIR)
    args = parser.parse_args(argv)
    results = run(quick=args.quick, tests=not args.no_tests)
    output.write(results, args.out)
    print(output.table(results))  # noqa: T201 (a command's output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
