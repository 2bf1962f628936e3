"""The assessment audited against the article: every small profile of signs, at each age.

A *profile* is a set of signs a runner can report (the tree's symptoms and the gate's
reportable red flags). :func:`audit` assesses every profile of up to ``max_signs`` signs
at each age of :data:`AUDIT_AGES` and says, row by row, what the article's claims point
to, what the rulebook answers, which leaf of the tree the runner reaches, what the
assessment gives after abstention (:mod:`lowback.study.abstention`), and how that answer
stands to the rulebook's. The property it exists to keep: a profile whose every sign the
article ties to one pain type is never given another type (it may be ``undetermined``).
Every leaf share describes SIMULATED runners.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

import pandas as pd

from lowback.study.abstention import article_type
from lowback.study.rulebook import UNDETERMINED, Rulebook
from lowback.study.tree import AGE, TreeModel
from lowback.study.triage import MAX_AGE, Assessor

#: The ages each profile is audited at: one under and one over the article's 65 (the
#: cohort's over-65 weight). :func:`audit_ages` adds both sides of each age the tree
#: splits on, whatever its threshold.
AUDIT_AGES = (40, 70)

#: How an assessment's answer stands to the rulebook's (the ``kind`` column).
KINDS = ("agrees", "abstains", "tree_where_rulebook_silent", "tree_against_rulebook")


def profiles(
    rules: Rulebook, max_signs: int = 2, *, red_flags: Iterable[str] | None = None
) -> list[tuple[str, ...]]:
    """Every reportable profile of 1 to ``max_signs`` signs: singles first, then pairs,
    and so on, each tuple in sign order (the rulebook's symptoms, then the red flags).

    Parameters
    ----------
    rules : Rulebook
    max_signs : int
        The most signs in a profile.
    red_flags : iterable of str, optional
        The reportable red flags, in the gate's order (``Assessor.gate.reportable``, which
        :func:`audit` passes); by default the rulebook's red flags, every red flag entity
        (in the shipped records each is reportable).

    Examples
    --------
    >>> from lowback import load_knowledge_base
    >>> from lowback.study.assumptions import study_records
    >>> rules = Rulebook.of(study_records(load_knowledge_base()))
    >>> found = profiles(rules)
    >>> found[0], found[-1]
    (('pain_beside_spine',), ('no_relief_from_self_care', 'persistent_or_severe_pain'))
    >>> len(found) == 13 + 13 * 12 // 2  # 6 symptoms and 7 red flags
    True
    """
    signs = [*rules.symptoms, *(rules.red_flags if red_flags is None else red_flags)]
    return [
        combination
        for size in range(1, max_signs + 1)
        for combination in itertools.combinations(signs, size)
    ]


def age_thresholds(tree: TreeModel) -> list[float]:
    """The thresholds of every split of the tree on age, in node order."""
    structure = tree.estimator.tree_
    return [
        float(structure.threshold[node])
        for node in range(structure.node_count)
        if structure.children_left[node] != structure.children_right[node]
        and tree.features[structure.feature[node]] == AGE
    ]


def audit_ages(tree: TreeModel, ages: Iterable[float] = AUDIT_AGES) -> list[float]:
    """``ages``, and both sides of each age threshold ``t`` the tree splits on:
    ``floor(t)`` (the tree sends an age at or under ``t`` left) and ``floor(t) + 1`` (the
    first whole age over it), within 0 to ``MAX_AGE``; sorted, each once."""
    found = set(ages)
    for threshold in age_thresholds(tree):
        found |= {math.floor(threshold), math.floor(threshold) + 1}
    return sorted(a for a in found if 0 <= a <= MAX_AGE)


def _kind(answer: str, rulebook: str) -> str:
    if answer == UNDETERMINED:
        return "abstains"
    if answer == rulebook:
        return "agrees"
    if rulebook == UNDETERMINED:
        return "tree_where_rulebook_silent"
    return "tree_against_rulebook"


def audit(assessor: Assessor, *, max_signs: int = 2, ages=AUDIT_AGES) -> pd.DataFrame:
    """Assess every profile of up to ``max_signs`` signs at every audit age.

    Parameters
    ----------
    assessor : Assessor
    max_signs : int
    ages : iterable of numbers
        The ages to audit at; both sides of each age the tree splits on are added
        (:func:`audit_ages`).

    Returns
    -------
    DataFrame
        One row per (profile, age), in profile order then age: ``profile`` (tuple of
        sign ids), ``signs`` (their labels), ``n_signs``, ``age``, ``article_type``
        (:func:`~lowback.study.abstention.article_type`, ``""`` for none), ``rulebook``
        (the rulebook's answer), ``leaf``, ``leaf_runners`` (training runners in it),
        ``leaf_top``, ``leaf_top_share``, ``share_<type>`` for each pain type,
        ``pain_type`` (the assessment's, after abstention), ``abstain_reason``,
        ``triage``, ``decided_by`` (the first reason's rule) and ``kind`` (one of
        :data:`KINDS`).
    """
    rules = assessor.rules
    found = profiles(rules, max_signs, red_flags=assessor.gate.reportable)
    present = pd.DataFrame([{s: s in p for s in rules.symptoms} for p in found])
    rulebook = rules.predict(present)
    rows = []
    for profile, answer in zip(found, rulebook, strict=True):
        signs = set(profile)
        label = ", ".join(assessor.sign_evidence(s).label for s in profile)
        article = article_type(rules, profile)
        for age in audit_ages(assessor.tree, ages):
            result = assessor.assess(list(profile), age=age)
            leaf, _ = assessor.classify(signs, age)
            row = {
                "profile": profile,
                "signs": label,
                "n_signs": len(profile),
                "age": age,
                "article_type": article,
                "rulebook": str(answer),
                "leaf": leaf.node,
                "leaf_runners": leaf.runners,
                "leaf_top": leaf.top,
                "leaf_top_share": leaf.top_share,
            }
            row.update({f"share_{t}": leaf.shares.get(t, 0.0) for t in rules.pain_types})
            row.update(
                pain_type=result.pain_type,
                abstain_reason=result.abstain_reason,
                triage=result.triage,
                decided_by=result.reasons[0].rule,
                kind=_kind(result.pain_type, str(answer)),
            )
            rows.append(row)
    return pd.DataFrame(rows)
