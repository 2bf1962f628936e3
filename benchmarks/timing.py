"""How the benchmarks time things: medians of runs, turns taken with a floor, fresh
processes, and the scaling exponent fitted to times by size.

Every benchmark module times through these, so all of them mean the same by "seconds".
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def best_of(action: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``repeat`` runs of ``action``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed(action: Callable[[], object]) -> float:
    """Wall time of one run of ``action``, in seconds."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def interleaved(actions: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median wall time of each action, the actions taking turns ``repeat`` times.

    Taking turns, a floor and the work measured against it see the same load from
    whatever else the machine runs.
    """
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            times[name].append(timed(action))
    return {name: statistics.median(t) for name, t in times.items()}


def scaling_exponent(sizes: list[int], seconds: list[float]) -> float:
    """Slope of log(seconds) against log(size): 1 for linear work, 2 for quadratic."""
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def command_time(command: list[str], repeat: int) -> float:
    """Median wall time of ``command`` in a fresh process, ``repeat`` times."""
    return best_of(lambda: subprocess.run(command, capture_output=True, check=True), repeat)


def run_checked(command: list[str]) -> None:
    """Run ``command`` in a fresh process; raise with its stderr if it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}")


def lowback_command() -> list[str]:
    """The ``lowback`` command of this environment (as ``make report`` runs it)."""
    script = Path(sys.executable).with_name("lowback")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "lowback"]
