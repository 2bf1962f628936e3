"""Tests for lowback.publish.pages: notebooks to offline, self-contained HTML pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat import v4
from plotly.offline import get_plotlyjs

from lowback import config
from lowback.errors import ReportError
from lowback.publish.pages import (
    PLOTLY_MIMETYPE,
    TEMPLATES_DIR,
    count_figures,
    count_rendered_figures,
    notebook_to_html,
)
from tests.publish.helpers import HEADING, XSS, Executed, plotlyjs_banner

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))


class _FetchCollector(HTMLParser):
    """Collect ``src`` values of every tag and ``href`` values of ``<link>`` tags."""

    def __init__(self) -> None:
        super().__init__()
        self.srcs: list[str] = []
        self.link_hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "src":
                self.srcs.append(value or "")
            if tag == "link" and name == "href":
                self.link_hrefs.append(value or "")


# --- figures and plotly.js ------------------------------------------------------------------


@pytest.mark.kernel
def test_every_figure_is_drawn_and_plotlyjs_embedded_once_in_head(
    executed: Executed, page: str
) -> None:
    assert count_figures(executed.nb) == 2
    assert count_rendered_figures(page) == 2
    assert 'id="lowback-fig-1-0"' in page
    assert 'id="lowback-fig-3-0"' in page

    banner = plotlyjs_banner()
    assert get_plotlyjs().count(banner) == 1
    assert page.count(banner) == 1
    assert page.count(get_plotlyjs()) == 1
    assert page.index(get_plotlyjs()) < page.index("</head>")


@pytest.mark.kernel
def test_conversion_does_not_modify_the_notebook(executed: Executed, page: str) -> None:
    outputs = [o for c in executed.nb.cells if c.cell_type == "code" for o in c.outputs]
    assert sum(PLOTLY_MIMETYPE in o.get("data", {}) for o in outputs) == 2
    assert not any("text/html" in o.get("data", {}) for o in outputs)


def test_count_rendered_figures_counts_newplot_calls() -> None:
    assert count_rendered_figures("") == 0
    assert count_rendered_figures("Plotly.newPlot('a', []); Plotly.newPlot(\n'b')") == 2


# --- offline and escaping -------------------------------------------------------------------


@pytest.mark.kernel
def test_page_makes_no_network_request(page: str) -> None:
    collector = _FetchCollector()
    collector.feed(page)
    assert collector.srcs == [] or all(
        not s.strip().lower().startswith(("http:", "https:", "//")) for s in collector.srcs
    )
    assert not any("cdn" in s.lower() for s in collector.srcs)
    assert not any(
        h.strip().lower().startswith(("http:", "https:", "//")) for h in collector.link_hrefs
    )
    assert not re.search(r"<script[^>]*\ssrc\s*=\s*[\"']?\s*(https?:)?//", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\shref\s*=\s*[\"']?\s*(https?:)?//", page, re.IGNORECASE)
    assert "cdnjs.cloudflare.com" not in page  # MathJax, mermaid.js defaults
    assert "require.min.js" not in page
    # A markdown link is a link, not a request: it is kept.
    assert 'href="https://example.org/article"' in page


@pytest.mark.parametrize(
    "html_output",
    [
        '<script src="https://cdn.example.com/lib.js"></script>',
        '<link rel="stylesheet" href="//cdn.example.com/style.css">',
        '<img src="http://example.com/picture.png" alt="remote">',
    ],
)
def test_remote_resource_in_output_is_refused(html_output: str) -> None:
    nb = v4.new_notebook()
    cell = v4.new_code_cell("show()")
    cell.outputs = [v4.new_output("display_data", data={"text/html": html_output})]
    nb.cells = [cell]
    with pytest.raises(ReportError, match="remote resource"):
        notebook_to_html(nb)


@pytest.mark.kernel
def test_printed_script_tag_is_escaped(page: str) -> None:
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.kernel
def test_same_notebook_gives_same_bytes(executed: Executed, page: str) -> None:
    assert notebook_to_html(executed.nb).encode("utf-8") == page.encode("utf-8")


@pytest.mark.kernel
def test_title_defaults_to_first_heading_and_can_be_set(executed: Executed, page: str) -> None:
    assert f"<title>{HEADING}</title>" in page
    assert "<title>A &amp; B</title>" in notebook_to_html(executed.nb, title="A & B")


def test_a_live_widget_becomes_a_note_in_the_static_page():
    nb = v4.new_notebook()
    nb.cells = [v4.new_code_cell("explorer")]
    nb.cells[0].outputs = [
        v4.new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2},
                "text/plain": "HBox(children=(VBox(...),))",
            },
        )
    ]
    page = notebook_to_html(nb, title="widgets")
    assert "needs a running Python kernel" in page
    assert "HBox(children" not in page


def test_speaker_notes_stay_off_the_page_and_the_rest_stays_on():
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_markdown_cell("# Title\n\nFor the reader."),
        v4.new_markdown_cell("**Say:** for the presenter only."),
        v4.new_markdown_cell("After the note."),
    ]
    nb.cells[1].metadata["slideshow"] = {"slide_type": "notes"}
    page = notebook_to_html(nb, title="notes")
    assert "For the reader." in page
    assert "After the note." in page
    assert "for the presenter only" not in page
    assert nb.cells[1].source.endswith("presenter only."), "the notebook is not modified"


# --- templates --------------------------------------------------------------------------------


def test_templates_come_from_the_package_not_the_working_directory(tmp_path, monkeypatch):
    """A ``lab`` or ``offline`` folder in the working directory is not a template."""
    for name in ("lab", "offline"):
        (tmp_path / name).mkdir()
        for template in ("index.html.j2", "base.html.j2"):
            (tmp_path / name / template).write_text("hijacked", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    page = notebook_to_html(v4.new_notebook(cells=[v4.new_markdown_cell("# Safe")]))
    assert "hijacked" not in page and "<title>Safe</title>" in page
    assert (TEMPLATES_DIR / "offline" / "index.html.j2").is_file()


# --- every committed notebook ---------------------------------------------------------------


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


@pytest.mark.parametrize(
    "path", sorted(config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb")), ids=lambda p: p.name
)
def test_no_output_is_a_raw_python_repr(path):
    # With the code hidden, a reader sees only outputs: a pandas Series or a tuple printed
    # as Python prints it ("Name: version, dtype: str") means nothing to them.
    nb = nbformat.read(path, as_version=4)
    raw = [
        "".join(output["data"]["text/plain"])[:80]
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if set(output.get("data", {})) == {"text/plain"}
        and re.search(r"\bdtype: |^\(.*\)$", "".join(output["data"]["text/plain"]), re.M)
    ]
    assert raw == [], raw
