"""The one offline check (lowback.publish.offline), as the pages, decks and explorer use it.

A notebook's HTML output can ask the browser for the network in many ways besides
``<img src>``: each is refused in a page, a deck and the explorer page alike, and what
fetches nothing (a link, a data: URL, a file beside the page) is let through.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from nbformat import v4

from lowback.errors import ReportError
from lowback.publish import explorer_page as explorer_module
from lowback.publish.offline import is_remote, remote_resources, remote_urls_in_css
from lowback.publish.pages import PLOTLY_MIMETYPE, count_rendered_figures, notebook_to_html
from lowback.publish.slides import notebook_to_slides

#: One HTML output per way of fetching, and the URL the check must name.
FETCHING = {
    "css url() in a style element": (
        "<style>.x { background: url('https://evil.example/a.png') }</style>",
        "https://evil.example/a.png",
    ),
    "css @import in a style element": (
        '<style>@import "//evil.example/a.css";</style>',
        "//evil.example/a.css",
    ),
    "css @import url() in a style element": (
        "<style>@import url(https://evil.example/b.css) screen;</style>",
        "https://evil.example/b.css",
    ),
    "css escapes hiding url(": (
        r"<style>.x { background: u\72 l(https://evil.example/c.png) }</style>",
        "https://evil.example/c.png",
    ),
    "css image-set()": (
        '<style>.x { background: image-set("https://evil.example/d.png" 1x) }</style>',
        "https://evil.example/d.png",
    ),
    "css url() in a style attribute": (
        '<div style="background-image:url(&quot;http://evil.example/e.png&quot;)">x</div>',
        "http://evil.example/e.png",
    ),
    "svg image href": (
        '<svg><image href="https://evil.example/f.svg" width="9" height="9"/></svg>',
        "https://evil.example/f.svg",
    ),
    "svg image xlink:href": (
        '<svg><image xlink:href="//evil.example/g.png"/></svg>',
        "//evil.example/g.png",
    ),
    "svg use href": ('<svg><use href="https://evil.example/h.svg#i"/></svg>', "https://evil"),
    "svg fill url()": ('<svg><rect fill="url(https://evil.example/j.svg#p)"/></svg>', "j.svg"),
    "meta refresh": (
        '<meta http-equiv="refresh" content="0; url=https://evil.example/k">',
        "https://evil.example/k",
    ),
    "link rel=preload": (
        '<link rel="preload" as="image" href="https://evil.example/l.png">',
        "https://evil.example/l.png",
    ),
    "link rel=prefetch": ('<link rel="prefetch" href="//evil.example/m">', "//evil.example/m"),
    "link rel=stylesheet": (
        '<link rel="stylesheet" href="HTTPS://evil.example/n.css">',
        "HTTPS://evil.example/n.css",
    ),
    "srcset, second candidate": (
        '<img src="a.png" srcset="a.png 1x, https://evil.example/o.png 2x">',
        "https://evil.example/o.png",
    ),
    "video poster": ('<video poster="https://evil.example/p.jpg"></video>', "p.jpg"),
    "object data": ('<object data="https://evil.example/q.pdf"></object>', "q.pdf"),
    "a ping": ('<a href="#x" ping="https://evil.example/r">x</a>', "https://evil.example/r"),
    "base href": ('<base href="https://evil.example/">', "https://evil.example/"),
    "iframe srcdoc": (
        '<iframe srcdoc="&lt;img src=&quot;https://evil.example/s.png&quot;&gt;"></iframe>',
        "s.png",
    ),
    "tab inside the scheme": ('<img src="ht\ttps://evil.example/t.png">', "evil.example/t.png"),
    "backslashes for slashes": ('<img src="\\\\evil.example\\u.png">', "evil.example"),
}

#: What fetches nothing from the network.
OFFLINE = [
    '<a href="https://example.org/article">a link</a>',
    '<svg><a xlink:href="https://example.org">a link in SVG</a></svg>',
    '<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">',
    '<img srcset="data:image/png;base64,AAAA,BBBB 1x, picture.png 2x">',
    "<style>.x { background: url(data:image/svg+xml;base64,PHN2Zz4=) }</style>",
    '<style>.x { fill: url(#gradient); background: url("figures/local.png") }</style>',
    "<style>/* url(https://example.org/in-a-comment.png) */ .x { color: red }</style>",
    '<svg><use href="#symbol"/><rect fill="url(#p)"/></svg>',
    '<meta http-equiv="refresh" content="30">',
    "<script>var u = 'url(https://example.org/not-css)';</script>",
    '<p title="see url(https://example.org)">text</p>',
]


@pytest.mark.parametrize(("html", "url"), FETCHING.values(), ids=FETCHING.keys())
def test_every_way_of_fetching_is_found(html: str, url: str):
    found = remote_resources(html)
    assert len(found) == 1 and url in found[0], found


@pytest.mark.parametrize("html", OFFLINE)
def test_what_fetches_nothing_from_the_network_is_let_through(html: str):
    assert remote_resources(html) == []


def test_a_file_url_of_this_machine_is_local_and_of_another_is_remote():
    assert not is_remote("file:///tmp/a.png") and not is_remote("FILE://localhost/tmp/a")
    assert is_remote("file://fileserver/share/a.png")
    assert remote_urls_in_css("@IMPORT 'https://x.example/a.css';") == ["https://x.example/a.css"]


def _notebook(html: str):
    nb = v4.new_notebook()
    cell = v4.new_code_cell("show()")
    cell.outputs = [v4.new_output("display_data", data={"text/html": html})]
    nb.cells = [v4.new_markdown_cell("# Offline"), cell]
    return nb


@pytest.mark.parametrize(("html", "url"), FETCHING.values(), ids=FETCHING.keys())
def test_a_page_that_would_fetch_is_refused_naming_the_url(html: str, url: str):
    with pytest.raises(ReportError, match="remote resource") as info:
        notebook_to_html(_notebook(html))
    assert url in str(info.value)


@pytest.fixture(scope="module")
def reveal_stand_in(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four files of reveal.js a deck inlines, as empty scripts and style sheets."""
    folder = tmp_path_factory.mktemp("reveal.js")
    for relative in ("dist/reveal.js", "plugin/notes/notes.js", "dist/reveal.css"):
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text("/* */", encoding="utf-8")
    (folder / "dist/theme").mkdir(exist_ok=True)
    (folder / "dist/theme/white.css").write_text("/* */", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("html", "url"),
    [FETCHING[k] for k in ("css url() in a style element", "svg image xlink:href", "meta refresh")],
)
def test_a_deck_that_would_fetch_is_refused(reveal_stand_in: Path, html: str, url: str):
    nb = _notebook(html)
    nb.cells[0].metadata["slideshow"] = {"slide_type": "slide"}
    with pytest.raises(ReportError, match="deck 'Offline' would load 1 remote") as info:
        notebook_to_slides(nb, reveal_dir=reveal_stand_in)
    assert url in str(info.value)


