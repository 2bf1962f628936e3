"""Loading a knowledge base, by size: ``load_knowledge_base`` of synthetic knowledge
bases (:mod:`benchmarks.synthetic`) against pandas reading their CSVs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.synthetic import SOURCE_ID, synthetic_knowledge_base
from benchmarks.timing import interleaved, scaling_exponent


def kb_scale(sizes: list[int], repeat: int = 5) -> dict:
    """``load_knowledge_base`` of synthetic knowledge bases against pandas reading their CSVs.

    The floor is ``pd.read_csv`` of each record file, nothing else. Sentence coverage
    (pysbd) runs only in ``lowback validate``, not on load, so it is not measured here.
    """
    import pandas as pd

    from lowback import load_knowledge_base

    rows = []
    with tempfile.TemporaryDirectory(prefix="lowback-bench-kb-") as tmp:
        for n in sizes:
            root = synthetic_knowledge_base(Path(tmp) / f"kb_{n}", n)
            csvs = sorted((root / "records").glob("*.csv"))
            load_knowledge_base(root)  # warm: the first load imports and compiles schemas
            times = interleaved(
                {
                    "floor": lambda csvs=csvs: [
                        pd.read_csv(p, keep_default_na=False) for p in csvs
                    ],
                    "ours": lambda root=root: load_knowledge_base(root),
                },
                repeat,
            )
            rows.append(
                {
                    "claims": n,
                    "text_bytes": (root / "raw" / f"{SOURCE_ID}.txt").stat().st_size,
                    "csv_bytes": sum(p.stat().st_size for p in csvs),
                    "seconds": times["ours"],
                    "floor_seconds": times["floor"],
                    "ratio": times["ours"] / times["floor"],
                }
            )
    large = [r for r in rows if r["claims"] >= 10_000]  # fixed costs blur the smallest size
    claims = [r["claims"] for r in large]
    return {
        "rows": rows,
        "scaling_exponent": scaling_exponent(claims, [r["seconds"] for r in large]),
        "floor_scaling_exponent": scaling_exponent(claims, [r["floor_seconds"] for r in large]),
    }
