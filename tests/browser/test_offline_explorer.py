"""The offline explorer, ``explorer.html``, in Chromium from disk with no network at all.

Every profile of the classifier's audit (every set of up to two signs at every audit age),
300 seeded random larger profiles with and without an age, and a few through the real
controls: the page's answer must be the one ``Assessor.assess`` gives, field for field and
in order. One page load; the profiles go through ``window.lowbackAssess`` in one batch.
"""

from __future__ import annotations

import json
import random
import re
import time

import pytest

from lowback.publish.explorer_page import explorer_page
from lowback.study.audit import audit
from lowback.study.plain_words import DETAILS_LABEL, FELT_HEADING, SUSPECTED_HEADING
from lowback.study.triage import default_assessor
from tests.browser.helpers import record

BATCH_JS = "cases => JSON.stringify(cases.map(([signs, age]) => window.lowbackAssess(signs, age)))"


@pytest.fixture(scope="module")
def assessor():
    return default_assessor()


@pytest.fixture(scope="module")
def offline(browser, assessor, tmp_path_factory):
    """The page, written to disk and opened from file:// with every other request blocked."""
    path = tmp_path_factory.mktemp("explorer") / "explorer.html"
    path.write_text(explorer_page(assessor), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    recorder = record(page, lambda url: url.startswith("file:"))
    page.goto(path.as_uri(), wait_until="load")
    yield page, recorder
    context.close()


def _profiles(rows, assessor) -> list[tuple[list[str], float | None]]:
    """The audit's profiles (``rows``: ``audit(assessor)``), then 300 seeded random ones."""
    cases = [(list(p), float(a)) for p, a in zip(rows["profile"], rows["age"], strict=True)]
    rng = random.Random(14)
    signs = list(assessor.signs)
    for _ in range(300):
        cases.append(
            (rng.sample(signs, rng.randint(3, 6)), rng.choice([None, rng.randint(0, 120)]))
        )
    return cases


def test_every_audited_profile_gets_the_answer_assess_gives(offline, assessor):
    page, _ = offline
    rows = audit(assessor)  # once: it assesses every profile of up to two signs
    cases = _profiles(rows, assessor)
    assert len(cases) == len(rows) + 300 > 300
    start = time.monotonic()
    answers = json.loads(page.evaluate(BATCH_JS, cases))
    took = time.monotonic() - start
    wrong = []
    for (signs, age), answer in zip(cases, answers, strict=True):
        want = json.loads(json.dumps(assessor.assess(signs, age=age).to_dict()))
        if answer != want:
            fields = [k for k in want if answer.get(k) != want[k]] + sorted(set(answer) - set(want))
            wrong.append(f"{signs} at {age}: {fields}")
    assert not wrong, f"{len(wrong)} of {len(cases)} answers differ, e.g. {wrong[:5]}"
    print(f"{len(cases)} profiles through the page in {took:.2f} s")


def test_the_page_refuses_what_assess_refuses(offline, assessor):
    page, _ = offline
    sign = assessor.signs[0]
    for call in ("[]", "['no_such_sign']", f"['{sign}'], 121", f"['{sign}'], -1"):
        message = page.evaluate(
            f"() => {{ try {{ window.lowbackAssess({call}); return ''; }}"
            " catch (e) { return e.message; } }"
        )
        assert message, f"lowbackAssess({call}) answered"


def _answer(page) -> str:
    return page.inner_text("#answer")


def test_ticking_boxes_shows_the_answer_in_plain_words(offline, assessor):
    page, _ = offline
    page.get_by_label(DETAILS_LABEL).set_checked(False)
    assert "Tick at least one sign" in _answer(page)
    cases = [
        (["pain_worse_when_bending", "pain_radiates_to_legs"], 45),
        (["suspected_herniated_disc", "muscle_cramping", "persistent_or_severe_pain"], 70),
        (["no_relief_from_self_care"], None),
    ]
    for signs, age in cases:
        for box in page.locator("input[name=sign]").all():
            box.set_checked(box.get_attribute("value") in signs)
        page.get_by_label("Leave the age out", exact=False).set_checked(age is None)
        if age is not None:
            page.get_by_label("Age (years)").fill(str(age))
        result = assessor.assess(signs, age=age)
        shown = _answer(page)
        badge = page.locator("#answer .badge-text").inner_text()
        assert badge == result.triage.replace("_", " ").upper()
        for reason in result.reasons:
            assert f"{reason.publisher}: \u201c{reason.quote}\u201d" in shown
        for evidence in result.evidence:
            assert evidence.label in shown
        for line in result.path[:-1]:
            assert line in shown
        if result.abstain_reason:
            assert result.abstain_reason in shown
        else:
            assert f"{result.pain_type} pain" in shown
        # Plain words: no offsets, record ids or leaf numbers.
        assert not re.search(r"\bleaf \d+|\b[ct]\d{2,3}\b|characters \d+", shown), shown
        assert (SUSPECTED_HEADING in shown) == any(s.startswith("suspected_") for s in signs)
        assert FELT_HEADING in shown or all(s.startswith("suspected_") for s in signs)
    live = page.locator("#answer")
    assert live.get_attribute("aria-live") == "polite"


def test_the_details_switch_shows_ids_offsets_and_the_leaf(offline, assessor):
    page, _ = offline
    signs, age = ["pain_radiates_to_toes", "generalized_lumbar_pain"], 70
    for box in page.locator("input[name=sign]").all():
        box.set_checked(box.get_attribute("value") in signs)
    page.get_by_label("Leave the age out", exact=False).set_checked(False)
    page.get_by_label("Age (years)").fill(str(age))
    result = assessor.assess(signs, age=age)
    page.get_by_label(DETAILS_LABEL).set_checked(True)
    shown = _answer(page)
    assert all(f"rule {r.rule}" in shown for r in result.reasons)
    assert f"characters {result.reasons[0].start}\u2013{result.reasons[0].end}" in shown
    assert result.path[-1] in shown and re.search(r"\bLeaf \d+", shown)
    page.get_by_label(DETAILS_LABEL).set_checked(False)
    assert f"rule {result.reasons[0].rule}" not in _answer(page)


def test_the_controls_work_from_the_keyboard(offline):
    page, _ = offline
    for box in page.locator("input[type=checkbox]").all():
        box.set_checked(False)
    page.locator("input[name=sign]").first.focus()
    page.keyboard.press("Space")
    assert page.locator("input[name=sign]").first.is_checked()
    assert "Triage:" in _answer(page)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.name")
    assert focused == "sign"
    text_px = page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('#answer p, #answer li, label')]"
        ".map(e => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert text_px >= 18


def test_the_page_needs_no_network_and_logs_no_error(offline):
    page, recorder = offline
    page.wait_for_timeout(200)
    assert not recorder.problems(), recorder.problems()
