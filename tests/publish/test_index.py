"""Tests for lowback.publish.index: the landing page, rendered from its Jinja2 template."""

from __future__ import annotations

import html
import re

import nbformat
import plotly.graph_objects as go
from nbformat import v4
from plotly.offline import get_plotlyjs

from lowback import config
from lowback.publish.index import KEY_FIGURE_TAG, index_page
from lowback.publish.pages import PLOTLY_MIMETYPE, count_rendered_figures, remote_resources

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
SCRIPT = "<script>alert('x')</script>"


def _figure_cell(title: str, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    figure = go.Figure(go.Bar(y=[1, 2]), layout={"title": {"text": title}}).to_plotly_json()
    cell = v4.new_code_cell("fig", metadata={"tags": list(tags)})
    cell.outputs = [v4.new_output("display_data", data={PLOTLY_MIMETYPE: figure})]
    return cell


def test_the_landing_page_links_every_notebook_with_its_question_and_a_key_figure(kb):
    pages = [(f"{p.stem}.html", nbformat.read(p, as_version=4)) for p in NOTEBOOKS]
    page = index_page(pages, note="Built under <b>x</b>.toml")
    for file_name, _nb in pages:
        assert f'href="{file_name}"' in page
    assert "Education, not diagnosis" in page and "Simulated data" in page
    assert "What does one web article on lower back pain in runners actually say" in page
    assert count_rendered_figures(page) == len(pages)
    assert page.count(get_plotlyjs()) == 1
    assert kb.sources["sha256"].iloc[0] in page
    assert "Built under &lt;b&gt;x&lt;/b&gt;.toml" in page
    assert not remote_resources(page)


def test_notebook_text_shows_as_text_and_only_the_figure_as_markup():
    """Heading, question and file name reach the page escaped (quotes too, for the link);
    the key figure, plotly's own markup, is drawn, and is the tagged one."""
    nb = v4.new_notebook(
        cells=[
            v4.new_markdown_cell(f"# Risk {SCRIPT}\n\n**The question.** Is **<b>it</b>** safe?"),
            _figure_cell("first, untagged"),
            _figure_cell("the key one", tags=(KEY_FIGURE_TAG,)),
        ]
    )
    file_name = 'a "quoted" & <odd>\'s page.html'
    page = index_page([(file_name, nb)], note=f"Built under {SCRIPT}.toml")

    assert SCRIPT not in page and "<b>it</b>" not in page
    assert f"Risk {html.escape(SCRIPT)}</a></h2>" in page
    assert "<p>Is &lt;b&gt;it&lt;/b&gt; safe?</p>" in page  # markdown bold markers dropped
    assert f"<p>Built under {html.escape(SCRIPT)}.toml</p>" in page
    assert re.findall(r'<a href="([^"]*)">', page) == [html.escape(file_name)] * 2
    assert count_rendered_figures(page) == 1 and 'id="lowback-key-0"' in page
    assert "the key one" in page and "first, untagged" not in page
    assert page.count(get_plotlyjs()) == 1
    assert not remote_resources(page)


def test_a_page_without_figures_embeds_no_plotlyjs():
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# Plain")])
    page = index_page([("plain.html", nb)])
    assert get_plotlyjs() not in page and count_rendered_figures(page) == 0
    assert '<h2><a href="plain.html">Plain</a></h2><p></p><p><a href="plain.html">' in page
    assert page.endswith("</section></main></body></html>\n")


def test_each_key_figure_keeps_its_own_height():
    # A fixed height cropped the forest plot's labels and the tree's leaves on the index.
    from lowback.publish.index import _key_figure

    for path in sorted(config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        shown = _key_figure(nb)
        tagged = next(
            output["data"][PLOTLY_MIMETYPE]
            for cell in nb.cells
            if "key-figure" in cell.metadata.get("tags", [])
            for output in cell.get("outputs", [])
            if PLOTLY_MIMETYPE in output.get("data", {})
        )
        assert shown["layout"]["height"] == tagged["layout"]["height"], path.name


def test_the_landing_page_links_the_lesson_and_every_notebook_deck():
    from lowback.publish.lesson import read_outline

    pages = [(f"{p.stem}.html", nbformat.read(p, as_version=4)) for p in NOTEBOOKS]
    page = index_page(pages)
    decks = re.findall(r'<a class="deck" href="([^"]*)">', page)
    assert decks == [read_outline().file_name] + [f"{p.stem}.slides.html" for p in NOTEBOOKS]
    assert "use the lesson" in page and "<code>make slides</code> builds them" in page


def test_the_landing_page_links_the_offline_explorer_only_when_there_is_one():
    pages = [(f"{p.stem}.html", nbformat.read(p, as_version=4)) for p in NOTEBOOKS[:1]]
    assert "explorer.html" not in index_page(pages)
    page = index_page(pages, explorer="explorer.html")
    assert page.count('href="explorer.html"') == 2  # the heading and the "Open" link
    assert page.index('href="explorer.html"') < page.index('class="card"'), "near the top"
