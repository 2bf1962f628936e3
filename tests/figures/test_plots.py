"""Figures: the tree view's paths and quotes, and escaping of record text."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from lowback import load_knowledge_base
from lowback.figures import plots
from lowback.study import model
from lowback.study.cohort import simulate

EXAMPLES = {
    "disc": ({"pain_worse_when_bending", "pain_radiates_to_legs"}, 45),
    "muscle": ({"pain_beside_spine"}, 30),
    "none": (set(), 50),
}


@pytest.fixture(scope="module")
def tree(kb):
    return model.fit_tree(kb, simulate(kb, 10_000, random_state=3), random_state=0)


def test_tree_figure_shows_one_example_path_at_a_time_ending_at_its_leaf(kb, tree):
    fig = plots.tree_figure(tree, kb, EXAMPLES, cohort_size=10_000)
    paths = [t for t in fig.data if (t.name or "").startswith("path: ")]
    assert [p.name for p in paths] == ["path: disc", "path: muscle", "path: none"]
    assert [p.visible for p in paths] == [True, False, False]
    buttons = fig.layout.updatemenus[0].buttons
    assert len(buttons) == len(EXAMPLES)
    for i, button in enumerate(buttons):
        visible = button.args[0]["visible"]
        assert visible[-len(paths) :] == [j == i for j in range(len(paths))]
    for i, (path, (signs, age)) in enumerate(zip(paths, EXAMPLES.values(), strict=True)):
        values = model.feature_values(tree, signs, age)
        assert len(path.x) == len(model.walk(tree, values))
        assert path.hoverinfo == "skip"  # the node under the path keeps the hover
        caption = buttons[i].args[1]["annotations"][0]["text"]
        assert model.decision_path(tree, kb, values)[-1] in caption


def test_every_tree_node_hover_names_its_counts_and_split_quotes(kb, tree):
    fig = plots.tree_figure(tree, kb)
    nodes = next(t for t in fig.data if t.name == "nodes")
    structure = tree.estimator.tree_
    assert len(nodes.hovertext) == structure.node_count
    for split in model.splits(tree, kb):
        hover = next(h for h in nodes.hovertext if h.startswith(f"<b>node {split.node}:"))
        assert split.claim in hover and f"[{split.start}:{split.end}]" in hover
    assert "simulated" in fig.layout.title.text


MARKUP = '<img src=x onerror="alert(1)">'


@pytest.fixture
def kb_with_markup(data_copy: Path):
    path = data_copy / "records" / "entities.csv"
    entities = pd.read_csv(path, dtype=str, keep_default_na=False)
    entities.loc[entities["id"] == "weak_core", "label"] = MARKUP
    entities.to_csv(path, index=False, lineterminator="\n")
    return load_knowledge_base(data_copy)


@pytest.mark.parametrize("figure", ["evidence_sankey", "evidence_table"])
def test_record_text_with_markup_is_escaped_in_figures(kb_with_markup, figure):
    assert kb_with_markup.label("weak_core") == MARKUP
    # plotly's JSON writes every "<" as \u003c; decode it, so the check can see a raw tag.
    as_json = json.dumps(json.loads(getattr(plots, figure)(kb_with_markup).to_json()))
    assert "<img" not in as_json
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in as_json


@pytest.fixture(scope="module")
def effects(kb):
    from lowback.study import risk

    return risk.relative_risks(
        kb, simulate(kb, 5_000, random_state=1), n_resamples=50, random_state=0
    )


def test_forest_plot_has_one_view_per_outcome(kb, effects):
    fig = plots.forest_plot(effects, kb)
    assert [t.visible for t in fig.data] == [True, False, False, False]
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == [
        "any low back pain",
        "muscle pain",
        "bone pain",
        "disc pain",
    ]
    assert "simulated" in fig.layout.title.text


def test_spotlight_shows_each_named_family_with_its_quotes(kb, effects):
    fig = plots.risk_factor_spotlight(effects, kb)
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["age", "posture", "weak core", "overtraining"]
    posture = next(b for b in buttons if b.label == "posture")
    note = posture.args[1]["annotations"][0]["text"]
    assert "bad posture" in note
    visible = posture.args[0]["visible"]
    shown = {fig.data[i].x for i, v in enumerate(visible) if v}
    assert shown == {("Poor posture",)}


def test_sankey_highlight_keeps_exactly_the_factor_s_downstream_links(kb):
    fig = plots.evidence_sankey(kb, highlight=True)
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


def test_record_text_with_markup_is_escaped_in_captions(kb_with_markup):
    from lowback.figures import captions

    text = captions.risk_evidence(kb_with_markup) + captions.risk_prevention(kb_with_markup)
    assert "<img" not in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text
