"""The shape of an assumptions file: its tables and keys, each value's kind and range.

pydantic models, strict about kinds: TOML tells a boolean, a text and a number apart, so a
file that gives ``true`` or ``"40"`` where a number goes says something other than it
means (Python would read ``true`` as 1). Each bound the study needs beyond the value's
kind carries its reason, as the field's ``description``, and :func:`schema_problems` quotes
it: a problem names the key, the value found, what was expected and why.
"""

from __future__ import annotations

import datetime
import difflib
import reprlib
import types
import typing
from collections.abc import Callable, Sequence
from typing import Annotated

import pydantic
from pydantic import BaseModel, ConfigDict, Field, Strict
from pydantic.fields import FieldInfo

#: The key that lays a file over a base file (:mod:`lowback.study.assumption_files`).
EXTENDS = "extends"

#: A number of TOML, whole or not: never a boolean or a text, never ``nan`` or ``inf``.
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
#: A whole number of TOML (``18``, not ``18.0``, ``true`` or ``"18"``).
WholeNumber = Annotated[int, Strict()]
Probability = Annotated[Number, Field(ge=0, le=1)]
Positive = Annotated[Number, Field(gt=0)]
# Odds ratios and risk multipliers: bounded, because the cohort's weights are float32 and
# a product of extreme multipliers would overflow to inf or vanish to 0 (NaN shares).
Multiplier = Annotated[Number, Field(ge=1e-3, le=1e3)]
#: A share of runners strictly between 0 and 1: at either end one side of a comparison
#: (with and without) has no runner.
Share = Annotated[Number, Field(gt=0, lt=1)]
Years = Annotated[WholeNumber, Field(ge=0, le=120)]
ClaimIds = list[str]

_NO_FACTOR = (
    "at 0 no runner has the factor, at 1 every runner has it: its relative risk divides by "
    "the runners with it, or without it, and there would be none"
)


class _Strict(BaseModel):
    """A table of the file: no unknown key; a field's ``description`` is why its bounds are
    what they are (quoted by a range error)."""

    model_config = ConfigDict(extra="forbid", strict=False, frozen=True)


class Cohort(_Strict):
    baseline_pain_risk: Annotated[
        Share,
        Field(
            description="at 0 no simulated runner has low back pain, so there is no pain type "
            "to learn; at 1 every simulated runner has low back pain, and no odds ratio can act "
            "on log-odds that are infinite"
        ),
    ]
    rationale: str
    claims: ClaimIds = []


class Age(_Strict):
    mean: Annotated[Number, Field(ge=0, le=120)]
    sd: Positive
    min: Years
    max: Years
    rationale: str
    older_age_from: Years
    older_age_rationale: str
    over_65_bone_weight: Multiplier
    over_65_rationale: str
    over_65_claims: ClaimIds = []


class Noise(_Strict):
    misreport: Annotated[Number, Field(ge=0, le=0.5)]
    rationale: str


class PainType(_Strict):
    prevalence: Annotated[
        Number,
        Field(
            gt=0,
            le=1,
            description="a pain type of the claims with prevalence 0 is never simulated: the "
            "tree cannot learn it and its relative risks divide 0 by 0",
        ),
    ]
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
    prevalence: Annotated[Share, Field(description=_NO_FACTOR)]
    pain_odds_ratio: Multiplier
    type_risk: Multiplier
    rationale: str


class RiskFactor(_Strict):
    prevalence: Annotated[Share | None, Field(description=_NO_FACTOR)] = None
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


#: What each kind of pydantic error expected, in words (its context fills the braces).
_PLAIN = {
    "less_than_equal": "a number at most {le}",
    "less_than": "a number less than {lt}",
    "greater_than_equal": "a number at least {ge}",
    "greater_than": "a number greater than {gt}",
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "a text",
    "list_type": "a list",
    "too_short": "at least {min_length} item(s)",
    "dict_type": "a table",
    "model_type": "a table",
    "finite_number": "a finite number",
}
_BOUNDS = {"less_than_equal", "less_than", "greater_than_equal", "greater_than"}

