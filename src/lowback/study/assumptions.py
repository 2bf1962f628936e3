"""The simulation's assumptions: read from TOML, checked, and resolved against the claims.

Every number the simulated cohort needs and the material does not state lives in one
file (``data/assumptions.toml`` by default), each with its rationale. Problems are
reported together in one :class:`AssumptionError`, each naming the file and the key.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

import pandas as pd
import pydantic
from pydantic import BaseModel, ConfigDict, Field

from lowback import config
from lowback.data.records import KnowledgeBase, load_knowledge_base
from lowback.errors import AssumptionError
from lowback.study.gate import reportable_red_flags
from lowback.study.rulebook import Rulebook

DEFAULT_ASSUMPTIONS = config.DATA_DIR / "assumptions.toml"

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
# Odds ratios and risk multipliers: bounded, because the cohort's weights are float32 and
# a product of extreme multipliers would overflow to inf or vanish to 0 (NaN shares).
Multiplier = Annotated[float, Field(ge=1e-3, le=1e3, allow_inf_nan=False)]
ClaimIds = list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, frozen=True)


class Cohort(_Strict):
    baseline_pain_risk: Probability
    rationale: str
    claims: ClaimIds = []


class Age(_Strict):
    mean: Annotated[float, Field(ge=0, le=120)]
    sd: Positive
    min: Annotated[int, Field(ge=0, le=120)]
    max: Annotated[int, Field(ge=0, le=120)]
    rationale: str
    older_age_from: Annotated[int, Field(ge=0, le=120)]
    older_age_rationale: str
    over_65_bone_weight: Multiplier
    over_65_rationale: str
    over_65_claims: ClaimIds = []


class Noise(_Strict):
    misreport: Annotated[float, Field(ge=0, le=0.5, allow_inf_nan=False)]
    rationale: str


class PainType(_Strict):
    prevalence: Probability
    rationale: str
    claims: ClaimIds = []


class SymptomDefaults(_Strict):
    sensitivity: Probability
    false_positive: Probability
    rationale: str


class Symptom(_Strict):
    sensitivity: Probability | None = None
    false_positive: Probability | None = None
    rationale: str
    claims: ClaimIds = []


class RedFlagDefaults(_Strict):
    rate: Probability
    background: Probability
    rationale: str


class RedFlag(_Strict):
    rate: Probability | None = None
    background: Probability | None = None
    rationale: str
    claims: ClaimIds = []


class RiskFactorDefaults(_Strict):
    prevalence: Probability
    pain_odds_ratio: Multiplier
    type_risk: Multiplier
    rationale: str


class RiskFactor(_Strict):
    prevalence: Probability | None = None
    pain_odds_ratio: Multiplier | None = None
    type_risk: Multiplier | None = None
    rationale: str
    claims: ClaimIds = []


class Study(_Strict):
    sources: list[str] = pydantic.Field(min_length=1)
    rationale: str


class AssumptionFile(_Strict):
    """The shape of an assumptions file."""

    study: Study
    cohort: Cohort
    age: Age
    noise: Noise
    pain_types: dict[str, PainType]
    symptom_defaults: SymptomDefaults
    symptoms: dict[str, Symptom] = {}
    red_flag_defaults: RedFlagDefaults
    red_flags: dict[str, RedFlag] = {}
    risk_factor_defaults: RiskFactorDefaults
    risk_factors: dict[str, RiskFactor] = {}


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
    """

    path: Path
    raw: AssumptionFile
    prevalence: Mapping[str, float]
    symptoms: Mapping[str, tuple[float, float]]
    red_flags: Mapping[str, tuple[float, float]]
    risk_factors: Mapping[str, tuple[float | None, float, float]]
    over_65_types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

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
            raise AssumptionError(self.path, _pydantic_problems(err, prefix="noise")) from None
        return replace(self, raw=self.raw.model_copy(update={"noise": noise}))


#: The derived risk factor: runners of at least ``age.older_age_from`` years.
AGE_FACTOR = "older_age"
#: From this age a runner counts as "over 65" (``age.over_65_bone_weight``): 66 and
#: older, in whole years.
OVER_65_FROM = 66


