"""What an assessment quotes: the signs reported, the advice, the claims against it.

Each item carries where its quote stands in the material (``start``, ``end``) and, for a
claim, its modality (``states``, ``hedges``, ``recommends``), shown in words by
:func:`modality_note`.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How a claim's modality is shown next to its quote (a plain statement shows nothing).
MODALITY_WORDS = {"states": "", "hedges": "hedged", "recommends": "recommendation"}


def modality_note(modality: str) -> str:
    """A claim's modality in words, in brackets: ``(hedged)``, ``(recommendation)``, or
    nothing for a plain statement."""
    word = MODALITY_WORDS.get(modality, modality)
    return f"({word})" if word else ""


@dataclass(frozen=True)
class Quote:
    """Where a statement stands in the material."""

    quote: str
    start: int
    end: int
    source: str = ""  # the source the offsets are in


@dataclass(frozen=True)
class Evidence(Quote):
    """A sign the runner reports and the record behind it."""

    id: str = ""
    kind: str = ""  # symptom or red_flag
    label: str = ""
    record: str = ""  # the claim id (symptom_of, red_flag_for); a triage rule id without one
    modality: str = ""  # the claim's: states, hedges or recommends (empty for a rule)


@dataclass(frozen=True)
class CounterClaim(Quote):
    """A claim of the material that speaks against a piece of advice."""

    claim: str = ""  # the counter-claim's id
    via: str = ""  # the contradicts claim that records the tension (empty for a worsens claim)
    modality: str = ""


@dataclass(frozen=True)
class Advice(Quote):
    """A treatment or prevention the material offers for what was assessed."""

    id: str = ""
    kind: str = ""  # treatment or prevention
    label: str = ""
    relation: str = ""  # treats or prevents
    target: str = ""  # the pain type or risk factor it addresses
    claim: str = ""
    modality: str = ""  # the claim's: states, hedges or recommends
    countered_by: tuple[CounterClaim, ...] = ()  # shown on a self-care verdict only


def counter_claim(row, via: str = "") -> CounterClaim:
    return CounterClaim(
        row.quote,
        int(row.start),
        int(row.end),
        source=row.source,
        claim=row.id,
        via=via,
        modality=str(row.modality),
    )