def test_the_explorer_page_that_would_fetch_is_refused(monkeypatch: pytest.MonkeyPatch):
    read = explorer_module._read

    def with_a_remote_font(name: str) -> str:
        extra = (
            "@font-face { src: url(https://fonts.example/f.woff2) }" if name == "page.css" else ""
        )
        return read(name) + extra

    monkeypatch.setattr(explorer_module, "_read", with_a_remote_font)
    with pytest.raises(ReportError, match=r"page 'explorer\.html' would load 1 remote"):
        explorer_module.explorer_page()


def test_a_figure_whose_layout_loads_a_remote_image_is_refused_naming_its_cell():
    nb = _notebook("")
    figure = {
        "data": [{"type": "bar", "y": [1, 2]}],
        "layout": {"images": [{"source": "https://evil.example/logo.png", "x": 0, "y": 0}]},
    }
    nb.cells[1].outputs = [v4.new_output("display_data", data={PLOTLY_MIMETYPE: figure})]
    with pytest.raises(ReportError, match=r"cell 1 \(0-based\) would load 'https://evil"):
        notebook_to_html(nb)
    figure["layout"]["images"][0]["source"] = "data:image/png;base64,iVBORw0KGgo="
    nb.cells[1].outputs = [v4.new_output("display_data", data={PLOTLY_MIMETYPE: figure})]
    assert count_rendered_figures(notebook_to_html(nb)) == 1
