"""The audit figure: a row per profile, answers side by side, disagreements first."""

from __future__ import annotations

import numpy as np
import pytest

from lowback.figures import classifier
from lowback.figures.audit import KIND_MARKS, KIND_ORDER, ROW_PX, UNDETERMINED_COLOUR
from lowback.figures.style import FONT_SIZE, TRIAGE_COLOURS, pain_type_colours
from lowback.study.audit import KINDS, audit
from lowback.study.cohort import simulate
from lowback.study.rulebook import UNDETERMINED
from lowback.study.tree import fit_tree
from lowback.study.triage import Assessor


@pytest.fixture(scope="module")
def table(kb):
    cohort = simulate(kb, 10_000, random_state=3)
    tree = fit_tree(kb, cohort, random_state=0)
    return audit(Assessor(kb, tree, int(np.median(cohort["age"]))))


def _cells(fig):
    """The grid's texts and cell colours (z is i + 0.5 for the i-th colour of the scale,
    which holds each colour twice: its band's start and end)."""
    grid = fig.data[0]
    colours = [[grid.colorscale[2 * int(z - 0.5)][1] for z in row] for row in grid.z]
    return [list(r) for r in grid.text], colours, grid


def test_one_row_per_profile_and_disagreements_first(kb, table):
    fig = classifier.audit_figure(table, kb)
    texts, _, grid = _cells(fig)
    assert len(texts) == table["profile"].nunique()
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    worst = table.groupby(table["profile"].map(str))["kind"].agg(lambda s: min(s.map(rank)))
    labels = list(fig.layout.yaxis.ticktext)
    assert len(set(labels)) == len(labels)
    shown = sorted(worst.to_numpy())
    # The rows' order is the profiles' worst kinds, sorted.
    tally = [row[-2] for row in texts]
    marks = [[KIND_MARKS[k][0] for k in KIND_ORDER].index(t.split()[0]) for t in tally]
    assert marks == sorted(marks) and marks == shown
    assert fig.layout.height >= ROW_PX * len(texts)
    assert grid.textfont.size == FONT_SIZE


def test_cells_are_coloured_by_pain_type_undetermined_neutral_triage_by_level(kb, table):
    fig = classifier.audit_figure(table, kb)
    texts, colours, _ = _cells(fig)
    pain = pain_type_colours(kb)
    header = list(fig.layout.xaxis.ticktext)
    assert header[:2] == ["the article's<br>type", "rulebook"]
    assert header[-1] == "triage"
    for text_row, colour_row in zip(texts, colours, strict=True):
        for text, colour in zip(text_row[:-2], colour_row[:-2], strict=True):
            answer = text.split()[-1] if text.split()[0] in "≠◇✓" else text.split()[0]
            if answer == UNDETERMINED:
                assert colour == UNDETERMINED_COLOUR
            elif answer in pain:
                assert colour == pain[answer]
            else:
                assert answer == "none" and colour not in pain.values()
        level = text_row[-1].replace(" ", "_")
        assert colour_row[-1] == TRIAGE_COLOURS[level]
    assert UNDETERMINED_COLOUR not in pain.values()


def test_every_named_type_carries_its_kind_s_mark_and_hover_gives_shares_and_reason(kb, table):
    fig = classifier.audit_figure(table, kb)
    texts, _, grid = _cells(fig)
    header = list(fig.layout.xaxis.ticktext)
    assessed = [j for j, h in enumerate(header) if h.startswith("assessment")]
    assert [h.split("age ")[-1] for h in (header[j] for j in assessed)] == ["40", "70"]
    abstaining = table[table["abstain_reason"] != ""].iloc[0]
    for i, row in enumerate(texts):
        for j in assessed:
            answer = row[j]
            if answer != UNDETERMINED:
                assert answer.split()[0] in {m for m, _ in KIND_MARKS.values()}
            hover = grid.hovertext[i][j]
            assert "simulated runners, " in hover and "%" in hover
    hovers = " ".join(h for row in grid.hovertext for h in row).replace("<br>", " ")
    first_words = abstaining["abstain_reason"].split()[:4]
    assert " ".join(first_words) in hovers


def test_a_row_against_the_rulebook_comes_first_with_its_mark(kb, table):
    changed = table.copy()
    last = changed["profile"].iloc[-1]
    rows = changed["profile"] == last
    changed.loc[rows, "kind"] = "tree_against_rulebook"
    fig = classifier.audit_figure(changed, kb)
    texts, _, _ = _cells(fig)
    assert texts[0][-2].startswith("≠")
    key = fig.layout.annotations[0].text.replace("<br>", " ")
    assert f"≠ names another type than the rulebook's ({rows.sum():,} of" in key


def test_the_summary_counts_rows_by_kind_and_by_reason(table):
    summary = classifier.audit_summary(table)
    kinds = summary[summary["by"] == "kind"].set_index("value")
    assert list(kinds.index) == list(KINDS)
    assert kinds["rows"].sum() == len(table)
    for kind in KINDS:
        assert kinds.loc[kind, "rows"] == (table["kind"] == kind).sum()
    reasons = summary[summary["by"] == "abstain reason"]
    assert reasons["rows"].sum() == (table["abstain_reason"] != "").sum()
    assert list(reasons["rows"]) == sorted(reasons["rows"], reverse=True)
    assert not reasons["value"].str.contains(r"\(").any()  # particulars dropped
    assert np.isclose(summary.loc[summary["by"] == "kind", "share"].sum(), 1)
