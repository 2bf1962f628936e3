"""The audit: every profile of up to two signs, at both ages, against the article's words;
abstention, its reasons in words, and the path that names no type it does not give."""

from __future__ import annotations

import doctest
import re

import numpy as np
import pytest

from lowback.study import abstention, audit, evaluation
from lowback.study.abstention import (
    MIN_LEAF_RUNNERS,
    MIN_LEAF_SHARE,
    Leaf,
    article_type,
    judge,
)
from lowback.study.audit import AUDIT_AGES, KINDS, audit_ages, profiles
from lowback.study.cohort import simulate
from lowback.study.rulebook import UNDETERMINED
from lowback.study.tree import fit_tree
from lowback.study.triage import MODEL_COHORT_SIZE, MODEL_SEED, Assessor, default_assessor

LEGS, CRAMPING = ("pain_radiates_to_legs",), ("muscle_cramping",)
COLUMNS = [
    "profile",
    "signs",
    "n_signs",
    "age",
    "article_type",
    "rulebook",
    "leaf",
    "leaf_runners",
    "leaf_top",
    "leaf_top_share",
    "share_muscle",
    "share_bone",
    "share_disc",
    "pain_type",
    "abstain_reason",
    "triage",
    "decided_by",
    "kind",
]


@pytest.fixture(scope="module")
def audited():
    """The shipped assessor's audit: every profile of up to two signs."""
    return audit.audit(default_assessor())


@pytest.fixture(scope="module")
def depth_four(kb):
    """The tree as it was before issue 12: the notebook's cohort, four questions deep."""
    cohort = simulate(kb, MODEL_COHORT_SIZE, random_state=MODEL_SEED)
    tree = fit_tree(kb, cohort, max_depth=4, random_state=MODEL_SEED)
    return Assessor(kb, tree, int(np.median(cohort["age"])))


def test_profiles_are_every_reportable_set_of_up_to_two_signs_singles_first(rules):
    gate = default_assessor().gate
    found = profiles(rules, red_flags=gate.reportable)
    signs = [*rules.symptoms, *gate.reportable]
    n = len(signs)
    assert len(found) == len(set(found)) == n + n * (n - 1) // 2
    assert [len(p) for p in found] == sorted(len(p) for p in found)  # singles first
    assert found[:n] == [(s,) for s in signs]
    assert all(list(p) == sorted(p, key=signs.index) for p in found)  # in sign order
    # Every red flag of every source is reportable; the gate adds the ones only a source
    # outside the study names (the NIH's) to the rulebook's.
    every_flag = default_assessor().all_records.entities_of_kind("red_flag")["id"]
    assert set(gate.reportable) == set(every_flag) >= set(rules.red_flags)
    assert len(profiles(rules, 1, red_flags=gate.reportable)) == n


def test_the_audit_has_the_spec_s_columns_and_every_profile_at_every_age(audited, rules):
    assert list(audited) == COLUMNS
    assessor = default_assessor()
    ages = audit_ages(assessor.tree)
    assert set(AUDIT_AGES) <= set(ages)
    assert len(audited) == len(profiles(rules, red_flags=assessor.gate.reportable)) * len(ages)
    assert set(audited["kind"]) <= set(KINDS)
    shares = audited[[f"share_{t}" for t in rules.pain_types]].to_numpy()
    assert np.allclose(shares.sum(axis=1), 1)
    assert (audited["n_signs"] == audited["profile"].map(len)).all()


def test_every_age_interval_of_the_tree_is_audited(audited):
    """Both sides of each age threshold: every age region the tree tells apart is seen."""
    tree = default_assessor().tree
    ages = audit_ages(tree)
    for threshold in audit.age_thresholds(tree):
        assert any(a <= threshold for a in ages) and any(a > threshold for a in ages)
    assert sorted(set(audited["age"])) == ages


def test_no_one_type_profile_is_given_another_type(audited):
    """The audit's property, on the shipped records, every profile of up to two signs."""
    one_type = audited[audited["article_type"] != ""]
    assert len(one_type) and set(AUDIT_AGES) <= set(one_type["age"])
    given = one_type["pain_type"]
    wrong = one_type[(given != one_type["article_type"]) & (given != UNDETERMINED)]
    assert wrong.empty, wrong[["profile", "age", "article_type", "pain_type"]]


