"""The assessor as data (lowback.study.explorer_data) and the plain words of both explorers.

``read`` below answers from the exported data alone, step for step as the page's script
(publish/templates/explorer/explorer.js) does, so the data can be checked here without a
browser; tests/browser/test_offline_explorer.py checks the script itself.
"""

from __future__ import annotations

import json
import random

import pytest

from lowback.data.schema import TRIAGE_LEVELS
from lowback.study import plain_words
from lowback.study.abstention import judge, leaf_of
from lowback.study.explorer_data import explorer_data, verdict_key
from lowback.study.tree import walk
from lowback.study.triage import default_assessor


@pytest.fixture(scope="module")
def assessor():
    return default_assessor()


@pytest.fixture(scope="module")
def data(assessor):
    # Through JSON, as the page reads it.
    return json.loads(json.dumps(explorer_data(assessor)))


def leaf_node(data, values: dict) -> int:
    node = 0
    while not data["nodes"][node].get("leaf"):
        split = data["nodes"][node]
        node = split["right"] if values[split["feature"]] > split["threshold"] else split["left"]
    return node


def read(data, signs: list[str], age: float | None) -> dict:
    """The assessment from the data alone, as explorer.js computes it."""
    texts, by_id = data["texts"], {s["id"]: s for s in data["signs"]}
    ticked = list(dict.fromkeys(signs))
    fired = [r for r in data["rules"] if all(s in ticked for s in r["needs"])]
    reasons = fired or [data["baseline"]]
    level = max(
        [data["baseline"]["level"], *(r["reason"]["level"] for r in reasons)],
        key=data["levels"].index,
    )
    used = data["median_age"] if age is None else age
    values = {f: float(f in ticked) for f in data["features"]}
    values[data["age_feature"]] = float(used)
    node, steps = 0, []
    while not data["nodes"][node].get("leaf"):
        split = data["nodes"][node]
        yes = values[split["feature"]] > split["threshold"]
        if split["feature"] == data["age_feature"]:
            steps.append(f"{texts[split['question']]} {float(used):g} → {'yes' if yes else 'no'}")
        else:
            steps.append(texts[split["yes"] if yes else split["no"]])
        node = split["right"] if yes else split["left"]
    types = {t for s in ticked for t in by_id[s]["types"]}
    ordered = [t for t in data["pain_types"] if t in types]
    if any(by_id[s]["symptom"] for s in ticked):
        key = "s:" + (ordered[0] if len(ordered) == 1 else "")
    else:
        shared = all(len(by_id[s]["types"]) == len(ordered) for s in ticked)
        key = f"n:{' '.join(ordered)}:{int(shared)}"
    leaf = data["leaves"][str(node)]
    pain_type, reason, line, _ = leaf["verdicts"][key]
    path = ([] if age is not None else [data["median_line"]]) + steps + [texts[line]]
    advice = data["advice"][f"{pain_type}|{int(level == data['levels'][0])}"]
    return {
        "pain_type": pain_type,
        "probabilities": leaf["probabilities"],
        "triage": level,
        "red_flags": list(
            dict.fromkeys(r["reason"]["red_flag"] for r in reasons if r["reason"]["red_flag"])
        ),
        "advice": [data["advice_items"][i] for i in advice],
        "evidence": [s["evidence"] for s in data["signs"] if s["id"] in ticked],
        "path": path,
        "reasons": [r["reason"] for r in reasons],
        "abstain_reason": texts[reason],
    }


def test_the_exported_tree_reaches_the_leaf_sklearn_does(assessor, data, cohort):
    tree = assessor.tree
    sample = cohort.sample(500, random_state=3)
    leaves = tree.estimator.apply(sample[tree.features])
    mine = [leaf_node(data, row) for row in sample[tree.features].astype(float).to_dict("records")]
    assert mine == leaves.tolist()
    assert len(data["leaves"]) == tree.estimator.get_n_leaves()


def test_every_key_a_set_of_signs_reaches_is_exported_with_the_verdict_judge_gives(assessor, data):
    rng = random.Random(14)
    rules, signs = assessor.rules, list(assessor.signs)
    for _ in range(400):
        ticked = rng.sample(signs, rng.randint(1, len(signs)))
        age = rng.choice([None, 20, 40, 65, 70, 90])
        nodes = walk(
            assessor.tree,
            {f: float(f in ticked) for f in assessor.tree.features}
            | {"age": float(age or assessor.median_age)},
        )
        verdict = judge(rules, leaf_of(assessor.tree, nodes[-1]), ticked)
        pain_type, reason, line, _ = data["leaves"][str(nodes[-1])]["verdicts"][
            verdict_key(rules, ticked)
        ]
        assert (pain_type, data["texts"][reason], data["texts"][line]) == (
            verdict.pain_type,
            verdict.reason,
            verdict.line,
        ), ticked


def test_the_data_alone_answers_as_assess_does(assessor, data):
    rng = random.Random(2026)
    signs = list(assessor.signs)
    profiles = [[s] for s in signs] + [rng.sample(signs, rng.randint(2, 8)) for _ in range(300)]
    for profile in profiles:
        for age in (None, 30, 70, 64.5, 0.5):
            want = json.loads(json.dumps(assessor.assess(profile, age=age).to_dict()))
            assert read(data, profile, age) == want, (profile, age)


def test_the_data_is_text_for_a_page_and_small(data):
    size = len(json.dumps(data, ensure_ascii=False).encode())
    assert size < 400_000, f"the exported assessor is {size:,} bytes"
    assert data["levels"] == list(TRIAGE_LEVELS)
    assert data["words"]["gate_scope"] and data["words"]["disclaimer"]


def test_suspicions_are_the_signs_the_records_name_as_suspected(assessor, data):
    felt, suspected = plain_words.sign_groups(assessor.signs)
    assert set(felt) | set(suspected) == set(assessor.signs) and not set(felt) & set(suspected)
    descriptions = dict(
        zip(
            assessor.all_records.entities["id"],
            assessor.all_records.entities["description"],
            strict=True,
        )
    )
    # Each suspicion's description says the runner thinks or suspects it; no felt sign's does.
    assert suspected and all(
        descriptions[s].startswith(("You think", "You suspect")) for s in suspected
    )
    assert not any(descriptions[s].startswith(("You think", "You suspect")) for s in felt)
    assert [s["id"] for s in data["signs"] if s["group"] == "suspected"] == list(suspected)


def test_plain_words_say_why_without_ids_or_offsets(assessor):
    assert set(plain_words.LEVEL_WORDS) == set(plain_words.LEVEL_MARKS) == set(TRIAGE_LEVELS)
    assert len(set(plain_words.LEVEL_MARKS.values())) == len(TRIAGE_LEVELS)
    every = assessor.gate.check(set(assessor.signs)).reasons + assessor.gate.check(set()).reasons
    labels = {s: assessor.sign_evidence(s).label for s in assessor.signs}
    for reason in every:
        words = plain_words.reason_words(reason, labels)
        assert reason.rule not in words and str(reason.start) not in words, words
        assert not any(claim in words for claim in reason.via), words
        assert plain_words.LEVEL_ACTIONS[reason.level] in words
        assert all(labels[s] in words for s in reason.raised_by), words
    result = assessor.assess(["pain_worse_when_bending", "pain_radiates_to_legs"], age=45)
    last = plain_words.path_words(result.path, result.probabilities)[-1]
    assert result.path[-1].startswith("leaf ") and "leaf" not in last
