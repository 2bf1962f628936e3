"""Every committed notebook becomes an offline page holding every one of its figures."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from plotly.offline import get_plotlyjs

from lowback import config
from lowback.report import count_figures, count_rendered_figures, notebook_to_html

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
