"""Slide decks in a real browser: every figure drawn on its slide, offline, no error."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from lowback import config
from lowback.publish.slides import count_slide_figures, notebook_to_slides
from tests.browser.test_report_pages import RENDERED_FIGURES_JS, _open

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))


@pytest.fixture(scope="module")
def decks(tmp_path_factory, reveal_dir) -> dict[str, tuple[Path, int]]:
    """``{stem: (deck path, figures on its slides)}``, one deck per committed notebook."""
    out = tmp_path_factory.mktemp("slide-decks")
    built = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        deck = out / f"{path.stem}.slides.html"
        deck.write_text(notebook_to_slides(nb, reveal_dir=reveal_dir), encoding="utf-8")
        built[path.stem] = (deck, count_slide_figures(nb))
    return built


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    yield context
    context.close()


@pytest.mark.parametrize("stem", [p.stem for p in NOTEBOOKS])
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
