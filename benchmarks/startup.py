"""The CLI's start-up: cold ``lowback --version`` and ``lowback --help`` against
``python -c pass``, the floor any Python command pays.

Each is a fresh process of this environment's ``lowback`` script (as ``make report``
runs it), the three commands taking turns; each time is the median of its runs.
"""

from __future__ import annotations

import sys

from benchmarks.timing import interleaved, lowback_command, run_checked

#: What each start-up row runs after the ``lowback`` command.
ARGUMENTS = ("--version", "--help")


def cli_startup(repeat: int = 20) -> dict:
    """Median seconds of ``lowback --version`` and ``lowback --help``, each a fresh
    process, against ``python -c pass`` run in turn with them."""
    lowback = lowback_command()
    commands = {"floor": [sys.executable, "-c", "pass"]}
    commands |= {argument: [*lowback, argument] for argument in ARGUMENTS}
    times = interleaved(
        {name: lambda c=command: run_checked(c) for name, command in commands.items()}, repeat
    )
    floor = times["floor"]
    rows = [
        {
            "command": f"lowback {argument}",
            "seconds": times[argument],
            "ratio": times[argument] / floor,
        }
        for argument in ARGUMENTS
    ]
    return {
        "lowback": " ".join(lowback),
        "repeat": repeat,
        "floor_command": "python -c pass",
        "floor_seconds": floor,
        "rows": rows,
    }
