"""The knowledge base: the material's records as typed, validated, read-only tables.

The records come from one web article on lower back pain in runners (and any source
added later), curated by hand into tidy CSV tables under ``data/records/``. Every
claim carries the exact quote and its character offsets in the source, so anyone can
check it with ``text[start:end] == quote``. See ``data/README.md`` for the dictionary.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from lowback import config
from lowback.data.kept import kept
from lowback.data.lookup import positions
from lowback.data.schema import CATEGORICAL, KINDS
from lowback.data.sources import MissingSource
from lowback.data.validate import check_records
from lowback.errors import RecordError

#: Where sources.csv is, under a data folder.
RECORDS_SOURCES = Path(config.RECORDS_SUBDIR) / "sources.csv"


class MissingSourceWarning(UserWarning):
    """A fetched source is not on this machine; the records load without it."""


# eq=False: a knowledge base is compared, hashed and weakly referenced by identity, so that
# the study layer can keep what it derives from one (its rulebook) without this layer
# knowing about it.
@dataclass(frozen=True, eq=False)
class KnowledgeBase:
    """The validated record tables of one data folder.

    Tables are returned as fresh views (copy-on-write), so changing a table you got
    from the knowledge base never changes the knowledge base itself.

    Attributes
    ----------
    root : Path
        The data folder the records were read from.
    texts : Mapping[str, str]
        Each source's full text, by source id.
    missing : tuple of MissingSource
        The fetched sources whose files are not on this machine: their records are
        left out (``str()`` of each says how to fetch it).

    Examples
    --------
    >>> kb = load_knowledge_base(warn_missing=False)
    >>> kb.root.name, "runners_low_back_pain" in kb.texts
    ('data', True)
    >>> kb.claims.columns[:6].tolist()
    ['id', 'source', 'subject', 'relation', 'object', 'quote']
    >>> sorted(set(kb.entities["kind"]) & {"pain_type", "symptom", "red_flag"})
    ['pain_type', 'red_flag', 'symptom']
    >>> kb.publisher("runners_low_back_pain")
    'The web article'
    """

    root: Path
    texts: Mapping[str, str]
    _tables: Mapping[str, pd.DataFrame] = field(repr=False)
    missing: tuple[MissingSource, ...] = ()
    _restricted: dict[frozenset[str], KnowledgeBase] = field(
        default_factory=dict, repr=False, compare=False
    )

    def _table(self, name: str) -> pd.DataFrame:
        return self._tables[name].copy(deep=False)

    def __repr__(self) -> str:
        """A summary in a few lines, not the texts: each source (id, publisher, present
        or missing), each table's row count and each entity kind's count.

        Examples
        --------
        >>> kb = load_knowledge_base(warn_missing=False)
        >>> print(kb)  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
        KnowledgeBase of .../data: ... source(s) present, ... missing
          source runners_low_back_pain The web article present
        ...
          rows: sources ..., passages ..., entities ..., claims ..., skipped ..., ...
          entities: pain_type ..., symptom ..., ...
        """
        sources = self._tables["sources"]
        present = zip(sources["id"], sources["publisher"], strict=True)
        rows = [(str(id_), str(by), "present") for id_, by in present]
        rows += [(m.id, "", "missing") for m in self.missing]  # its row is left out
        id_width = max((len(row[0]) for row in rows), default=0)
        by_width = max((len(row[1]) for row in rows), default=0)
        kinds = self._tables["entities"]["kind"].astype(str).value_counts()
        lines = [
            f"KnowledgeBase of {self.root}: {len(sources)} source(s) present, "
            f"{len(self.missing)} missing",
            *(f"  source {id_:<{id_width}}  {by:<{by_width}}  {state}" for id_, by, state in rows),
            "  rows: " + ", ".join(f"{name} {len(table)}" for name, table in self._tables.items()),
            "  entities: " + ", ".join(f"{kind} {kinds.get(kind, 0)}" for kind in KINDS),
        ]
        return "\n".join(lines)

    @property
    def sources(self) -> pd.DataFrame:
        """The source documents present: ``id, path, title, sha256, format, fetch,
        collection, publisher, url, dataset, licence, text_sha256``."""
        return self._table("sources")

    @property
    def comparisons(self) -> pd.DataFrame:
        """Claims of one collection weighed against another's: ``id, topic, claim,
        against, other, verdict, note`` (``topic`` and ``verdict`` categoricals; see
        :data:`lowback.data.schema.VERDICTS`). Empty against a collection with a
        missing source."""
        return self._table("comparisons")

    def publisher(self, source_id: str) -> str:
        """Who published a source, as the study credits it ("NIH MedlinePlus")."""
        sources = self._tables["sources"]
        found = sources.loc[sources["id"] == source_id, "publisher"]
        if found.empty:
            raise KeyError(f"unknown source id {source_id!r}")
        return str(found.iloc[0])

    def restricted_to(self, sources: Iterable[str]) -> KnowledgeBase:
        """The same records, of the given sources only.

        Their passages, claims, skipped sentences and triage rules, the entities their
        claims name, and the comparisons both sides of which are among them. The same
        knowledge base comes back for the same sources (so what the study derives from
        it is derived once), and this one itself when it holds no other source.

        Raises
        ------
        KeyError
            If a source id is not one of this knowledge base's sources.
        """
        wanted = frozenset(sources)
        present = set(self._tables["sources"]["id"])
        unknown = sorted(wanted - present)
        if unknown:
            raise KeyError(
                f"unknown or missing source(s) {', '.join(map(repr, unknown))}; "
                f"present: {', '.join(sorted(present))}"
            )
        if wanted == present:
            return self
        if wanted not in self._restricted:
            self._restricted[wanted] = self._of_sources(wanted)
        return self._restricted[wanted]

    def _of_sources(self, wanted: frozenset[str]) -> KnowledgeBase:
        tables = dict(self._tables)

        def of(name: str, column: str = "source") -> pd.DataFrame:
            table = tables[name]
            return table[table[column].isin(wanted)].reset_index(drop=True)

        for name in ("passages", "claims", "skipped", "triage"):
            tables[name] = of(name)
        tables["sources"] = of("sources", "id")
        claims = tables["claims"]
        named = set(claims["subject"]) | set(claims["object"])
        entities = tables["entities"]
        tables["entities"] = entities[entities["id"].isin(named)].reset_index(drop=True)
        comparisons = tables["comparisons"]
        collections = set(tables["sources"]["collection"])
        inside = set(claims["id"])
        both = (
            comparisons["claim"].isin(inside)
            & comparisons["against"].isin(collections)
            & (comparisons["other"].isin(inside) | (comparisons["other"] == ""))
        )
        tables["comparisons"] = comparisons[both].reset_index(drop=True)
        return KnowledgeBase(
            root=self.root,
            texts=MappingProxyType({k: v for k, v in self.texts.items() if k in wanted}),
            _tables=MappingProxyType(tables),
            missing=self.missing,
        )

    @property
    def passages(self) -> pd.DataFrame:
        """Passages tiling each source: ``id, source, start, end, topic, heading``."""
        return self._table("passages")

    @property
    def entities(self) -> pd.DataFrame:
        """Entities: ``id, kind, label, description, group``."""
        return self._table("entities")

    @property
    def claims(self) -> pd.DataFrame:
        """Claims: ``id, source, subject, relation, object, quote, start, end, passage,
        modality, attributed, reading, note``.

        ``modality``, ``attributed`` and ``reading`` are categoricals (see
        :data:`lowback.data.schema.MODALITIES`, ``ATTRIBUTIONS``, ``READINGS``).
        """
        return self._table("claims")

    @property
    def skipped(self) -> pd.DataFrame:
        """On-topic sentences deliberately left without a claim, with the reason."""
        return self._table("skipped")

    @property
    def triage(self) -> pd.DataFrame:
        """Triage rules: which red flag raises which level, and how, with the quote.

        ``raised_by`` names the signs (or ``reported``), ``basis`` is ``literal`` or
        ``inferred`` (a categorical), ``via`` the claims an inferred level comes through.
        """
        return self._table("triage")

    def entities_of_kind(self, kind: str) -> pd.DataFrame:
        """Entities of one kind (see :data:`lowback.data.schema.KINDS`)."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of: {', '.join(KINDS)}")
        entities = self._tables["entities"]
        return entities[entities["kind"] == kind].copy(deep=False)

    @cached_property
    def _labels(self) -> Mapping[str, str]:
        entities = self._tables["entities"]
        return MappingProxyType(dict(zip(entities["id"], entities["label"], strict=True)))

    def label(self, entity_id: str) -> str:
        """The human label of an entity id."""
        if entity_id not in self._labels:
            raise KeyError(f"unknown entity id {entity_id!r}")
        return self._labels[entity_id]

    @kept
    def claims_with_labels(self) -> pd.DataFrame:
        """Claims joined with the labels and kinds of their subject and object.

        Subjects and objects that are claims (relation ``contradicts``) keep their id
        as label and have kind ``claim``. Found once per knowledge base (the notebooks
        ask for it up to twenty times); each call gets its own copy-on-write view.
        """
        entities = self._tables["entities"].set_index("id")
        claims = self.claims
        for side in ("subject", "object"):
            claims[f"{side}_label"] = claims[side].map(entities["label"]).fillna(claims[side])
            kinds = claims[side].map(entities["kind"].astype(str)).fillna("claim")
            claims[f"{side}_kind"] = kinds
        return claims


