"""A figure's data as tables: its text alternative beside its summary.

:func:`figure_data` reads a plotly figure's JSON (as a notebook stores it, typed arrays
included) and gives its data as plain-text tables (:class:`DataSection`): the points of
bars and scatters with what hovering one shows, histogram bins, heatmap cells, Sankey
links and table cells, at most :data:`MAX_DATA_ROWS` rows each (the rest counted). The
offline pages put them behind a "Data as a table" disclosure under each figure
(:func:`lowback.publish.pages.described_figure_html`), beside the summary the figure
function attached (:func:`lowback.figures.style.describe`). Text comes out plain
(plotly's tags dropped, entities decoded): escape it to show it.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["MAX_DATA_ROWS", "DataSection", "figure_data", "plain_text"]

#: The most rows a figure's data table shows of one trace (or of its points, for bars and
#: scatters); the rest are counted.
MAX_DATA_ROWS = 150

_TAG_RE = re.compile(r"<[^>]*>")
_BREAK_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
_FIELD_RE = re.compile(r"%\{([^}:]+)(?::([^}]*))?\}")


@dataclass(frozen=True)
class DataSection:
    """One table of a figure's data: a caption, the header, the rows (plain text, to be
    escaped), and how many rows were left out."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    left_out: int = 0


def plain_text(text: object) -> str:
    """Figure text (plotly's pseudo-HTML, record text escaped in it) as plain text: line
    breaks as spaces, tags dropped, entities decoded (escape it again to show it)."""
    without = _TAG_RE.sub("", _BREAK_RE.sub(" ", str(text)))
    return " ".join(html.unescape(without).split())


def _values(value) -> list:
    """A trace's array as a list: plotly's typed-array JSON (``bdata``) decoded."""
    if isinstance(value, Mapping) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if value.get("shape"):
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return array.tolist()
    if isinstance(value, (list, tuple)):
        return list(value)
    return [] if value is None else [value]


