"""Assess a runner's symptoms: a red-flag gate first, then the tree, with quotes.

Education, not diagnosis. The gate reads the triage rules in ``data/records/triage.csv``
(which red flag raises which level, each with its quote); its verdict stands whatever
the tree says, and the tree's answer can only add to it, never lower it. The tree is
fitted deterministically, in this process, on a simulated cohort drawn from the shipped
records and assumptions; nothing is loaded from a pickle.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from numbers import Real

import numpy as np

from lowback.data.records import KnowledgeBase, load_knowledge_base
from lowback.data.schema import REPORTED, TRIAGE_LEVELS
from lowback.errors import AssessmentInputError
from lowback.study.assumptions import AGE_SYMPTOM, AGE_SYMPTOM_FROM
from lowback.study.rulebook import UNDETERMINED, Rulebook
from lowback.study.tree import (
    TreeModel,
    decision_path,
    feature_values,
    fit_tree,
    leaf_shares,
    walk,
)

#: The simulated cohort behind the assessment's tree: size and seed, fixed.
MODEL_COHORT_SIZE = 50_000
MODEL_SEED = 20_261_124
MAX_AGE = 120
DISCLAIMER = "Educational only, not medical advice: see a doctor about back pain."


@dataclass(frozen=True)
class Quote:
    """Where a statement stands in the material."""

    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class Evidence(Quote):
    """A sign used in the assessment and the record behind it."""

    id: str = ""
    kind: str = ""  # symptom or red_flag
    label: str = ""
    record: str = ""  # claim id, or triage rule id for a red flag
    level: str | None = None  # for a red flag: the level its rule raises


@dataclass(frozen=True)
class Advice(Quote):
    """A treatment or prevention the material offers for what was assessed."""

    id: str = ""
    kind: str = ""  # treatment or prevention
    label: str = ""
    relation: str = ""  # treats or prevents
    target: str = ""  # the pain type or risk factor it addresses
    claim: str = ""


@dataclass(frozen=True)
class Assessment:
    """What the material's rules and the tree say about a set of symptoms.

    Attributes
    ----------
    pain_type : str
        ``muscle``, ``bone``, ``disc``, or ``undetermined`` when no symptom present
        tells the types apart.
    probabilities : dict
        Share of each pain type among simulated runners in the tree's leaf.
    triage : str
        ``self_care``, ``see_doctor`` or ``urgent``: the red-flag gate's verdict.
    red_flags : tuple of str
        Ids of the red flags raised.
    advice, evidence : tuple
        Treatments and prevention that fit, and the signs used, each with its quote.
    path : tuple of str
        The tree's decisions in words.
    """

    pain_type: str
    probabilities: dict[str, float]
    triage: str
    red_flags: tuple[str, ...]
    advice: tuple[Advice, ...]
    evidence: tuple[Evidence, ...]
    path: tuple[str, ...]
    disclaimer: str = field(default=DISCLAIMER)

    def to_dict(self) -> dict:
        """The assessment as JSON-ready data with exactly the public keys."""
        data = asdict(self)
        data.pop("disclaimer")
        data["red_flags"] = list(self.red_flags)
        data["path"] = list(self.path)
        return data


@dataclass(frozen=True)
class GateVerdict:
    """The red-flag gate's verdict: the level, and the triage rules that raised it."""

    level: str
    rules: tuple[dict, ...]

    @property
    def red_flags(self) -> tuple[str, ...]:
        """The red flags raised, each once."""
        return tuple(dict.fromkeys(r["red_flag"] for r in self.rules if r["red_flag"]))


