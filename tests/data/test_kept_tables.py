"""What the data layer derives from a knowledge base alone is found once per knowledge
base (it is read-only), each caller getting its own copy; the coverage found per source
with NumPy equals the plain per-sentence reading of the spans."""

from __future__ import annotations

import gc

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lowback import load_knowledge_base
from lowback.data import coverage, kept
from lowback.data.records import KnowledgeBase


def _overlapping_ids_reference(sentences: pd.DataFrame, spans: pd.DataFrame) -> list[list[str]]:
    """The plain reading: per sentence, every span of its source that overlaps it."""
    found = []
    for sentence in sentences.itertuples(index=False):
        found.append(
            [
                span.id
                for span in spans.itertuples(index=False)
                if span.source == sentence.source
                and span.start < sentence.end
                and sentence.start < span.end
            ]
        )
    return found


def _coverage_reference(kb: KnowledgeBase) -> pd.DataFrame:
    sentences = coverage.on_topic_sentences(kb)
    claims = _overlapping_ids_reference(sentences, kb.claims)
    skips = _overlapping_ids_reference(sentences, kb.skipped)
    status = [
        "claim" if c else "skipped" if s else "uncovered"
        for c, s in zip(claims, skips, strict=True)
    ]
    sentences["status"] = pd.Categorical(status, categories=coverage.STATUSES)
    sentences["by"] = [", ".join(c or s) for c, s in zip(claims, skips, strict=True)]
    return sentences


def test_claims_with_labels_are_found_once_per_knowledge_base(monkeypatch):
    kb = load_knowledge_base(warn_missing=False)  # a fresh one: nothing kept for it yet
    read = []
    table = KnowledgeBase._table
    monkeypatch.setattr(
        KnowledgeBase, "_table", lambda self, name: read.append(name) or table(self, name)
    )
    first = kb.claims_with_labels()
    for _ in range(3):
        assert kb.claims_with_labels().equals(first)
    assert read.count("claims") == 1
    # Each caller's table is its own.
    first["subject_label"] = "changed"
    assert (kb.claims_with_labels()["subject_label"] != "changed").all()
    # Another knowledge base has its own.
    other = kb.restricted_to(kb.sources["id"][:1])
    other.claims_with_labels()
    assert read.count("claims") == (1 if other is kb else 2)


def test_kept_tables_are_forgotten_with_their_knowledge_base():
    kb = load_knowledge_base(warn_missing=False)
    kb.claims_with_labels()
    coverage.sentence_coverage(kb)
    before = len(kept._TABLES)
    assert kb in kept._TABLES
    del kb
    gc.collect()
    assert len(kept._TABLES) == before - 1


def test_sentence_coverage_is_found_once_per_knowledge_base(monkeypatch):
    kb = load_knowledge_base(warn_missing=False)
    calls = []
    overlapping = coverage._overlapping_ids
    monkeypatch.setattr(
        coverage, "_overlapping_ids", lambda *args: calls.append(1) or overlapping(*args)
    )
    first = coverage.sentence_coverage(kb)
    for _ in range(3):
        assert coverage.sentence_coverage(kb).equals(first)
    assert len(calls) == 2  # claims and skipped sentences, once
    first["status"] = "uncovered"
    assert (coverage.sentence_coverage(kb)["status"] == "claim").any()


def test_sentence_coverage_equals_the_plain_reading_on_the_records():
    kb = load_knowledge_base(warn_missing=False)
    found = coverage.sentence_coverage(kb)
    assert found.equals(_coverage_reference(kb))
    assert set(found["status"]) >= {"claim", "skipped"}


_SOURCES = ["a", "b", "c"]


@st.composite
def _spans(draw, prefix: str, max_rows: int):
    rows = []
    for k in range(draw(st.integers(0, max_rows))):
        start = draw(st.integers(0, 120))
        length = draw(st.one_of(st.integers(1, 8), st.integers(1, 100)))
        rows.append((f"{prefix}{k}", draw(st.sampled_from(_SOURCES)), start, start + length))
    frame = pd.DataFrame(rows, columns=["id", "source", "start", "end"])
    return frame.astype({"id": "str", "source": "str", "start": "int64", "end": "int64"})


@settings(max_examples=200, deadline=None)
@given(sentences=_spans("s", 15), spans=_spans("x", 25))
def test_overlapping_ids_equal_the_plain_reading_on_generated_spans(sentences, spans):
    """Nested, touching, repeated and long spans, sources with none: the same ids, in
    the spans' table order."""
    assert coverage._overlapping_ids(sentences, spans) == _overlapping_ids_reference(
        sentences, spans
    )
