"""The offline report pages, as a browser draws them from disk with no network at all.

Each page is built into a temporary folder from the committed (already executed)
notebook, exactly as ``lowback report`` converts it, without re-running anything.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest

from lowback import config
from lowback.publish.pages import PLOTLY_MIMETYPE
from tests.browser.helpers import record, wait_for_js

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("0*.ipynb"))
TREE_PAGE = "02-symptom-classifier"
RISK_PAGE = "03-risk-factors"

# An entry of an open plotly dropdown menu (`.updatemenu-button` is for type="buttons").
DROPDOWN_ITEM = ".updatemenu-dropdown-button"

# Plotly graph divs that hold a drawn figure.
RENDERED_FIGURES_JS = """
() => [...document.querySelectorAll('.js-plotly-plot')]
        .filter(gd => gd.querySelector('.main-svg')).length
"""

# The decision-tree figure's graph div (its title names it).
FIND_TREE_JS = """
() => [...document.querySelectorAll('.js-plotly-plot')].find(gd => {
  const title = gd.layout && gd.layout.title;
  const text = (title && (title.text || title)) || '';
  return String(text).toLowerCase().includes('decision tree');
})
"""


def _only_file_urls(url: str) -> bool:
    return url.startswith("file:")


@pytest.fixture(scope="module")
def pages(built_pages) -> dict[str, tuple[Path, int]]:
    """``{stem: (page path, expected figure count)}``, one page per committed notebook
    (the session's built pages, tests/browser/conftest.py)."""
    return {p.stem: (built_pages.page(p.stem), built_pages.figures[p.stem]) for p in NOTEBOOKS}


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context
    context.close()


def _open(context, page_path: Path):
    """Open a page from file:// with every other request blocked and recorded."""
    page = context.new_page()
    recorder = record(page, _only_file_urls)
    page.goto(page_path.as_uri(), wait_until="load")
    return page, recorder


def _wait_for_figures(page, expected: int) -> int:
    """Wait (5 s at most) for ``expected`` drawn figures; return how many there are."""
    wait_for_js(page, f"() => ({RENDERED_FIGURES_JS})() >= {expected}", 5000)
    return page.evaluate(RENDERED_FIGURES_JS)


def test_every_notebook_has_a_page():
    assert {TREE_PAGE, RISK_PAGE} <= {p.stem for p in NOTEBOOKS}, NOTEBOOKS


@pytest.mark.parametrize("stem", [p.stem for p in NOTEBOOKS])
def test_page_draws_every_figure_offline(stem, pages, context, screenshots_dir):
    page_path, expected = pages[stem]
    assert expected > 0, f"{stem}: the committed notebook holds no plotly figure"
    page, recorder = _open(context, page_path)
    drawn = _wait_for_figures(page, expected)
    page.screenshot(path=str(screenshots_dir / f"{stem}.png"), full_page=True)

    assert drawn == expected, (
        f"{stem}: {drawn} plotly figure(s) drawn (.js-plotly-plot with a .main-svg), "
        f"the notebook holds {expected}"
    )
    assert not recorder.blocked_requests, (
        f"{stem}: the page asked for the network (blocked): {recorder.blocked_requests}"
    )
    assert not recorder.failed_requests, f"{stem}: failed requests: {recorder.failed_requests}"
    assert not recorder.console_errors, f"{stem}: console errors: {recorder.console_errors}"
    assert not recorder.page_errors, f"{stem}: uncaught errors: {recorder.page_errors}"


def _root_quote() -> str:
    """The quote in the tree root's hover text, read from the committed notebook's figure."""
    nb = nbformat.read(config.NOTEBOOKS_DIR / f"{TREE_PAGE}.ipynb", as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            figure = output.get("data", {}).get(PLOTLY_MIMETYPE)
            if not figure or "decision tree" not in str(figure["layout"].get("title")).lower():
                continue
            nodes = next(trace for trace in figure["data"] if trace.get("name") == "nodes")
            root = min(range(len(nodes["x"])), key=lambda i: nodes["x"][i])  # leftmost node
            match = re.search(r"“(.+?)”", nodes["hovertext"][root], re.DOTALL)
            assert match, f"the root's hover text has no quote: {nodes['hovertext'][root]!r}"
            return match.group(1)
    raise AssertionError(f"{TREE_PAGE}: no decision-tree figure in the committed outputs")


def _squeeze(text: str) -> str:
    """Text without markup or whitespace (SVG hover labels put lines in separate tspans)."""
    return re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", text)))


def test_hovering_the_tree_root_shows_its_quote(pages, context):
    quote = _root_quote()
    assert "Muscle-related pain occurs on both sides" in quote  # the root split's quote
    page, recorder = _open(context, pages[TREE_PAGE][0])
    _wait_for_figures(page, pages[TREE_PAGE][1])
    target = page.evaluate(
        f"""() => {{
      const gd = ({FIND_TREE_JS})();
      if (!gd) return null;
      gd.scrollIntoView({{block: 'center'}});
      window.__hovered = [];
      gd.on('plotly_hover', e => {{ window.__hovered = e.points.map(p => p.data.name); }});
      const nodes = gd._fullData.find(t => t.name === 'nodes');
      let root = 0;
      // The tree reads left to right: the root is the leftmost node.
      for (let i = 0; i < nodes.x.length; i++) if (nodes.x[i] < nodes.x[root]) root = i;
      const box = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
      return {{id: gd.id, hovertext: nodes.hovertext[root],
               x: box.left + xa._offset + xa.l2p(nodes.x[root]),
               y: box.top + ya._offset + ya.l2p(nodes.y[root])}};
    }}"""
    )
    assert target, f"{TREE_PAGE}: no figure titled '... decision tree ...' on the page"
    assert _squeeze(quote) in _squeeze(target["hovertext"]), "the page's figure differs"

    # A real mouse: come from the side, stop on the root node's centre.
    page.mouse.move(target["x"] - 60, target["y"] + 40)
    page.mouse.move(target["x"], target["y"], steps=8)
    page.wait_for_timeout(300)  # plotly throttles hover events: let the last one land
    label_js = f"""() => [...document.querySelectorAll('#{target["id"]} .hoverlayer .hovertext')]
                       .map(e => e.textContent).join(' | ')"""
    page.wait_for_function(f"() => ({label_js})().length > 0", timeout=5000)
    label = page.evaluate(label_js)
    hovered = page.evaluate("() => window.__hovered")
    assert _squeeze(quote) in _squeeze(label), (
        f"hovering the centre of the tree's root node shows {label!r} "
        f"(trace {hovered}), not the root's quote {quote!r}"
    )
    assert not recorder.problems(), recorder.problems()


def _path_visibility(page) -> dict[str, bool]:
    return page.evaluate(
        f"""() => Object.fromEntries(({FIND_TREE_JS})()._fullData
              .filter(t => t.name.startsWith('path: '))
              .map(t => [t.name, t.visible === true]))"""
    )


def test_tree_dropdown_changes_the_example_path(pages, context):
    page, recorder = _open(context, pages[TREE_PAGE][0])
    _wait_for_figures(page, pages[TREE_PAGE][1])
    tree_id = page.evaluate(f"() => {{ const gd = ({FIND_TREE_JS})(); return gd && gd.id; }}")
    assert tree_id, f"{TREE_PAGE}: no decision-tree figure"
    before = _path_visibility(page)
    shown = [name for name, visible in before.items() if visible]
    assert len(before) >= 2 and len(shown) == 1, before
    choice = next(name for name, visible in before.items() if not visible)
    label = choice.removeprefix("path: ")

    figure = page.locator(f"#{tree_id}")
    figure.scroll_into_view_if_needed()
    figure.locator(".updatemenu-header-group").click()
    figure.locator(DROPDOWN_ITEM, has_text=label).click()
    page.wait_for_function(
        f"""() => ({FIND_TREE_JS})()._fullData
              .some(t => t.name === {choice!r} && t.visible === true)""",
        timeout=5000,
    )
    after = _path_visibility(page)
    assert after != before
    assert [name for name, visible in after.items() if visible] == [choice], after
    assert not recorder.problems(), recorder.problems()


def test_forest_plot_dropdown_changes_the_outcome(pages, context):
    page, recorder = _open(context, pages[RISK_PAGE][0])
    _wait_for_figures(page, pages[RISK_PAGE][1])
    forest_id = page.evaluate(
        """() => { const gd = [...document.querySelectorAll('.js-plotly-plot')].find(
                     gd => String(gd.layout.title && gd.layout.title.text)
                             .includes('relative risk of any low back pain'));
                   return gd && gd.id; }"""
    )
    assert forest_id, f"{RISK_PAGE}: no effect plot titled '... relative risk of any low back pain'"
    figure = page.locator(f"#{forest_id}")
    title = figure.locator(".gtitle")
    before = title.text_content()
    assert "any low back pain" in before

    figure.scroll_into_view_if_needed()
    figure.locator(".updatemenu-header-group").click()
    figure.locator(DROPDOWN_ITEM, has_text="disc pain").click()
    page.wait_for_function(
        f"""() => document.querySelector('#{forest_id} .gtitle').textContent
                    .includes('disc pain')""",
        timeout=5000,
    )
    after = title.text_content()
    assert after != before and "relative risk of disc pain" in after, after
    visible = page.evaluate(
        f"""() => document.getElementById({forest_id!r})._fullData
              .filter(t => t.visible === true).map(t => t.name)"""
    )
    # What went in (the assumed odds ratios) and the numbers column stay; of the outcomes
    # only the one picked is shown.
    assert "disc pain" in visible and "any low back pain" not in visible, visible
    assert not recorder.problems(), recorder.problems()


# Every toolbar button of every figure: its title, as plotly.js shows it on hover.
MODEBAR_TITLES_JS = """
() => [...document.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title'))
"""


@pytest.mark.parametrize("stem", [p.stem for p in NOTEBOOKS])
def test_no_figure_offers_an_upload_and_the_toolbar_is_short(stem, pages, context):
    # plotly.js 3 shows "Share chart..." (an upload to plotly's cloud) by default: no place
    # in an offline page. Hovering a figure shows its toolbar; every one is checked.
    page_path, expected = pages[stem]
    page, recorder = _open(context, page_path)
    assert _wait_for_figures(page, expected) == expected
    for graph in page.query_selector_all(".js-plotly-plot"):
        graph.scroll_into_view_if_needed()
        graph.hover()
    titles = page.evaluate(MODEBAR_TITLES_JS)
    assert titles, "no toolbar was drawn"
    assert not [t for t in titles if "share" in (t or "").lower()], titles
    assert not page.query_selector_all(".modebar-btn--logo")  # no link to plotly's site
    per_figure = len(titles) / expected
    assert per_figure <= 6, sorted(set(titles))  # zoom, pan, zoom in/out, reset, PNG
    assert recorder.blocked_requests == []
    page.close()


# The smallest computed font size of each kind of text a reader reads on a page.
SMALLEST_TEXT_JS = """
() => { const smallest = sel => Math.min(...[...document.querySelectorAll(sel)]
          .map(el => parseFloat(getComputedStyle(el).fontSize)));
        return {prose: smallest('.jp-RenderedMarkdown p, .jp-RenderedMarkdown li'),
                tables: smallest('.jp-RenderedHTMLCommon td')}; }
"""


@pytest.mark.parametrize("stem", [p.stem for p in NOTEBOOKS])
def test_prose_is_projector_sized_as_the_browser_computes_it(stem, pages, context):
    # The page's own 18 px used to lose to JupyterLab's later 14 px rule (computed 14 px).
    page_path, _ = pages[stem]
    page, _ = _open(context, page_path)
    sizes = page.evaluate(SMALLEST_TEXT_JS)
    assert sizes["prose"] >= 18, sizes
    assert sizes["tables"] >= 16 or sizes["tables"] == float("inf"), sizes
    page.close()
