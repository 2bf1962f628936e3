"""What a scenario changes against the base assumptions: the rows of a report's changes table."""

from __future__ import annotations

from pathlib import Path

from lowback import config
from lowback.study.assumptions import DEFAULT_ASSUMPTIONS, changes_against, load_assumptions

OLDER = config.DATA_DIR / "scenarios" / "older-runners.toml"


def test_the_older_runners_scenario_lists_every_changed_value_and_no_other(kb):
    base, older = load_assumptions(kb), load_assumptions(kb, OLDER)
    rows = {row.key: row for row in changes_against(base, older)}
    assert set(rows) == {"age.mean", "age.sd"}
    assert (rows["age.mean"].before, rows["age.mean"].after) == (40.0, 60.0)
    assert (rows["age.sd"].before, rows["age.sd"].after) == (13.0, 10.0)
    for row in rows.values():  # the scenario's reason, not the base's
        assert row.rationale == older.raw.age.rationale
        assert row.rationale.startswith("An older running population")


def test_a_rationale_names_its_value_and_a_default_changes_once(kb, tmp_path: Path):
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(
        f'extends = "{DEFAULT_ASSUMPTIONS.as_posix()}"\n'
        "[age]\nolder_age_from = 55\nrationale = 'reworded only: no change'\n"
        "older_age_rationale = 'older from 55'\n"
        "[symptom_defaults]\nsensitivity = 0.6\n"
        "[symptoms.pain_beside_spine]\nsensitivity = 0.9\nrationale = 'stronger sign'\n"
        "[pain_types.muscle]\nrationale = 'same share, new words'\n",
        encoding="utf-8",
    )
    base = load_assumptions(kb)
    rows = {row.key: row for row in changes_against(base, load_assumptions(kb, scenario))}
    assert set(rows) == {
        "age.older_age_from",
        "symptom_defaults.sensitivity",
        "symptoms.pain_beside_spine.sensitivity",
    }
    assert (rows["age.older_age_from"].before, rows["age.older_age_from"].after) == (50, 55)
    assert rows["age.older_age_from"].rationale == "older from 55"
    assert rows["symptom_defaults.sensitivity"].rationale == base.raw.symptom_defaults.rationale
    assert rows["symptoms.pain_beside_spine.sensitivity"].before == 0.80
    assert rows["symptoms.pain_beside_spine.sensitivity"].rationale == "stronger sign"


def test_the_base_against_itself_changes_nothing(kb):
    assert changes_against(load_assumptions(kb), load_assumptions(kb)) == []