def test_the_kind_says_how_the_answer_stands_to_the_rulebook(audited):
    for row in audited.itertuples(index=False):
        if row.pain_type == UNDETERMINED:
            assert row.kind == "abstains" and row.abstain_reason, row
        else:
            assert not row.abstain_reason
            assert row.leaf_top == row.pain_type and row.leaf_top_share >= MIN_LEAF_SHARE
            assert row.leaf_runners >= MIN_LEAF_RUNNERS
            expected = (
                "agrees"
                if row.pain_type == row.rulebook
                else "tree_where_rulebook_silent"
                if row.rulebook == UNDETERMINED
                else "tree_against_rulebook"
            )
            assert row.kind == expected, row
    # The rulebook gives a type only where some sign points to one.
    assert (audited.loc[audited["rulebook"] != UNDETERMINED, "n_signs"] > 0).all()


@pytest.mark.parametrize(("profile", "article"), [(LEGS, "disc"), (CRAMPING, "muscle")])
def test_one_sign_alone_gets_the_article_s_type_or_a_reason_that_names_it(
    audited, profile, article
):
    rows = audited[audited["profile"] == profile]
    assert set(AUDIT_AGES) <= set(rows["age"])
    for row in rows.itertuples(index=False):
        assert row.article_type == article
        if row.pain_type == UNDETERMINED:
            assert f"{article} pain" in row.abstain_reason, row
        else:
            assert row.pain_type == article, row


@pytest.mark.parametrize(("profile", "article"), [(LEGS, "disc"), (CRAMPING, "muscle")])
def test_before_issue_12_the_mixed_leaf_named_muscle_now_it_abstains(depth_four, profile, article):
    """Four questions deep, leg pain alone and cramping alone reach one mixed leaf whose
    majority (muscle) is under a half: no type, and a reason naming the article's."""
    leaf, _ = depth_four.classify(set(profile), 40)
    assert leaf.top == "muscle" and leaf.top_share < MIN_LEAF_SHARE  # the old answer's leaf
    result = depth_four.assess(list(profile), age=40)
    assert result.pain_type == UNDETERMINED
    assert f"{article} pain" in result.abstain_reason
    assert result.path[-1] == f"leaf {leaf.node}: {leaf.describe()}: " + (
        "no type is named against the article's words"
        if article != "muscle"
        else "too mixed to name a type"
    )
    if article == "muscle":  # muscle is the article's type, but the leaf is mixed
        assert result.abstain_reason.startswith(
            f"the simulated runners like you are too mixed to name a type ({leaf.describe()})"
        )
    else:
        assert result.abstain_reason.startswith(
            f"the article ties every sign you ticked to disc pain, but the simulated runners "
            f"like you are mostly muscle ({leaf.top_share:.0%})"
        )


def test_a_mixed_leaf_names_no_type_and_says_how_mixed(rules):
    mixed = Leaf(4, 1319, {"bone": 0.30, "disc": 0.28, "muscle": 0.42})
    # Two signs of two types: no article type, so the mixture is the reason.
    verdict = judge(rules, mixed, ["pain_beside_spine", "pain_radiates_to_legs"])
    assert (verdict.pain_type, verdict.code) == (UNDETERMINED, abstention.MIXED_LEAF)
    assert verdict.reason == (
        "the simulated runners like you are too mixed to name a type "
        "(42% muscle, 30% bone, 28% disc)"
    )
    assert verdict.line == "leaf 4: 42% muscle, 30% bone, 28% disc: too mixed to name a type"
    # Just over the line, the same leaf names its majority.
    clear = Leaf(4, 1319, {"bone": 0.30, "disc": 0.19, "muscle": 0.51})
    named = judge(rules, clear, ["pain_beside_spine", "pain_radiates_to_legs"])
    assert (named.pain_type, named.reason) == ("muscle", "")
    assert named.line == "leaf 4: muscle (51% of 1,319 simulated runners here)"


def test_a_small_leaf_names_no_type_and_says_how_small(rules):
    small = Leaf(12, MIN_LEAF_RUNNERS - 1, {"bone": 0.0, "disc": 0.0, "muscle": 1.0})
    verdict = judge(rules, small, ["pain_beside_spine"])
    assert (verdict.pain_type, verdict.code) == (UNDETERMINED, abstention.SMALL_LEAF)
    assert verdict.reason.startswith(
        f"too few simulated runners like you ({MIN_LEAF_RUNNERS - 1} in this leaf"
    )
    assert verdict.reason.endswith("the article ties every sign you ticked to muscle pain")
    enough = Leaf(12, MIN_LEAF_RUNNERS, small.shares)
    assert judge(rules, enough, ["pain_beside_spine"]).pain_type == "muscle"


