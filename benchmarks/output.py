"""What a run leaves: the plain-text table with each verdict, the plotly figure page
``bench.html`` and the results as ``bench.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from benchmarks.targets import TARGETS


def _line(label: str, measured: str, target: str = "") -> str:
    return f"{label:52} {measured:>10}  {target}".rstrip()


def _target(name: str) -> str:
    """A target as :data:`benchmarks.targets.TARGETS` words it: one wording, one threshold."""
    return TARGETS[name][0]


def _cells(results: dict) -> Iterator[tuple[str, str, str]]:
    """Each row of the table before the verdicts: label, measured, target."""
    for row in results["cohort"]["rows"]:
        peak = f"(peak memory {row['memory_ratio']:.2f}x frame)"
        yield f"simulate {row['runners']:,}", f"{row['seconds']:.3f} s", peak
    yield "cohort scaling exponent", f"{results['cohort']['scaling_exponent']:.2f}", "~1.0"
    for row in results["tree"]["rows"]:
        yield (
            f"fit_tree / sklearn fit, {row['runners']:,}",
            f"{row['ratio']:.2f}x",
            _target("tree fit / sklearn fit"),
        )
    a = results["assess"]
    yield "assess, warm, per call", f"{a['warm_ms_per_call']:.3f} ms", "< 0.5 ms"
    yield (
        "lowback assess (cold) / import sklearn.tree",
        f"{a['cli_ratio']:.2f}x",
        f"{_target('CLI cold / import sklearn.tree')} "
        f"({a['cli_seconds']:.2f} s / {a['floor_seconds']:.2f} s)",
    )
    for row in results["batch"]["rows"]:
        target = "<= 2 s " if row["profiles"] == 10_000 else ""
        rate = f"{row['profiles_per_second']:,.0f} profiles/s"
        yield (
            f"assess --from, warm, {row['profiles']:,} profiles",
            f"{row['seconds']:.2f} s",
            (f"{target}({rate}, {row['distinct_share']:.0%} distinct)"),
        )
    startup = results["startup"]
    floor_ms = startup["floor_seconds"] * 1e3
    for row in startup["rows"]:
        label = f"{row['command']} (cold) / {startup['floor_command']}"
        times = f"({row['seconds'] * 1e3:.0f} ms / {floor_ms:.0f} ms)"
        yield label, f"{row['ratio']:.2f}x", f"<= 5x {times}"
    for row in results["weight"]["rows"]:
        yield f"page {row['page']} / plotly.js", f"{row['ratio']:.2f}x", "<= 1.2x"
    drawn = results.get("first_figure")
    if drawn is None:
        yield "first figure drawn (Chromium) / floor page", "skipped", "no Chromium or playwright"
    else:
        for row in drawn["rows"]:
            times = f"({row['ms']:.0f} ms / {row['floor_ms']:.0f} ms)"
            yield f"first figure, {row['page']} / floor", f"{row['ratio']:.2f}x", f"<= 1.2x {times}"
    kb = results["kb"]
    for row in kb["rows"]:
        target = (
            _target("KB load 1e5 claims / pandas read_csv") + " "
            if row["claims"] == 100_000
            else ""
        )
        times = f"{row['seconds']:.3f} s / {row['floor_seconds']:.3f} s"
        text = f"text {row['text_bytes'] / 1e6:.2f} MB"
        label = f"KB load {row['claims']:,} claims / read_csv"
        yield label, f"{row['ratio']:.2f}x", f"{target}({times}, {text})"
    yield (
        "KB load scaling exponent (10k claims up)",
        f"{kb['scaling_exponent']:.2f}",
        f"<= 1.15 (read_csv alone: {kb['floor_scaling_exponent']:.2f})",
    )
    study = results["study"]
    for row in study["rows"]:
        floor = f"({row['ratio']:.1f}x a floor notebook, {row['floor_seconds']:.1f} s)"
        yield f"notebook {row['notebook']}", f"{row['seconds']:.1f} s", floor
    yield (
        "study run (sequential) / floor notebooks",
        f"{study['ratio']:.2f}x",
        f"{_target('study run / floor notebooks')} "
        f"({study['seconds']:.1f} s / {study['floor_seconds']:.1f} s)",
    )
    report = results["report"]
    yield (
        "lowback report / report of floor notebooks",
        f"{report['ratio']:.2f}x",
        f"{_target('report build / floor report build')} "
        f"({report['seconds']:.1f} s / {report['floor_seconds']:.1f} s)",
    )
    tests = results["tests"]
    label = "make test (pytest --nbval), wall"
    if tests is None:
        yield label, "skipped", _target("make test wall time")
    else:
        yield (
            label,
            f"{tests['seconds']:.1f} s",
            f"{_target('make test wall time')} ({tests['summary']})",
        )


def table(results: dict) -> str:
    """The results as a plain-text table, then each target's verdict."""
    lines = [_line("benchmark", "measured", "target")]
    lines += [_line(*cells) for cells in _cells(results)]
    lines.append("")
    verdicts = {True: "MET    ", False: "MISSED ", None: "SKIPPED"}
    lines += [
        f"{verdicts[t['met']]} {name} ({t['target']})" for name, t in results["targets"].items()
    ]
    return "\n".join(lines)


