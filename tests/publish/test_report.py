"""Tests for lowback.publish.report: notebooks to offline, self-contained HTML pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat import v4
from plotly.offline import get_plotlyjs

from lowback.publish.report import (
    PLOTLY_MIMETYPE,
    ReportError,
    build_reports,
    count_figures,
    count_rendered_figures,
    execute_notebook,
    notebook_to_html,
    write_atomic,
)

FIGURE_1 = "import plotly.graph_objects as go\ngo.Figure(go.Bar(x=[1, 2], y=[3, 4]))"
FIGURE_2 = "go.Figure(go.Scatter(x=[1, 2], y=[4, 1]))"
XSS = "<script>alert(1)</script>"
MARKER = "marker-read-from-the-notebook-folder-42"
HEADING = "Running and the lower back"


def _plotlyjs_banner() -> str:
    """The version banner at the top of plotly.min.js, e.g. ``plotly.js v3.0.1``."""
    match = re.search(r"plotly\.js v\d+\.\d+\.\d+", get_plotlyjs())
    assert match is not None, "plotly.js has no version banner any more: update the test"
    return match.group(0)


def _write_notebook(path: Path, cells: list) -> Path:
    nb = v4.new_notebook()
    nb.cells = cells
    nbformat.write(nb, path)
    return path


def _leftovers(folder: Path, keep: set[str]) -> set[str]:
    """Names in ``folder`` other than ``keep`` (e.g. temp files left behind)."""
    return {p.name for p in folder.iterdir()} - keep


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


@dataclass
class Executed:
    path: Path
    bytes_before: bytes
    nb: nbformat.NotebookNode


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Executed:
    """The shared two-figure notebook, executed once for the whole module."""
    folder = tmp_path_factory.mktemp("figures")
    (folder / "marker.txt").write_text(MARKER, encoding="utf-8")
    path = _write_notebook(
        folder / "figures.ipynb",
        [
            v4.new_markdown_cell(
                f"# {HEADING}\n\nRead [the article](https://example.org/article)."
            ),
            v4.new_code_cell(FIGURE_1),
            v4.new_code_cell(f"print({XSS!r})"),
            v4.new_code_cell(FIGURE_2),
            v4.new_code_cell("print(open('marker.txt').read())"),
        ],
    )
    before = path.read_bytes()
    return Executed(path=path, bytes_before=before, nb=execute_notebook(path, timeout=120))


@pytest.fixture(scope="module")
def page(executed: Executed) -> str:
    return notebook_to_html(executed.nb)


# --- execution ------------------------------------------------------------------------------


def test_execution_runs_in_notebook_folder_and_leaves_file_alone(
    executed: Executed, page: str
) -> None:
    assert executed.path.read_bytes() == executed.bytes_before
    assert Path.cwd() != executed.path.parent
    assert MARKER in page


# --- figures and plotly.js ------------------------------------------------------------------


def test_every_figure_is_drawn_and_plotlyjs_embedded_once_in_head(
    executed: Executed, page: str
) -> None:
    assert count_figures(executed.nb) == 2
    assert count_rendered_figures(page) == 2
    assert 'id="lowback-fig-1-0"' in page
    assert 'id="lowback-fig-3-0"' in page

    banner = _plotlyjs_banner()
    assert get_plotlyjs().count(banner) == 1
    assert page.count(banner) == 1
    assert page.count(get_plotlyjs()) == 1
    assert page.index(get_plotlyjs()) < page.index("</head>")


def test_conversion_does_not_modify_the_notebook(executed: Executed, page: str) -> None:
    outputs = [o for c in executed.nb.cells if c.cell_type == "code" for o in c.outputs]
    assert sum(PLOTLY_MIMETYPE in o.get("data", {}) for o in outputs) == 2
    assert not any("text/html" in o.get("data", {}) for o in outputs)


def test_notebook_without_figures_embeds_no_plotlyjs(tmp_path: Path) -> None:
    path = _write_notebook(
        tmp_path / "plain.ipynb",
        [v4.new_markdown_cell("# Plain page"), v4.new_code_cell("print('hello-plain')")],
    )
    out_dir = tmp_path / "missing" / "reports"

    written = build_reports([path], out_dir, timeout=120, index=False)

    assert written == [out_dir / "plain.html"]
    html = written[0].read_text(encoding="utf-8")
    assert "hello-plain" in html
    assert "<title>Plain page</title>" in html
    assert _plotlyjs_banner() not in html
    assert count_rendered_figures(html) == 0
    assert _leftovers(out_dir, {"plain.html"}) == set()


def test_count_rendered_figures_counts_newplot_calls() -> None:
    assert count_rendered_figures("") == 0
    assert count_rendered_figures("Plotly.newPlot('a', []); Plotly.newPlot(\n'b')") == 2


# --- offline and escaping -------------------------------------------------------------------


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


def test_printed_script_tag_is_escaped(page: str) -> None:
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_same_notebook_gives_same_bytes(executed: Executed, page: str) -> None:
    assert notebook_to_html(executed.nb).encode("utf-8") == page.encode("utf-8")


def test_title_defaults_to_first_heading_and_can_be_set(executed: Executed, page: str) -> None:
    assert f"<title>{HEADING}</title>" in page
    assert "<title>A &amp; B</title>" in notebook_to_html(executed.nb, title="A & B")


# --- build_reports failures -----------------------------------------------------------------


def test_failing_notebook_leaves_previous_reports_untouched(tmp_path: Path) -> None:
    first = _write_notebook(tmp_path / "first.ipynb", [v4.new_code_cell("print('first')")])
    second = _write_notebook(
        tmp_path / "second.ipynb",
        [
            v4.new_markdown_cell("# Second"),
            v4.new_code_cell("x = 1"),
            v4.new_code_cell("raise ValueError('boom-from-second')"),
        ],
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    known = "<html>known content</html>\n"
    (out_dir / "first.html").write_text(known, encoding="utf-8")

    with pytest.raises(ReportError) as info:
        build_reports([first, second], out_dir, timeout=120)

    message = str(info.value)
    assert "second.ipynb" in message
    assert "cell 2" in message
    assert "ValueError" in message
    assert "boom-from-second" in message
    assert (out_dir / "first.html").read_text(encoding="utf-8") == known
    assert _leftovers(out_dir, {"first.html"}) == set()


def test_missing_notebook_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "nope.ipynb"
    out_dir = tmp_path / "out"
    with pytest.raises(ReportError, match=re.escape(str(missing))):
        build_reports([missing], out_dir)
    assert not out_dir.exists()
    with pytest.raises(ReportError, match=r"nope\.ipynb"):
        execute_notebook(missing)


def test_invalid_notebook_json_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportError, match=r"broken\.ipynb.*not a valid notebook"):
        build_reports([bad], tmp_path / "out")


def test_out_dir_that_is_a_file_is_reported(tmp_path: Path) -> None:
    path = _write_notebook(tmp_path / "plain.ipynb", [v4.new_code_cell("1")])
    not_a_dir = tmp_path / "reports"
    not_a_dir.write_text("a file", encoding="utf-8")
    with pytest.raises(ReportError, match="not a directory"):
        build_reports([path], not_a_dir)
    assert not_a_dir.read_text(encoding="utf-8") == "a file"


# A read-only folder, a full disk, interruptions and two builds at once: tests/faults/test_faults.py
# (it works as root too).


def test_duplicate_stems_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = _write_notebook(tmp_path / "a" / "same.ipynb", [v4.new_code_cell("1")])
    two = _write_notebook(tmp_path / "b" / "same.ipynb", [v4.new_code_cell("1")])
    with pytest.raises(ReportError, match=r"same\.html"):
        build_reports([one, two], tmp_path / "out")


# --- write_atomic ---------------------------------------------------------------------------


def test_write_atomic_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    write_atomic(target, "one\r\n")
    assert target.read_bytes() == b"one\r\n"
    write_atomic(target, "two ✓")
    assert target.read_text(encoding="utf-8") == "two ✓"
    assert _leftovers(tmp_path, {"page.html"}) == set()


def test_write_atomic_failure_keeps_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "half written \ud800 never lands")
    assert target.read_text(encoding="utf-8") == "old"
    assert _leftovers(tmp_path, {"page.html"}) == set()


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
