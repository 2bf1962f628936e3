"""Every figure function attaches a summary (its text alternative), and its numbers are
the figure's own."""

from __future__ import annotations

import re

import pytest

from lowback.data.coverage import sentence_coverage
from lowback.figures import comparison, knowledge, style
from lowback.figures import risk as risk_figures
from lowback.study.cohort import simulate
from tests.conftest import require_every_source


def _summary(fig) -> str:
    summary = style.summary_of(fig)
    assert summary, "no summary"
    assert "&lt;" not in summary and "<br>" not in summary  # plain text, read back unescaped
    return summary


def test_the_records_by_kind_say_their_totals(kb):
    summary = _summary(knowledge.records_by_kind(kb))
    assert f"{len(kb.entities)} entities" in summary
    assert f"{len(kb.claims)} claims" in summary


def test_the_material_map_says_its_sentences_and_their_coverage(kb):
    coverage = sentence_coverage(kb)
    summary = _summary(knowledge.material_map(kb, coverage=coverage))
    assert f"{len(coverage):,} on-topic sentences" in summary
    assert f"{(coverage['status'] == 'claim').sum():,} are backed by a claim" in summary


def test_the_flow_says_its_links_and_claims_and_names_its_node_colours(kb):
    fig = knowledge.evidence_sankey(kb)
    sankey = fig.data[0]
    summary = _summary(fig)
    assert f"{sum(sankey.link.value)} claims in {len(sankey.link.value)} links" in summary
    widest = max(range(len(sankey.link.value)), key=lambda i: sankey.link.value[i])
    assert f"({sankey.link.value[widest]} claims)." in summary
    # The node legend: every node colour the flow shows, with what it means.
    key = " ".join(a.text for a in fig.layout.annotations if "Node colours" in a.text)
    for colour in set(sankey.node.color):
        assert f"color:{colour}'>■</span>" in key, colour
    for kind in ("risk factor", "cause", "treatment", "test", "prevention measure"):
        assert re.search(rf"■</span> {kind}\b", key), kind
    for pain_type in ("Muscle pain", "Bone pain", "Disc pain"):
        assert f"{pain_type} (pain type)" in key


def test_the_evidence_figures_of_notebook_03_have_summaries(kb):
    evidence = _summary(risk_figures.evidence_map(kb))
    assert "risk factor" in evidence and "claims" in evidence
    prevention = _summary(risk_figures.prevention_map(kb))
    ticks = sum(v is not None for row in risk_figures.prevention_map(kb).data[0].z for v in row)
    assert f"each of the {ticks} pairings" in prevention


def test_the_age_figure_says_its_runners(kb):
    cohort = simulate(kb, 3_000, random_state=1)
    summary = _summary(risk_figures.age_figure(cohort, kb))
    with_pain = cohort["pain_type"].isin(["muscle", "bone", "disc"]).sum()
    assert summary.startswith(f"{with_pain:,} simulated runners with pain")


@pytest.mark.parametrize(
    "draw", ["verdict_bars", "claim_marks", "warning_signs_table", "other_only_marks"]
)
def test_the_comparison_figures_have_summaries(draw):
    require_every_source("the comparison figures")
    from lowback import load_knowledge_base

    kb = load_knowledge_base()
    summary = _summary(getattr(comparison, draw)(kb))
    if draw in ("verdict_bars", "claim_marks"):
        assert f"{len(kb.comparisons)}" in summary
