"""The simulation's assumptions: read from TOML, checked, and resolved against the claims.

Every number the simulated cohort needs and the material does not state lives in one
file (``data/assumptions.toml`` by default), each with its rationale. Problems are
reported together in one :class:`AssumptionError`, each naming the file and the key.

This module is the front: :func:`load_assumptions` reads the file and the bases it
``extends`` (:mod:`~lowback.study.assumption_files`), checks each value's kind and range
(:mod:`~lowback.study.assumption_schema`), then the values against one another and the
records (:mod:`~lowback.study.assumption_checks`), and resolves them for every symptom, red
flag and risk factor; :func:`changes_against` lists what a scenario changes
(:mod:`~lowback.study.assumption_changes`). Every public name of those modules is
importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import pydantic
from pydantic import BaseModel

from lowback import config
from lowback.data.records import KnowledgeBase, load_knowledge_base
from lowback.errors import AssumptionError
from lowback.study.assumption_changes import Change, changed_values
from lowback.study.assumption_checks import AGE_FACTOR, consistency_problems, source_problems
from lowback.study.assumption_files import MAX_EXTENDS, read_layered
from lowback.study.assumption_schema import (
    Age,
    AssumptionFile,
    ClaimIds,
    Cohort,
    Multiplier,
    Noise,
    PainType,
    Positive,
    Probability,
    RedFlag,
    RedFlagDefaults,
    RiskFactor,
    RiskFactorDefaults,
    Share,
    Study,
    Symptom,
    SymptomDefaults,
    schema_problems,
)
from lowback.study.gate import reportable_red_flags
from lowback.study.rulebook import Rulebook

__all__ = [
    "AGE_FACTOR",
    "DEFAULT_ASSUMPTIONS",
    "MAX_EXTENDS",
    "OVER_65_FROM",
    "Age",
    "AssumptionFile",
    "Assumptions",
    "Change",
    "ClaimIds",
    "Cohort",
    "Multiplier",
    "Noise",
    "PainType",
    "Positive",
    "Probability",
    "RedFlag",
    "RedFlagDefaults",
    "RiskFactor",
    "RiskFactorDefaults",
    "Share",
    "Study",
    "Symptom",
    "SymptomDefaults",
    "changes_against",
    "load_assumptions",
    "load_study_records",
    "study_records",
]

DEFAULT_ASSUMPTIONS = config.DATA_DIR / "assumptions.toml"

#: From this age a runner counts as "over 65" (``age.over_65_bone_weight``): 66 and
#: older, in whole years.
OVER_65_FROM = 66


@dataclass(frozen=True)
class Assumptions:
    """Assumptions resolved for every symptom, red flag and risk factor of the rulebook.

    Attributes
    ----------
    path : Path
        The file they were read from.
    raw : AssumptionFile
        The file as written (with rationales).
    prevalence : Mapping[str, float]
        Pain type -> relative weight, summing to 1.
    symptoms : Mapping[str, tuple[float, float]]
        Symptom -> (sensitivity, false positive rate). Age is no symptom: it is drawn.
    red_flags : Mapping[str, tuple[float, float]]
        Reportable red flag -> (rate with its pain types, background rate); a flag the
        claims tie to no single pain type shows at its background rate only.
    risk_factors : Mapping[str, tuple[float | None, float, float]]
        Risk factor of the claims -> (prevalence, or None when derived from age; pain
        odds ratio; type risk multiplier).
    over_65_types : tuple of str
        The pain types ``age.over_65_bone_weight`` weighs for runners over 65: those the
        claims tie ``older_age`` to (bone, through arthritis), in pain-type order.
    sources : tuple of str
        The sources the simulation and the classifier read (``study.sources``): a source
        not named here never changes a simulated runner.
    files : tuple of Path
        The file read, then each base it ``extends``, nearest first (what an export
        records with each file's sha256).
    """

    path: Path
    raw: AssumptionFile
    prevalence: Mapping[str, float]
    symptoms: Mapping[str, tuple[float, float]]
    red_flags: Mapping[str, tuple[float, float]]
    risk_factors: Mapping[str, tuple[float | None, float, float]]
    over_65_types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    files: tuple[Path, ...] = ()

    def study_records(self, kb: KnowledgeBase) -> KnowledgeBase:
        """The records the simulation reads: ``kb`` restricted to :attr:`sources`."""
        return kb.restricted_to(self.sources)

    def symptom_table(self, rules: Rulebook) -> pd.DataFrame:
        """The symptom assumptions, readable: pain type, rates, rationale and claims."""
        rows = []
        for symptom, (sensitivity, false_positive) in self.symptoms.items():
            entry = self.raw.symptoms.get(symptom)
            rows.append(
                {
                    "symptom": symptom,
                    "pain type": ", ".join(sorted(rules.symptom_types[symptom])),
                    "with its type": sensitivity,
                    "with another type": false_positive,
                    "rationale": entry.rationale if entry else self.raw.symptom_defaults.rationale,
                    "claims": ", ".join(entry.claims) if entry else "",
                }
            )
        return pd.DataFrame(rows).set_index("symptom")

    @property
    def misreport(self) -> float:
        """Probability that a runner reports a symptom wrongly."""
        return self.raw.noise.misreport

    def with_misreport(self, misreport: float) -> Assumptions:
        """The same assumptions with another misreporting noise level."""
        noise = self.raw.noise.model_copy(update={"misreport": misreport})
        try:
            Noise.model_validate(noise.model_dump())
        except pydantic.ValidationError as err:
            raise AssumptionError(self.path, schema_problems(err, prefix=("noise",))) from None
        return replace(self, raw=self.raw.model_copy(update={"noise": noise}))


def load_assumptions(kb: KnowledgeBase, path: Path | str | None = None) -> Assumptions:
    """Read and check an assumptions file against the knowledge base.

    Parameters
    ----------
    kb : KnowledgeBase
        Ids and claims the assumptions may name.
    path : Path or str, optional
        A TOML file; default ``data/assumptions.toml``. A file may start with
        ``extends = "other.toml"`` (relative to itself) and set only what differs, up to
        :data:`MAX_EXTENDS` bases deep.

    Raises
    ------
    AssumptionError
        If the file (or a base) is missing, empty or not TOML; its ``extends`` chain loops
        or is too long; a key is unknown (with a did-you-mean); a value is missing, of the
        wrong kind (a boolean or a text for a number, ``nan``, ``inf``) or outside the range
        the study can run on (a pain type's prevalence of 0, a risk factor no runner or
        every runner has, ``age.older_age_from`` outside the ages drawn); an id or claim is
        unknown; or the pain type prevalences do not sum to 1.
    """
    path = Path(path) if path is not None else DEFAULT_ASSUMPTIONS
    layered = read_layered(path)
    try:
        raw = AssumptionFile.model_validate(layered.data)
    except pydantic.ValidationError as err:
        raise AssumptionError(path, schema_problems(err, layered.set_in)) from None
    problems = source_problems(raw, kb)
    if problems:
        raise AssumptionError(path, problems)
    kb = kb.restricted_to(raw.study.sources)
    rules = Rulebook.of(kb)
    problems = consistency_problems(raw, rules, kb, layered.set_in)
    if problems:
        raise AssumptionError(path, problems)
    return replace(_resolve(path, raw, rules, kb), files=layered.chain)


def study_records(kb: KnowledgeBase, path: Path | str | None = None) -> KnowledgeBase:
    """The records the study simulates and models from: ``kb`` restricted to the sources
    an assumptions file names (``[study] sources``; default ``data/assumptions.toml``: the
    article). Figures and models of the simulated runners take these; the red-flag gate
    takes the whole knowledge base.

    >>> from lowback import load_knowledge_base
    >>> kb = load_knowledge_base()
    >>> study_records(kb).sources["id"].tolist()
    ['runners_low_back_pain']
    """
    return load_assumptions(kb, path).study_records(kb)


def load_study_records(
    path: Path | str | None = None, *, root: Path | str | None = None
) -> KnowledgeBase:
    """Load the records and keep those the study reads (:func:`study_records`).

    A fetched source the assumptions do not name (the NIH texts, by default) may be
    missing: nothing here reads it, so it is not reported. One they name that is missing
    raises :class:`~lowback.errors.AssumptionError`, saying how to fetch it.
    """
    return study_records(load_knowledge_base(root, warn_missing=False), path)


def _resolve(path: Path, raw: AssumptionFile, rules: Rulebook, kb: KnowledgeBase) -> Assumptions:
    symptom_default = raw.symptom_defaults
    symptoms = {}
    for symptom in rules.symptoms:
        entry = raw.symptoms.get(symptom)
        symptoms[symptom] = (
            _pick(entry, "sensitivity", symptom_default),
            _pick(entry, "false_positive", symptom_default),
        )
    flags = {
        flag: (
            _pick(raw.red_flags.get(flag), "rate", raw.red_flag_defaults),
            _pick(raw.red_flags.get(flag), "background", raw.red_flag_defaults),
        )
        for flag in reportable_red_flags(kb)
    }
    factors = {}
    for factor in rules.risk_factors:
        entry = raw.risk_factors.get(factor)
        prevalence = (
            None if factor == AGE_FACTOR else _pick(entry, "prevalence", raw.risk_factor_defaults)
        )
        factors[factor] = (
            prevalence,
            _pick(entry, "pain_odds_ratio", raw.risk_factor_defaults),
            _pick(entry, "type_risk", raw.risk_factor_defaults),
        )
    over_65 = rules.risk_factor_types.get(AGE_FACTOR, frozenset())
    return Assumptions(
        path=path,
        raw=raw,
        prevalence=MappingProxyType({t: raw.pain_types[t].prevalence for t in rules.pain_types}),
        symptoms=MappingProxyType(symptoms),
        red_flags=MappingProxyType(flags),
        risk_factors=MappingProxyType(factors),
        over_65_types=tuple(t for t in rules.pain_types if t in over_65),
        sources=tuple(raw.study.sources),
    )


def changes_against(base: Assumptions, scenario: Assumptions) -> list[Change]:
    """Every value ``scenario`` sets differently from ``base``, with the scenario's reason.

    Rationales and claim lists are the reasons for values, not values: a change of
    wording alone is no change. An entry that leaves a value out takes its section's
    default, so a changed default is one row (``symptom_defaults.sensitivity``), not one
    per symptom that uses it. Rows come in the order of the file's sections.

    Parameters
    ----------
    base : Assumptions
        The assumptions compared against, usually ``data/assumptions.toml``.
    scenario : Assumptions
        The scenario, e.g. ``data/scenarios/older-runners.toml``.

    Returns
    -------
    list[Change]
        One row per changed value: ``key``, ``before``, ``after``, ``rationale``.

    Examples
    --------
    >>> from lowback import config, load_knowledge_base
    >>> kb = load_knowledge_base(warn_missing=False)
    >>> older = config.DATA_DIR / "scenarios" / "older-runners.toml"
    >>> rows = changes_against(load_assumptions(kb), load_assumptions(kb, older))
    >>> [(row.key, row.before, row.after) for row in rows]
    [('age.mean', 40.0, 60.0), ('age.sd', 13.0, 10.0)]
    >>> changes_against(load_assumptions(kb), load_assumptions(kb))
    []
    """
    return changed_values(base.raw, scenario.raw)


def _pick(entry: BaseModel | None, field: str, defaults: BaseModel) -> float:
    value = getattr(entry, field) if entry is not None else None
    return float(getattr(defaults, field) if value is None else value)
