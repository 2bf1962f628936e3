"""Captions: record text in a caption is shown as text."""

from __future__ import annotations

from lowback.figures import captions
from tests.figures.conftest import ESCAPED


def test_record_text_with_markup_is_escaped_in_captions(kb_with_markup):
    text = captions.risk_evidence(kb_with_markup) + captions.risk_prevention(kb_with_markup)
    assert "<img" not in text
    assert ESCAPED in text
