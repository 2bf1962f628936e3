"""Turn an executed Jupyter notebook into one offline, self-contained HTML page.

The pages are meant to be opened from disk by an educator with no internet connection,
so every page must work without a single network request:

* Plotly figures. Under a kernel, plotly's default renderer stores a figure only as the
  ``application/vnd.plotly.v1+json`` mimetype, which nbconvert's HTML export silently
  drops. Each such output is turned into a ``text/html`` output (a ``<div>`` plus a
  ``<script>`` calling ``Plotly.newPlot``), and plotly.js itself is embedded inline,
  exactly once, in the page's ``<head>`` (and only if the page has a figure).
* CDN references. nbconvert's ``lab`` template loads require.js, MathJax, mermaid.js and
  the Jupyter widgets manager from CDNs. A small template extending ``lab/index.html.j2``
  (``templates/offline/index.html.j2``) empties the blocks that load them. After export
  the page is checked (:func:`check_offline`, with :mod:`lowback.publish.offline`): anything
  that would fetch a remote resource (``src=``, ``srcset``, ``<link href=>``, SVG's
  ``<image href>``, CSS ``url()`` and ``@import``, a meta refresh...) raises
  :class:`ReportError`. Plain ``<a href="https://...">`` links are kept: they are links,
  not requests.

Everything else (escaping of text outputs and markdown, code highlighting, CSS) is
nbconvert's usual behaviour. The same notebook outputs always give the same bytes: the
widget state that nbclient records (random model ids, useless without a kernel) is left out.

Every figure comes with a text alternative (:func:`described_figure_html`): it sits in a
``<figure>`` named by its title and described by the summary its figure function attached
(:func:`lowback.figures.style.describe`), in a ``<figcaption class="lowback-figcaption">``,
with its data as a table behind a ``<details class="lowback-figure-data">`` disclosure
(:func:`lowback.figures.data_tables.figure_data`: the points of bars and scatters with
their hover text, histogram bins, heatmap cells, Sankey links, table cells; a capped
number of rows each, saying how many are left out). The decks hide both classes
visually; the pages hide the caption visually (it repeats the plot's title and the
notebook's caption) and keep the data's disclosure in view.

The figure conversion, the offline check, figure counting and headings are shared with
the slide decks (:mod:`lowback.publish.slides`) and the landing page
(:mod:`lowback.publish.index`).

Notes
-----
Because MathJax is not loaded, LaTeX in markdown cells is shown as its source text.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import jinja2
import nbformat
import plotly.io as pio
from markupsafe import Markup
from nbconvert import HTMLExporter
from nbformat import NotebookNode
from plotly.offline import get_plotlyjs

from lowback.errors import ReportError
from lowback.figures.data_tables import figure_data, plain_text
from lowback.figures.style import summary_of
from lowback.publish.offline import remote_figure_sources, remote_resources

__all__ = [
    "LIVE_ONLY_NOTE",
    "PLOTLY_MIMETYPE",
    "TEMPLATES_DIR",
    "WIDGET_MIMETYPE",
    "check_offline",
    "count_figures",
    "count_rendered_figures",
    "described_figure_html",
    "figure_html",
    "figures_to_html",
    "first_heading",
    "iter_outputs",
    "notebook_to_html",
    "remote_resources",
]

TEMPLATES_DIR = Path(__file__).with_name("templates")
"""The Jinja2 templates of the pages, the landing page and the decks (shipped in the wheel)."""

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"
"""The mimetype under which plotly stores a figure in a notebook output."""

WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"
"""The mimetype of a live ipywidget, which needs a kernel and cannot work in a static page."""

LIVE_ONLY_NOTE = (TEMPLATES_DIR / "live-only.html").read_text(encoding="utf-8").rstrip("\n")
"""The HTML shown in a static page or deck in place of a live widget."""

# The template folder for nbconvert: offline/conf.json makes it extend nbconvert's "lab".
_TEMPLATE_NAME = "offline"

# Height of a figure without its own layout height: the value plotly's notebook renderers use.
_DEFAULT_FIGURE_HEIGHT = 525

_NEWPLOT_RE = re.compile(r"\bPlotly\.newPlot\s*\(")
_HEADING_RE = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<text>.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE_RE = re.compile(r"^ {0,3}(```|~~~)")


# ---------------------------------------------------------------------------------------------
# Outputs and figures
# ---------------------------------------------------------------------------------------------


def iter_outputs(nb: NotebookNode) -> Iterator[tuple[int, int, NotebookNode]]:
    """Yield ``(cell_index, output_index, output)`` for every output of every code cell."""
    for cell_index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        for output_index, output in enumerate(cell.get("outputs", [])):
            yield cell_index, output_index, output


def count_figures(nb: NotebookNode) -> int:
    """Count the plotly figures stored in a notebook's outputs.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook.

    Returns
    -------
    int
        The number of outputs carrying the ``application/vnd.plotly.v1+json`` mimetype.
    """
    return sum(PLOTLY_MIMETYPE in output.get("data", {}) for _, _, output in iter_outputs(nb))


def count_rendered_figures(html: str) -> int:
    """Count the figures a page draws, as its number of ``Plotly.newPlot`` calls.

    Parameters
    ----------
    html : str
        A page made by :func:`notebook_to_html`.

    Returns
    -------
    int
        The number of ``Plotly.newPlot(`` calls in the page (the plotly.js library itself
        contains none).
    """
    return len(_NEWPLOT_RE.findall(html))


def _figure_div_id(cell_index: int, output_index: int) -> str:
    """Deterministic id of the ``<div>`` holding one figure."""
    return f"lowback-fig-{cell_index}-{output_index}"


#: plotly's toolbar as every page and deck shows it. No "Share chart…" button, which
#: uploads the figure to plotly's cloud (plotly.js 3 shows it by default: no place in an
#: offline page), no plotly logo link, and only the buttons a reader uses (zoom, pan,
#: reset, save as PNG), so that a figure adds few tab stops.
FIGURE_CONFIG: dict = {
    "showSendToCloud": False,
    "displaylogo": False,
    "modeBarButtonsToRemove": [
        "select2d",
        "lasso2d",
        "autoScale2d",
        "toggleSpikelines",
        "hoverClosestCartesian",
        "hoverCompareCartesian",
        "sendDataToCloud",
    ],
}


def figure_html(figure: dict, div_id: str) -> str:
    """HTML (a ``<div>`` and a ``<script>``) drawing one plotly figure, without plotly.js,
    with the toolbar of :data:`FIGURE_CONFIG`.

    Made by plotly itself, which writes the figure's JSON with ``<``, ``>`` and ``/``
    escaped, so no text in the figure can end the ``<script>`` it sits in.
    """
    figure = dict(figure)
    config = {**(figure.pop("config", None) or {}), **FIGURE_CONFIG}
    return pio.to_html(
        figure,
        config=config,
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        validate=False,
        default_height=_DEFAULT_FIGURE_HEIGHT,
    )


def figures_to_html(nb: NotebookNode) -> list[str]:
    """Replace, in place, every plotly output's data by a ``text/html`` rendering: the
    figure with its text alternative (:func:`described_figure_html`).

    Any other representation of the output (``text/plain``, or a ``text/html`` made by
    another renderer, which may load plotly.js from a CDN) is dropped. A live widget's
    output becomes :data:`LIVE_ONLY_NOTE`. Returns the div ids of the figures, in page
    order.

    Raises
    ------
    ReportError
        If a figure would load an image from the network (its layout's ``images``; see
        :func:`lowback.publish.offline.remote_figure_sources`), naming its cell.
    """
    div_ids = []
    for cell_index, output_index, output in iter_outputs(nb):
        data = output.get("data", {})
        if WIDGET_MIMETYPE in data:
            output["data"] = nbformat.from_dict({"text/html": LIVE_ONLY_NOTE})
            continue
        if PLOTLY_MIMETYPE not in data:
            continue
        remote = remote_figure_sources(data[PLOTLY_MIMETYPE])
        if remote:
            raise ReportError(
                f"the figure of cell {cell_index} (0-based) would load {remote[0]!r} (an image "
                "of its layout), so it does not work offline: embed it as a data: URL"
            )
        div_id = _figure_div_id(cell_index, output_index)
        output["data"] = nbformat.from_dict(
            {"text/html": described_figure_html(data[PLOTLY_MIMETYPE], div_id)}
        )
        div_ids.append(div_id)
    return div_ids


# ---------------------------------------------------------------------------------------------
# The figures' text alternatives
# ---------------------------------------------------------------------------------------------

_FIGURE_TEMPLATE = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR / "offline"),
    autoescape=True,
    keep_trailing_newline=False,
).get_template("figure.html.j2")


def _title(figure: Mapping) -> str:
    title = (figure.get("layout") or {}).get("title") or {}
    return plain_text((title.get("text") if isinstance(title, Mapping) else title) or "Figure")


def described_figure_html(figure: Mapping, div_id: str) -> str:
    """One figure (:func:`figure_html`) in a ``<figure>`` with its text alternative: its
    title and summary (:func:`lowback.figures.style.summary_of`; the title alone if it has
    none) in a ``<figcaption>``, and its data as a table
    (:func:`lowback.figures.data_tables.figure_data`) in a
    ``<details>`` disclosure. Every text is escaped (the template autoescapes)."""
    return _FIGURE_TEMPLATE.render(
        id=div_id,
        plot=Markup(figure_html(figure, div_id)),  # plotly's own markup: its JSON escapes < > /
        title=_title(figure),
        summary=summary_of(figure),
        sections=figure_data(figure),
    )


# ---------------------------------------------------------------------------------------------
# Headings
# ---------------------------------------------------------------------------------------------


def first_heading(nb: NotebookNode) -> str | None:
    """Text of the first ATX markdown heading (``# Title``) in the notebook, if any."""
    for cell in nb.cells:
        if cell.get("cell_type") != "markdown":
            continue
        in_fence = False
        for line in cell.source.splitlines():
            if _FENCE_RE.match(line):
                in_fence = not in_fence
                continue
            match = None if in_fence else _HEADING_RE.match(line)
            if match:
                return match.group("text").strip()
    return None


# ---------------------------------------------------------------------------------------------
# The page and the offline check
# ---------------------------------------------------------------------------------------------


def _exporter() -> HTMLExporter:
    """A fresh HTML exporter using ``templates/offline``, which extends the ``lab`` template.

    Templates are looked up in lowback's folder and nbconvert's, never in the working
    directory (nbconvert's default ``extra_template_basedirs``).
    """
    return HTMLExporter(
        template_name=_TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
    )


def _is_speaker_note(cell: NotebookNode) -> bool:
    """A markdown cell for the presenter (``metadata.slideshow.slide_type == "notes"``)."""
    slideshow = cell.get("metadata", {}).get("slideshow", {})
    return cell.get("cell_type") == "markdown" and slideshow.get("slide_type") == "notes"


def notebook_to_html(nb: NotebookNode, *, title: str | None = None) -> str:
    """Export an executed notebook to one offline, self-contained HTML page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook. It is not modified.
    title : str or None, optional
        The page's ``<title>``. By default, the notebook's first markdown heading, else its
        ``metadata.title``, else ``"Notebook"``.

    Returns
    -------
    str
        The page, without the speaker notes (markdown cells of slide type ``notes``: the
        decks show them in reveal's presenter view). Plotly figures are drawn by inline
        scripts with plotly.js embedded once in the ``<head>`` (not at all if there is no
        figure); nothing is loaded from the network. The same cells and outputs always give
        the same string (the notebook's ``metadata.widgets``, random ids recorded by
        nbclient, is left out).

    Raises
    ------
    ReportError
        If the page would still load a remote resource (see
        :func:`lowback.publish.offline.remote_resources`: a ``src=``, ``<link href=>``, CSS
        ``url()`` or ``@import``... pointing to ``http(s)://`` or ``//``), e.g. from an HTML
        output or a markdown image, or if a figure is missing from the page.
    """
    nb = copy.deepcopy(nb)
    # The widget state nbclient records has random model ids, and no widget manager is loaded.
    nb.metadata.pop("widgets", None)
    div_ids = figures_to_html(nb)
    # Speaker notes (markdown cells of slide type "notes") are for the decks' presenter
    # view, not for a reader of the page.
    nb.cells = [cell for cell in nb.cells if not _is_speaker_note(cell)]
    page_title = title or first_heading(nb) or nb.metadata.get("title") or "Notebook"
    nb.metadata["title"] = page_title
    resources = {
        "metadata": {"name": page_title},
        "lowback_plotlyjs": get_plotlyjs() if div_ids else "",
    }
    html, _ = _exporter().from_notebook_node(nb, resources=resources)

    check_offline(html, f"page {page_title!r}", div_ids)
    return html


def check_offline(html: str, what: str, div_ids: list[str], *, all_drawn: bool = False) -> None:
    """Refuse a page or deck that would fetch anything, or that lost a figure.

    What would fetch is found by :func:`lowback.publish.offline.remote_resources` (the one
    checker of every page, deck and the explorer). ``what`` names it in the message
    (``"page 'Title'"``); ``div_ids`` are the figures it must hold; with ``all_drawn``, the
    number of ``Plotly.newPlot`` calls must match too.

    Raises
    ------
    ReportError
        Naming the remote resources (the first five), or the missing figures.
    """
    remote = remote_resources(html)
    if remote:
        shown = ", ".join(remote[:5]) + (" ..." if len(remote) > 5 else "")
        raise ReportError(
            f"{what} would load {len(remote)} remote resource(s), "
            f"so it does not work offline: {shown}"
        )
    missing = [div_id for div_id in div_ids if f'id="{div_id}"' not in html]
    if missing or (all_drawn and count_rendered_figures(html) != len(div_ids)):
        kind = what.split(" ", 1)[0]
        raise ReportError(f"{what}: figures missing from the {kind}: {missing}")
