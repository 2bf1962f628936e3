"""Every figure of a page has a text alternative: a <figure> named by its title, described
by its summary, with its data as a table behind a disclosure."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from nbformat import v4

from lowback import config
from lowback.figures.data_tables import MAX_DATA_ROWS, figure_data, plain_text
from lowback.figures.style import describe, plain, summary_of
from lowback.publish.pages import (
    PLOTLY_MIMETYPE,
    count_figures,
    described_figure_html,
    iter_outputs,
    notebook_to_html,
)

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("0*.ipynb"))
XSS = '<img src=x onerror="alert(1)">'


def as_stored(fig: go.Figure) -> dict:
    """A figure as a notebook stores it: plotly's JSON (numpy arrays as typed arrays)."""
    return json.loads(pio.to_json(fig))


class _Figures(HTMLParser):
    """Each <figure>: its attributes, the ids inside it and their text, its tables' rows."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[dict] = []
        self._open: list[str] = []  # the ids whose text is being read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self.figures.append({"attrs": attrs, "text": {}, "rows": 0, "details": False})
        elif self.figures:
            figure = self.figures[-1]
            figure["details"] |= tag == "details" and "lowback-figure-data" in attrs.get(
                "class", ""
            )
            figure["rows"] += tag == "tr"
            if tag == "figcaption":
                figure["caption_class"] = attrs.get("class", "")
            if "id" in attrs:
                figure["text"][attrs["id"]] = ""
                if tag == "span":
                    self._open.append(attrs["id"])

    def handle_endtag(self, tag):
        if tag == "span" and self._open:
            self._open.pop()

    def handle_data(self, data):
        for opened in self._open:
            self.figures[-1]["text"][opened] += data


def parsed(html: str) -> list[dict]:
    parser = _Figures()
    parser.feed(html)
    return parser.figures


def _bar(name: str = "counts") -> go.Figure:
    fig = go.Figure(go.Bar(x=["muscle", "bone"], y=np.array([3, 4]), name=name))
    return fig.update_layout(title={"text": "Two <b>bars</b> &amp; a title"})


# ---------------------------------------------------------------------------------------------
# One figure
# ---------------------------------------------------------------------------------------------


def test_a_figure_is_named_by_its_title_and_described_by_its_summary():
    fig = describe(_bar(), "Two bars: muscle 3, bone 4.")
    html = described_figure_html(as_stored(fig), "lowback-fig-1-0")
    (figure,) = parsed(html)
    assert figure["attrs"]["aria-labelledby"] == "lowback-fig-1-0-title"
    assert figure["attrs"]["aria-describedby"] == "lowback-fig-1-0-summary"
    assert figure["text"]["lowback-fig-1-0-title"] == "Two bars & a title"
    assert figure["text"]["lowback-fig-1-0-summary"] == "Two bars: muscle 3, bone 4."
    assert figure["caption_class"] == "lowback-figcaption"
    assert figure["details"] and figure["rows"] == 1 + 2  # the header and two bars
    assert 'id="lowback-fig-1-0"' in html and "Plotly.newPlot" in html
    assert "<summary>Data as a table</summary>" in html


def test_a_figure_without_a_summary_gets_its_title_only():
    html = described_figure_html(as_stored(_bar()), "f")
    (figure,) = parsed(html)
    assert "aria-describedby" not in figure["attrs"]
    assert set(figure["text"]) == {"f", "f-title"}  # the plot's div, the title


def test_record_text_in_a_figure_s_text_alternative_is_escaped():
    # As the figure modules write them: record text escaped for plotly (style.plain).
    fig = _bar(name=plain(XSS)).update_layout(title={"text": f"<b>{plain(XSS)}</b>"})
    fig = describe(fig, f"About {XSS}.")
    html = described_figure_html(as_stored(fig), "f")
    outside_script = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    assert "<img" not in outside_script
    # The title, the summary, and the series of each of the two bars.
    assert outside_script.count("&lt;img src=x onerror=&#34;alert(1)&#34;&gt;") == 4
    assert summary_of(as_stored(fig)) == f"About {XSS}."  # stored escaped, read back as text


# ---------------------------------------------------------------------------------------------
# The data as tables
# ---------------------------------------------------------------------------------------------


def test_bars_and_scatters_give_their_points_with_what_hovering_shows():
    fig = go.Figure(
        [
            go.Bar(x=["a", "b"], y=[1, 2], name="bars"),
            go.Scatter(
                x=[0.5],
                y=[0.25],
                name="line",
                customdata=[[12]],
                hovertemplate="share %{y:.0%} of %{customdata[0]:,} runners<extra>line</extra>",
            ),
            go.Scatter(x=[1, 2], y=[1, 2], hoverinfo="skip", name="decoration"),
            go.Scatter(x=[None], y=[None], name="legend only"),
        ]
    )
    fig.update_xaxes(title_text="Kind")
    (section,) = figure_data(as_stored(fig))
    assert section.header == ["series", "Kind", "y", "details"]
    assert [row[:3] for row in section.rows] == [
        ["bars", "a", "1"],
        ["bars", "b", "2"],
        ["line", "0.5", "0.25"],
    ]
    assert section.rows[2][3] == "share 25% of 12 runners line"


def test_a_sankey_gives_its_links_by_node_label_and_a_table_its_cells():
    sankey = go.Sankey(
        node={"label": ["Weak core", "Muscle &amp; pain", "Rest"]},
        link={"source": [0, 1], "target": [1, 2], "value": [3, 5]},
    )
    hidden = go.Sankey(
        node={"label": ["x", "y"]}, link={"source": [0], "target": [1], "value": [1]}, visible=False
    )
    table = go.Table(
        header={"values": ["id", "quote"]}, cells={"values": [["c1", "c2"], ["“a”", "b<br>c"]]}
    )
    links, cells = figure_data(as_stored(go.Figure([sankey, hidden, table])))
    assert links.header == ["from", "to", "value"]
    assert links.rows == [["Weak core", "Muscle & pain", "3"], ["Muscle & pain", "Rest", "5"]]
    assert cells.header == ["id", "quote"] and cells.rows == [["c1", "“a”"], ["c2", "b c"]]


def test_a_heatmap_gives_its_cells_as_written_and_a_histogram_its_bins():
    heatmap = go.Heatmap(
        z=np.array([[0.5, 0.25], [0.1, 0.9]]), x=["muscle", "bone"], y=["muscle", "bone"]
    )
    heatmap.text = [["50%", "25%"], ["10%", "90%"]]
    ages = np.arange(20, 60)
    histogram = go.Histogram(x=ages, xbins={"start": 20, "end": 60, "size": 10}, name="ages")
    cells, bins = figure_data(as_stored(go.Figure([heatmap, histogram])))
    assert cells.header[1:] == ["muscle", "bone"]
    assert cells.rows == [["muscle", "50%", "25%"], ["bone", "10%", "90%"]]
    assert [row[0] for row in bins.rows] == ["20 to 30", "30 to 40", "40 to 50", "50 to 60"]
    assert sum(int(row[1]) for row in bins.rows) == len(ages)


def test_long_data_is_capped_and_says_how_much_is_left_out():
    n = MAX_DATA_ROWS + 7
    fig = go.Figure(go.Scatter(x=np.arange(n), y=np.arange(n) * 0.5, mode="markers"))
    (section,) = figure_data(as_stored(fig))
    assert len(section.rows) == MAX_DATA_ROWS and section.left_out == 7
    assert section.rows[-1][1:3] == [f"{MAX_DATA_ROWS - 1}", f"{(MAX_DATA_ROWS - 1) * 0.5:.4g}"]
    assert "… and 7 more rows not shown." in described_figure_html(as_stored(fig), "f")


def test_plain_text_drops_plotly_tags_and_decodes_entities():
    assert plain_text("<b>a</b><br>b &amp; c &lt;d&gt;") == "a b & c <d>"


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def test_a_page_wraps_every_figure_and_keeps_the_other_outputs():
    nb = v4.new_notebook()
    cell = v4.new_code_cell("figures()")
    figures = [describe(_bar(), "First."), go.Figure(go.Scatter(x=[1], y=[2]))]
    cell.outputs = [
        v4.new_output("display_data", data={PLOTLY_MIMETYPE: as_stored(f), "text/plain": "Figure"})
        for f in figures
    ]
    nb.cells = [v4.new_markdown_cell("# Two figures"), cell]
    page = notebook_to_html(nb)
    found = parsed(page)
    assert len(found) == count_figures(nb) == 2
    assert found[0]["text"]["lowback-fig-1-0-summary"] == "First."
    assert "aria-describedby" not in found[1]["attrs"]
    assert all(f["details"] for f in found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_of_the_committed_notebooks_has_a_summary(path: Path):
    # The figure functions attach a summary (lowback.figures.style.describe): a stored
    # output without one was made by an older package. Re-run the notebook.
    nb = nbformat.read(path, as_version=4)
    figures = [
        o["data"][PLOTLY_MIMETYPE]
        for _, _, o in iter_outputs(nb)
        if PLOTLY_MIMETYPE in o.get("data", {})
    ]
    assert figures
    missing = [
        plain_text(f["layout"].get("title", {}).get("text", "?"))
        for f in figures
        if not summary_of(f)
    ]
    assert missing == [], f"{path.name}: figures without a summary: {missing}"
    page = notebook_to_html(nb, title=path.stem)
    described = [f for f in parsed(page) if "aria-describedby" in f["attrs"]]
    assert len(described) == len(figures)