class RedFlagGate:
    """The triage rules of the knowledge base, applied before any model.

    A rule ``raised_by`` a pain type fires when the runner reports any sign (symptom or
    red flag) that the claims tie to that pain type alone: the runner's signs make one
    "suspect" that type, as the material puts it.
    """

    def __init__(self, kb: KnowledgeBase, rules: Rulebook):
        triage = kb.triage
        triage["level"] = triage["level"].astype(str)
        records = triage.to_dict("records")
        self._baseline = next(r for r in records if not r["red_flag"])
        self._rules = [r for r in records if r["red_flag"]]
        self._specific_signs: dict[str, set[str]] = {t: set() for t in rules.pain_types}
        for sign, types in [*rules.symptom_types.items(), *rules.red_flag_types.items()]:
            if len(types) == 1:
                self._specific_signs[next(iter(types))].add(sign)
        self.reportable = tuple(
            dict.fromkeys(r["red_flag"] for r in self._rules if r["raised_by"] == REPORTED)
        )

    @property
    def rules(self) -> tuple[dict, ...]:
        """The triage rules that name a red flag."""
        return tuple(self._rules)

    def check(self, signs: Iterable[str]) -> GateVerdict:
        """Which rules the reported signs (symptoms and red flags) raise, and the level."""
        signs = set(signs)
        raised = [
            rule
            for rule in self._rules
            if (rule["raised_by"] == REPORTED and rule["red_flag"] in signs)
            or (signs & self._specific_signs.get(rule["raised_by"], set()))
        ]
        level = max(
            [self._baseline["level"], *(r["level"] for r in raised)], key=TRIAGE_LEVELS.index
        )
        return GateVerdict(level, tuple(raised) or (self._baseline,))


class Assessor:
    """Everything an assessment needs, computed once: valid ids, quotes, advice, tree.

    Parameters
    ----------
    kb : KnowledgeBase
    tree : TreeModel
        A tree fitted on a simulated cohort of this knowledge base.
    median_age : int
        The age the tree uses when none is given.
    """

    def __init__(self, kb: KnowledgeBase, tree: TreeModel, median_age: int):
        self.kb, self.tree, self.median_age = kb, tree, median_age
        self.rules = Rulebook.of(kb)
        self.gate = RedFlagGate(kb, self.rules)
        self.signs = (
            tuple(s for s in self.rules.symptoms if s != AGE_SYMPTOM) + self.gate.reportable
        )
        claims = kb.claims_with_labels()
        labels = dict(zip(kb.entities["id"], kb.entities["label"], strict=True))
        self._labels = labels
        self._symptom_evidence = {}
        for row in claims[claims["relation"] == "symptom_of"].itertuples(index=False):
            self._symptom_evidence.setdefault(
                row.subject,
                Evidence(
                    row.quote,
                    int(row.start),
                    int(row.end),
                    id=row.subject,
                    kind="symptom",
                    label=labels[row.subject],
                    record=row.id,
                ),
            )
        helps = claims[claims["relation"].isin(["treats", "prevents"])]
        helps = helps.drop_duplicates(["subject", "object"])
        self._advice: dict[str, list[Advice]] = {}
        for row in helps.itertuples(index=False):
            self._advice.setdefault(row.object, []).append(
                Advice(
                    row.quote,
                    int(row.start),
                    int(row.end),
                    id=row.subject,
                    kind=row.subject_kind,
                    label=row.subject_label,
                    relation=str(row.relation),
                    target=row.object,
                    claim=row.id,
                )
            )

    def sign_evidence(self, sign: str) -> Evidence:
        """The record behind a reportable sign: its symptom claim, or its red flag's
        triage rule (the most pressing one)."""
        if sign in self._symptom_evidence:
            return self._symptom_evidence[sign]
        rules = [r for r in self.gate.rules if r["red_flag"] == sign]
        rule = max(rules, key=lambda r: TRIAGE_LEVELS.index(r["level"]))
        return Evidence(
            rule["quote"],
            int(rule["start"]),
            int(rule["end"]),
            id=sign,
            kind="red_flag",
            label=self._labels[sign],
            record=rule["id"],
            level=rule["level"],
        )

    def assess(
        self, symptoms: Iterable[str], *, age: float | None = None, risk_factors: Iterable[str] = ()
    ) -> Assessment:
        """See :func:`assess`."""
        if isinstance(symptoms, str):
            symptoms = [symptoms]
        if isinstance(risk_factors, str):
            risk_factors = [risk_factors]
        given = _check_ids(symptoms, self.signs, "symptom")
        if not given:
            raise AssessmentInputError(
                f"give at least one symptom; valid ids: {', '.join(self.signs)}"
            )
        factors = _check_ids(risk_factors, self.rules.risk_factors, "risk factor")
        years = _check_age(age)
        signs = set(given)
        if years is not None and years >= AGE_SYMPTOM_FROM:
            signs.add(AGE_SYMPTOM)

        verdict = self.gate.check(signs)  # the gate first; nothing below may lower it

        values = feature_values(self.tree, signs, years if years is not None else self.median_age)
        nodes = walk(self.tree, values)
        shares = leaf_shares(self.tree, nodes[-1])
        classes = self.tree.classes
        probabilities = {
            t: round(float(shares[classes.index(t)]), 4) for t in self.rules.pain_types
        }
        tells_apart = signs & set(self.rules.symptom_types)
        pain_type = classes[int(np.argmax(shares))] if tells_apart else UNDETERMINED
        path = decision_path(self.tree, self.kb, values)
        if years is None:
            path.insert(
                0, f"age not given: the tree uses {self.median_age}, the simulated cohort's median"
            )

        targets = ["low_back_pain", *([pain_type] if pain_type != UNDETERMINED else []), *factors]
        evidence = [self._symptom_evidence[s] for s in sorted(signs) if s in self._symptom_evidence]
        evidence += [
            Evidence(
                r["quote"],
                int(r["start"]),
                int(r["end"]),
                id=r["red_flag"],
                kind="red_flag",
                label=self._labels[r["red_flag"]],
                record=r["id"],
                level=r["level"],
            )
            for r in verdict.rules
            if r["red_flag"]
        ]
        return Assessment(
            pain_type=pain_type,
            probabilities=probabilities,
            triage=verdict.level,
            red_flags=verdict.red_flags,
            advice=tuple(a for target in targets for a in self._advice.get(target, ())),
            evidence=tuple(evidence),
            path=tuple(path),
        )