def _pydantic_problems(err: pydantic.ValidationError, prefix: str = "") -> list[str]:
    problems = []
    for e in err.errors():
        key = ".".join(str(part) for part in (prefix, *e["loc"]) if part != "")
        if e["type"] == "missing":
            problems.append(f"{key}: missing; expected a value")
        elif e["type"] == "extra_forbidden":
            problems.append(f"{key}: unknown key; expected none of that name here")
        else:
            expected = _PLAIN.get(e["type"], e["msg"]).format(**e.get("ctx", {}))
            problems.append(f"{key}: got {e.get('input')!r}; expected {expected}")
    return problems


_PLAIN = {
    "less_than_equal": "a number at most {le}",
    "greater_than_equal": "a number at least {ge}",
    "greater_than": "a number greater than {gt}",
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "a text",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "finite_number": "a finite number",
}


def _did_you_mean(value: str, valid: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(value, valid, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def load_assumptions(kb: KnowledgeBase, path: Path | str | None = None) -> Assumptions:
    """Read and check an assumptions file against the knowledge base.

    Parameters
    ----------
    kb : KnowledgeBase
        Ids and claims the assumptions may name.
    path : Path or str, optional
        A TOML file; default ``data/assumptions.toml``. A file may start with
        ``extends = "other.toml"`` (relative to itself) and set only what differs.

    Raises
    ------
    AssumptionError
        If the file is missing or not TOML, a value is missing or of the wrong type, a
        probability is outside [0, 1], an id or claim is unknown, or the pain type
        prevalences do not sum to 1.
    """
    path = Path(path) if path is not None else DEFAULT_ASSUMPTIONS
    data = _read_toml(path, seen=())
    try:
        raw = AssumptionFile.model_validate(data)
    except pydantic.ValidationError as err:
        raise AssumptionError(path, _pydantic_problems(err)) from None
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
                f"({', '.join(present)}){_did_you_mean(source, present)}"
            )
    if problems:
        raise AssumptionError(path, problems)
    kb = kb.restricted_to(raw.study.sources)
    rules = Rulebook.of(kb)
    problems = _consistency_problems(raw, rules, kb)
    if problems:
        raise AssumptionError(path, problems)
    return _resolve(path, raw, rules, kb)


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


def _read_toml(path: Path, seen: tuple[Path, ...]) -> dict:
    """Read an assumptions file; ``extends = "base.toml"`` lays it over a base file."""
    try:
        found = path.is_file()
    except OSError:  # a name too long for the file system, say
        found = False
    if not found:
        raise AssumptionError(path, ["the file does not exist; expected a TOML file"])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise AssumptionError(path, [f"not valid TOML: {err}"]) from None
    base = data.pop("extends", None)
    if base is None:
        return data
    if not isinstance(base, str) or "\x00" in base:  # no path holds a NUL character
        raise AssumptionError(path, [f"extends: got {base!r}; expected the path of a base file"])
    base_path = (path.parent / base).resolve()
    if base_path in seen or base_path == path.resolve():
        raise AssumptionError(path, [f"extends: '{base}' extends itself, in a loop"])
    return _merge(_read_toml(base_path, (*seen, path.resolve())), data)


def _merge(base: dict, override: dict) -> dict:
    """``override`` laid over ``base``, table by table."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _consistency_problems(raw: AssumptionFile, rules: Rulebook, kb: KnowledgeBase) -> list[str]:
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
                    f"{section}.{key}: unknown {what} id{_did_you_mean(key, valid)}; "
                    f"expected one of: {', '.join(valid)}"
                )
    for pain_type in rules.pain_types:
        if pain_type not in raw.pain_types:
            problems.append(f"pain_types.{pain_type}: missing; expected a prevalence")
    total = sum(p.prevalence for p in raw.pain_types.values())
    if raw.pain_types and not math.isclose(total, 1.0, abs_tol=1e-9):
        problems.append(f"pain_types: prevalences sum to {total:g}; expected 1")
    if raw.age.min >= raw.age.max:
        problems.append(f"age.min: got {raw.age.min}; expected less than age.max ({raw.age.max})")
    factor = raw.risk_factors.get(AGE_FACTOR)
    if factor is not None and factor.prevalence is not None:
        problems.append(
            f"risk_factors.{AGE_FACTOR}.prevalence: got {factor.prevalence}; expected none "
            "(it is derived from age: set age.older_age_from)"
        )
    problems += _unused_numbers(raw, rules)
    known_claims = set(kb.claims["id"])
    for key, ids in _claim_lists(raw):
        for claim in ids:
            if claim not in known_claims:
                problems.append(
                    f"{key}: unknown claim id '{claim}'; expected an id from claims.csv"
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


@dataclass(frozen=True)
class Change:
    """One value a scenario sets differently from its base assumptions.

    Attributes
    ----------
    key : str
        Where the value lives in the file, dotted (``age.mean``,
        ``symptoms.pain_beside_spine.sensitivity``).
    before, after : object
        The value in the base file and in the scenario (a number, a text, a list). A
        value an entry leaves out is its section's default (``symptom_defaults``...).
    rationale : str
        The scenario's reason for the value: the rationale that covers the key in the
        scenario (``age.rationale`` for ``age.mean``, ``age.older_age_rationale`` for
        ``age.older_age_from``, an entry's own ``rationale``).
    """

    key: str
    before: object
    after: object
    rationale: str


#: The sections of an assumptions file whose entries fall back on a defaults section.
_DEFAULTS_OF = {
    "symptoms": "symptom_defaults",
    "red_flags": "red_flag_defaults",
    "risk_factors": "risk_factor_defaults",
}
_ENTRY_SECTIONS = ("pain_types", "symptoms", "red_flags", "risk_factors")


def _is_value(field: str) -> bool:
    """Whether a field holds a value, not the reason for one (rationale, claims)."""
    return not any(field == word or field.endswith(f"_{word}") for word in ("rationale", "claims"))


def _rationale_of(table: Mapping[str, object], field: str) -> str:
    """The rationale of ``field`` in ``table``: the longest ``PREFIX_rationale`` whose
    prefix starts the field's name, else the table's ``rationale``."""
    prefixes = [
        key.removesuffix("_rationale")
        for key in table
        if key.endswith("_rationale") and field.startswith(key.removesuffix("_rationale") + "_")
    ]
    if prefixes:
        return str(table[f"{max(prefixes, key=len)}_rationale"])
    return str(table.get("rationale", ""))


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
    before, after = base.raw.model_dump(), scenario.raw.model_dump()
    rows = []
    for section in AssumptionFile.model_fields:
        if section in _ENTRY_SECTIONS:
            rows += _entry_changes(section, before, after)
            continue
        old, new = before[section], after[section]
        for field, value in new.items():
            if _is_value(field) and old.get(field) != value:
                rows.append(
                    Change(f"{section}.{field}", old.get(field), value, _rationale_of(new, field))
                )
    return rows


def _entry_changes(section: str, before: dict, after: dict) -> list[Change]:
    """The changed values of one section of entries (pain types, symptoms...)."""
    defaults = _DEFAULTS_OF.get(section)
    old_default = before[defaults] if defaults else {}
    new_default = after[defaults] if defaults else {}
    rows = []
    for entity in dict.fromkeys([*before[section], *after[section]]):
        old, new = before[section].get(entity), after[section].get(entity)
        for field in new or old:
            if not _is_value(field):
                continue
            old_raw = old.get(field) if old else None
            new_raw = new.get(field) if new else None
            if old_raw == new_raw:  # both set alike, or both left to a default (its own row)
                continue
            old_value = old_default.get(field) if old_raw is None else old_raw
            new_value = new_default.get(field) if new_raw is None else new_raw
            if old_value != new_value:
                reason = new["rationale"] if new else new_default.get("rationale", "")
                rows.append(Change(f"{section}.{entity}.{field}", old_value, new_value, reason))
    return rows


def _pick(entry: BaseModel | None, field: str, defaults: BaseModel) -> float:
    value = getattr(entry, field) if entry is not None else None
    return float(getattr(defaults, field) if value is None else value)
