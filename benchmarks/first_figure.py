"""Time to the first figure drawn, in Chromium, for each report page against a floor page.

The floor is a page holding only plotly.js (embedded, as the report pages embed it) and one
empty figure drawn with ``Plotly.newPlot``: what any offline plotly page costs before its
first figure appears. For each page, Chromium (headless, the browser tests' flags) opens the
file from disk with every other request refused, and a script installed before the page's
own records ``performance.now()`` when the promise of the first ``Plotly.newPlot`` resolves:
when plotly has drawn the first figure, whatever figure it is. Floor and page load in
turn, each in a fresh browser context (no cache), and the median of the runs is kept.

Needs playwright and Chromium (``/usr/bin/chromium`` or ``$LOWBACK_CHROMIUM``); without
them the benchmark is reported as not measured.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

_FIRST_FIGURE_JS = """
(() => {
  // Installed before the page's scripts: when plotly.js defines window.Plotly, its newPlot
  // is wrapped so that the first figure's promise (resolved once the figure is drawn)
  // records the time.
  window.__lowbackFirstFigure = null;
  let plotly;
  Object.defineProperty(window, 'Plotly', {
    configurable: true,
    get: () => plotly,
    set: (value) => {
      plotly = value;
      const newPlot = value.newPlot;
      value.newPlot = function (...args) {
        const drawn = newPlot.apply(this, args);
        Promise.resolve(drawn).then(() => {
          if (window.__lowbackFirstFigure === null) {
            window.__lowbackFirstFigure = performance.now();
          }
        });
        return drawn;
      };
    },
  });
})();
"""


def floor_page(path: Path) -> Path:
    """Write the floor page (plotly.js and one empty figure) to ``path``."""
    from plotly.offline import get_plotlyjs

    path.write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>floor</title>"
        f"<script>{get_plotlyjs()}</script></head><body><div id='floor'></div>"
        "<script>Plotly.newPlot('floor', [], {});</script></body></html>",
        encoding="utf-8",
    )
    return path


def pages_with_figures(pages: list[Path]) -> list[Path]:
    """The pages that draw at least one plotly figure, in order."""
    return [p for p in pages if "Plotly.newPlot(" in p.read_text(encoding="utf-8")]


def _first_figure_ms(browser, page_path: Path) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        page.add_init_script(_FIRST_FIGURE_JS)
        page.goto(page_path.as_uri(), wait_until="commit")
        page.wait_for_function("() => window.__lowbackFirstFigure !== null", timeout=60_000)
        return float(page.evaluate("() => window.__lowbackFirstFigure"))
    finally:
        context.close()


def first_figure(pages: list[Path], repeat: int = 5) -> dict | None:
    """Each page's median time to its first drawn figure, against the floor page's.

    Pages that draw no figure (the offline explorer) are left out. Returns None when
    playwright or Chromium is missing (the target is then not measured).
    """
    pages = pages_with_figures(pages)
    try:
        from playwright.sync_api import sync_playwright

        from tests.browser.conftest import CHROMIUM_ARGS, find_chromium
    except ImportError:
        return None
    executable = find_chromium()
    if executable is None:
        return None
    with tempfile.TemporaryDirectory(prefix="lowback-bench-first-figure-") as tmp:
        floor = floor_page(Path(tmp) / "floor.html")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                _first_figure_ms(browser, floor)  # warm: the first start reads from disk
                rows = []
                for page_path in pages:
                    floor_runs, page_runs = [], []
                    for _ in range(repeat):
                        floor_runs.append(_first_figure_ms(browser, floor))
                        page_runs.append(_first_figure_ms(browser, page_path))
                    ms, floor_ms = statistics.median(page_runs), statistics.median(floor_runs)
                    rows.append(
                        {
                            "page": page_path.name,
                            "ms": ms,
                            "floor_ms": floor_ms,
                            "ratio": ms / floor_ms,
                        }
                    )
            finally:
                browser.close()
    return {"repeat": repeat, "rows": rows}
