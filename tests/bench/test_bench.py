"""The benchmark suite's own logic: its synthetic data, fits, verdicts and table.

Nothing here times anything: the benchmarks themselves are swapped for canned results.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from benchmarks import (
    bench,
    knowledge_base,
    notebooks,
    output,
    startup,
    study,
    synthetic,
    targets,
    testsuite,
    timing,
)
from benchmarks import first_figure as first_figure_module
from lowback import load_knowledge_base
from lowback.data.schema import KINDS, RELATIONS

# ------------------------------------------------------------------ synthetic knowledge base


def test_synthetic_knowledge_base_loads_with_the_sizes_asked_for(tmp_path: Path):
    root = synthetic.synthetic_knowledge_base(tmp_path / "kb", 1_000)
    kb = load_knowledge_base(root)  # raises RecordError on any broken record
    text = kb.texts["synthetic"]
    assert len(kb.claims) == 1_000
    assert len(kb.skipped) == 100
    assert len(kb.triage) == 10
    assert set(kb.entities["kind"]) == set(KINDS)
    assert set(kb.claims["relation"]) == set(RELATIONS)  # contradicts included
    assert 40 * 1_000 < len(text) < 60 * 1_000  # ~50 characters a claim: 5 MB at 100,000
    assert len(text.encode()) > len(text), "offsets must be code points, not bytes"
    assert (kb.passages["topic"] == "off_topic").any()


def test_synthetic_knowledge_base_quotes_sit_at_their_offsets(tmp_path: Path):
    root = synthetic.synthetic_knowledge_base(tmp_path / "kb", 200, seed=7)
    data = (root / "raw" / "synthetic.txt").read_bytes()
    kb = load_knowledge_base(root)
    assert kb.sources["sha256"].tolist() == [hashlib.sha256(data).hexdigest()]
    text = data.decode("utf-8")
    for table in (kb.claims, kb.skipped, kb.triage):
        assert all(
            text[s:e] == q for s, e, q in zip(table.start, table.end, table.quote, strict=True)
        )


def test_synthetic_knowledge_base_is_seeded(tmp_path: Path):
    def text(name: str, seed: int) -> bytes:
        root = synthetic.synthetic_knowledge_base(tmp_path / name, 50, seed=seed)
        return (root / "raw" / "synthetic.txt").read_bytes()

    assert text("a", 1) == text("b", 1)
    assert text("a", 1) != text("c", 2)


def test_synthetic_knowledge_base_needs_claims_for_every_relation(tmp_path: Path):
    with pytest.raises(ValueError, match="at least 24"):
        synthetic.synthetic_knowledge_base(tmp_path / "kb", 10)


# ------------------------------------------------------------------ fits and floors


@pytest.mark.parametrize("power", [1, 2, 0.5])
def test_scaling_exponent_recovers_the_power(power: float):
    sizes = [1_000, 10_000, 100_000]
    seconds = [3e-6 * n**power for n in sizes]
    assert timing.scaling_exponent(sizes, seconds) == pytest.approx(power)


def test_floor_notebooks_only_import_the_libraries(tmp_path: Path):
    paths = notebooks.floor_notebooks(tmp_path, 3)
    assert len({p.name for p in paths}) == 3
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in (c for c in nb.cells if c.cell_type == "code"):
            statements = ast.parse(cell.source).body
            assert all(isinstance(s, ast.Import) for s in statements)
            modules = {a.name.split(".")[0] for s in statements for a in s.names}
            assert modules == {"pandas", "plotly", "sklearn"}


def test_cli_startup_times_the_sibling_script_against_python_c_pass(monkeypatch):
    ran: list[list[str]] = []

    def canned_turns(actions, repeat):
        assert repeat == 4
        for action in actions.values():
            action()
        return {"floor": 0.02, "--version": 0.05, "--help": 0.12}

    monkeypatch.setattr(startup, "run_checked", ran.append)
    monkeypatch.setattr(startup, "interleaved", canned_turns)
    result = startup.cli_startup(repeat=4)
    lowback = timing.lowback_command()
    assert lowback == [str(Path(sys.executable).with_name("lowback"))]  # the venv's script
    assert ran == [[sys.executable, "-c", "pass"], [*lowback, "--version"], [*lowback, "--help"]]
    assert result["floor_seconds"] == 0.02
    rows = {r["command"]: (r["seconds"], r["ratio"]) for r in result["rows"]}
    assert rows == {
        "lowback --version": (0.05, pytest.approx(2.5)),
        "lowback --help": (0.12, pytest.approx(6.0)),
    }


def test_a_start_up_over_five_times_python_is_missed(canned):
    results = canned.run(quick=True)
    results["startup"]["rows"][1]["ratio"] = 6.0  # lowback --help
    verdicts = targets.judge(results)
    assert verdicts["CLI --help / python -c pass"] == {"target": "at most 5x", "met": False}
    assert verdicts["CLI --version / python -c pass"]["met"] is True


def test_interleaved_takes_turns_and_keeps_each_actions_median():
    calls: list[str] = []
    times = timing.interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 3)
    assert calls == ["a", "b"] * 3
    assert set(times) == {"a", "b"}


# ------------------------------------------------------------------ verdicts and table

NOTEBOOKS = ["01-knowledge-base.ipynb", "02-symptom-classifier.ipynb"]
#: The CLI's start-up, well within five times ``python -c pass``.
STARTUP = {
    "lowback": "lowback",
    "repeat": 10,
    "floor_command": "python -c pass",
    "floor_seconds": 0.02,
    "rows": [
        {"command": "lowback --version", "seconds": 0.05, "ratio": 2.5},
        {"command": "lowback --help", "seconds": 0.06, "ratio": 3.0},
    ],
}


@pytest.fixture
def canned(monkeypatch: pytest.MonkeyPatch):
    """``bench.run`` with every benchmark replaced by results that meet every target."""

    def cohort(sizes):
        rows = [
            {"runners": n, "seconds": n / 1e6, "runners_per_second": 1e6, "memory_ratio": 1.5}
            for n in sizes
        ]
        return {"rows": rows, "scaling_exponent": 1.0}

    def kb(sizes, repeat):
        rows = [
            {"claims": n, "text_bytes": 50 * n, "seconds": 2e-6 * n, "floor_seconds": 1e-6 * n}
            for n in sizes
        ]
        for row in rows:
            row["ratio"] = row["seconds"] / row["floor_seconds"]
        return {"rows": rows, "scaling_exponent": 1.0, "floor_scaling_exponent": 1.0}

    def study_run(paths, repeat):
        rows = [
            {"notebook": n, "seconds": 3.0, "floor_seconds": 2.5, "ratio": 1.2} for n in NOTEBOOKS
        ]
        return {"rows": rows, "seconds": 6.0, "floor_seconds": 5.0, "ratio": 1.2}

    def untimed_tests():
        raise AssertionError("the test suite must not run here")

    monkeypatch.setattr(study, "cohort_scale", cohort)
    monkeypatch.setattr(
        study,
        "tree_fit_overhead",
        lambda sizes: {
            "rows": [
                {"runners": n, "seconds": 1.05, "floor_seconds": 1.0, "ratio": 1.05} for n in sizes
            ]
        },
    )
    assess = {"warm_ms_per_call": 0.1, "cli_seconds": 1.2, "floor_seconds": 1.0, "cli_ratio": 1.2}
    monkeypatch.setattr(study, "assess_latency", lambda cold_repeat: assess)
    monkeypatch.setattr(
        study,
        "batch_assess",
        lambda repeat: {
            "rows": [
                {
                    "profiles": n,
                    "seconds": n / 1e4,
                    "profiles_per_second": 1e4,
                    "distinct_share": 0.9,
                }
                for n in (1_000, 10_000)
            ]
        },
    )
    monkeypatch.setattr(startup, "cli_startup", lambda repeat: copy.deepcopy(STARTUP))
    monkeypatch.setattr(
        notebooks, "report_weight", lambda _: {"rows": [{"page": "01.html", "ratio": 1.1}]}
    )
    monkeypatch.setattr(
        first_figure_module,
        "first_figure",
        lambda pages, repeat: {
            "repeat": repeat,
            "rows": [{"page": "01.html", "ms": 110.0, "floor_ms": 100.0, "ratio": 1.1}],
        },
    )
    monkeypatch.setattr(knowledge_base, "kb_scale", kb)
    monkeypatch.setattr(notebooks, "study_run", study_run)
    monkeypatch.setattr(
        notebooks,
        "report_build",
        lambda paths, out, repeat: {"seconds": 5.75, "floor_seconds": 5.0, "ratio": 1.15},
    )
    monkeypatch.setattr(testsuite, "make_test_time", untimed_tests)
    return bench


def test_canned_results_meet_every_target_and_quick_skips_the_tests(canned):
    results = canned.run(quick=True)
    assert results["tests"] is None
    verdicts = {name: t["met"] for name, t in results["targets"].items()}
    assert verdicts.pop("make test wall time") is None
    assert all(verdicts.values()), verdicts


def _set(results: dict, path: tuple, value: float) -> None:
    node = results
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


@pytest.mark.parametrize(
    ("name", "path", "met", "missed"),
    [
        ("KB load 1e5 claims / pandas read_csv", ("kb", "rows", -1, "ratio"), 2.0, 2.01),
        ("KB load scaling exponent", ("kb", "scaling_exponent"), 1.15, 1.3),
        ("study run / floor notebooks", ("study", "ratio"), 1.2, 1.21),
        ("report build / floor report build", ("report", "ratio"), 1.2, 1.21),
        ("make test wall time", ("tests", "seconds"), 89.0, 91.0),
        ("tree fit / sklearn fit", ("tree", "rows", 0, "ratio"), 1.1, 1.11),
        ("batch assess 10^4 profiles", ("batch", "rows", 1, "seconds"), 2.0, 2.01),
        ("CLI --version / python -c pass", ("startup", "rows", 0, "ratio"), 5.0, 5.01),
        ("CLI --help / python -c pass", ("startup", "rows", 1, "ratio"), 5.0, 5.01),
        (
            "first figure drawn / plotly.js floor page",
            ("first_figure", "rows", 0, "ratio"),
            1.2,
            1.21,
        ),
    ],
)
def test_a_verdict_flips_when_its_measure_crosses_the_target(canned, name, path, met, missed):
    results = canned.run(quick=True)
    results["tests"] = {"seconds": 80.0, "summary": "1 passed", "returncode": 0}
    for value, expected in ((met, True), (missed, False)):
        changed = copy.deepcopy(results)
        _set(changed, path, value)
        verdicts = targets.judge(changed)
        assert verdicts[name]["met"] is expected
        others = {n: v["met"] for n, v in verdicts.items() if n != name}
        assert all(others.values()), "only the changed measure's verdict may move"


def test_table_lists_every_benchmark_and_verdict(canned):
    results = canned.run(quick=True)
    text = output.table(results)
    for name, target in results["targets"].items():
        assert f"{name} ({target['target']})" in text
    assert "SKIPPED make test wall time" in text
    for notebook in NOTEBOOKS:
        assert f"notebook {notebook}" in text
    for size in ("1,000", "10,000", "100,000"):
        assert f"KB load {size} claims" in text
    for label in ("study run (sequential)", "lowback report /", "KB load scaling exponent"):
        assert label in text
    version = r"lowback --version \(cold\) / python -c pass +2\.50x  <= 5x \(50 ms / 20 ms\)"
    assert re.search(f"^{version}$", text, re.MULTILINE)
    assert "lowback --help (cold) / python -c pass" in text
    batch = (
        r"assess --from, warm, 10,000 profiles +1\.00 s  <= 2 s \(10,000 profiles/s, 90% distinct\)"
    )
    assert re.search(f"^{batch}$", text, re.MULTILINE)
    # A row's target is worded as its verdict's (targets.TARGETS): one threshold, not two.
    rows = {
        "lowback assess (cold) / import sklearn.tree": "CLI cold / import sklearn.tree",
        "KB load 100,000 claims / read_csv": "KB load 1e5 claims / pandas read_csv",
        "study run (sequential) / floor notebooks": "study run / floor notebooks",
        "lowback report / report of floor notebooks": "report build / floor report build",
        "fit_tree / sklearn fit, 10,000": "tree fit / sklearn fit",
    }
    for label, name in rows.items():
        line = next(line for line in text.splitlines() if line.startswith(label))
        assert targets.TARGETS[name][0] in line, line


def test_first_figure_is_not_measured_without_chromium(monkeypatch, tmp_path: Path):
    import tests.browser.conftest as browser_conftest

    monkeypatch.setattr(browser_conftest, "find_chromium", lambda: None)
    page = first_figure_module.floor_page(tmp_path / "01.html")
    assert first_figure_module.first_figure([page], repeat=1) is None


def test_the_table_says_when_the_first_figure_was_not_measured(canned):
    results = canned.run(quick=True)
    results["first_figure"] = None
    assert targets.judge(results)["first figure drawn / plotly.js floor page"]["met"] is None
    assert "first figure drawn (Chromium) / floor page" in output.table(results)


def test_a_page_without_a_figure_is_not_timed(tmp_path: Path):
    explorer = tmp_path / "explorer.html"
    explorer.write_text("<html><body>no figure</body></html>", encoding="utf-8")
    floor = first_figure_module.floor_page(tmp_path / "floor.html")
    assert first_figure_module.pages_with_figures([explorer, floor]) == [floor]


def test_the_floor_page_holds_plotly_js_and_one_empty_figure(tmp_path: Path):
    from plotly.offline import get_plotlyjs

    page = first_figure_module.floor_page(tmp_path / "floor.html").read_text(encoding="utf-8")
    assert page.count(get_plotlyjs()) == 1
    assert page.count("Plotly.newPlot(") == 1
    assert "http" not in page.replace(get_plotlyjs(), "")


def test_page_weight_is_not_met_when_no_page_was_weighed(canned):
    results = canned.run(quick=True)
    results["weight"]["rows"] = []
    assert targets.judge(results)["report page / plotly.js"]["met"] is False


def test_report_weight_weighs_the_given_pages_against_plotly_js(tmp_path: Path):
    from plotly.offline import get_plotlyjs

    size = len(get_plotlyjs().encode())
    page = tmp_path / "01.html"
    page.write_bytes(b"x" * (size + size // 10))
    (row,) = notebooks.report_weight([page])["rows"]
    assert row["page"] == "01.html"
    assert row["ratio"] == pytest.approx(1.1, abs=1e-6)


def test_a_failing_suite_is_never_met_however_fast(canned):
    results = canned.run(quick=True)
    results["tests"] = {"seconds": 30.0, "summary": "3 failed, 1 passed", "returncode": 1}
    assert targets.judge(results)["make test wall time"]["met"] is False


def test_the_summary_is_pytests_closing_line_not_makes(monkeypatch):
    stdout = (
        ".venv/bin/python -m pytest -n auto\n....\n"
        "==== 309 passed in 111.07s (0:01:51) ====\nmake[1]: Leaving directory '/x'\n"
    )
    done = subprocess.CompletedProcess(testsuite.TEST_COMMAND, 0, stdout=stdout, stderr="")
    monkeypatch.setattr(testsuite.subprocess, "run", lambda *a, **k: done)
    assert testsuite.make_test_time()["summary"] == "309 passed in 111.07s (0:01:51)"


def test_table_shows_the_test_suite_time_when_it_ran(canned):
    results = canned.run(quick=True)
    results["tests"] = {"seconds": 85.4, "summary": "250 passed in 85.00s", "returncode": 0}
    results["targets"] = targets.judge(results)
    text = output.table(results)
    assert "85.4 s" in text
    assert "250 passed" in text
    assert "MET     make test wall time" in text


def test_main_writes_the_json_and_the_figure_page(canned, tmp_path: Path):
    assert canned.main(["--quick", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "bench.json").read_text())
    assert set(results["targets"]) == set(targets.TARGETS)
    page = (tmp_path / "bench.html").read_text()
    assert 'id="lowback-bench"' in page
    assert "load_knowledge_base vs pandas read_csv" in page


def test_python_m_benchmarks_is_the_command_line():
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--help"],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("usage: python -m benchmarks")
    assert "--quick" in done.stdout
