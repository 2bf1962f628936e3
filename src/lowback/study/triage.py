"""Assess a runner's symptoms: the red-flag gate first, then the tree, with quotes.

Education, not diagnosis. The gate (:mod:`lowback.study.gate`) reads the triage rules in
``data/records/triage.csv``; its verdict stands whatever the tree says, and every verdict
comes with its reasons, the rules' sentences. The tree's answer can only add a pain type,
never lower the triage, and it names one only when its leaf is large enough, clear enough
and not against the article's words (:mod:`lowback.study.abstention`:
``MIN_LEAF_SHARE``, ``MIN_LEAF_RUNNERS``); otherwise ``undetermined``, with
``Assessment.abstain_reason`` in words. The tree is fitted deterministically, in this
process, on a simulated cohort drawn from the shipped records and assumptions; nothing is
loaded from a pickle. Advice the material contradicts is shown with its counter-claim on
a self-care verdict, and withheld above it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from numbers import Real

import numpy as np

from lowback.data.records import KnowledgeBase, load_knowledge_base
from lowback.data.schema import TRIAGE_LEVELS
from lowback.errors import AssessmentInputError
from lowback.study.abstention import MIN_LEAF_RUNNERS, MIN_LEAF_SHARE, Leaf, Verdict, judge, leaf_of
from lowback.study.evidence import (
    MODALITY_WORDS,
    Advice,
    CounterClaim,
    Evidence,
    Quote,
    counter_claim,
    modality_note,
)
from lowback.study.gate import Reason, RedFlagGate
from lowback.study.rulebook import UNDETERMINED, Rulebook
from lowback.study.tree import TreeModel, decision_path, feature_values, fit_tree, walk

__all__ = [
    "ADVICE_RELATIONS",
    "DISCLAIMER",
    "MAX_AGE",
    "MIN_LEAF_RUNNERS",
    "MIN_LEAF_SHARE",
    "MODALITY_WORDS",
    "MODEL_COHORT_SIZE",
    "MODEL_SEED",
    "WORSENS",
    "Advice",
    "Assessment",
    "Assessor",
    "CounterClaim",
    "Evidence",
    "Quote",
    "assess",
    "assessment_table",
    "default_assessor",
    "modality_note",
]

#: The simulated cohort behind the assessment's tree: notebook 02's, so that the notebook,
#: the command and the explorer show one tree (fitted at ``TREE_DEPTH`` with this seed).
MODEL_COHORT_SIZE = 20_000
MODEL_SEED = 2026
MAX_AGE = 120
DISCLAIMER = "Educational only, not medical advice: see a doctor about back pain."

#: The relations whose claims are advice, and the one that says advice makes pain worse.
ADVICE_RELATIONS = ("treats", "prevents")
WORSENS = "worsens"


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class Assessment:
    """What the material's rules and the tree say about a set of symptoms.

    Attributes
    ----------
    pain_type : str
        ``muscle``, ``bone``, ``disc``, or ``undetermined`` when no symptom present
        tells the types apart, or the tree's leaf is too small, too mixed, or against
        the article's words (:mod:`lowback.study.abstention`).
    probabilities : dict
        Share of each pain type among simulated runners in the tree's leaf.
    triage : str
        ``self_care``, ``see_doctor`` or ``urgent``: the red-flag gate's verdict.
    red_flags : tuple of str
        Ids of every red flag raised, most pressing first (a flag the runner did not
        report is raised by the signs of its reason).
    advice : tuple of Advice
        Treatments and prevention that fit, each with its quote and modality; advice
        the material contradicts carries ``countered_by`` on a self-care verdict and is
        withheld above it.
    evidence : tuple of Evidence
        The signs the runner reports, each with the claim behind it and its modality.
    path : tuple of str
        The tree's decisions in words; the last line is the leaf actually used, and
        names no type the assessment does not give.
    reasons : tuple of Reason
        The triage rules that fired, most pressing first: the first is the sentence that
        names the verdict's level; the baseline rule when none fired.
    abstain_reason : str
        Why no pain type is named, in words; ``""`` when one is.
    """

    pain_type: str
    probabilities: dict[str, float]
    triage: str
    red_flags: tuple[str, ...]
    advice: tuple[Advice, ...]
    evidence: tuple[Evidence, ...]
    path: tuple[str, ...]
    reasons: tuple[Reason, ...] = ()
    abstain_reason: str = ""
    disclaimer: str = field(default=DISCLAIMER)

    def to_dict(self) -> dict:
        """The assessment as JSON-ready data with exactly the public keys."""
        data = asdict(self)
        data.pop("disclaimer")
        return _jsonable(data)


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
        # The model's side (rulebook, tree, advice) reads the sources the tree's cohort was
        # simulated from; the gate reads every source: a warning sign only another source
        # names is still a warning sign.
        self.all_records = kb
        self.kb = kb.restricted_to(tree.sources) if tree.sources else kb
        self.tree, self.median_age = tree, median_age
        self.rules = Rulebook.of(self.kb)
        self.gate = RedFlagGate(kb)
        self.signs = self.rules.symptoms + self.gate.reportable
        claims = self.kb.claims_with_labels()
        for column in ("relation", "modality"):
            claims[column] = claims[column].astype(str)
        self._labels = dict(zip(kb.entities["id"], kb.entities["label"], strict=True))
        self._kinds = dict(zip(kb.entities["id"], kb.entities["kind"].astype(str), strict=True))
        self._gate_evidence: dict[str, Evidence] = {}  # sign_evidence of gate-only signs
        # The pain type the types are types of (low back pain): advice for it always fits.
        self._umbrella = tuple(dict.fromkeys(claims.loc[claims["relation"] == "type_of", "object"]))
        self._sign_claims = self._first_sign_claims(claims)
        self._counters = self._contradictions(claims)
        self._worsens: dict[str, list[tuple[str, CounterClaim]]] = {}
        for row in claims[claims["relation"] == WORSENS].itertuples(index=False):
            self._worsens.setdefault(row.subject, []).append((row.object, counter_claim(row)))
        self._advice = self._advice_by_target(claims)

    def _first_sign_claims(self, claims) -> dict[str, Evidence]:
        found: dict[str, Evidence] = {}
        for relation, kind in (("symptom_of", "symptom"), ("red_flag_for", "red_flag")):
            for row in claims[claims["relation"] == relation].itertuples(index=False):
                found.setdefault(
                    row.subject,
                    Evidence(
                        row.quote,
                        int(row.start),
                        int(row.end),
                        source=row.source,
                        id=row.subject,
                        kind=kind,
                        label=self._labels[row.subject],
                        record=row.id,
                        modality=row.modality,
                    ),
                )
        return found

    @staticmethod
    def _contradictions(claims) -> dict[str, list[CounterClaim]]:
        """Claim id -> the claims the material sets against it (``contradicts`` claims)."""
        by_id = {row.id: row for row in claims.itertuples(index=False)}
        counters: dict[str, list[CounterClaim]] = {}
        for row in claims[claims["relation"] == "contradicts"].itertuples(index=False):
            for side, other in ((row.subject, row.object), (row.object, row.subject)):
                if other in by_id:
                    counters.setdefault(side, []).append(counter_claim(by_id[other], via=row.id))
        return counters

    def _advice_by_target(self, claims) -> dict[str, list[Advice]]:
        """Target -> the advice for it: one item per measure, quoting its first claim;
        a contradiction of any of the measure's claims for that target counters it."""
        helps = claims[claims["relation"].isin(ADVICE_RELATIONS)]
        advice: dict[str, list[Advice]] = {}
        for (_, _), group in helps.groupby(["subject", "object"], sort=False):
            row = next(group.itertuples(index=False))
            countered = [c for claim in group["id"] for c in self._counters.get(claim, ())]
            advice.setdefault(row.object, []).append(
                Advice(
                    row.quote,
                    int(row.start),
                    int(row.end),
                    source=row.source,
                    id=row.subject,
                    kind=row.subject_kind,
                    label=row.subject_label,
                    relation=row.relation,
                    target=row.object,
                    claim=row.id,
                    modality=row.modality,
                    countered_by=tuple(countered),
                )
            )
        return advice

    def sign_evidence(self, sign: str) -> Evidence:
        """The record behind a reportable sign: its first symptom_of or red_flag_for
        claim; for a red flag without one, the most pressing rule it raises."""
        if sign in self._sign_claims:
            return self._sign_claims[sign]
        if sign in self._gate_evidence:  # found once per assessor: assess calls this a lot
            return self._gate_evidence[sign]
        rules = [r for r in self.gate.rules if r["red_flag"] == sign] or [
            r for r in self.gate.rules if sign in r["signs"]
        ]
        rule = max(rules, key=lambda r: TRIAGE_LEVELS.index(r["level"]))
        evidence = Evidence(
            rule["quote"],
            int(rule["start"]),
            int(rule["end"]),
            source=rule["source"],
            id=sign,
            kind=self._kinds[sign],
            label=self._labels[sign],
            record=rule["id"],
        )
        self._gate_evidence[sign] = evidence
        return evidence

    def fitting_advice(self, targets: list[str], worsened: set[str], level: str) -> list[Advice]:
        """The advice for ``targets`` that fits a verdict at ``level``.

        Advice is countered by the claims that contradict it and by every ``worsens``
        claim that says the measure makes pain of ``worsened`` worse. Countered advice
        is shown with its counter-claims at the least pressing level (self-care), and
        withheld at any level above it.
        """
        fits = []
        for target in targets:
            for item in self._advice.get(target, ()):
                against: dict[str, CounterClaim] = {}
                for counter in item.countered_by:
                    against.setdefault(counter.claim, counter)
                for pain, counter in self._worsens.get(item.id, ()):
                    if pain in worsened:
                        against.setdefault(counter.claim, counter)
                if not against:
                    fits.append(item)
                elif level == TRIAGE_LEVELS[0]:
                    fits.append(replace(item, countered_by=tuple(against.values())))
        return fits

    def assess(
        self, symptoms: Iterable[str], *, age: float | None = None, risk_factors: Iterable[str] = ()
    ) -> Assessment:
        """See :func:`assess`.

        Examples
        --------
        >>> import lowback
        >>> result = lowback.assess(["pain_worse_when_bending", "pain_radiates_to_legs"], age=45)
        >>> result.triage, result.pain_type
        ('urgent', 'disc')
        >>> lowback.assess(["frobnicate"])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lowback.errors.AssessmentInputError: ...
        """
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

        verdict = self.gate.check(signs)  # the gate first; nothing below may lower it

        age_used = years if years is not None else self.median_age
        leaf, judged = self.classify(signs, age_used)
        probabilities = {t: round(leaf.shares.get(t, 0.0), 4) for t in self.rules.pain_types}
        pain_type = judged.pain_type
        values = feature_values(self.tree, signs, age_used)
        path = decision_path(self.tree, self.kb, values, last=judged.line)
        if years is None:
            path.insert(
                0, f"age not given: the tree uses {self.median_age}, the simulated cohort's median"
            )

        determined = [pain_type] if pain_type != UNDETERMINED else []
        pains = [*self._umbrella, *determined]
        # The runner has pain of some type: with none determined, of any.
        worsened = set(pains) if determined else {*self._umbrella, *self.rules.pain_types}
        advice = self.fitting_advice([*pains, *factors], worsened, verdict.level)
        evidence = [self.sign_evidence(s) for s in self.signs if s in signs]
        return Assessment(
            pain_type=pain_type,
            probabilities=probabilities,
            triage=verdict.level,
            red_flags=verdict.red_flags,
            advice=tuple(advice),
            evidence=tuple(evidence),
            path=tuple(path),
            reasons=verdict.reasons,
            abstain_reason=judged.reason,
        )

    def classify(self, signs: set[str], age: float) -> tuple[Leaf, Verdict]:
        """The tree's leaf for these signs at this age, and the verdict on it: a pain
        type, or ``undetermined`` with the reason (:func:`~lowback.study.abstention.judge`)."""
        nodes = walk(self.tree, feature_values(self.tree, signs, age))
        leaf = leaf_of(self.tree, nodes[-1])
        return leaf, judge(self.rules, leaf, signs)