def figure_page(results: dict) -> str:
    """A plotly page (plotly.js embedded once, offline): the scaling curves, log-log, and
    each notebook's time against a floor notebook's."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=(
            "simulate: seconds by cohort size",
            "fit_tree vs scikit-learn fit",
            "load_knowledge_base vs pandas read_csv",
            "notebooks, one at a time, vs a floor notebook",
        ),
        vertical_spacing=0.14,
    )
    cohort, tree, kb = results["cohort"]["rows"], results["tree"]["rows"], results["kb"]["rows"]
    curves = [  # (rows, size key, time key, name, subplot row, subplot column)
        (cohort, "runners", "seconds", "simulate", 1, 1),
        (tree, "runners", "seconds", "lowback fit_tree", 1, 2),
        (tree, "runners", "floor_seconds", "scikit-learn fit (floor)", 1, 2),
        (kb, "claims", "seconds", "load_knowledge_base", 2, 1),
        (kb, "claims", "floor_seconds", "pd.read_csv of each CSV (floor)", 2, 1),
    ]
    for rows, size, key, name, row, col in curves:
        x, y = [r[size] for r in rows], [r[key] for r in rows]
        trace = go.Scatter(x=x, y=y, mode="lines+markers", name=name)
        fig.add_trace(trace, row=row, col=col)
    for row, col, title in (
        (1, 1, "Simulated runners"),
        (1, 2, "Simulated runners"),
        (2, 1, "Claims"),
    ):
        fig.update_xaxes(type="log", title_text=title, row=row, col=col)
        fig.update_yaxes(type="log", title_text="Seconds (median)", row=row, col=col)
    study = results["study"]["rows"]
    names = [r["notebook"].removesuffix(".ipynb") for r in study]
    for key, name in (("seconds", "study notebook"), ("floor_seconds", "floor notebook")):
        fig.add_trace(go.Bar(x=names, y=[r[key] for r in study], name=name), row=2, col=2)
    fig.update_xaxes(title_text="Notebook", row=2, col=2)
    fig.update_yaxes(title_text="Seconds (median)", row=2, col=2)
    fig.update_layout(title="lowback benchmarks", template="plotly_white", height=900)
    return fig.to_html(include_plotlyjs=True, full_html=True, div_id="lowback-bench")


def write(results: dict, out: Path) -> None:
    """Write ``out/bench.json`` and ``out/bench.html``, each whole or not at all."""
    from lowback.publish.fileset import write_atomic

    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "bench.json", json.dumps(results, indent=2) + "\n")
    write_atomic(out / "bench.html", figure_page(results))
