"""Figures of the risk factors: one view per outcome, one per family of factors."""

from __future__ import annotations

import pytest

from lowback.figures import risk as risk_figures
from lowback.study.cohort import simulate


@pytest.fixture(scope="module")
def effects(kb):
    from lowback.study import risk

    return risk.relative_risks(
        kb, simulate(kb, 5_000, random_state=1), n_resamples=50, random_state=0
    )


def test_forest_plot_has_one_view_per_outcome(kb, effects):
    fig = risk_figures.forest_plot(effects, kb)
    outputs = [t for t in fig.data if t.name != "numbers"]
    assert [t.visible for t in outputs] == [True, False, False, False]
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == [
        "any low back pain",
        "muscle pain",
        "bone pain",
        "disc pain",
    ]
    for i, button in enumerate(buttons):
        visible = button.args[0]["visible"]
        assert visible[:-1] == [j == i for j in range(len(outputs))]
        assert visible[-1]  # the numbers column, in every view
        assert button.label in button.args[1]["title.text"]
    assert "simulated" in fig.layout.title.text


def test_spotlight_shows_each_named_family_with_its_quotes(kb, effects):
    fig = risk_figures.risk_factor_spotlight(effects, kb)
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["age", "posture", "weak core", "overtraining"]
    posture = next(b for b in buttons if b.label == "posture")
    note = posture.args[1]["annotations"][-1]["text"]
    assert "bad posture" in note
    assert posture.args[1]["yaxis.ticktext"] == ["Poor posture"]
    visible = posture.args[0]["visible"]
    shown = [fig.data[i] for i, v in enumerate(visible) if v]
    assert [t.name for t in shown] == ["muscle", "bone", "disc"]
    assert all(len(t.x) == 1 for t in shown)


def test_a_table_with_an_outcome_the_records_do_not_have_is_refused(kb, effects):
    stray = effects.assign(outcome=effects["outcome"].astype(str).replace("bone", "spleen"))
    with pytest.raises(ValueError, match="spleen"):
        risk_figures.forest_plot(stray, kb)
    with pytest.raises(ValueError, match="spleen"):
        risk_figures.risk_factor_spotlight(stray, kb)