@lru_cache(maxsize=1)
def default_assessor() -> Assessor:
    """The assessor of the shipped records: a tree fitted, in this process, on a simulated
    cohort of ``MODEL_COHORT_SIZE`` runners with seed ``MODEL_SEED``."""
    from lowback.study.cohort import simulate

    kb = load_knowledge_base()
    cohort = simulate(kb, MODEL_COHORT_SIZE, random_state=MODEL_SEED)
    tree = fit_tree(kb, cohort, random_state=0)
    return Assessor(kb, tree, int(np.median(cohort["age"])))


def _check_ids(given: Iterable[object], valid: tuple[str, ...], what: str) -> list[str]:
    ids = []
    for value in given:
        if not isinstance(value, str):
            raise AssessmentInputError(f"{what} ids are text, got {type(value).__name__} {value!r}")
        if value not in valid:
            close = difflib.get_close_matches(value, valid, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise AssessmentInputError(
                f"unknown {what} id '{value}'.{hint} Valid ids: {', '.join(valid)}"
            )
        ids.append(value)
    return list(dict.fromkeys(ids))


def _check_age(age: object) -> float | None:
    if age is None:
        return None
    # NaN is unequal to itself; comparing, unlike math.isfinite, cannot overflow on an
    # int or Fraction too large for a float.
    if isinstance(age, bool) or not isinstance(age, Real) or age != age or abs(age) == math.inf:
        raise AssessmentInputError(f"age must be a number of years, got {age!r}")
    if not 0 <= age <= MAX_AGE:
        raise AssessmentInputError(f"age must be between 0 and {MAX_AGE} years, got {age}")
    return float(age)


def assess(
    symptoms: Iterable[str], *, age: float | None = None, risk_factors: Iterable[str] = ()
) -> Assessment:
    """Assess reported symptoms: the red-flag gate first, then the tree.

    Education, not diagnosis.

    Parameters
    ----------
    symptoms : iterable of str
        Symptom ids and reportable red flag ids (``lowback symptoms`` lists them).
    age : number, optional
        Age in years, 0 to 120. Over 65 counts as a sign of bone pain, as the material
        says. Without an age the tree uses the simulated cohort's median.
    risk_factors : iterable of str
        Risk factor ids; they add the prevention the material offers against them.

    Returns
    -------
    Assessment

    Raises
    ------
    AssessmentInputError
        For an unknown id (listing the valid ids, with a did-you-mean), a bad age, or no
        symptom at all.
    """
    return default_assessor().assess(symptoms, age=age, risk_factors=risk_factors)


def assessment_table(profiles: list[list[str]], *, age: float | None = None):
    """Assess several symptom profiles at one age; one row each: triage, pain type, flags."""
    import pandas as pd

    results = [assess(signs, age=age) for signs in profiles]
    return pd.DataFrame(
        {
            "signs": [", ".join(signs) for signs in profiles],
            "triage": [r.triage for r in results],
            "pain type": [r.pain_type for r in results],
            "red flags": [", ".join(r.red_flags) for r in results],
        }
    )
