"""A pain type added to the records shows up in every figure, in its own colour."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lowback import load_knowledge_base
from lowback.figures import classifier, knowledge, style
from lowback.figures import risk as risk_figures
from lowback.study import risk
from lowback.study.assumptions import load_assumptions
from lowback.study.cohort import simulate
from lowback.study.evaluation import evaluate
from lowback.study.rulebook import Rulebook
from lowback.study.tree import fit_tree, make_tree, with_pain
from tests.conftest import append_record

NEW = "nerve"
NEW_LABEL = "Nerve pain"


def _claim_like(records: Path, claim_id: str, new_id: str, **changes: str) -> dict:
    """A new claim quoting what ``claim_id`` quotes (same source, offsets and passage)."""
    with (records / "claims.csv").open(encoding="utf-8", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["id"] == claim_id)
    return {**row, "id": new_id, "note": "", **changes}


@pytest.fixture
def extended(data_copy: Path):
    """Records with a fourth pain type (a ``type_of`` claim, a symptom of its own and a
    risk factor tied to it), a cohort simulated from them and the tree fitted on it.

    The new claims reuse existing claims' quotes and offsets, which the loader checks
    against the source text; the assumptions give the new type a prevalence (the others
    take the defaults for an unlisted symptom)."""
    data = data_copy
    records = data / "records"
    append_record(
        records / "entities.csv",
        {
            "id": NEW,
            "kind": "pain_type",
            "label": NEW_LABEL,
            "description": "A fourth type, added by an analyst.",
            "group": "",
        },
    )
    append_record(
        records / "entities.csv",
        {
            "id": "tingling_feet",
            "kind": "symptom",
            "label": "Tingling feet",
            "description": "Pins and needles in the feet.",
            "group": "",
        },
    )
    claims = [
        _claim_like(records, "c023", "x_fourth_1", subject=NEW),  # type_of low_back_pain
        _claim_like(records, "c035", "x_fourth_2", subject="tingling_feet", object=NEW),
        _claim_like(records, "c015", "x_fourth_3", object=NEW),  # incorrect_form risk_factor_for
    ]
    for claim in claims:
        append_record(records / "claims.csv", claim)
    (data / "fourth.toml").write_text(
        'extends = "assumptions.toml"\n'
        "[pain_types.muscle]\nprevalence = 0.35\n"
        "[pain_types.disc]\nprevalence = 0.25\n"
        f'[pain_types.{NEW}]\nprevalence = 0.20\nrationale = "A fourth type."\n',
        encoding="utf-8",
    )
    kb = load_knowledge_base(data)
    assert Rulebook.of(kb).pain_types == ("muscle", "bone", "disc", NEW)
    cohort = simulate(
        kb, 6_000, assumptions=load_assumptions(kb, data / "fourth.toml"), random_state=5
    )
    assert (cohort["pain_type"] == NEW).sum() > 100
    tree = fit_tree(kb, cohort, random_state=0)
    assert NEW in tree.classes
    return kb, cohort, tree


def test_a_fourth_pain_type_shows_up_in_every_figure_with_its_own_colour(extended):
    kb, cohort, tree = extended
    colours = style.pain_type_colours(kb)
    assert list(colours) == ["muscle", "bone", "disc", NEW, "low_back_pain"]
    assert len(set(colours.values())) == len(colours)  # its own colour, the umbrella's too

    # The tree: the root's counts include the new type's runners, and it has a colour.
    fig = classifier.tree_figure(tree, kb)
    root = next(
        h
        for h in next(t for t in fig.data if t.name == "nodes").hovertext
        if h.startswith("<b>node 0:")
    )
    pain = with_pain(cohort)
    assert f"{NEW}: {(pain['pain_type'] == NEW).sum():,} (" in root
    assert f"{len(pain):,} simulated runners" in root
    fills = {s.fillcolor for s in fig.layout.shapes}
    assert colours[NEW] in fills
    legend = {t.name: t.marker.color for t in fig.data if t.showlegend is not False}
    assert list(legend) == ["muscle", "bone", "disc", NEW]
    assert legend == {t: colours[t] for t in legend}

    # The confusion matrix and the tree against the rulebook.
    evaluation = evaluate(make_tree(), "tree", kb, cohort)
    heatmap = classifier.confusion_heatmap(evaluation).data[0]
    assert NEW in heatmap.x and NEW in heatmap.y
    recall = classifier.tree_versus_rulebook([evaluation]).data[1]
    assert NEW in recall.x

    # Pain types by age: a line, a histogram and a button of its own, in its colour.
    fig = risk_figures.age_figure(cohort, kb)
    lines = {t.name: t.line.color for t in fig.data if t.type == "scatter" and t.legendgroup}
    assert lines == {t: colours[t] for t in ("muscle", "bone", "disc", NEW)}
    bars = {t.name: t.marker.color for t in fig.data if t.type == "histogram"}
    assert bars == lines
    assert NEW in [b.label for b in fig.layout.updatemenus[0].buttons]

    # Relative risks: an outcome of its own, and a bar per family, in its colour.
    effects = risk.relative_risks(kb, cohort, n_resamples=20, random_state=0)
    fig = risk_figures.forest_plot(effects, kb)
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == [
        "any low back pain",
        "muscle pain",
        "bone pain",
        "disc pain",
        "nerve pain",
    ]
    markers = {t.name: t.marker.color for t in fig.data}
    assert markers["nerve pain"] == colours[NEW]
    assert len(set(markers.values())) == len(markers)
    fig = risk_figures.risk_factor_spotlight(effects, kb, groups=("form",))
    bars = {t.name: t.marker.color for t in fig.data}
    assert bars == {t: colours[t] for t in ("muscle", "bone", "disc", NEW)}

    # The evidence: its node and links in the Sankey, its column in the evidence map.
    sankey = knowledge.evidence_sankey(kb).data[0]
    labels = list(sankey.node.label)
    assert NEW_LABEL in labels
    node_colours = dict(zip(labels, sankey.node.color, strict=True))
    assert node_colours[NEW_LABEL] == colours[NEW]
    others = {
        node_colours[kb.label(t)] for t in ("muscle", "bone", "disc") if kb.label(t) in labels
    }
    assert colours[NEW] not in others
    red, green, blue = (int(colours[NEW][i : i + 2], 16) for i in (1, 3, 5))
    new_links = [
        c
        for s, t, c in zip(sankey.link.source, sankey.link.target, sankey.link.color, strict=True)
        if NEW_LABEL in (labels[s], labels[t])
    ]
    assert new_links and set(new_links) == {f"rgba({red},{green},{blue},0.45)"}
    evidence = risk_figures.evidence_map(kb).data[0]
    assert NEW_LABEL in evidence.x
