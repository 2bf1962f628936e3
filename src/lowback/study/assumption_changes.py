"""What one assumptions file sets differently from another: the rows of a report's table
of changes (:func:`~lowback.study.assumptions.changes_against`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lowback.study.assumption_schema import AssumptionFile


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


def changed_values(base: AssumptionFile, scenario: AssumptionFile) -> list[Change]:
    """Every value ``scenario`` sets differently from ``base``, in the file's order of
    sections, with the scenario's reason.

    See :func:`~lowback.study.assumptions.changes_against`, which compares two loaded
    :class:`~lowback.study.assumptions.Assumptions` through this.
    """
    before, after = base.model_dump(), scenario.model_dump()
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
