"""The study's code in a warm process: the simulated cohort, the tree fit, ``assess``.

Floors: scikit-learn's own ``fit`` on the same arrays, the frame the cohort fills (for
memory), and the import of scikit-learn's tree module (for the cold ``lowback assess``).
"""

from __future__ import annotations

import sys
import tracemalloc

from benchmarks.timing import best_of, command_time, interleaved, scaling_exponent


def cohort_scale(sizes: list[int]) -> dict:
    """Runners per second, the fitted scaling exponent and peak memory against the frame."""
    from lowback import load_knowledge_base
    from lowback.study.cohort import simulate

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
    exponent = scaling_exponent([r["runners"] for r in large], [r["seconds"] for r in large])
    return {"rows": rows, "scaling_exponent": exponent}


def tree_fit_overhead(sizes: list[int]) -> dict:
    """lowback's ``fit_tree`` against scikit-learn's own ``fit`` on the same arrays."""
    from lowback import load_knowledge_base
    from lowback.study.cohort import simulate
    from lowback.study.rulebook import Rulebook, records_of_cohort
    from lowback.study.tree import fit_tree, make_tree, tree_features, with_pain

    kb = load_knowledge_base()
    rows = []
    for n in sizes:
        cohort = simulate(kb, n, random_state=0)
        pain = with_pain(cohort)
        # The tree's symptoms: of the sources the cohort was drawn from (fit_tree's own).
        features = tree_features(Rulebook.of(records_of_cohort(kb, cohort)))
        X, y = pain[features], pain["pain_type"].astype(str)
        # Taking turns, and more turns for the small fits, where a millisecond is 10%.
        times = interleaved(
            {
                "floor": lambda X=X, y=y: make_tree().fit(X, y),
                "ours": lambda cohort=cohort: fit_tree(kb, cohort),
            },
            repeat=max(3, 150_000 // n),
        )
        ours, floor = times["ours"], times["floor"]
        rows.append({"runners": n, "seconds": ours, "floor_seconds": floor, "ratio": ours / floor})
    return {"rows": rows}


def assess_latency(calls: int = 2_000, cold_repeat: int = 3) -> dict:
    """Per-call time of ``assess`` in a warm process, and the cold CLI against the import
    of scikit-learn's tree module (the floor any CLI fitting a tree pays)."""
    from lowback.study.triage import assess

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
    cold = command_time(cli, repeat=cold_repeat)
    floor = command_time([python, "-c", "import sklearn.tree"], repeat=cold_repeat)
    return {
        "warm_ms_per_call": per_call * 1e3,
        "cli_seconds": cold,
        "floor_seconds": floor,
        "cli_ratio": cold / floor,
    }
