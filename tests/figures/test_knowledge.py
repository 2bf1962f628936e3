"""Figures of the knowledge base: escaping of record text, the Sankey's highlight."""

from __future__ import annotations

import json

import pytest

from lowback.figures import knowledge
from tests.figures.conftest import ESCAPED, MARKUP


@pytest.mark.parametrize("figure", ["evidence_sankey", "evidence_table"])
def test_record_text_with_markup_is_escaped_in_figures(kb_with_markup, figure):
    assert kb_with_markup.label("weak_core") == MARKUP
    # plotly's JSON writes every "<" as \u003c; decode it, so the check can see a raw tag.
    as_json = json.dumps(json.loads(getattr(knowledge, figure)(kb_with_markup).to_json()))
    assert "<img" not in as_json
    assert ESCAPED in as_json


def test_sankey_highlight_keeps_exactly_the_factor_s_downstream_links(kb):
    fig = knowledge.evidence_sankey(kb, highlight=True)
    sankey = fig.data[0]
    labels = list(sankey.node.label)
    button = next(b for b in fig.layout.updatemenus[0].buttons if b.label == "Overuse")
    kept = [not c.startswith("rgba(200") for c in button.args[0]["link.color"][0]]
    sources = [labels[s] for s in sankey.link.source]
    assert {s for s, k in zip(sources, kept, strict=True) if k} == {
        "Overuse",
        "Lumbar fatigue",
        "Low back pain",
        "Muscle pain",
        "Disc pain",
    }


def test_contradictions_keep_both_sides_with_their_quotes(kb):
    sides = knowledge.contradictions(kb)
    assert len(sides) >= 1
    claims = kb.claims.set_index("id")
    for link, row in sides.iterrows():
        claim = claims.loc[link]
        assert claim["relation"] == "contradicts"
        assert claims.loc[claim["object"], "quote"] in row["one side"]
        assert claims.loc[claim["subject"], "quote"] in row["the other side"]