def test_a_tiny_cohort_s_small_leaves_name_no_type(kb):
    """A tree fitted on 300 simulated runners: its leaves hold 20 to a few dozen runners,
    and a leaf under MIN_LEAF_RUNNERS never names a type, whatever its majority."""
    cohort = simulate(kb, 300, random_state=1)
    tiny = Assessor(kb, fit_tree(kb, cohort, random_state=0), 40)
    table = audit.audit(tiny, max_signs=1, ages=(40,))
    small = table[(table["leaf_runners"] < MIN_LEAF_RUNNERS) & (table["rulebook"] != UNDETERMINED)]
    assert len(small), "the tiny cohort should give small leaves"
    assert (small["pain_type"] == UNDETERMINED).all()
    assert small["abstain_reason"].str.startswith("too few simulated runners like you (").all()
    # Without the size rule, some of these would have been named: the rule did the work.
    assert (small["leaf_top_share"] >= MIN_LEAF_SHARE).any()


def test_signs_the_tree_does_not_read_give_the_reason_in_words(rules):
    leaf = Leaf(6, 693, {"bone": 0.48, "disc": 0.22, "muscle": 0.30})
    shared = judge(rules, leaf, ["no_relief_from_self_care"])
    assert shared.reason == "the signs you ticked are shared by muscle and bone pain"
    toes = judge(rules, leaf, ["pain_radiates_to_toes"])
    assert "the article ties every sign you ticked to disc pain" in toes.reason
    assert "none you ticked tells the types apart" in toes.reason
    apart = judge(rules, leaf, ["pain_radiates_to_toes", "suspected_arthritis"])
    assert apart.reason.startswith("the signs you ticked point to different types (bone and disc")
    none = judge(rules, leaf, ["persistent_or_severe_pain"])
    assert none.reason == "the article ties none of the signs you ticked to one type of pain"
    for verdict in (shared, toes, apart, none):
        assert verdict.pain_type == UNDETERMINED and verdict.code == abstention.NO_SYMPTOM
        assert verdict.line.endswith(": no symptom you ticked tells the types apart")


def test_the_article_type_of_a_profile(rules):
    assert article_type(rules, LEGS) == "disc"
    assert article_type(rules, [*LEGS, "persistent_or_severe_pain"]) == "disc"  # tied to none
    assert article_type(rules, ["no_relief_from_self_care"]) == ""  # muscle and bone
    assert article_type(rules, ["pain_beside_spine", "no_relief_from_self_care"]) == ""
    assert article_type(rules, ["persistent_or_severe_pain"]) == ""


TYPES = ("muscle", "bone", "disc")
VERDICT_LINE = re.compile(rf"^leaf \d+: ({'|'.join(TYPES)}) \(")


def _path_names_only_the_answer(result, leaf: int) -> None:
    last = result.path[-1]
    assert last.startswith(f"leaf {leaf}: "), last
    for step in result.path[:-1]:
        assert not step.startswith("leaf "), step
    if result.pain_type == UNDETERMINED:
        assert re.match(r"^leaf \d+: \d+% ", last), last  # the leaf's shares, no verdict
        assert not VERDICT_LINE.match(last), last
    else:
        assert last.startswith(f"leaf {leaf}: {result.pain_type} ("), last


def test_the_path_never_names_a_type_the_assessment_does_not_give(audited, depth_four):
    assessor = default_assessor()
    for row in audited.itertuples(index=False):
        result = assessor.assess(list(row.profile), age=row.age)
        assert result.pain_type == row.pain_type
        _path_names_only_the_answer(result, row.leaf)
    for profile in (LEGS, CRAMPING):  # the old tree's mixed leaf
        leaf, _ = depth_four.classify(set(profile), 40)
        _path_names_only_the_answer(depth_four.assess(list(profile), age=40), leaf.node)


def test_without_an_age_the_path_says_so_first_and_ends_with_the_leaf():
    result = default_assessor().assess(list(LEGS))
    assert result.path[0].startswith("age not given")
    assert result.path[-1].startswith("leaf ")


@pytest.mark.parametrize("module", [abstention, audit, evaluation], ids=lambda m: m.__name__)
def test_the_docstring_examples_run(module):
    failed, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried and not failed
