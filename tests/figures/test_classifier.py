"""Figures of the classifier: the tree view's sizes, paths, marks, layout and its text."""

from __future__ import annotations

import html
import itertools
import math
import re

import pandas as pd
import pytest

from lowback.figures import classifier, tree_figure, tree_paths
from lowback.figures.tree_paths import CAPTION_CHARS
from lowback.study.assumptions import study_records
from lowback.study.audit import AUDIT_AGES, audit_ages, profiles
from lowback.study.cohort import simulate
from lowback.study.gate import reportable_red_flags
from lowback.study.rulebook import UNDETERMINED, Rulebook
from lowback.study.tree import decision_path, feature_values, fit_tree, splits, walk

EXAMPLES = {
    "disc": ({"pain_worse_when_bending", "pain_radiates_to_legs"}, 45),
    "muscle": ({"pain_beside_spine"}, 30),
    "none": (set(), 50),
}


@pytest.fixture(scope="module")
def tree(kb):
    return fit_tree(kb, simulate(kb, 10_000, random_state=3), random_state=0)


@pytest.fixture(scope="module")
def figure(kb, tree):
    return classifier.tree_figure(tree, kb, EXAMPLES)


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def _leaves(tree):
    structure = tree.estimator.tree_
    return [n for n in range(structure.node_count) if structure.children_left[n] == -1]


def _audited_leaves(kb, tree) -> dict[int, list[tuple[str, ...]]]:
    """Leaf -> the audit's profiles that end there at some audit age (computed here): the
    study's symptoms, and every source's red flags (the gate's)."""
    rules = Rulebook.of(study_records(kb))
    found: dict[int, list] = {}
    for profile in profiles(rules, 2, red_flags=reportable_red_flags(kb)):
        for age in audit_ages(tree, AUDIT_AGES):
            leaf = walk(tree, feature_values(tree, set(profile), age))[-1]
            found.setdefault(leaf, [])
            if profile not in found[leaf]:
                found[leaf].append(profile)
    return found


def test_the_title_counts_the_runners_the_tree_was_fitted_on_the_root_s(kb, tree, figure):
    root = tree.estimator.tree_.n_node_samples[0]
    assert f"fitted on {root:,} simulated runners with back pain" in figure.layout.title.text
    assert "10,000" not in figure.layout.title.text  # the cohort, runners without pain too


def test_every_node_shows_its_runners_and_its_bar_grows_with_them(tree, figure):
    structure = tree.estimator.tree_
    shown = " ".join(_trace(figure, "runners").text) + " ".join(_trace(figure, "leaves").text)
    for node in range(structure.node_count):
        assert f"n = {structure.n_node_samples[node]:,}" in shown
    # A node's bar: the shapes on its row, from its column's start.
    widths = {}
    for shape in figure.layout.shapes:
        key = (round(shape.y0, 6), math.floor(shape.x0))
        low, high = widths.get(key, (shape.x0, shape.x1))
        widths[key] = (min(low, shape.x0), max(high, shape.x1))
    sizes = sorted(high - low for low, high in widths.values())
    assert len(sizes) == structure.node_count
    counts = sorted(structure.n_node_samples)
    # Square-root widths: the largest leaf's bar is several times the smallest's.
    leaves = sorted(structure.n_node_samples[n] for n in _leaves(tree))
    expected = math.sqrt(leaves[-1] / leaves[0])
    assert sizes[-1] / sizes[0] >= min(expected, tree_figure.BAR_WIDTH / tree_figure.MIN_BAR) - 1e-6
    assert counts[-1] == structure.n_node_samples[0]


