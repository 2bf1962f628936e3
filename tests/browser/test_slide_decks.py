"""Slide decks in a real browser: every figure drawn on its slide, offline, no error, and
every slide of every deck (the lesson's too) within the screen at 1280x720 and 1920x1080."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from lowback import config
from lowback.publish.lesson import assemble_lesson, read_outline
from lowback.publish.slides import count_slide_figures, notebook_to_slides
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


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    yield context
    context.close()


@pytest.mark.parametrize("stem", DECKS)
def test_deck_draws_every_figure_on_its_slide_offline(stem, decks, context, screenshots_dir):
    deck, expected = decks[stem]
    assert expected > 0
    page, recorder = _open(context, deck)
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=10_000)
    slides = page.evaluate("() => Reveal.getTotalSlides()")
    page.screenshot(path=str(screenshots_dir / f"{stem}.slides.png"))
    for _ in range(slides):  # every slide shown once, as a presenter would
        page.evaluate("() => Reveal.next()")
        page.wait_for_timeout(120)
    drawn = page.evaluate(RENDERED_FIGURES_JS)
    assert drawn == expected, (
        f"{stem}: {drawn} figure(s) drawn in the deck, its slides hold {expected}"
    )
    assert page.evaluate("() => Reveal.isLastSlide()"), f"{stem}: the deck did not reach its end"
    assert not recorder.blocked_requests, f"{stem}: network requests: {recorder.blocked_requests}"
    assert not recorder.failed_requests, f"{stem}: failed requests: {recorder.failed_requests}"
    assert not recorder.console_errors, f"{stem}: console errors: {recorder.console_errors}"
    assert not recorder.page_errors, f"{stem}: uncaught errors: {recorder.page_errors}"


@pytest.mark.parametrize("screen", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
@pytest.mark.parametrize("stem", DECKS)
def test_every_slide_fits_the_screen(stem, screen, decks, browser):
    """No slide scrolls, no figure is cut off by the slide's bottom, no control covers a
    figure: on a projector's 1280x720 and a 1920x1080 screen."""
    width, height = screen
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page, recorder = _open(context, decks[stem][0])
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=10_000)
        assert page.evaluate("() => Reveal.getScale()") == pytest.approx(width / 1280)
        too_tall = page.evaluate(WALK_JS)
        assert not recorder.page_errors, f"{stem}: uncaught errors: {recorder.page_errors}"
    finally:
        context.close()
    assert not too_tall, f"{stem} at {width}x{height}, over the 720 px canvas: " + "; ".join(
        too_tall
    )
