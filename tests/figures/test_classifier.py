"""Figures of the classifier: the tree view's paths and quotes."""

from __future__ import annotations

import pytest

from lowback.figures import classifier
from lowback.study.cohort import simulate
from lowback.study.tree import decision_path, feature_values, fit_tree, splits, walk

EXAMPLES = {
    "disc": ({"pain_worse_when_bending", "pain_radiates_to_legs"}, 45),
    "muscle": ({"pain_beside_spine"}, 30),
    "none": (set(), 50),
}


@pytest.fixture(scope="module")
def tree(kb):
    return fit_tree(kb, simulate(kb, 10_000, random_state=3), random_state=0)


def test_tree_figure_shows_one_example_path_at_a_time_ending_at_its_leaf(kb, tree):
    fig = classifier.tree_figure(tree, kb, EXAMPLES, cohort_size=10_000)
    paths = [t for t in fig.data if (t.name or "").startswith("path: ")]
    assert [p.name for p in paths] == ["path: disc", "path: muscle", "path: none"]
    assert [p.visible for p in paths] == [True, False, False]
    buttons = fig.layout.updatemenus[0].buttons
    assert len(buttons) == len(EXAMPLES)
    for i, button in enumerate(buttons):
        visible = button.args[0]["visible"]
        assert visible[-len(paths) :] == [j == i for j in range(len(paths))]
    for i, (path, (signs, age)) in enumerate(zip(paths, EXAMPLES.values(), strict=True)):
        values = feature_values(tree, signs, age)
        assert len(path.x) == len(walk(tree, values))
        assert path.hoverinfo == "skip"  # the node under the path keeps the hover
        caption = buttons[i].args[1]["annotations"][0]["text"]
        assert decision_path(tree, kb, values)[-1] in caption


def test_every_tree_node_hover_names_its_counts_and_split_quotes(kb, tree):
    fig = classifier.tree_figure(tree, kb)
    nodes = next(t for t in fig.data if t.name == "nodes")
    structure = tree.estimator.tree_
    assert len(nodes.hovertext) == structure.node_count
    for split in splits(tree, kb):
        hover = next(h for h in nodes.hovertext if h.startswith(f"<b>node {split.node}:"))
        assert split.claim in hover and f"[{split.start}:{split.end}]" in hover
    assert "simulated" in fig.layout.title.text


def test_tree_legend_is_the_pain_types_in_the_study_s_order(kb, tree):
    fig = classifier.tree_figure(tree, kb)
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert legend == ["muscle", "bone", "disc"]
