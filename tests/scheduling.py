"""The order the suite runs in on xdist's workers, and the time each part of it took.

``make test`` runs ``--dist loadscope``: each module (each notebook, under nbval) goes whole
to one worker, in the order the scopes are handed out, and the run lasts as long as its
busiest worker. Handing out the longest scopes first, the short ones last to fill the gaps
(longest processing time first), keeps the workers busy until the end; xdist's own order
(the scopes with the most tests first) would leave JupyterLab's few long tests to the end.

* :func:`slowest_first` sorts the collected items, module by module (a module's own order
  is kept): :data:`SLOWEST` in its order, then the rest of the slow tier (notebooks,
  kernels, browsers), then the quick tier, each in collection order.
* :class:`ScopeTimes` adds up the time of each scope and each worker; with ``--durations``
  the summary shows the slowest scopes (to keep :data:`SLOWEST` true) and how busy each
  worker was.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

#: The slowest scopes, slowest first, as measured on 2 cores shared with other work
#: (seconds: each scope's setup, calls and teardown added up, as the summary shows them
#: with ``--durations``). A scope not named here, or no longer slow, costs only a worse
#: order.
SLOWEST = (
    "tests/browser/test_jupyterlab.py",  # 133 s
    "tests/browser/test_report_pages.py",  # 90 s
    "tests/browser/test_slide_decks.py",  # 76 s
    "tests/app/test_explore_server.py",
    "tests/properties/test_corruption.py",  # 55 s
    "tests/faults/test_faults.py",
    "tests/browser/test_static_figures.py",  # 50 s
    "notebooks/02-symptom-classifier.ipynb",
    "tests/browser/test_explorer.py",  # 40 s
    "tests/browser/test_accessibility.py",  # 39 s
    "tests/security/test_security.py",  # 35 s
    "notebooks/01-knowledge-base.ipynb",
    "tests/cli/test_batch_cli.py",
    "tests/study/test_scenarios.py",  # 27 s
    "tests/test_collection.py",  # 25 s
    "notebooks/03-risk-factors.ipynb",
    "notebooks/04-article-vs-nih.ipynb",
)
#: The markers of the slow tier (tests/conftest.py, tests/browser/conftest.py).
SLOW_TIER = ("notebook", "kernel", "browser")


def scope_of(nodeid: str) -> str:
    """The file an item belongs to (a module, or a notebook under nbval)."""
    return nodeid.split("::", 1)[0]


def slowest_first(items: list[pytest.Item]) -> None:
    """Sort ``items`` in place: :data:`SLOWEST`, the slow tier, the quick tier (stable)."""
    rank: dict[str, int] = {}
    for item in items:
        scope = scope_of(item.nodeid)
        if scope in SLOWEST:
            tier = SLOWEST.index(scope)
        elif any(item.get_closest_marker(name) for name in SLOW_TIER):
            tier = len(SLOWEST)
        else:
            tier = len(SLOWEST) + 1
        rank[scope] = min(rank.get(scope, tier), tier)
    items.sort(key=lambda item: rank[scope_of(item.nodeid)])


class SlowestFirst:
    """A plugin of every process (xdist's workers collect, and hand out what they collected
    in their order): the items sorted by :func:`slowest_first`, after every other sort."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        slowest_first(items)


class ScopeTimes:
    """A plugin of the process that runs the session: seconds per scope and per worker."""

    def __init__(self) -> None:
        self.scopes: dict[str, float] = defaultdict(float)
        self.workers: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.scopes[scope_of(report.nodeid)] += report.duration
        node = getattr(report, "node", None)  # xdist: the worker that ran it
        worker = getattr(getattr(node, "gateway", None), "id", "main")
        self.workers[worker] += report.duration

    def pytest_terminal_summary(self, terminalreporter, config: pytest.Config) -> None:
        if config.getoption("durations", None) is None or not self.scopes:
            return
        terminalreporter.write_sep("=", "slowest scopes (setup, calls and teardown added up)")
        slowest = sorted(self.scopes.items(), key=lambda pair: -pair[1])[:20]
        for scope, seconds in slowest:
            terminalreporter.write_line(f"{seconds:8.2f}s {scope}")
        workers = sorted(self.workers.items())
        busy = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in workers)
        terminalreporter.write_line(f"busy: {busy}")
