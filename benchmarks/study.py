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


def write_profiles(path, n: int, seed: int = 0) -> None:
    """A profiles CSV of ``n`` runners, as an analyst's survey might hold them: 1 to 3
    signs of those ``lowback assess`` takes, an age from 18 to 80 (empty one time in ten),
    0 to 2 risk factors; seeded, so every run times the same file."""
    import csv
    import random

    from lowback.study.triage import default_assessor

    assessor = default_assessor()
    signs, factors = list(assessor.signs), list(assessor.rules.risk_factors)
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "symptoms", "age", "risk_factors"])
        for i in range(n):
            age = "" if rng.random() < 0.1 else rng.randint(18, 80)
            writer.writerow(
                [
                    f"runner{i}",
                    ";".join(rng.sample(signs, rng.randint(1, 3))),
                    age,
                    ";".join(rng.sample(factors, rng.randint(0, 2))),
                ]
            )


def batch_assess(sizes: tuple[int, ...] = (1_000, 10_000), repeat: int = 3) -> dict:
    """``lowback assess --from`` in a warm process (the assessor fitted beforehand): read
    the CSV, check and assess every row, write JSON Lines to memory, as the command does;
    and the share of distinct profiles, which the batch assesses once each."""
    import io
    import tempfile
    from pathlib import Path

    from lowback.study.batch import Batch

    batch = Batch()  # fits the default assessor: the cold start is not timed here
    rows = []
    with tempfile.TemporaryDirectory(prefix="lowback-bench-batch-") as folder:
        for n in sizes:
            path = Path(folder) / f"profiles-{n}.csv"
            write_profiles(path, n)

            def run(path=path) -> int:
                sink = io.StringIO()
                for result in Batch(batch.assessor, seed=batch.seed).assess(path):
                    sink.write(batch.json_line(result) + "\n")
                return sink.tell()

            run()  # warm the assessor's caches of quotes
            seconds = best_of(run, repeat=repeat)
            profiles = list(batch.read(path))
            distinct = {(frozenset(p.symptoms), p.age, frozenset(p.risk_factors)) for p in profiles}
            rows.append(
                {
                    "profiles": n,
                    "seconds": seconds,
                    "profiles_per_second": n / seconds,
                    "distinct_share": len(distinct) / n,
                    "output_bytes": run(),
                }
            )
    return {"rows": rows}
