"""What the records account for: every on-topic sentence (by a claim or a skip with a
reason), and every claim of a compared source (weighed in ``comparisons.csv``).

Sentences are found with pysbd (a rule-based sentence boundary detector) inside each
article or FAQ passage, so a sentence never crosses a passage boundary.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowback.data.kept import kept
from lowback.data.records import KnowledgeBase

STATUSES = ("claim", "skipped", "uncovered")


@kept
def on_topic_sentences(kb: KnowledgeBase) -> pd.DataFrame:
    """Every sentence of every article or FAQ passage, with its offsets.

    Returns
    -------
    DataFrame
        ``source, passage, topic, start, end, sentence``; trailing white space is
        left out of each sentence's span.
    """
    import pysbd  # only coverage needs it; keeps `import lowback` light

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    rows = []
    passages = kb.passages
    for passage in passages[passages["topic"] != "off_topic"].itertuples(index=False):
        text = kb.texts[passage.source][passage.start : passage.end]
        for span in segmenter.segment(text):
            sentence = span.sent.rstrip()
            if sentence:
                start = passage.start + span.start
                rows.append(
                    (
                        passage.source,
                        passage.id,
                        str(passage.topic),
                        start,
                        start + len(sentence),
                        sentence,
                    )
                )
    columns = ["source", "passage", "topic", "start", "end", "sentence"]
    return pd.DataFrame(rows, columns=columns)


def _overlapping_ids(sentences: pd.DataFrame, spans: pd.DataFrame) -> list[list[str]]:
    """For each sentence, the ids of the spans of its source that overlap it (``start <
    sentence end`` and ``sentence start < end``), in the spans' table order.

    Per source, the spans sorted by start: those that start before a sentence ends are a
    prefix (``searchsorted``), and those that can still reach into it start after its
    start less the longest span; only that window is compared, not every span.
    """
    found: list[list[str]] = [[] for _ in range(len(sentences))]
    sentence_sources = sentences["source"].to_numpy()
    span_sources = spans["source"].to_numpy()
    for source in pd.unique(sentence_sources):
        rows = np.flatnonzero(sentence_sources == source)
        mine = np.flatnonzero(span_sources == source)  # in table order
        if not len(mine):
            continue
        starts = spans["start"].to_numpy()[mine]
        ends = spans["end"].to_numpy()[mine]
        ids = spans["id"].to_numpy()[mine]
        by_start = np.argsort(starts, kind="stable")
        sorted_starts = starts[by_start]
        longest = int((ends - starts).max())
        sentence_starts = sentences["start"].to_numpy()[rows]
        sentence_ends = sentences["end"].to_numpy()[rows]
        first = np.searchsorted(sorted_starts, sentence_starts - longest, side="right")
        last = np.searchsorted(sorted_starts, sentence_ends, side="left")
        for row, start, lo, hi in zip(rows, sentence_starts, first, last, strict=True):
            if lo >= hi:
                continue
            window = by_start[lo:hi]
            hits = np.sort(window[ends[window] > start])
            found[row] = ids[hits].tolist()
    return found


@kept
def sentence_coverage(kb: KnowledgeBase) -> pd.DataFrame:
    """Each on-topic sentence with how the records account for it.

    Returns
    -------
    DataFrame
        The columns of :func:`on_topic_sentences` plus ``status`` (``claim`` when a
        claim's quote overlaps the sentence, else ``skipped`` when ``skipped.csv``
        lists it, else ``uncovered``) and ``by`` (the claim or skip ids).
    """
    sentences = on_topic_sentences(kb)
    claim_ids = _overlapping_ids(sentences, kb.claims)
    skip_ids = _overlapping_ids(sentences, kb.skipped)
    sentences["status"] = pd.Categorical(
        [
            "claim" if c else "skipped" if s else "uncovered"
            for c, s in zip(claim_ids, skip_ids, strict=True)
        ],
        categories=STATUSES,
    )
    sentences["by"] = [", ".join(c or s) for c, s in zip(claim_ids, skip_ids, strict=True)]
    return sentences


def coverage_summary(coverage: pd.DataFrame) -> pd.DataFrame:
    """Sentence counts by passage and status, with a total row."""
    table = pd.crosstab(coverage["passage"], coverage["status"], margins=True, margins_name="total")
    order = [*dict.fromkeys(coverage["passage"]), "total"]
    return table.reindex(order)


def unweighed_claims(kb: KnowledgeBase) -> pd.DataFrame:
    """The claims ``comparisons.csv`` should weigh and does not.

    A source is compared against a collection once some row weighs one of its claims
    against it; then each of its claims (``contradicts`` claims aside) is weighed against
    that collection at least once. ``lowback validate`` lists the rest, as it lists
    uncovered sentences.

    Returns
    -------
    DataFrame
        ``claim, source, against, quote``, in claim order.
    """
    claims = kb.claims
    comparisons = kb.comparisons
    source_of = dict(zip(claims["id"], claims["source"], strict=True))
    weighed = set(zip(comparisons["claim"], comparisons["against"], strict=True))
    pairs = sorted({(source_of[c], a) for c, a in weighed if c in source_of})
    rows = [
        (claim.id, claim.source, against, claim.quote)
        for claim in claims.itertuples(index=False)
        if claim.relation != "contradicts"
        for source, against in pairs
        if claim.source == source and (claim.id, against) not in weighed
    ]
    return pd.DataFrame(rows, columns=["claim", "source", "against", "quote"])
