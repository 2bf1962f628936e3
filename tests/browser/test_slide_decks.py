"""Slide decks in a real browser: every figure drawn on its slide, offline, no error, every
slide of every deck (the lesson's too) within the screen at 1280x720 and 1920x1080, and no
serious accessibility violation (axe-core)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from lowback import config
from lowback.publish.lesson import assemble_lesson, read_outline
from lowback.publish.slides import count_slide_figures, notebook_to_slides
from tests.browser.axe import blocking_violations, describe
from tests.browser.test_report_pages import RENDERED_FIGURES_JS, _open

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
LESSON = "lesson"
DECKS = [p.stem for p in NOTEBOOKS] + [LESSON]
SCREENS = [(1280, 720), (1920, 1080)]

# Show each slide (Reveal.slide(h, v)), wait for deck.js to fit it (data-lowback-fitted; at
# most 3 s, so that a deck without the fitting is measured too), then measure in the
# slide's own px: its content (scrollHeight) against the canvas, each figure's box (the
# box that scrolls, for a figure kept at its height) against the canvas's bottom, and
# reveal's controls against every figure.
WALK_JS = """
async () => {
  Reveal.configure({ transition: "none" });
  const canvas = Reveal.getConfig().height;
  const pause = (ms) => new Promise((done) => setTimeout(done, ms));
  const bottomOf = (el, section) => {
    const box = section.getBoundingClientRect();
    return (el.getBoundingClientRect().bottom - box.top) * (section.clientHeight / box.height);
  };
  const overlaps = (a, b) =>
    a.width && a.height && b.width && b.height &&
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const found = [];
  for (const section of Reveal.getSlides()) {
    const { h, v } = Reveal.getIndices(section);
    Reveal.slide(h, v);
    for (let i = 0; i < 150 && !section.dataset.lowbackFitted; i++) await pause(20);
    const problems = [];
    if (section.scrollHeight > canvas) {
      problems.push(`content ${section.scrollHeight} px tall`);
    }
    const controls = document.querySelector(".reveal .controls");
    const shown = controls && getComputedStyle(controls).display !== "none";
    section.querySelectorAll(".js-plotly-plot").forEach((figure) => {
      if (figure.closest("aside")) return;
      const box = figure.closest(".lowback-viewport") || figure;
      const bottom = Math.round(bottomOf(box, section));
      if (bottom > canvas) problems.push(`figure ${figure.id} clipped at ${bottom} px`);
      if (shown) {
        const buttons = [...controls.querySelectorAll("button")].filter(
          (b) => getComputedStyle(b).visibility !== "hidden");
        for (const b of buttons) {
          if (overlaps(b.getBoundingClientRect(), box.getBoundingClientRect())) {
            problems.push(`controls over figure ${figure.id}`);
            break;
          }
        }
      }
    });
    if (problems.length) found.push(`slide ${h + 1}.${v + 1}: ${problems.join(", ")}`);
  }
  return found;
}
"""


@pytest.fixture(scope="module")
def decks(tmp_path_factory, reveal_dir) -> dict[str, tuple[Path, int]]:
    """``{name: (deck path, figures on its slides)}``: one deck per committed notebook, and
    the lesson assembled from them."""
    out = tmp_path_factory.mktemp("slide-decks")
    built = {}
    notebooks = [(path.name, nbformat.read(path, as_version=4)) for path in NOTEBOOKS]
    outline = read_outline()
    lesson = assemble_lesson(outline, notebooks)
    for (name, nb), stem in zip([*notebooks, (LESSON, lesson)], DECKS, strict=True):
        deck = out / f"{stem}.slides.html"
        title = outline.title if name == LESSON else None
        deck.write_text(notebook_to_slides(nb, reveal_dir=reveal_dir, title=title), "utf-8")
        built[stem] = (deck, count_slide_figures(nb))
    return built


# Every slide shown at once, one under the other, for one axe scan of the whole deck:
# reveal hides all slides but the present one (display, visibility, aria-hidden), and axe
# judges only what is shown.
SHOW_EVERY_SLIDE_JS = """
() => {
  const style = document.createElement("style");
  style.textContent = `.reveal .slides section { display: block !important;
    position: relative !important; top: auto !important; transform: none !important;
    opacity: 1 !important; visibility: visible !important; height: auto !important; }
    .reveal .slides { position: static !important; transform: none !important;
    width: auto !important; height: auto !important; zoom: 1 !important; }
    .reveal, .reveal-viewport { overflow: visible !important; height: auto !important; }`;
  document.head.appendChild(style);
  document.querySelectorAll(".reveal .slides section").forEach((section) => {
    section.removeAttribute("aria-hidden");
    section.removeAttribute("hidden");
    section.classList.remove("future", "past");
  });
  return document.querySelectorAll(".reveal .slides section").length;
}
"""


@pytest.mark.parametrize("stem", DECKS)
def test_deck_in_the_browser(stem, decks, browser, axe_source, screenshots_dir):
    """Each deck, walked slide by slide as a presenter would, at 1280x720 then 1920x1080:

    * no slide scrolls, no figure is cut off by the slide's bottom, no control covers a
      figure (on either screen);
    * every figure of its slides is drawn, the walk reaches the last slide, and nothing
      asks for the network or logs an error;
    * axe finds no serious or critical WCAG 2.1 AA violation on any slide or in the
      deck's controls (every slide shown at once, one scan).
    """
    deck, expected = decks[stem]
    assert expected > 0
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page, recorder = _open(context, deck)
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=10_000)
        page.screenshot(path=str(screenshots_dir / f"{stem}.slides.png"))
        too_tall = {}
        for width, height in SCREENS:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_function(
                f"() => Math.abs(Reveal.getScale() - {width / 1280}) < 1e-6", timeout=5_000
            )
            page.evaluate("() => Reveal.slide(0, 0)")
            too_tall[f"{width}x{height}"] = page.evaluate(WALK_JS)
        reached_end = page.evaluate("() => Reveal.isLastSlide()")
        drawn = page.evaluate(RENDERED_FIGURES_JS)
        page.set_viewport_size({"width": 1280, "height": 720})
        assert page.evaluate(SHOW_EVERY_SLIDE_JS) > 0
        violations = blocking_violations(page, axe_source)
    finally:
        context.close()
    for screen, problems in too_tall.items():
        assert not problems, f"{stem} at {screen}, over the 720 px canvas: " + "; ".join(problems)
    assert drawn == expected, f"{stem}: {drawn} figure(s) drawn, its slides hold {expected}"
    assert reached_end, f"{stem}: the walk did not reach the deck's last slide"
    assert not violations, f"{stem}.slides.html:\n{describe(violations)}"
    assert not recorder.blocked_requests, f"{stem}: network requests: {recorder.blocked_requests}"
    assert not recorder.failed_requests, f"{stem}: failed requests: {recorder.failed_requests}"
    assert not recorder.console_errors, f"{stem}: console errors: {recorder.console_errors}"
    assert not recorder.page_errors, f"{stem}: uncaught errors: {recorder.page_errors}"