def load_knowledge_base(
    root: Path | str | None = None, *, warn_missing: bool = True
) -> KnowledgeBase:
    """Load and validate the records under ``root`` (default: the project's ``data/``).

    Every load checks the tables' schemas, unique ids, that references resolve, that
    each source's sha256 matches, that passages tile each source exactly once, that
    every quote equals its source at its offsets, that no claim quotes an off-topic
    passage, that each claim's reading fits its note, relation and passage, and that the
    triage rules name their signs and the claims they rest on
    (:mod:`lowback.data.readings`).

    Parameters
    ----------
    root : Path or str, optional
        A data folder holding ``records/*.csv`` and the source files they name.

    Returns
    -------
    KnowledgeBase

    A fetched source (the NIH texts) whose file is not on this machine is left out,
    with its records, and named in :attr:`KnowledgeBase.missing` and (unless
    ``warn_missing`` is False, for a caller that says it its own way) a
    :class:`MissingSourceWarning`; a file that is there but differs is a problem.

    Raises
    ------
    RecordError
        Listing every problem found, each with file, row, column, value and what was
        expected.

    Examples
    --------
    >>> kb = load_knowledge_base(warn_missing=False)  # the NIH texts if fetched
    >>> claim = kb.claims.iloc[0]
    >>> kb.texts[claim.source][claim.start : claim.end] == claim.quote
    True
    >>> len(kb.sources) + len(kb.missing)  # every source: present, or missing and named
    9
    """
    data_dir = Path(root) if root is not None else config.DATA_DIR
    tables, texts, problems, missing = check_records(data_dir)
    if problems:
        raise RecordError(problems)
    for source in missing if warn_missing else ():
        warnings.warn(str(source), MissingSourceWarning, stacklevel=2)
    for name, columns in CATEGORICAL.items():
        for column, categories in columns.items():
            # Validated: every value is a category. From codes: three times faster.
            codes = positions(tables[name][column], pd.Index(categories))
            tables[name][column] = pd.Categorical.from_codes(codes, categories=categories)
    return KnowledgeBase(
        root=data_dir,
        texts=MappingProxyType(dict(texts)),
        _tables=MappingProxyType(tables),
        missing=tuple(missing),
    )


def source_states(root: Path | str | None = None) -> pd.DataFrame:
    """Every source of ``sources.csv`` under ``root`` and the state of its file on this
    machine (``present``, ``missing``, ``differs``), without loading the records: what
    ``lowback sources`` lists (:func:`lowback.data.sources.source_states`).

    Raises
    ------
    RecordError
        If sources.csv itself cannot be read, or names a path out of its folder.
    """
    from lowback.data.sources import outside_problems
    from lowback.data.sources import source_states as states_of
    from lowback.data.tables import read_table

    data_dir = Path(root) if root is not None else config.DATA_DIR
    table, problems, rows = read_table(data_dir / RECORDS_SOURCES, "sources")
    if table is None:
        raise RecordError(problems)
    outside = rows.relocated(outside_problems(data_dir, table))
    if outside:  # never read, not even to say whether it differs
        raise RecordError(outside)
    return states_of(data_dir, table)
