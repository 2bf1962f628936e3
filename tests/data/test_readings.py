"""Faithful reading of the shipped records: a claim marked ``states`` carries no hedge.

A claim whose quote says *could*, *may*, *can* (a possibility), *chances are*... is a
possibility, not a fact, and must be ``modality = hedges`` (data/CURATION.md, rule 1).
The loader cannot tell a hedge from a word that only looks like one ("exercises you can
do" says what you are able to do), so this test does it with a word list and an explicit
allow-list: each exception names the phrase, the word in it, and why it is no hedge there.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from lowback import load_knowledge_base

#: Words and phrases that make a sentence a possibility rather than a fact. A question
#: mark counts too ("could your posture be to blame?").
HEDGE_WORDS: tuple[str, ...] = (
    "could",
    "may",
    "might",
    "can",
    "cannot",
    "chances are",
    "a good chance",
    "likely",
    "unlikely",
    "probably",
    "perhaps",
    "possibly",
    "maybe",
    "in many cases",
    "in some cases",
    "whether",
    "?",
)

#: (phrase, hedge word inside it, why the word is not a hedge there). A hedge word is
#: allowed where it falls inside one of these phrases in a quote; nowhere else. Each entry
#: must still be used by a shipped ``states`` claim (a test checks it), so none goes stale.
NOT_HEDGES: tuple[tuple[str, str, str], ...] = (
    # c043, c044: "there are exercises and stretches you can do to relieve the discomfort".
    ("you can do", "can", "ability: exercises you are able to do, not what may happen"),
    # c047: foam rolling, "like a deep tissue massage that you can do every day".
    ("that you can do every day", "can", "ability: something you are able to do daily"),
    # c050: "By loosening your hamstrings, you can take the pressure off your lower back".
    (
        "you can take the pressure off",
        "can",
        "ability: what loosening the hamstrings lets you do (the means), not a possibility",
    ),
    # c083, c084 (FAQ): "with a few precautions and stretches, you can prevent lower back pain".
    (
        "you can prevent",
        "can",
        "ability: what precautions and stretches let you do, not a possibility",
    ),
)

_WORD = re.compile(
    "|".join(
        re.escape(word) if not word[0].isalpha() else rf"\b{re.escape(word)}\b"
        for word in sorted(HEDGE_WORDS, key=len, reverse=True)  # "cannot" before "can"
    ),
    re.IGNORECASE,
)


def hedges_in(quote: str) -> list[str]:
    """The hedge words of ``quote`` (lower case, in order) outside the allowed phrases."""
    allowed: list[tuple[int, int]] = []
    for phrase, _word, _why in NOT_HEDGES:
        allowed += [
            (m.start(), m.end()) for m in re.finditer(re.escape(phrase), quote, re.IGNORECASE)
        ]
    return [
        m.group(0).lower()
        for m in _WORD.finditer(quote)
        if not any(a <= m.start() and m.end() <= b for a, b in allowed)
    ]


def hedged_states(claims: pd.DataFrame) -> list[tuple[str, str]]:
    """(claim id, hedge word) for every ``states`` claim whose quote carries a hedge word."""
    states = claims[claims["modality"] == "states"]
    return [
        (claim_id, word)
        for claim_id, quote in zip(states["id"], states["quote"], strict=True)
        for word in hedges_in(quote)
    ]


def test_no_shipped_states_claim_carries_a_hedge_word(kb):
    assert hedged_states(kb.claims) == [], (
        "claims marked 'states' whose quote hedges: mark them 'hedges', or add to "
        "NOT_HEDGES the phrase and why the word is no hedge there"
    )


def test_the_check_fails_on_a_hedged_claim_marked_states(kb, data_copy: Path):
    """A copy of the shipped records with one hedged claim marked ``states`` is flagged."""
    claims = kb.claims
    hedged = claims[claims["modality"] == "hedges"]
    claim_id, quote = next(
        (i, q) for i, q in zip(hedged["id"], hedged["quote"], strict=True) if hedges_in(q)
    )
    path = data_copy / "records" / "claims.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["id"] == claim_id:
            row["modality"] = "states"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    copy = load_knowledge_base(data_copy)  # still valid records: only this test catches it
    flagged = hedged_states(copy.claims)
    assert flagged, f"{claim_id} ({quote!r}) marked 'states' was not flagged"
    assert {i for i, _word in flagged} == {claim_id}
    assert [w for i, w in flagged] == hedges_in(quote)


def test_every_allow_list_entry_is_a_hedge_word_in_a_shipped_states_claim(kb):
    states = kb.claims.loc[kb.claims["modality"] == "states", "quote"].tolist()
    for phrase, word, why in NOT_HEDGES:
        assert word in HEDGE_WORDS and why, (phrase, word)
        assert _WORD.search(phrase) and _WORD.search(phrase).group(0).lower() == word, phrase
        assert any(phrase.lower() in quote.lower() for quote in states), (
            f"NOT_HEDGES entry {phrase!r} is used by no 'states' claim: remove it"
        )


@pytest.mark.parametrize(
    ("quote", "words"),
    [
        ("If you already suffer from back pain, running can make the pain worse.", ["can"]),
        ("But did you know your posture could be to blame?", ["could", "?"]),
        ("If you're over 65, chances are you have arthritic back pain", ["chances are"]),
        ("Yoga is also helpful In many cases.", ["in many cases"]),
        ("It cannot hurt to stretch.", ["cannot"]),
        ("there are exercises and stretches you can do to relieve the discomfort", []),
        ("You can do nothing, or it can get worse.", ["can"]),  # only the second is a hedge
        ("Canada's runners stretch in May.", ["may"]),  # whole words only, any case
        ("Lumbar fatigue causes muscle pain.", []),
    ],
)
def test_hedge_words_are_found_whole_and_outside_allowed_phrases(quote, words):
    assert hedges_in(quote) == words
