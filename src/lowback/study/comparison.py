"""The article against another collection of sources: what the comparisons imply.

``data/records/comparisons.csv`` weighs each claim of one collection (the web article's)
against another collection (the NIH texts): the claim of the other side it reads against,
or none (``silent``), a verdict (:data:`lowback.data.schema.VERDICTS`) and the curator's
note. The tables here are derived from those records and nothing else:

* :func:`weighed_claims`: one row per comparison, both sides' quotes side by side;
* :func:`verdict_counts`: comparisons by topic and verdict;
* :func:`nih_only_claims`: what the other side says that no comparison names;
* :func:`warning_signs`: each warning sign of the triage rules, side by side: the level
  each side gives it and the sentence that says so;
* :func:`paired_signs`: the warning signs a comparison weighs against another side's;
* :func:`careful_readings` and :func:`recurring_notes`: the other side's claims that had
  to be read with care, and the readings the curator's notes repeat;
* :func:`sides`, :func:`collection_label` and :func:`other_side_claims`: which
  collections are set side by side, how each is credited, and the other side's claims.

Which collection is which comes from the data (``sources.csv``, column ``collection``):
the weighed side is the collection of the comparisons' claims, the other side the one
their ``against`` names. With no comparison (the NIH texts missing on this machine, so
that every comparison against them is left out) every table is empty, with its columns.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lowback.data.kept import kept
from lowback.data.records import KnowledgeBase
from lowback.data.schema import COMPARISON_TOPICS, VERDICTS
from lowback.study.gate import RedFlagGate

#: The columns of :func:`weighed_claims`: the comparison, then each side.
WEIGHED_COLUMNS: tuple[str, ...] = (
    "id",
    "topic",
    "verdict",
    "note",
    "claim",
    "claim_collection",
    "claim_source",
    "claim_publisher",
    "claim_modality",
    "claim_statement",
    "claim_quote",
    "against",
    "other",
    "other_source",
    "other_publisher",
    "other_modality",
    "other_statement",
    "other_quote",
)

#: The columns of :func:`nih_only_claims` and :func:`careful_readings`.
CLAIM_COLUMNS: tuple[str, ...] = (
    "id",
    "collection",
    "source",
    "publisher",
    "subject",
    "relation",
    "object",
    "kind",
    "statement",
    "quote",
    "modality",
    "reading",
    "note",
)

#: The columns of :func:`warning_signs`: one row per warning sign and side.
SIGN_COLUMNS: tuple[str, ...] = (
    "sign",
    "label",
    "collection",
    "side",
    "named",
    "level",
    "basis",
    "rule",
    "source",
    "publisher",
    "quote",
    "rules",
    "levels",
)

#: The columns of :func:`paired_signs`.
PAIR_COLUMNS: tuple[str, ...] = (
    "sign",
    "paired_collection",
    "paired_sign",
    "verdict",
    "comparison",
)

#: Where one sentence of a curator's note ends and the next begins.
_SENTENCE_END = re.compile("(?<=[.!?])\\s+(?=[A-Z'\u2018\u201c(])")

#: Why a claim of :func:`careful_readings` is there, in the order they are checked.
CARE_REASONS: tuple[str, ...] = ("inferred", "hedged", "noted")


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})


def _collection_of(kb: KnowledgeBase) -> dict[str, str]:
    """Source id -> its collection (``sources.csv``)."""
    sources = kb.sources
    return dict(zip(sources["id"], sources["collection"], strict=True))


def _comparisons(kb: KnowledgeBase, against: str | None) -> pd.DataFrame:
    comparisons = kb.comparisons
    if against is not None:
        comparisons = comparisons[comparisons["against"] == against]
    return comparisons


def collection_label(kb: KnowledgeBase, collection: str) -> str:
    """A collection as the study credits it: its sources' publishers, each once.

    ``"The web article"``, or ``"NIH MedlinePlus / NIH NINDS"`` for a collection of
    several publishers, in the order of ``sources.csv``.

    Raises
    ------
    KeyError
        If no source present is of that collection.
    """
    sources = kb.sources
    publishers = sources.loc[sources["collection"] == collection, "publisher"]
    if publishers.empty:
        raise KeyError(f"no source of collection {collection!r} is present")
    return " / ".join(dict.fromkeys(publishers))


def sides(kb: KnowledgeBase, against: str | None = None) -> list[str]:
    """The collections the comparisons set side by side: the weighed ones, then the
    ones they are weighed against, each in the order of ``sources.csv``; empty when no
    comparison is present.

    Parameters
    ----------
    kb : KnowledgeBase
    against : str, optional
        Only the comparisons against this collection; default all of them.
    """
    comparisons = _comparisons(kb, against)
    collection_of = _collection_of(kb)
    source_of = dict(zip(kb.claims["id"], kb.claims["source"], strict=True))
    weighed = {collection_of[source_of[c]] for c in comparisons["claim"]}
    others = set(comparisons["against"])
    order = list(dict.fromkeys(kb.sources["collection"]))
    return [c for c in order if c in weighed] + [c for c in order if c in others - weighed]


@kept
def _statements(kb: KnowledgeBase) -> pd.DataFrame:
    """Each claim with its collection, publisher, the subject's kind and its statement in
    words ("Older age · risk factor for · Low back pain")."""
    claims = kb.claims_with_labels()
    collection_of = _collection_of(kb)
    publisher_of = dict(zip(kb.sources["id"], kb.sources["publisher"], strict=True))
    relation = claims["relation"].astype(str).str.replace("_", " ")
    claims["statement"] = (
        claims["subject_label"] + " · " + relation + " · " + claims["object_label"]
    )
    claims["collection"] = claims["source"].map(collection_of)
    claims["publisher"] = claims["source"].map(publisher_of)
    claims["kind"] = claims["subject_kind"]
    for column in ("relation", "modality", "reading"):
        claims[column] = claims[column].astype(str)
    return claims.set_index("id", drop=False)


@kept
def weighed_claims(kb: KnowledgeBase, against: str | None = None) -> pd.DataFrame:
    """Every comparison with both sides: quotes, sources, publishers, how each is said.

    Parameters
    ----------
    kb : KnowledgeBase
    against : str, optional
        Only the comparisons against this collection; default all of them.

    Returns
    -------
    DataFrame
        One row per comparison (:data:`WEIGHED_COLUMNS`), by topic in the study's order
        (:data:`~lowback.data.schema.COMPARISON_TOPICS`), then in file order: the
        weighed claim's collection, source, publisher, modality, statement in words and
        quote, then the other side's. A ``silent`` comparison names no claim of the
        other side: its ``other_*`` columns are empty strings. ``topic`` and ``verdict``
        are categoricals in the vocabularies' order. Empty, with these columns, when no
        comparison is present.

    Examples
    --------
    Without the other side (the NIH texts missing, say) there is nothing to weigh:

    >>> from lowback import load_knowledge_base
    >>> kb = load_knowledge_base()
    >>> article = kb.restricted_to([kb.sources["id"].iloc[0]])
    >>> table = weighed_claims(article)
    >>> table.empty, list(table.columns[:4])
    (True, ['id', 'topic', 'verdict', 'note'])
    """
    comparisons = _comparisons(kb, against)
    if comparisons.empty:
        table = _empty(WEIGHED_COLUMNS)
        table["topic"] = pd.Categorical([], categories=COMPARISON_TOPICS)
        table["verdict"] = pd.Categorical([], categories=VERDICTS)
        return table
    claims = _statements(kb)
    fields = ("source", "publisher", "modality", "statement", "quote")
    table = comparisons.reset_index(drop=True)
    mine = claims.loc[table["claim"]]
    table["claim_collection"] = mine["collection"].to_numpy()
    for field in fields:
        table[f"claim_{field}"] = mine[field].to_numpy()
    named = table["other"] != ""
    for field in fields:
        values = pd.Series("", index=table.index, dtype=object)
        values[named] = claims.loc[table.loc[named, "other"], field].to_numpy()
        table[f"other_{field}"] = values
    table = table.sort_values("topic", kind="stable").reset_index(drop=True)
    return table[list(WEIGHED_COLUMNS)]


def verdict_counts(kb: KnowledgeBase, against: str | None = None) -> pd.DataFrame:
    """How many comparisons of each topic end in each verdict.

    Returns
    -------
    DataFrame
        Topics (index ``topic``, those with a comparison, in the study's order) by
        verdicts (columns, every verdict of :data:`~lowback.data.schema.VERDICTS`, in
        order): counts of comparisons, not of claims (a claim weighed twice counts
        twice). Empty, with the verdict columns, when no comparison is present.
    """
    comparisons = _comparisons(kb, against)
    counts = pd.crosstab(comparisons["topic"], comparisons["verdict"], dropna=False)
    counts = counts.reindex(index=list(COMPARISON_TOPICS), columns=list(VERDICTS), fill_value=0)
    counts = counts[counts.sum(axis=1) > 0].astype("int64")
    counts.index = pd.Index([str(t) for t in counts.index], name="topic", dtype=object)
    counts.columns = pd.Index(list(VERDICTS), name="verdict", dtype=object)
    return counts


def other_side_claims(kb: KnowledgeBase, against: str | None = None) -> pd.DataFrame:
    """Every claim of the collections compared against, ``contradicts`` claims aside.

    Returns
    -------
    DataFrame
        One row per claim (:data:`CLAIM_COLUMNS`), in file order; ``kind`` is the kind
        of the claim's subject. Empty, with these columns, when no comparison is present.
    """
    others = set(_comparisons(kb, against)["against"])
    claims = _statements(kb)
    keep = claims["collection"].isin(others) & (claims["relation"] != "contradicts")
    if not keep.any():
        return _empty(CLAIM_COLUMNS)
    return claims.loc[keep, list(CLAIM_COLUMNS)].reset_index(drop=True)


def nih_only_claims(kb: KnowledgeBase, against: str | None = None) -> pd.DataFrame:
    """What the other side says that the weighed side leaves out.

    The claims of the collections compared against (the NIH texts in the shipped
    records) that no comparison names as ``other``: no claim of the article was read
    against them. ``contradicts`` claims are left out (they link claims, they say
    nothing new).

    Returns
    -------
    DataFrame
        One row per claim (:data:`CLAIM_COLUMNS`), in file order; ``kind`` is the kind
        of the claim's subject (a symptom, a treatment, a red flag...). Empty, with
        these columns, when no comparison is present.
    """
    claims = other_side_claims(kb, against)
    named = set(_comparisons(kb, against)["other"])
    return claims[~claims["id"].isin(named)].reset_index(drop=True)


def careful_readings(kb: KnowledgeBase, against: str | None = None) -> pd.DataFrame:
    """The other side's claims that had to be read with care, with the curator's words.

    A claim is here when it is ``inferred`` (the curator links what the quote does not
    say in so many words: the note says how), ``hedged`` (a possibility, not a fact), or
    ``noted`` (literal and stated, but with a note).

    Returns
    -------
    DataFrame
        :data:`CLAIM_COLUMNS` and ``care``, the first of :data:`CARE_REASONS` that
        applies, in file order. Empty, with these columns, when no comparison is
        present.
    """
    columns = (*CLAIM_COLUMNS, "care")
    claims = other_side_claims(kb, against)
    if claims.empty:
        return _empty(columns)
    applies = {
        "inferred": claims["reading"] == "inferred",
        "hedged": claims["modality"] == "hedges",
        "noted": claims["note"].str.strip() != "",
    }
    care = np.select([applies[r] for r in CARE_REASONS], list(CARE_REASONS), default="")
    claims["care"] = care
    return claims.loc[care != "", list(columns)].reset_index(drop=True)


@kept
def warning_signs(kb: KnowledgeBase, against: str | None = None) -> pd.DataFrame:
    """Each warning sign, side by side: the level each side gives it, and its sentence.

    For every red flag a runner can report (the red-flag gate's, of all sources: see
    :class:`~lowback.study.gate.RedFlagGate`) and every side (:func:`sides`), the rules
    of that side's sources that the sign fires when reported alone, most pressing first
    as the gate orders them (within a level, literal rules first). The first gives the
    side's level, its sentence and publisher; the others are listed in ``rules`` and
    ``levels``. A side whose rules never name the sign has ``named`` False; one whose
    rules name it only together with other signs has ``named`` True and an empty
    ``level``.

    Returns
    -------
    DataFrame
        One row per (sign, side), signs in entity order, sides in :func:`sides` order
        (:data:`SIGN_COLUMNS`; ``side`` is :func:`collection_label`, ``rules`` and
        ``levels`` are space-separated, most pressing first). Empty, with these columns,
        when no comparison is present.
    """
    collections = sides(kb, against)
    if not collections:
        return _empty(SIGN_COLUMNS)
    gate = RedFlagGate(kb)
    collection_of = _collection_of(kb)
    rows = []
    for sign in gate.reportable:
        reasons = [r for r in gate.check({sign}).reasons if r.red_flag]
        for collection in collections:
            fired = [r for r in reasons if collection_of[r.source] == collection]
            named = bool(fired) or any(
                collection_of[rule["source"]] == collection
                and (rule["red_flag"] == sign or sign in rule["signs"])
                for rule in gate.rules
            )
            first = fired[0] if fired else None
            rows.append(
                {
                    "sign": sign,
                    "label": kb.label(sign),
                    "collection": collection,
                    "side": collection_label(kb, collection),
                    "named": named,
                    "level": first.level if first else "",
                    "basis": first.basis if first else "",
                    "rule": first.rule if first else "",
                    "source": first.source if first else "",
                    "publisher": first.publisher if first else "",
                    "quote": first.quote if first else "",
                    "rules": " ".join(r.rule for r in fired),
                    "levels": " ".join(r.level for r in fired),
                }
            )
    return pd.DataFrame(rows, columns=list(SIGN_COLUMNS))


@kept
def paired_signs(kb: KnowledgeBase, against: str | None = None) -> pd.DataFrame:
    """The warning signs a comparison weighs against a warning sign of the other side.

    A comparison pairs two signs when its claim is about one warning sign of the gate
    (its subject) and the other side's claim about another: the article's "persistent or
    severe pain" against the NIH's "severe pain", say (a sign both sides name is not a
    pair: :func:`warning_signs` shows it on both). Each pair is listed from both
    ends, so that a side that never names a sign can say which of its own signs it was
    weighed against.

    Returns
    -------
    DataFrame
        :data:`PAIR_COLUMNS`: the sign, the collection of the sign it is paired with,
        that sign, the verdict and the comparisons' ids (joined by ", "), one row per
        (sign, paired sign, verdict), in the order of the comparisons. Empty, with these
        columns, when no comparison pairs two signs.
    """
    table = weighed_claims(kb, against)
    if table.empty:
        return _empty(PAIR_COLUMNS)
    signs = set(RedFlagGate(kb).reportable)
    subject = kb.claims.set_index("id")["subject"]
    table = table[table["other"] != ""]
    mine = table["claim"].map(subject)
    theirs = table["other"].map(subject)
    both = mine.isin(signs) & theirs.isin(signs) & (mine != theirs)
    rows = []
    for row, a, b in zip(table[both].itertuples(), mine[both], theirs[both], strict=True):
        verdict = str(row.verdict)
        rows.append((a, row.against, b, verdict, row.id))
        rows.append((b, row.claim_collection, a, verdict, row.id))
    pairs = pd.DataFrame(rows, columns=list(PAIR_COLUMNS))
    keys = list(PAIR_COLUMNS[:4])
    return pairs.groupby(keys, sort=False)["comparison"].agg(", ".join).reset_index()


def recurring_notes(kb: KnowledgeBase, against: str | None = None, *, at_least: int = 2):
    """The sentences of the curator's notes that recur across the other side's claims.

    A reading the curator had to make again and again ("The page speaks of back pain in
    general, which includes low back pain.") is a reading the whole comparison rests
    on; counting the notes' sentences finds them.

    Parameters
    ----------
    kb : KnowledgeBase
    against : str, optional
        Only the collection compared against; default all of them.
    at_least : int, default 2
        How many claims' notes a sentence must be in.

    Returns
    -------
    DataFrame
        ``sentence``, ``claims`` (how many), ``ids`` (joined by ", "), most claims first
        (ties in the order the sentences first appear). Empty, with these columns, when
        no comparison is present.
    """
    columns = ("sentence", "claims", "ids")
    claims = other_side_claims(kb, against)
    if claims.empty:
        return _empty(columns)
    seen: dict[str, list[str]] = {}
    for claim_id, text in zip(claims["id"], claims["note"], strict=True):
        for sentence in dict.fromkeys(s.strip() for s in _SENTENCE_END.split(text)):
            if sentence:
                seen.setdefault(sentence, []).append(claim_id)
    rows = [(s, len(ids), ", ".join(ids)) for s, ids in seen.items() if len(ids) >= at_least]
    table = pd.DataFrame(rows, columns=list(columns))
    return table.sort_values("claims", ascending=False, kind="stable").reset_index(drop=True)
