"""``python -m benchmarks``: run the benchmark suite (what ``make bench`` runs)."""

from benchmarks.bench import main

raise SystemExit(main())