def test_examples_come_first_then_every_distinct_path_of_the_audit_once(kb, tree, figure):
    paths = [t for t in figure.data if (t.name or "").startswith("path: ")]
    buttons = figure.layout.updatemenus[0].buttons
    assert len(buttons) == len(paths)
    assert [p.name for p in paths[:3]] == ["path: disc", "path: muscle", "path: none"]
    assert [p.visible for p in paths] == [True] + [False] * (len(paths) - 1)
    for i, button in enumerate(buttons):
        visible = button.args[0]["visible"]
        assert visible[-len(paths) :] == [j == i for j in range(len(paths))]
    # The path trace draws each edge of the walk and outlines each node on it.
    for path, (signs, age) in zip(paths, EXAMPLES.values(), strict=False):
        nodes = walk(tree, feature_values(tree, signs, age))
        assert list(path.x).count(None) == 2 * len(nodes) - 1
        assert path.hoverinfo == "skip"  # the node under the path keeps the hover
    for i, (signs, age) in enumerate(EXAMPLES.values()):
        caption = buttons[i].args[1]["annotations"][0]["text"]
        last = decision_path(tree, kb, feature_values(tree, signs, age))[-1]
        assert html.escape(last) in caption.replace("<br>", " ")
    # Every leaf an audited profile ends in is reached by exactly one entry.
    reached = _audited_leaves(kb, tree)
    ends = [walk(tree, feature_values(tree, signs, age))[-1] for signs, age in EXAMPLES.values()]
    group_ends = []
    for button in buttons[len(EXAMPLES) :]:
        caption = button.args[1]["annotations"][0]["text"]
        group_ends.append(int(re.search(r"leaf (\d+):", caption).group(1)))
    assert len(set(group_ends)) == len(group_ends)
    assert set(group_ends) | set(ends) >= set(reached)
    assert set(group_ends) == set(reached) - set(ends)
    for button, leaf in zip(buttons[len(EXAMPLES) :], group_ends, strict=True):
        more = len(reached[leaf]) - 1
        assert button.label.endswith(f" (+{more} more)") == (more > 0), button.label


def test_a_path_sentence_is_wrapped_and_the_top_margin_fits_the_longest(figure):
    buttons = figure.layout.updatemenus[0].buttons
    captions = [b.args[1]["annotations"][0]["text"] for b in buttons]
    lines = max(c.count("<br>") + 1 for c in captions)
    for caption in captions:
        for line in caption.split("<br>"):
            assert len(html.unescape(re.sub(r"<[^>]+>", "", line))) <= CAPTION_CHARS + 20
    assert figure.layout.margin.t >= tree_figure.CAPTION_PX + tree_figure.LINE_PX * lines


def test_leaves_the_rulebook_does_not_back_are_outlined_and_say_so(kb, tree, figure):
    rules = Rulebook.of(study_records(kb))
    structure = tree.estimator.tree_
    silent = set()
    for leaf, found in _audited_leaves(kb, tree).items():
        top = tree.classes[int(structure.value[leaf][0].argmax())]
        present = pd.DataFrame([{s: s in p for s in rules.symptoms} for p in found])
        answers = list(rules.predict(present))
        assert all(a in (UNDETERMINED, top) for a in answers)  # this tree: none disagrees
        if UNDETERMINED in answers:
            silent.add(leaf)
    assert silent, "the audit's red-flag-only profiles: the rulebook names no type"
    outlines = _trace(figure, "rulebook silent")
    assert list(outlines.x).count(None) == len(silent)
    assert outlines.line.dash == "dash"
    labels = _trace(figure, "leaves").text
    assert sum("(rulebook silent)" in t for t in labels) == len(silent)
    key = " ".join(a.text for a in figure.layout.annotations)
    assert "dashed outline: the rulebook names no type" in key
    hover = _trace(figure, "nodes").hovertext
    for leaf in silent:
        text = next(h for h in hover if h.startswith(f"<b>leaf {leaf}:"))
        assert "the rulebook names no type for" in text.replace("<br>", " ")


def test_no_edge_runs_through_a_question(tree, figure):
    """In data units: a question's box (two lines above its bar, from just right of the
    incoming elbow to the next column's elbow) meets no edge nor path segment."""
    line = 17 / tree_figure.ROW_PX  # a 12.5 px line of text, with its leading
    questions = _trace(figure, "questions")
    boxes = [
        (x, math.floor(x) + 1 + tree_figure.ELBOW, y - 2 * line, y)
        for x, y in zip(questions.x, questions.y, strict=True)
    ]
    segments = []
    for trace in [_trace(figure, "edges"), *(t for t in figure.data if t.name.startswith("path"))]:
        points = list(zip(trace.x, trace.y, strict=True))
        segments += [(a, b) for a, b in itertools.pairwise(points) if None not in (a[0], b[0])]
    for x0, x1, y0, y1 in boxes:
        for (ax, ay), (bx, by) in segments:
            if ax == bx:  # vertical
                crosses = x0 < ax < x1 and min(ay, by) < y1 and max(ay, by) > y0
            else:  # horizontal
                crosses = y0 < ay < y1 and min(ax, bx) < x1 and max(ax, bx) > x0
            assert not crosses, ((x0, x1, y0, y1), (ax, ay), (bx, by))


