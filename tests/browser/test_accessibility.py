"""Accessibility in a real browser: axe-core finds no serious or critical WCAG 2.1 AA
violation on any report page, the index or the offline explorer (the decks: in
test_slide_decks.py; the live explorer: in test_explorer.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowback import config
from tests.browser.axe import blocking_violations, describe
from tests.browser.helpers import record, wait_for_js
from tests.browser.test_report_pages import RENDERED_FIGURES_JS

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("0*.ipynb"))


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    yield context
    context.close()


def _open(context, path: Path):
    page = context.new_page()
    recorder = record(page, lambda url: url.startswith("file:"))
    page.goto(path.as_uri(), wait_until="load")
    return page, recorder


@pytest.mark.parametrize("stem", [p.stem for p in NOTEBOOKS] + ["index", "explorer"])
def test_page_has_no_serious_accessibility_violation(stem, built_pages, context, axe_source):
    page, recorder = _open(context, built_pages.page(stem))
    # Figures drawn (the index and the explorer have none): waited for, not slept on.
    expected = built_pages.figures.get(stem, 0)
    wait_for_js(page, f"() => ({RENDERED_FIGURES_JS})() >= {expected}", 5000)
    violations = blocking_violations(page, axe_source)
    assert not violations, f"{stem}.html:\n{describe(violations)}"
    assert not recorder.blocked_requests, recorder.blocked_requests


def test_axe_finds_what_it_must(context, axe_source, tmp_path):
    """The checker itself: a page with grey-on-white text, an image without ``alt`` and an
    unlabelled checkbox has serious violations, named by axe's rule ids."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!doctype html><html lang="en"><head><title>bad</title></head><body><main>'
        '<p style="color:#bbbbbb;background:#ffffff">Faint text on white</p>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<input type="checkbox"></main></body></html>',
        encoding="utf-8",
    )
    page, _ = _open(context, bad)
    found = {v["id"] for v in blocking_violations(page, axe_source)}
    assert {"color-contrast", "image-alt", "label"} <= found, found


def test_offline_explorer_with_an_answer_has_no_serious_violation(built_pages, context, axe_source):
    """The offline explorer with two signs ticked and the details switch on: its answer
    (triage, reasons, quotes, path) passes axe too, not only the empty form."""
    page, recorder = _open(context, built_pages.page("explorer"))
    boxes = page.get_by_role("checkbox")
    boxes.nth(0).check()
    boxes.nth(boxes.count() - 2).check()  # the last sign (the switch is last)
    page.locator("#details").check()
    page.wait_for_timeout(200)
    violations = blocking_violations(page, axe_source)
    assert not violations, f"explorer.html with an answer:\n{describe(violations)}"
    assert not recorder.blocked_requests, recorder.blocked_requests
