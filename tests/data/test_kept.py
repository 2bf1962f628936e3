"""Tables derived from a knowledge base: found once per knowledge base, a copy each call."""

from __future__ import annotations

import gc

import pandas as pd

from lowback import load_knowledge_base
from lowback.data import kept
from lowback.data.records import KnowledgeBase


def test_a_kept_table_is_found_once_per_knowledge_base_and_arguments():
    calls: list[tuple] = []

    @kept.kept
    def claims_of(kb: KnowledgeBase, relation: str) -> pd.DataFrame:
        calls.append((id(kb), relation))
        claims = kb.claims
        return claims[claims["relation"] == relation]

    kb = load_knowledge_base(warn_missing=False)
    first = claims_of(kb, "symptom_of")
    assert claims_of(kb, "symptom_of").equals(first)
    assert len(calls) == 1
    claims_of(kb, "treats")  # other arguments: found again
    other = load_knowledge_base(warn_missing=False)  # another knowledge base: found again
    claims_of(other, "symptom_of")
    assert len(calls) == 3
    assert claims_of.__name__ == "claims_of"  # functools.wraps: the docs see the function


def test_each_caller_changes_its_own_copy_and_the_table_is_forgotten_with_its_kb():
    @kept.kept
    def entities(kb: KnowledgeBase) -> pd.DataFrame:
        return kb.entities

    kb = load_knowledge_base(warn_missing=False)
    changed = entities(kb)
    changed.loc[changed.index[0], "id"] = "changed_in_place"  # pandas 2 too: a deep copy
    changed["label"] = "changed"
    changed["new"] = 1
    again = entities(kb)
    assert "new" not in again and (again["label"] != "changed").all()
    assert "changed_in_place" not in set(again["id"])
    assert kb in kept._TABLES
    kept_for = len(kept._TABLES)
    del kb, changed, again
    gc.collect()
    assert len(kept._TABLES) == kept_for - 1  # nothing holds a knowledge base alive
