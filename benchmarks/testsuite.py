"""The test suite's wall time: ``make test`` (notebooks included) as a user runs it.

Only the full ``make bench`` runs it; ``--quick`` and ``--no-tests`` leave it out.
"""

from __future__ import annotations

import re
import subprocess
import time

from lowback import config

#: The README's test command, as a user runs it (the environment is already built).
TEST_COMMAND = ["make", "test"]


def make_test_time() -> dict:
    """Wall time of ``make test``, notebooks included, run once from the repo root."""
    command = TEST_COMMAND
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=config.PROJECT_DIR, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    # pytest's closing line ("309 passed in 111.07s"), not whatever make prints after it
    outcomes = re.compile(r"\d+ (passed|failed|errors?)\b")
    lines = [line.strip("= ") for line in done.stdout.splitlines() if outcomes.search(line)]
    return {
        "command": " ".join(TEST_COMMAND),
        "seconds": seconds,
        "returncode": done.returncode,
        "summary": lines[-1] if lines else f"no pytest summary (exit {done.returncode})",
    }