def _cell(value) -> str:
    """A value as a table cell: numbers to four significant digits, text as plain text."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return plain_text(value)


def _at(values: list, i: int):
    return values[i] if i < len(values) else None


def _hover(template: str, point: dict) -> str:
    """A hover template filled in for one point, as plain text (d3 formats as Python's)."""

    def fill(match: re.Match) -> str:
        name, spec = match.group(1).strip(), match.group(2)
        key, _, index = name.partition("[")
        value = point.get(key)
        if index and isinstance(value, (list, tuple)):
            value = _at(list(value), int(index.rstrip("]")))
        if value is None:
            return ""
        try:
            return format(value, spec) if spec else _cell(value)
        except (TypeError, ValueError):
            return _cell(value)

    return plain_text(_FIELD_RE.sub(fill, template.replace("<extra>", " ")))


def _axis(layout: Mapping, trace: Mapping, letter: str) -> tuple[str, dict]:
    """An axis's title and its tick labels by value (for categories drawn at numbers)."""
    name = str(trace.get(f"{letter}axis", letter)).replace(letter, f"{letter}axis", 1)
    axis = layout.get(name) or {}
    title = axis.get("title") or {}
    title = title.get("text") if isinstance(title, Mapping) else title
    ticks = dict(zip(_values(axis.get("tickvals")), _values(axis.get("ticktext")), strict=False))
    return plain_text(title or letter), ticks


def _capped(caption: str, header: list[str], rows: list[list[str]]) -> DataSection:
    return DataSection(caption, header, rows[:MAX_DATA_ROWS], max(0, len(rows) - MAX_DATA_ROWS))


def _points(traces: list[Mapping], layout: Mapping) -> DataSection | None:
    """The points of bars and scatters: series, x, y and what hovering one shows."""
    rows, titles = [], None
    for trace in traces:
        if trace.get("hoverinfo") in ("skip", "none") or trace.get("mode") == "text":
            continue
        xs, ys = _values(trace.get("x")), _values(trace.get("y"))
        (x_title, x_ticks), (y_title, y_ticks) = (
            _axis(layout, trace, "x"),
            _axis(layout, trace, "y"),
        )
        titles = titles or [x_title, y_title]
        hovertext, text = trace.get("hovertext"), trace.get("text")
        template = trace.get("hovertemplate")
        custom = _values(trace.get("customdata"))
        for i in range(max(len(xs), len(ys))):
            x, y = _at(xs, i), _at(ys, i)
            if x is None and y is None:
                continue
            point = {"x": x, "y": y, "customdata": _at(custom, i)}
            point["text"] = _at(_values(text), i) if isinstance(text, list) else text
            if hovertext is not None:
                details, x, y = (
                    _cell(_at(_values(hovertext), i) if isinstance(hovertext, list) else hovertext),
                    None,
                    None,
                )
            elif template:
                details = _hover(
                    _at(template, i) if isinstance(template, list) else template, point
                )
            else:
                details = _cell(point["text"])
            rows.append(
                [
                    _cell(trace.get("name") or trace.get("type")),
                    _cell(x_ticks.get(x, x)),
                    _cell(y_ticks.get(y, y)),
                    details,
                ]
            )
    if not rows:
        return None
    return _capped("Each point or bar", ["series", *titles, "details"], rows)


def _histogram(trace: Mapping) -> DataSection:
    """A histogram's bins and counts (the figure holds the raw values)."""
    values = np.array([v for v in _values(trace.get("x")) if v is not None], dtype=float)
    bins = trace.get("xbins") or {}
    if {"start", "end", "size"} <= set(bins):
        edges = np.arange(bins["start"], bins["end"] + bins["size"], bins["size"])
    else:
        edges = np.histogram_bin_edges(values, bins=10) if len(values) else np.array([0, 1])
    counts, edges = np.histogram(values, bins=edges)
    rows = [
        [f"{_cell(float(lo))} to {_cell(float(hi))}", f"{int(n):,}"]
        for lo, hi, n in zip(edges[:-1], edges[1:], counts, strict=True)
    ]
    return _capped(
        f"{_cell(trace.get('name') or 'histogram')}: counts by bin", ["bin", "count"], rows
    )


def _heatmap(trace: Mapping, layout: Mapping) -> DataSection:
    """A heatmap's cells, as written on them (or their values), row by row."""
    (x_title, x_ticks), (y_title, y_ticks) = _axis(layout, trace, "x"), _axis(layout, trace, "y")
    cells = _values(trace.get("text")) or _values(trace.get("z"))
    xs = _values(trace.get("x")) or list(range(len(_at(cells, 0) or [])))
    ys = _values(trace.get("y")) or list(range(len(cells)))
    corner = " \\ ".join(t for t, axis in ((y_title, "y"), (x_title, "x")) if t != axis)
    header = [corner, *(_cell(x_ticks.get(x, x)) for x in xs)]
    rows = [
        [_cell(y_ticks.get(y, y)), *(_cell(c) for c in _values(_at(cells, i)))]
        for i, y in enumerate(ys)
    ]
    return _capped("Each cell, row by row", header, rows)


def _sankey(trace: Mapping) -> DataSection:
    labels = [_cell(label) for label in _values((trace.get("node") or {}).get("label"))]
    link = trace.get("link") or {}
    rows = [
        [_at(labels, int(s)) or "", _at(labels, int(t)) or "", _cell(v)]
        for s, t, v in zip(
            _values(link.get("source")),
            _values(link.get("target")),
            _values(link.get("value")),
            strict=False,
        )
    ]
    return _capped("Each link: from, to, how many", ["from", "to", "value"], rows)


def _table(trace: Mapping) -> DataSection:
    header = [_cell(h) for h in _values((trace.get("header") or {}).get("values"))]
    columns = [_values(c) for c in _values((trace.get("cells") or {}).get("values"))]
    rows = [[_cell(_at(c, i)) for c in columns] for i in range(max(map(len, columns), default=0))]
    return _capped("The table's cells", header, rows)


def figure_data(figure: Mapping) -> list[DataSection]:
    """A figure's data as tables, from its traces (a figure's JSON, as a notebook stores it).

    Bars and scatters give one table of their points (series, x, y and the hover text;
    decorative traces that skip hovering, and text labels, are left out); each histogram
    its bins; each heatmap its cells (their text, else their values); each shown Sankey
    its links (from, to, value); each shown table its cells. A figure's hidden Sankeys and
    tables are its menus' other views of the same records, and are left out.
    """
    layout = figure.get("layout") or {}
    traces = list(figure.get("data") or [])
    points = [t for t in traces if t.get("type", "scatter") in ("bar", "scatter", "scattergl")]
    sections = [s for s in [_points(points, layout)] if s is not None]
    for trace in traces:
        kind, shown = trace.get("type"), trace.get("visible", True) is not False
        if kind == "histogram":
            sections.append(_histogram(trace))
        elif kind == "heatmap":
            sections.append(_heatmap(trace, layout))
        elif kind == "sankey" and shown:
            sections.append(_sankey(trace))
        elif kind == "table" and shown:
            sections.append(_table(trace))
    return sections