def test_every_tree_node_hover_names_its_counts_and_split_quotes(kb, tree, figure):
    nodes = _trace(figure, "nodes")
    structure = tree.estimator.tree_
    assert len(nodes.hovertext) == structure.node_count
    for split in splits(tree, kb):
        hover = next(h for h in nodes.hovertext if h.startswith(f"<b>node {split.node}:"))
        assert split.claim in hover and f"[{split.start}:{split.end}]" in hover
    assert "simulated" in figure.layout.title.text


def test_tree_legend_is_the_pain_types_in_the_study_s_order(figure):
    legend = [t.name for t in figure.data if t.showlegend is not False]
    assert legend == ["muscle", "bone", "disc"]


def test_the_tree_in_words_has_one_sentence_per_split(kb, tree):
    text = classifier.tree_description(tree, kb)
    lines = text.split("\n")
    found = splits(tree, kb)
    assert len(lines) == len(found) + 1
    assert f"{tree.estimator.tree_.n_node_samples[0]:,} simulated runners" in lines[0]
    for line, split in zip(lines[1:], found, strict=True):
        assert line.startswith(f"Node {split.node} ") and f"“{split.question}”" in line
        assert line.endswith(".")
    leaves = _leaves(tree)
    assert sum(f"leaf {leaf}," in text for leaf in leaves) == len(leaves)
    assert "<" not in text  # plain text, for a screen reader


def test_a_menu_label_of_record_text_is_escaped(kb_with_markup):
    tree = fit_tree(kb_with_markup, simulate(kb_with_markup, 3_000, random_state=1))
    fig = classifier.tree_figure(tree, kb_with_markup, {'<b onclick="x">me</b>': (set(), 40)})
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels[0] == '&lt;b onclick="x"&gt;me&lt;/b&gt;'
    assert not [label for label in labels if "<" in label]


def test_ages_are_said_as_the_runs_of_audited_ages_a_profile_ends_in_a_leaf_at():
    ages = [19, 20, 40, 65, 66, 70]
    assert tree_paths.age_phrase(ages, [True] * 6) == ""
    assert tree_paths.age_phrase(ages, [True, False, False, False, False, False]) == (
        "aged 19 or under"
    )
    assert tree_paths.age_phrase(ages, [False, True, True, True, False, False]) == ("aged 20 to 65")
    assert tree_paths.age_phrase(ages, [True, False, False, False, True, True]) == (
        "aged 19 or under and aged 66 or over"
    )


def test_a_leaf_the_rulebook_disagrees_with_is_dotted_and_says_so(kb, tree, monkeypatch):
    leaf = _leaves(tree)[0]
    route = tree_paths.Route(leaf, ("A + B", "C"), ("pain_beside_spine",), 40, ("C",), ("A + B",))
    assert route.mark == "disagrees"  # before silent: the stronger word
    monkeypatch.setattr(tree_figure, "routes", lambda *args: {leaf: route})
    fig = classifier.tree_figure(tree, kb)
    dotted = _trace(fig, "rulebook disagrees")
    assert dotted.line.dash == "dot" and list(dotted.x).count(None) == 1
    assert not [x for x in _trace(fig, "rulebook silent").x if x is not None]
    assert "(rulebook disagrees)" in " ".join(_trace(fig, "leaves").text)
    key = " ".join(a.text for a in fig.layout.annotations)
    assert "dotted outline: the rulebook names another type" in key
    assert "dashed" not in key
    hover = next(h for h in _trace(fig, "nodes").hovertext if h.startswith(f"<b>leaf {leaf}:"))
    assert "names another type than" in hover.replace("<br>", " ")