# A value is shown as the file spells it, and shortened: a table nested thousands deep
# is shown in a few levels (repr itself would recurse to its limit).
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxdict, _SHORT.maxlist, _SHORT.maxstring = 3, 4, 4, 80


def shown(value: object) -> str:
    """A value of the file as a problem quotes it: ``true (a boolean)``, ``'40'``, ``nan``."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, datetime.date | datetime.time):
        return f"{value.isoformat()} (a date or time)"
    return _SHORT.repr(value)


def schema_problems(
    err: pydantic.ValidationError,
    set_in: Callable[[tuple[str | int, ...]], str] = lambda key: "",
    prefix: tuple[str, ...] = (),
) -> list[str]:
    """pydantic's errors as lines naming the key, the value and what was expected.

    Parameters
    ----------
    err : pydantic.ValidationError
        From validating a file (or, with ``prefix``, one of its tables).
    set_in : callable, optional
        Key -> words saying which file set it, when not the file given (`` (set in ...)``).
    prefix : tuple of str, optional
        The key of the table validated, when not the whole file (``("noise",)``).
    """
    problems = []
    for e in err.errors():
        loc = (*prefix, *e["loc"])
        key = ".".join(str(part) for part in loc)
        if e["type"] == "missing":
            problems.append(f"{key}: missing; expected a value")
        elif e["type"] == "extra_forbidden":
            valid = _keys_of(loc[:-1])
            problems.append(
                f"{key}: unknown key{did_you_mean(str(loc[-1]), valid)}; "
                f"expected one of: {', '.join(valid)}{set_in(loc)}"
            )
        else:
            bounds = {
                k: f"{v:g}" if isinstance(v, float) else v for k, v in e.get("ctx", {}).items()
            }
            expected = _PLAIN.get(e["type"], e["msg"]).format(**bounds)
            field = _field_at(loc)
            if e["type"] in _BOUNDS and field is not None and field.description:
                expected += f" ({field.description})"
            problems.append(f"{key}: got {shown(e.get('input'))}; expected {expected}{set_in(loc)}")
    return problems


def did_you_mean(value: str, valid: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the valid name closest to ``value``, if one is close."""
    close = difflib.get_close_matches(value, valid, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _field_at(loc: Sequence[str | int]) -> FieldInfo | None:
    """The model field a key names (None for an entry of a table of entries, or a key the
    file's models do not know)."""
    return _walk(loc)[0]


def _keys_of(loc: Sequence[str | int]) -> list[str]:
    """The keys the table at ``loc`` may hold (the file itself: its tables and ``extends``)."""
    if not loc:
        return [*AssumptionFile.model_fields, EXTENDS]
    kind = _walk(loc)[1]
    return list(kind.model_fields) if isinstance(kind, type) and issubclass(kind, BaseModel) else []


def _walk(loc: Sequence[str | int]) -> tuple[FieldInfo | None, object]:
    """The field a key names and the kind of value it holds, through the file's models
    (``(None, None)`` past a key they do not know)."""
    kind: object = AssumptionFile
    field = None
    for part in loc:
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            field = kind.model_fields.get(str(part))
            if field is None:
                return None, None
            kind = _unwrapped(field.annotation)
        elif typing.get_origin(kind) in (dict, list):
            field, kind = None, _unwrapped(typing.get_args(kind)[-1])
        else:
            return None, None
    return field, kind


def _unwrapped(kind: object) -> object:
    """``X`` of ``X | None`` and of ``Annotated[X, ...]``."""
    while True:
        origin = typing.get_origin(kind)
        if origin is Annotated:
            kind = typing.get_args(kind)[0]
        elif origin in (typing.Union, types.UnionType):
            kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
        else:
            return kind