@lru_cache(maxsize=1)
def default_assessor() -> Assessor:
    """The assessor of the shipped records: a tree fitted, in this process, on notebook
    02's cohort: ``MODEL_COHORT_SIZE`` runners, seed ``MODEL_SEED``, the default
    assumptions, ``TREE_DEPTH`` deep, the tree seeded with ``MODEL_SEED`` as the notebook
    seeds it."""
    from lowback.study.cohort import simulate

    kb = load_knowledge_base()
    cohort = simulate(kb, MODEL_COHORT_SIZE, random_state=MODEL_SEED)
    tree = fit_tree(kb, cohort, random_state=MODEL_SEED)
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

    Education, not diagnosis. The triage comes with its reasons, the rules' sentences,
    most pressing first; advice the material contradicts is shown with its counter-claim
    on a self-care verdict and withheld above it.

    Parameters
    ----------
    symptoms : iterable of str
        Symptom ids and reportable red flag ids (``lowback symptoms`` lists them).
    age : number, optional
        Age in years, 0 to 120: an input of the tree only (age is a risk factor in the
        material, not a sign; no triage rule reads it). Without an age the tree uses the
        simulated cohort's median.
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


def assessment_table(
    profiles: list[list[str]], *, age: float | None = None, assessor: Assessor | None = None
):
    """Assess several symptom profiles at one age; one row each: triage, the rule whose
    sentence names it (literal, or inferred via its claims), pain type, flags.

    ``assessor`` is the one to ask (a notebook passes its own, so the table shows the
    notebook's tree); by default :func:`default_assessor`.
    """
    import pandas as pd

    ask = (assessor or default_assessor()).assess
    results = [ask(signs, age=age) for signs in profiles]
    return pd.DataFrame(
        {
            "signs": [", ".join(signs) for signs in profiles],
            "triage": [r.triage for r in results],
            "decided by": [_decided_by(r.reasons[0]) for r in results],
            "pain type": [r.pain_type for r in results],
            "red flags": [", ".join(r.red_flags) for r in results],
        }
    )


def _decided_by(reason) -> str:
    """A reason as a table shows it: ``t10, inferred via c034 c035`` or ``t04, literal``."""
    how = f"inferred via {' '.join(reason.via)}" if reason.basis == "inferred" else "literal"
    return f"{reason.rule}, {how}"
