"""What the records account for: every on-topic sentence (by a claim or a skip with a
reason), and every claim of a compared source (weighed in ``comparisons.csv``).

Sentences are found with pysbd (a rule-based sentence boundary detector) inside each
article or FAQ passage, so a sentence never crosses a passage boundary.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowback.data.records import KnowledgeBase

STATUSES = ("claim", "skipped", "uncovered")


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
    found: list[list[str]] = []
    for source, start, end in sentences[["source", "start", "end"]].itertuples(index=False):
        same = spans[spans["source"] == source]
        hit = (same["start"].to_numpy() < end) & (start < same["end"].to_numpy())
        found.append(list(same["id"].to_numpy()[np.flatnonzero(hit)]))
    return found


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
