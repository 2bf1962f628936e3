"""The effect figures: what went in beside what came out, contested factors marked, every
interval labelled as simulation noise; the spotlight's dot plot and its legend."""

from __future__ import annotations

import html
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from lowback.figures import effects as effect_figures
from lowback.figures import risk as risk_figures
from lowback.figures import style
from lowback.figures.effects import CONTESTED, INTERVAL_NOTE, TIMES
from lowback.study import risk
from lowback.study.assumptions import load_assumptions
from lowback.study.cohort import NO_PAIN, simulate
from tests.figures.conftest import MARKUP
from tests.figures.conftest import PLOTLY_ESCAPED as ESCAPED

N_RUNNERS = 5_000


@pytest.fixture(scope="module")
def assumptions(kb):
    return load_assumptions(kb)


@pytest.fixture(scope="module")
def cohort(kb, assumptions):
    return simulate(kb, N_RUNNERS, assumptions=assumptions, random_state=1)


@pytest.fixture(scope="module")
def effects(kb, cohort):
    return risk.relative_risks(kb, cohort, n_resamples=50, random_state=0)


@pytest.fixture(scope="module")
def forest(kb, effects, cohort, assumptions):
    return risk_figures.forest_plot(effects, kb, cohort=cohort, assumptions=assumptions)


@pytest.fixture(scope="module")
def spotlight(kb, effects, assumptions):
    return risk_figures.risk_factor_spotlight(effects, kb, assumptions=assumptions)


def _order(kb, effects) -> list[str]:
    return [f for f in effect_figures.factor_order(kb) if f in set(effects["risk_factor"])]


def _by_name(fig, name):
    return next(t for t in fig.data if t.name == name)


