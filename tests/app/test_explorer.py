"""The live explorer's plain words (lowback.app.explorer): the same texts as the offline page,
signs felt apart from suspicions, ids and offsets only with the details switch on.

The running Voila app is driven in tests/browser/test_explorer.py; escaping is checked in
tests/security/test_security.py.
"""

from __future__ import annotations

import re

import pytest

from lowback.app import explorer
from lowback.study import plain_words
from lowback.study.gate import GATE_SCOPE
from lowback.study.triage import DISCLAIMER, default_assessor

IDS_OR_OFFSETS = re.compile(r"\bleaf \d+|\brule t\d+|\b[ct]\d{2,3}\b|characters \d+")


@pytest.fixture(scope="module")
def assessor():
    return default_assessor()


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("&#39;", "'").split())


def test_the_answer_is_in_plain_words_without_ids_or_offsets(assessor):
    result = assessor.assess(
        ["pain_radiates_to_toes", "suspected_arthritis", "muscle_cramping"], age=70
    )
    shown = _text(explorer.render_assessment(result))
    labels = {e.id: e.label for e in result.evidence}
    for reason in result.reasons:
        assert plain_words.reason_words(reason, labels) in shown
        assert reason.quote in shown and reason.publisher in shown
    assert plain_words.LEVEL_WORDS[result.triage] in shown
    assert plain_words.FELT_HEADING in shown and plain_words.SUSPECTED_HEADING in shown
    felt = shown.index(plain_words.FELT_HEADING)
    assert felt < shown.index("Pain radiating to the toes (a warning sign)")
    assert shown.index(plain_words.SUSPECTED_HEADING) < shown.rindex(
        "Suspected arthritis (a warning sign)"
    )
    assert plain_words.leaf_words(result.probabilities) in shown
    assert not IDS_OR_OFFSETS.search(shown), IDS_OR_OFFSETS.search(shown)
    assert DISCLAIMER in shown and GATE_SCOPE in shown


def test_the_details_switch_shows_ids_offsets_and_the_leaf(assessor):
    result = assessor.assess(["pain_worse_when_bending", "pain_radiates_to_legs"], age=45)
    shown = _text(explorer.render_assessment(result, details=True))
    for reason in result.reasons:
        assert f"rule {reason.rule}" in shown
        assert f"characters {reason.start}\u2013{reason.end}" in shown
    assert result.path[-1] in shown
    assert all(f"record {e.record}" in shown for e in result.evidence)


def test_the_app_groups_the_signs_and_has_a_details_switch(assessor):
    app = explorer.symptom_explorer(assessor)
    column, out = app.children
    texts = [getattr(w, "description", "") or getattr(w, "value", "") for w in column.children]
    felt, suspected = plain_words.sign_groups(assessor.signs)
    labels = [assessor.sign_evidence(s).label for s in (*felt, *suspected)]
    boxes = [t for t in texts if t in labels]
    assert boxes == labels  # what a runner feels first, then what a runner suspects
    headings = [i for i, t in enumerate(texts) if isinstance(t, str) and "<b>" in t]
    assert len(headings) == 2 and texts.index(labels[len(felt)]) > headings[1]
    (switch,) = [
        w for w in column.children if getattr(w, "description", "") == plain_words.DETAILS_LABEL
    ]
    boxes = {w.description: w for w in column.children if hasattr(w, "indent")}
    boxes[assessor.sign_evidence("pain_radiates_to_toes").label].value = True
    assert not IDS_OR_OFFSETS.search(_text(out.value))
    switch.value = True
    assert "rule t" in _text(out.value)
