"""The source facets of the evidence figures: every source, then each collection.

With several sources, the evidence figures of notebooks 01 and 03 get a source menu, a
plotly menu that works in the static report with no kernel: all sources first, then each
collection of ``sources.csv`` (the web article; the NIH texts), labelled by its publishers.
"""

from __future__ import annotations

from typing import NamedTuple

import plotly.graph_objects as go

from lowback.data.records import KnowledgeBase
from lowback.figures.style import dropdown, plain
from lowback.study.comparison import collection_label

#: The label of the facet that shows every source.
ALL_SOURCES = "All sources"


class SourceView(NamedTuple):
    """A facet of the evidence figures: its label (record text: escape it to show it)
    and the ids of the sources it shows."""

    label: str
    sources: tuple[str, ...]


def source_views(kb: KnowledgeBase) -> list[SourceView]:
    """The source facets of the evidence figures, in the order of their menu.

    Every source (:data:`ALL_SOURCES`), then each collection of ``sources.csv`` (the web
    article; the NIH texts), labelled by its publishers
    (:func:`lowback.study.comparison.collection_label`). A facet showing the same
    sources as one before it is left out, so a knowledge base of one collection has one
    facet and its figures no source menu. (A facet per collection rather than per
    publisher: each facet adds a copy of the table's cells to the page.)
    """
    sources = kb.sources
    views = [SourceView(ALL_SOURCES, tuple(sources["id"]))]
    for collection, part in sources.groupby("collection", sort=False):
        views.append(SourceView(collection_label(kb, collection), tuple(part["id"])))
    unique: dict[frozenset[str], SourceView] = {}
    for view in views:
        unique.setdefault(frozenset(view.sources), view)
    return list(unique.values())


def publishers(kb: KnowledgeBase) -> dict[str, str]:
    """Source id -> its publisher, escaped for a figure."""
    sources = kb.sources
    return {s: plain(p) for s, p in zip(sources["id"], sources["publisher"], strict=True)}


#: The band above a figure's title that holds its source menu (pixels).
_MENU_BAND = 56


def with_source_menu(
    fig: go.Figure, views: list[SourceView], states: list, counts: list[int] | None = None
) -> go.Figure:
    """Add the source menu in a band above the title (none for one facet): ``states[i]``
    is the ``(method, args)`` of facet ``i``'s button, ``counts[i]`` a number for its
    label. The figure grows by the band; its plot keeps its height."""
    if len(views) < 2:
        return fig
    numbers = [f" ({n})" for n in counts] if counts else [""] * len(views)
    buttons = [
        {"label": plain(view.label) + number, "method": method, "args": args}
        for view, (method, args), number in zip(views, states, numbers, strict=True)
    ]
    top, bottom = fig.layout.margin.t + _MENU_BAND, fig.layout.margin.b
    height = fig.layout.height + _MENU_BAND
    menu = dropdown(buttons, x=0.0, y=1 + (top - 8) / (height - top - bottom), xanchor="left")
    return fig.update_layout(
        height=height,
        margin_t=top,
        title={"y": 1, "yref": "container", "yanchor": "top", "pad_t": _MENU_BAND + 12},
        updatemenus=[*fig.layout.updatemenus, *menu],
    )


def showing_one(count: int) -> list:
    """The source menu's states for figures with one trace per facet: show the i-th."""
    return [("restyle", [{"visible": [i == j for j in range(count)]}]) for i in range(count)]
