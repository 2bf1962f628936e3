"""The landing page, ``index.html``: what the study is and is not, and one card per notebook.

Each card shows the notebook's title (its first heading), its question (the text after
``**The question.**`` in its first markdown cell) and its key figure (the cell tagged
``key-figure``, else its first figure), with links to the notebook's page. Below them: the
slide decks (the lesson, then each notebook's; ``make slides`` builds them into the same
folder, and the page says so), the sha256 of every source of the knowledge base, and the
library versions.

The page is rendered from ``templates/index.html.j2`` by a Jinja2 environment with
autoescape on, from data: every title, question, file name and record text is shown as
text. Only plotly.js and the figure ``<div>``/``<script>`` pairs that plotly writes are
inserted as markup. Like the notebook pages, it works offline: plotly.js is embedded
once, if a card has a figure.
"""

from __future__ import annotations

import copy
import functools
import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup
from nbformat import NotebookNode
from plotly.offline import get_plotlyjs

from lowback.publish.lesson import read_outline
from lowback.publish.pages import (
    PLOTLY_MIMETYPE,
    TEMPLATES_DIR,
    check_offline,
    figure_html,
    first_heading,
)
from lowback.publish.pages import iter_outputs as _iter_outputs

if TYPE_CHECKING:
    from lowback.study.assumptions import Change

__all__ = ["KEY_FIGURE_TAG", "index_page"]

KEY_FIGURE_TAG = "key-figure"
"""The cell tag that picks the figure a notebook shows on the landing page."""

_QUESTION_RE = re.compile(r"\*\*The question\.\*\*\s*(?P<text>[^\n]+)")
_INDEX_FIGURE_HEIGHT = 440


def _escape(value: object) -> object:
    """Escape a value for the page as :func:`html.escape` does (markup is left as it is).

    The environment's ``finalize``: autoescape would then escape again, but leaves
    :class:`~markupsafe.Markup` alone. MarkupSafe writes quotes as ``&#34;`` and ``&#39;``,
    html.escape as ``&quot;`` and ``&#x27;``: both are safe, and these are the entities the
    page has always had, so its bytes do not change.
    """
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))


@functools.cache
def _environment() -> jinja2.Environment:
    """The Jinja2 environment of the landing page: autoescape on, templates from the folder."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        finalize=_escape,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def _key_figure(nb: NotebookNode) -> dict | None:
    """The figure a notebook shows on the landing page: the cell tagged ``key-figure``,
    else its first figure."""
    figures = [
        (i, output["data"][PLOTLY_MIMETYPE])
        for i, _, output in _iter_outputs(nb)
        if PLOTLY_MIMETYPE in output.get("data", {})
    ]
    tagged = [f for i, f in figures if KEY_FIGURE_TAG in nb.cells[i].metadata.get("tags", [])]
    chosen = (tagged or [f for _, f in figures] or [None])[0]
    if chosen is None:
        return None
    chosen = copy.deepcopy(dict(chosen))
    # At its own height: a forest plot's every label, a tree's every leaf (a fixed height
    # cropped them). Only a figure that sets none gets one.
    chosen.setdefault("layout", {}).setdefault("height", _INDEX_FIGURE_HEIGHT)
    return chosen


def _card(n: int, file_name: str, nb: NotebookNode) -> dict:
    """What the landing page shows of one notebook (text, and its key figure as markup)."""
    first_markdown = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    question = _QUESTION_RE.search(first_markdown)
    figure = _key_figure(nb)
    return {
        "file_name": file_name,
        "title": first_heading(nb) or file_name,
        "question": question["text"].replace("**", "") if question else "",
        # Markup: plotly's own <div> and <script>; record text in the figure's JSON is
        # written with <, > and / escaped, so it cannot close the script.
        "figure": Markup(figure_html(figure, f"lowback-key-{n}")) if figure else None,
    }


def _decks(cards: Sequence[dict]) -> list[dict]:
    """The slide decks to link: the lesson's, then one per notebook page (``X.html`` has
    ``X.slides.html``, as :func:`lowback.publish.slides.build_slides` names them)."""
    lesson = read_outline()
    decks = [{"file_name": lesson.file_name, "title": f"The lesson: {lesson.title}"}]
    for card in cards:
        stem = card["file_name"].removesuffix(".html")
        decks.append({"file_name": f"{stem}.slides.html", "title": card["title"]})
    return decks


def _shown(value: object) -> str:
    """A value of the changes table as text: a list joined by commas, a number as written.

    >>> _shown(["runners_low_back_pain", "nih_ninds_back_pain"]), _shown(60.0), _shown(None)
    ('runners_low_back_pain, nih_ninds_back_pain', '60.0', 'none')
    """
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value)
    return "none" if value is None else str(value)


def index_page(
    pages: Sequence[tuple[str, NotebookNode]],
    *,
    note: str = "",
    explorer: str | None = None,
    changes: Sequence[Change] = (),
) -> str:
    """The landing page: what the study is and is not, each notebook's question and key
    figure with a link, the data's sha256 and the library versions. Offline, escaped.

    Parameters
    ----------
    pages : Sequence[tuple[str, nbformat.NotebookNode]]
        Each notebook's page file name (the link) and the executed notebook, in order.
    note : str, optional
        A sentence shown under the warnings (text, escaped), e.g. the assumptions used.
    explorer : str or None, optional
        The file name of the offline symptom explorer written beside the pages
        (``explorer.html``), linked near the top; None (the default) when there is none.
    changes : Sequence[Change], optional
        What the build changes against the study as committed (see
        :func:`lowback.study.assumptions.changes_against`): shown as a table near the top,
        each value before and after with the scenario's rationale (text, escaped). None
        (the default): no table.

    Returns
    -------
    str
        The page.

    Raises
    ------
    ReportError
        If the page would load anything from the network
        (:func:`lowback.publish.pages.check_offline`).
    """
    from lowback.data.records import load_knowledge_base
    from lowback.versions import library_versions

    cards = [_card(n, file_name, nb) for n, (file_name, nb) in enumerate(pages)]
    kb = load_knowledge_base(warn_missing=False)  # a missing source is said on the page
    sources = kb.sources
    page = (
        _environment()
        .get_template("index.html.j2")
        .render(
            cards=cards,
            decks=_decks(cards),
            explorer=explorer,
            note=note,
            changes=[
                {
                    "key": c.key,
                    "before": _shown(c.before),
                    "after": _shown(c.after),
                    "rationale": " ".join(c.rationale.split()),
                }
                for c in changes
            ],
            sources=list(
                sources[["id", "title", "publisher", "institute", "licence", "sha256"]].itertuples(
                    index=False
                )
            ),
            missing=[str(m) for m in kb.missing],
            versions=list(library_versions().items()),
            # Markup: the plotly.js library, inlined in a <script> as plotly.io.to_html does;
            # escaping would break it. Only on a page with a figure.
            plotlyjs=Markup(get_plotlyjs()) if any(c["figure"] for c in cards) else "",
        )
    )
    check_offline(page, "page 'index.html'", [])
    return page