def _texts(fig) -> list[str]:
    """Every text of a figure, dropdown states included."""

    def walk(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                yield from walk(v)

    return list(walk(fig.to_plotly_json()))


def _apply(fig, button) -> None:
    """What plotly.js does on a click: the button's trace and layout updates."""
    restyle, relayout = button.args[0], button.args[1]
    for i, trace in enumerate(fig.data):
        trace.visible = restyle["visible"][i]
        if "text" in restyle and restyle["text"][i] is not None:
            trace.text = restyle["text"][i]
    fig.update_layout({k.replace(".", "_"): v for k, v in relayout.items()})


# ---------------------------------------------------------------------------------------------
# The effect figure: what went in, what came out
# ---------------------------------------------------------------------------------------------


def test_every_factor_shows_its_assumed_odds_ratio_and_its_simulated_relative_risk(
    kb, effects, assumptions, forest
):
    order = _order(kb, effects)
    went_in = _by_name(forest, "assumed odds ratio on pain")
    assert list(went_in.x) == [assumptions.risk_factors[f][1] for f in order]
    assert went_in.marker.color == effect_figures.INPUT_COLOUR
    numbers = forest.data[-1]
    any_pain = effects[effects["outcome"] == risk.ANY_PAIN].set_index("risk_factor").loc[order]
    came_out = _by_name(forest, "any low back pain")
    assert np.allclose(came_out.x, any_pain["relative_risk"])
    for f, text, (_, row) in zip(order, numbers.text, any_pain.iterrows(), strict=True):
        odds_ratio = f"{assumptions.risk_factors[f][1]:.3g}"
        assert text.startswith(f"{odds_ratio} → {row['relative_risk']:.2f}"), text
        assert f"({row['low']:.2f} to {row['high']:.2f})" in text
    # The hover of what went in gives the rationale from the assumptions file.
    for f, hover in zip(order, went_in.hovertext, strict=True):
        entry = assumptions.raw.risk_factors.get(f)
        rationale = entry.rationale if entry else assumptions.raw.risk_factor_defaults.rationale
        assert " ".join(style.plain(rationale).split()) in hover.replace("<br>", " ")
        assert f"assumed odds ratio on pain {assumptions.risk_factors[f][1]:.3g}" in hover


def test_each_pain_type_view_adds_the_type_weight_that_went_in(kb, effects, assumptions, forest):
    order = _order(kb, effects)
    fig = go.Figure(forest)
    muscle = next(b for b in fig.layout.updatemenus[0].buttons if b.label == "muscle pain")
    _apply(fig, muscle)
    text = dict(zip(order, fig.data[-1].text, strict=True))
    assert text["weak_core"].startswith(f"1.8, {TIMES}2 muscle → ")
    assert text["poor_diet"].startswith("1.2 → ")  # tied to no pain type: no weight
    shown = [t.name for t in fig.data if t.visible is not False and t.showlegend is not False]
    assert shown == ["assumed odds ratio on pain", "muscle pain"]
    assert fig.layout.title.text.endswith("of muscle pain out")


def test_contested_factors_are_marked_with_both_sides_on_hover(kb, effects, forest):
    contested = risk.contested_factors(kb)
    links = risk.evidence_matrix(kb)
    assert set(contested.index) == set(links.loc[links["contradicted"], "risk_factor"])
    assert len(contested) > 0
    order = _order(kb, effects)
    labels = list(forest.data[0].y)
    for f, label in zip(order, labels, strict=True):
        assert label.startswith(CONTESTED) == (f in contested.index), label
    bands = [s for s in forest.layout.shapes if s.type == "rect"]
    assert len(bands) == len(contested)
    came_out = _by_name(forest, "any low back pain")
    for f, hover in zip(order, came_out.customdata, strict=True):
        for note in contested.loc[f, "notes"] if f in contested.index else []:
            assert html.escape(note.split()[0]) in hover[3]
        assert ("contested" in hover[3]) == (f in contested.index)
    notes = " ".join(a.text for a in forest.layout.annotations)
    assert "contested: the material contradicts itself" in notes


def test_every_interval_is_labelled_as_simulation_noise(forest, spotlight):
    assert INTERVAL_NOTE == (
        "95 % bootstrap interval over simulated runners: it shrinks with the cohort size and "
        "says nothing about real runners"
    )
    for fig in (forest, spotlight):
        notes = " ".join(a.text for a in fig.layout.annotations)
        assert INTERVAL_NOTE in notes and "simulation noise" in notes.lower()
        assert f"{N_RUNNERS:,} runners" in notes
        for button in fig.layout.updatemenus[0].buttons:
            annotations = button.args[1].get("annotations", fig.layout.annotations)
            assert any(INTERVAL_NOTE in a["text"] for a in annotations)
        for trace in fig.data:
            if trace.error_x and trace.error_x.array is not None:
                assert "simulation noise" in trace.hovertemplate


def test_the_odds_ratio_sentence_gives_the_cohort_s_own_numbers(kb, cohort, effects, assumptions):
    fig = risk_figures.forest_plot(effects, kb, cohort=cohort, assumptions=assumptions)
    sentence = fig.layout.title.subtitle.text.replace("<br>", " ")
    # The factor with the largest assumed odds ratio (the first of the ties, in order).
    order = _order(kb, effects)
    factor = max(order, key=lambda f: assumptions.risk_factors[f][1])
    pain = (cohort["pain_type"] != NO_PAIN).to_numpy()
    has = cohort[factor].to_numpy()
    without, with_ = pain[~has].mean(), pain[has].mean()
    label = html.escape(kb.label(factor).lower())
    assert f"without {label}, {without:.0%} of the simulated runners already have pain" in (
        sentence
    )
    assert f"assumed {assumptions.raw.cohort.baseline_pain_risk:.0%} with no factor" in sentence
    assert f"odds ratio of {assumptions.risk_factors[factor][1]:.3g}" in sentence
    assert f"only to {with_:.0%}, a relative risk of {with_ / without:.2f}." in sentence
    # Those are the numbers of a baseline risk of 30-60 %: an odds ratio near 2 gives ~1.2.
    assert 0.3 <= without <= 0.7 and 1.1 < with_ / without < 1.35
    assert "multiplies the odds, not the risk" in sentence
    assert sentence.count(". ") == 0  # one sentence


def test_a_cohort_or_assumptions_the_effects_did_not_come_from_are_refused(
    kb, effects, assumptions, data_copy
):
    other = simulate(kb, 2_000, assumptions=assumptions, random_state=9)
    with pytest.raises(ValueError, match="not the one the effects"):
        risk_figures.forest_plot(effects, kb, cohort=other, assumptions=assumptions)
    moved = load_assumptions(kb, data_copy / "assumptions.toml")
    named = simulate(kb, 2_000, assumptions=moved, random_state=9)
    with pytest.raises(ValueError, match="must show the assumptions"):
        risk_figures.forest_plot(effects, kb, cohort=named, assumptions=assumptions)


def test_the_cohort_names_its_assumptions_and_without_them_the_figure_says_so(
    kb, cohort, effects, forest
):
    from_attrs = risk_figures.forest_plot(effects, kb, cohort=cohort)
    assert from_attrs.to_plotly_json() == forest.to_plotly_json()
    bare = risk_figures.forest_plot(effects, kb)
    assert "assumed odds ratio on pain" not in [t.name for t in bare.data]
    assert bare.layout.title.subtitle.text.startswith("Assumed odds ratios not shown")


def test_record_and_assumption_text_reach_the_figures_escaped(kb_with_markup, data_copy):
    kb = kb_with_markup
    (data_copy / "hostile.toml").write_text(
        f"extends = \"assumptions.toml\"\n[risk_factors.weak_core]\nrationale = '{MARKUP}'\n",
        encoding="utf-8",
    )
    assumptions = load_assumptions(kb, data_copy / "hostile.toml")
    cohort = simulate(kb, 2_000, assumptions=assumptions, random_state=0)
    effects = risk.relative_risks(kb, cohort, n_resamples=20, random_state=0)
    for fig in (
        risk_figures.forest_plot(effects, kb, cohort=cohort),
        risk_figures.risk_factor_spotlight(effects, kb, ("weak_core",), assumptions=assumptions),
    ):
        texts = _texts(fig)
        assert not [s for s in texts if re.search(r"<img", s, re.IGNORECASE)]
        assert any(ESCAPED in s for s in texts)
    hover = _by_name(fig, "muscle").customdata[0][0]
    assert hover == ESCAPED


# ---------------------------------------------------------------------------------------------
# The spotlight: a dot plot on a log axis, a legend in every view
# ---------------------------------------------------------------------------------------------


def test_the_spotlight_is_a_dot_plot_on_a_log_axis_with_no_effect_marked(spotlight):
    assert spotlight.layout.xaxis.type == "log"
    assert {t.type for t in spotlight.data} == {"scatter"}
    assert {t.mode for t in spotlight.data} == {"markers"}
    lines = [s for s in spotlight.layout.shapes if s.type == "line"]
    assert [(s.x0, s.x1) for s in lines] == [(1, 1)]
    assert "1 = no effect" in spotlight.layout.xaxis.ticktext
    for button in spotlight.layout.updatemenus[0].buttons:
        ticks = button.args[1]["xaxis.ticktext"]
        assert "1 = no effect" in ticks


def test_the_spotlight_legend_names_the_pain_types_shown_in_every_dropdown_state(
    kb, effects, spotlight
):
    pain_types = ["muscle", "bone", "disc"]
    fig = go.Figure(spotlight)
    assert fig.layout.showlegend is not False
    buttons = fig.layout.updatemenus[0].buttons
    assert len(buttons) == 4
    for button in [*buttons, buttons[0]]:  # every state, and back to the first
        _apply(fig, button)
        shown = [t for t in fig.data if t.visible is True]
        assert shown, button.label
        in_legend = [t.name for t in shown if t.showlegend is not False]
        assert in_legend == [t.name for t in shown] == pain_types, button.label
        # the legend names exactly the pain types of the dots shown, in their colours
        assert {t.name: t.marker.color for t in shown} == {
            p: c for p, c in effect_figures.pain_type_colours(kb).items() if p in pain_types
        }


def test_the_spotlight_labels_say_what_went_in_and_mark_the_contested(
    kb, effects, assumptions, spotlight
):
    buttons = {b.label: b for b in spotlight.layout.updatemenus[0].buttons}
    age = buttons["age"].args[1]["yaxis.ticktext"]
    assert len(age) == 1
    weight = f"{TIMES}{assumptions.raw.age.over_65_bone_weight:.3g} bone over 65"
    assert age[0].startswith("Older age<br>") and "in: odds ratio 1.5" in age[0]
    assert weight in age[0]
    overtraining = buttons["overtraining"].args[1]["yaxis.ticktext"]
    contested = [t for t in overtraining if t.startswith(CONTESTED)]
    assert contested == [t for t in overtraining if "Repeated strain and impact" in t]
    notes = " ".join(a["text"] for a in buttons["overtraining"].args[1]["annotations"])
    assert "contested" in notes
    notes = " ".join(a["text"] for a in buttons["posture"].args[1]["annotations"])
    assert "contested" not in notes and "bad posture" in notes
