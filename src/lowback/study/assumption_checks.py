"""Checks of an assumptions file beyond one value's range: values against one another and
against the records (ids, claims, numbers the claims make unused).

Each check returns problems, never raises: :func:`~lowback.study.assumptions.load_assumptions`
reports them all together, each naming its key, the value found and what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from lowback.data.records import KnowledgeBase
from lowback.study.assumption_schema import AssumptionFile, did_you_mean
from lowback.study.gate import reportable_red_flags
from lowback.study.rulebook import Rulebook

#: The derived risk factor: runners of at least ``age.older_age_from`` years.
AGE_FACTOR = "older_age"

SetIn = Callable[[tuple[str, ...]], str]


def source_problems(raw: AssumptionFile, kb: KnowledgeBase) -> list[str]:
    """``study.sources`` that are no source of the records, or missing on this machine."""
    present = tuple(kb.sources["id"])
    missing = {m.id: m for m in kb.missing}
    problems = []
    for source in raw.study.sources:
        if source in missing:
            problems.append(
                f"study.sources: '{source}' is missing on this machine: {missing[source]}"
            )
        elif source not in present:
            problems.append(
                f"study.sources: got '{source}'; expected a source id of sources.csv "
                f"({', '.join(present)}){did_you_mean(source, present)}"
            )
    return problems


def consistency_problems(
    raw: AssumptionFile, rules: Rulebook, kb: KnowledgeBase, set_in: SetIn = lambda key: ""
) -> list[str]:
    """Every problem of a file whose values each have the right kind and range.

    Parameters
    ----------
    raw : AssumptionFile
        The file, as read.
    rules, kb : Rulebook, KnowledgeBase
        The rules and records of the sources the file names.
    set_in : callable, optional
        Key -> words saying which file of an ``extends`` chain set it.
    """
    problems = []
    sections = {
        "pain_types": (raw.pain_types, rules.pain_types, "pain type"),
        "symptoms": (raw.symptoms, rules.symptoms, "symptom"),
        "red_flags": (raw.red_flags, reportable_red_flags(kb), "reportable red flag"),
        "risk_factors": (raw.risk_factors, rules.risk_factors, "risk factor"),
    }
    for section, (entries, valid, what) in sections.items():
        for key in entries:
            if key not in valid:
                problems.append(
                    f"{section}.{key}: unknown {what} id{did_you_mean(key, valid)}; "
                    f"expected one of: {', '.join(valid)}{set_in((section, key))}"
                )
    for pain_type in rules.pain_types:
        if pain_type not in raw.pain_types:
            problems.append(f"pain_types.{pain_type}: missing; expected a prevalence")
    total = sum(p.prevalence for p in raw.pain_types.values())
    if raw.pain_types and not math.isclose(total, 1.0, abs_tol=1e-9):
        problems.append(f"pain_types: prevalences sum to {total:g}; expected 1")
    problems += _age_problems(raw, set_in)
    factor = raw.risk_factors.get(AGE_FACTOR)
    if factor is not None and factor.prevalence is not None:
        problems.append(
            f"risk_factors.{AGE_FACTOR}.prevalence: got {factor.prevalence}; expected none "
            "(it is derived from age: set age.older_age_from)"
            + set_in(("risk_factors", AGE_FACTOR, "prevalence"))
        )
    problems += _unused_numbers(raw, rules)
    known_claims = set(kb.claims["id"])
    for key, ids in _claim_lists(raw):
        for claim in ids:
            if claim not in known_claims:
                problems.append(
                    f"{key}: unknown claim id '{claim}'; expected an id from claims.csv"
                    + set_in(tuple(key.split(".")))
                )
    return problems


def _age_problems(raw: AssumptionFile, set_in: SetIn) -> list[str]:
    """The age range, and the mean and older-age threshold inside it: ages are drawn from
    a normal distribution, rounded and clipped to [min, max]."""
    age = raw.age
    if age.min >= age.max:
        return [
            f"age.min: got {age.min}; expected less than age.max ({age.max})"
            + set_in(("age", "min"))
        ]
    problems = []
    if not age.min <= age.mean <= age.max:
        problems.append(
            f"age.mean: got {age.mean}; expected between age.min ({age.min}) and age.max "
            f"({age.max}) (ages are clipped to that range: a mean outside it puts most runners "
            f"at one end){set_in(('age', 'mean'))}"
        )
    where = set_in(("age", "older_age_from"))
    if age.older_age_from <= age.min:
        problems.append(
            f"age.older_age_from: got {age.older_age_from}; expected more than age.min "
            f"({age.min}) ({AGE_FACTOR} is age >= older_age_from: every runner would have it, "
            f"and its relative risk divides by the runners without it, none){where}"
        )
    elif age.older_age_from > age.max:
        problems.append(
            f"age.older_age_from: got {age.older_age_from}; expected at most age.max "
            f"({age.max}) ({AGE_FACTOR} is age >= older_age_from: no runner would have it, "
            f"and its relative risk divides by the runners with it, none){where}"
        )
    return problems


def _unused_numbers(raw: AssumptionFile, rules: Rulebook) -> list[str]:
    """A number the simulation would never use, because the claims tie its entity to no
    pain type, is an error rather than a silent no-op."""
    problems = []
    for flag, entry in raw.red_flags.items():
        if entry.rate is not None and flag not in rules.red_flag_types:
            problems.append(
                f"red_flags.{flag}.rate: got {entry.rate}; expected none (the claims tie "
                f"{flag} to no single pain type, so only its background rate is used)"
            )
    for factor, entry in raw.risk_factors.items():
        if (
            entry.type_risk is not None
            and factor in rules.risk_factors
            and factor not in rules.risk_factor_types
        ):
            problems.append(
                f"risk_factors.{factor}.type_risk: got {entry.type_risk}; expected none (the "
                f"claims tie {factor} to no pain type, so only its pain_odds_ratio is used)"
            )
    return problems


def _claim_lists(raw: AssumptionFile) -> list[tuple[str, list[str]]]:
    lists = [("cohort.claims", raw.cohort.claims), ("age.over_65_claims", raw.age.over_65_claims)]
    for section in ("pain_types", "symptoms", "red_flags", "risk_factors"):
        for key, entry in getattr(raw, section).items():
            lists.append((f"{section}.{key}.claims", entry.claims))
    return lists
