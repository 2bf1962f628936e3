"""Every committed notebook becomes an offline page holding every one of its figures."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from plotly.offline import get_plotlyjs

from lowback import config
from lowback.publish.report import (
    count_figures,
    count_rendered_figures,
    index_page,
    notebook_to_html,
    remote_resources,
)

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))


def test_the_study_has_notebooks():
    assert NOTEBOOKS, "no numbered notebooks under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_page_holds_every_figure_and_needs_no_network(path: Path):
    nb = nbformat.read(path, as_version=4)
    figures = count_figures(nb)
    assert figures > 0
    page = notebook_to_html(nb, title=path.stem)
    assert count_rendered_figures(page) == figures
    assert page.count(get_plotlyjs()) == 1
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", page)


def test_pages_hide_code_until_asked_and_list_their_sections():
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    page = notebook_to_html(nb, title=NOTEBOOKS[0].stem)
    assert '<body class="jp-Notebook lowback-code-hidden"' in page
    assert 'id="lowback-toggle-code"' in page and "lowback-toc-list" in page
    assert "body.lowback-code-hidden .jp-CodeCell .jp-Cell-inputWrapper { display: none; }" in page
    assert 'href="index.html"' in page
    assert "Education, not diagnosis" in page


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
