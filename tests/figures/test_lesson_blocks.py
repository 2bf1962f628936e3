"""The lesson's plain-words blocks and one runner's path, checked against the records."""

from __future__ import annotations

import html

import pytest

from lowback import load_knowledge_base
from lowback.figures import lesson_blocks, style
from lowback.figures.runner_path import path_steps, runner_path_figure
from lowback.study.abstention import leaf_of
from lowback.study.assumptions import study_records
from lowback.study.gate import GATE_SCOPE, RedFlagGate
from lowback.study.plain_words import LEVEL_WORDS
from lowback.study.rulebook import Rulebook
from lowback.study.tree import feature_values, walk
from tests.figures.conftest import MARKUP


@pytest.fixture(scope="module")
def records():
    return load_knowledge_base()


def _claim_quotes(kb, relation: str) -> set[str]:
    claims = kb.claims
    return set(claims.loc[claims["relation"].astype(str) == relation, "quote"])


def test_every_pain_type_sign_is_shown_once_with_a_claims_quote(records):
    kb = study_records(records)
    block = lesson_blocks.pain_type_signs(kb)
    rules = Rulebook.of(kb)
    for pain_type in rules.pain_types:
        assert html.escape(kb.label(pain_type), quote=False) in block
    for sign, types in rules.symptom_types.items():
        assert block.count(f"<b>{html.escape(kb.label(sign), quote=False)}</b>") == len(types)
    shown = lesson_blocks.quotes_in(block)
    assert shown and set(shown) <= _claim_quotes(kb, "symptom_of")
    for colour in (style.pain_type_colours(kb)[t] for t in rules.pain_types):
        assert f"background:{colour}" in block


def test_a_hedge_or_advice_is_said_so(records):
    for modality in ("hedges", "recommends"):
        assert lesson_blocks.how_said(modality)
        assert lesson_blocks.how_said(modality) in lesson_blocks._how_html(modality)
    assert lesson_blocks.how_said("states") == ""
    block = lesson_blocks.contradictions_side_by_side(records)
    claims = records.claims.set_index("id")
    for link in lesson_blocks.chosen_contradictions(records).itertuples(index=False):
        for side in (link.subject, link.object):
            claim = claims.loc[side]
            quote = html.escape(claim["quote"], quote=False)
            assert f"{quote}\u201d{lesson_blocks._how_html(claim['modality'])}" in block


def test_every_warning_sign_of_the_gate_appears_once_with_its_level(records):
    gate = RedFlagGate(records)
    groups = lesson_blocks.warning_groups(records)
    signs = lesson_blocks.signs_in(groups)
    triggers = {rule["signs"] or (rule["red_flag"],) for rule in gate.rules}
    assert sorted(signs) == sorted(triggers)  # each once
    for group in groups:
        for sign in group["signs"]:
            assert gate.check(set(sign["trigger"])).level == group["level"]
        assert group["reason"].quote in set(records.triage["quote"])
    block = lesson_blocks.warning_signs(records)
    for level in {g["level"] for g in groups}:
        assert html.escape(LEVEL_WORDS[level], quote=False) in block
    assert html.escape(GATE_SCOPE, quote=False) in block
    assert set(lesson_blocks.quotes_in(block)) == {g["reason"].quote for g in groups}
    # An inferred level and one through a hedged claim say so.
    modality = dict(zip(records.claims["id"], records.claims["modality"].astype(str), strict=True))
    for group in groups:
        for sign in group["signs"]:
            reason = gate.check(set(sign["trigger"])).reasons[0]
            assert sign["inferred"] == (reason.basis != "literal")
            assert sign["hedged"] == any(modality[c] == "hedges" for c in reason.via)
    hedged = [s for g in groups for s in g["signs"] if s["hedged"]]
    assert hedged and block.count("from a hedge") == len(hedged)


def test_the_contradictions_are_the_first_in_the_records_without_ids(records):
    block = lesson_blocks.contradictions_side_by_side(records)
    claims = records.claims
    links = claims[claims["relation"].astype(str) == "contradicts"]
    chosen = links.head(lesson_blocks.CONTRADICTIONS_SHOWN)
    by_id = claims.set_index("id")
    expected = [
        by_id.loc[c, "quote"] for row in chosen.itertuples() for c in (row.object, row.subject)
    ]
    assert lesson_blocks.quotes_in(block) == expected
    for claim_id in {*chosen["id"], *chosen["subject"], *chosen["object"]}:
        assert claim_id not in block
    assert f"of the {len(links)} contradictions" in block


def test_record_text_is_escaped_in_the_blocks(kb_with_markup):
    # weak_core is a risk factor: put markup in a sign's label instead, through the same file.
    kb = kb_with_markup
    for block in (
        lesson_blocks.pain_type_signs(kb),
        lesson_blocks.warning_signs(kb),
        lesson_blocks.contradictions_side_by_side(kb),
    ):
        assert "<img" not in block
    assert MARKUP not in lesson_blocks.warning_signs(kb)


def test_the_runner_path_is_the_trees_own():
    from lowback.study.triage import default_assessor

    assessor = default_assessor()
    tree, kb = assessor.tree, assessor.all_records
    examples = {
        "disc signs, 45": ({"pain_worse_when_bending", "pain_radiates_to_legs"}, 45),
        "muscle signs, 30": ({"pain_beside_spine", "pain_worse_when_turning"}, 30),
    }
    fig = runner_path_figure(tree, kb, examples)
    signs, age = examples["disc signs, 45"]
    nodes = walk(tree, feature_values(tree, signs, age))
    steps, leaf = path_steps(tree, kb, signs, age)
    assert leaf == nodes[-1] and len(steps) == len(nodes) - 1
    summary = style.summary_of(fig)
    assert summary.startswith(
        "One simulated runner's path through the decision tree (disc signs, 45)"
    )
    assert f"{len(steps)} questions" in summary
    found = leaf_of(tree, leaf)
    assert f"The leaf holds {found.runners:,} simulated runners" in summary
    level = RedFlagGate(kb).check(signs).level
    assert LEVEL_WORDS[level] in summary
    texts = " ".join(a.text for a in fig.layout.annotations)
    for question, _ in steps:
        assert html.escape(question, quote=False) in texts
    colours = style.pain_type_colours(kb)
    fills = {s.fillcolor for s in fig.layout.shapes}
    assert {colours[t] for t, share in found.shares.items() if share > 0} <= fills
    other = runner_path_figure(tree, kb, examples, name="muscle signs, 30")
    assert "muscle signs, 30" in style.summary_of(other)
    with pytest.raises(ValueError, match="no example named"):
        runner_path_figure(tree, kb, examples, name="nobody")
