"""The article's own rules, derived from the claims: which sign points to which pain type.

Nothing here is hand-coded medicine: every link is a ``symptom_of``, ``red_flag_for``,
``risk_factor_for`` or ``causes`` claim in ``data/records/claims.csv``. A ``worsens`` claim
(a measure or factor that makes existing pain worse) is not a risk of getting pain and
never enters the rulebook.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from lowback.data.records import KnowledgeBase

#: What the rulebook (and an assessment) says when nothing present tells the types apart.
UNDETERMINED = "undetermined"

#: Each knowledge base's rulebook, derived once (see :meth:`Rulebook.of`).
_DERIVED: weakref.WeakKeyDictionary[KnowledgeBase, Rulebook] = weakref.WeakKeyDictionary()


def records_of_cohort(kb: KnowledgeBase, cohort: pd.DataFrame) -> KnowledgeBase:
    """The records a simulated cohort was drawn from: ``kb`` restricted to the sources
    its ``attrs`` name (``sources``, set by :func:`~lowback.study.cohort.simulate`).

    A frame that names none (one built by hand) is read against ``kb`` as it is.
    """
    sources = cohort.attrs.get("sources")
    return kb.restricted_to(sources) if sources else kb


def _links(claims: pd.DataFrame, relation: str, objects: set[str]) -> dict[str, frozenset[str]]:
    chosen = claims[(claims["relation"] == relation) & claims["object"].isin(objects)]
    return {s: frozenset(group) for s, group in chosen.groupby("subject", sort=False)["object"]}


@dataclass(frozen=True)
class Rulebook:
    """The pain types and what the claims tie to each.

    Attributes
    ----------
    pain_types : tuple of str
        The types of low back pain (subjects of ``type_of`` claims), in entity order.
    symptoms, red_flags : tuple of str
        Every entity of that kind, in entity order.
    risk_factors : tuple of str
        The risk factors of the claims: every risk_factor entity that is the subject of a
        ``risk_factor_for`` claim, in entity order (one without such a claim is no risk
        factor the material names, and is never simulated).
    symptom_types : Mapping[str, frozenset[str]]
        Symptom -> the pain types it is a symptom of.
    red_flag_types : Mapping[str, frozenset[str]]
        Red flag -> the pain types it is a warning sign of.
    risk_factor_types : Mapping[str, frozenset[str]]
        Risk factor -> the pain types it raises, directly or through a cause it raises.
        Factors the claims tie only to low back pain in general are absent.
    """

    pain_types: tuple[str, ...]
    symptoms: tuple[str, ...]
    red_flags: tuple[str, ...]
    risk_factors: tuple[str, ...]
    symptom_types: Mapping[str, frozenset[str]]
    red_flag_types: Mapping[str, frozenset[str]]
    risk_factor_types: Mapping[str, frozenset[str]]

    def __deepcopy__(self, memo: dict) -> Rulebook:
        return self  # immutable: scikit-learn's clone() may share it

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Rulebook:
        """The rulebook of a knowledge base, derived from its claims once and then kept.

        Knowledge bases are read-only, so the rulebook cannot go stale; it is forgotten
        with the knowledge base.
        """
        rules = _DERIVED.get(kb)
        if rules is None:
            rules = _DERIVED[kb] = cls.from_kb(kb)
        return rules

    @classmethod
    def from_kb(cls, kb: KnowledgeBase) -> Rulebook:
        """Derive the rulebook from a knowledge base's claims."""
        claims = kb.claims
        claims["relation"] = claims["relation"].astype(str)
        entities = kb.entities
        pain_type_ids = set(claims.loc[claims["relation"] == "type_of", "subject"])
        pain_types = tuple(
            e
            for e, k in zip(entities["id"], entities["kind"], strict=True)
            if k == "pain_type" and e in pain_type_ids
        )
        causes = _links(claims, "causes", set(pain_types))
        direct = _links(claims, "risk_factor_for", set(pain_types))
        via_cause = _links(claims, "risk_factor_for", set(causes))
        risk_factor_types = {}
        for factor in set(direct) | set(via_cause):
            types = set(direct.get(factor, ()))
            for cause in via_cause.get(factor, ()):
                types |= causes[cause]
            risk_factor_types[factor] = frozenset(types)

        def ids(kind: str) -> tuple[str, ...]:
            return tuple(entities.loc[entities["kind"] == kind, "id"])

        claimed = set(claims.loc[claims["relation"] == "risk_factor_for", "subject"])
        risk_factors = tuple(f for f in ids("risk_factor") if f in claimed)
        return cls(
            pain_types=pain_types,
            symptoms=ids("symptom"),
            red_flags=ids("red_flag"),
            risk_factors=risk_factors,
            symptom_types=MappingProxyType(_links(claims, "symptom_of", set(pain_types))),
            red_flag_types=MappingProxyType(_links(claims, "red_flag_for", set(pain_types))),
            risk_factor_types=MappingProxyType(
                {f: risk_factor_types[f] for f in risk_factors if f in risk_factor_types}
            ),
        )

    def type_votes(self, present: pd.DataFrame) -> np.ndarray:
        """For each runner, how many present symptoms point to each pain type.

        Parameters
        ----------
        present : DataFrame
            One boolean column per symptom id (missing columns count as absent).

        Returns
        -------
        ndarray of shape (n_runners, n_pain_types)
        """
        votes = np.zeros((len(present), len(self.pain_types)), dtype=np.int16)
        for symptom, types in self.symptom_types.items():
            if symptom in present:
                shown = present[symptom].to_numpy(dtype=bool)
                for j, pain_type in enumerate(self.pain_types):
                    if pain_type in types:
                        votes[:, j] += shown
        return votes

    def predict(self, present: pd.DataFrame) -> np.ndarray:
        """The article's answer: the pain type with most symptoms present.

        A runner with no such symptom, or a tie, is ``"undetermined"``: the article's
        rules do not tell the types apart there, and the rulebook says so rather than
        guess.
        """
        votes = self.type_votes(present)
        best = votes.max(axis=1)
        winners = (votes == best[:, None]).sum(axis=1)
        answer = np.asarray(self.pain_types, dtype=object)[votes.argmax(axis=1)]
        return np.where((best > 0) & (winners == 1), answer, UNDETERMINED)
