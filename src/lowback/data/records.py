"""The knowledge base: the material's records as typed, validated, read-only tables.

The records come from one web article on lower back pain in runners (and any source
added later), curated by hand into tidy CSV tables under ``data/records/``. Every
claim carries the exact quote and its character offsets in the source, so anyone can
check it with ``text[start:end] == quote``. See ``data/README.md`` for the dictionary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from lowback import config
from lowback.data.schema import CATEGORICAL, KINDS
from lowback.data.validate import check_records
from lowback.errors import RecordError


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
    """

    root: Path
    texts: Mapping[str, str]
    _tables: Mapping[str, pd.DataFrame] = field(repr=False)

    def _table(self, name: str) -> pd.DataFrame:
        return self._tables[name].copy(deep=False)

    @property
    def sources(self) -> pd.DataFrame:
        """Source documents: ``id, path, title, sha256``."""
        return self._table("sources")

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

    def claims_with_labels(self) -> pd.DataFrame:
        """Claims joined with the labels and kinds of their subject and object.

        Subjects and objects that are claims (relation ``contradicts``) keep their id
        as label and have kind ``claim``.
        """
        entities = self._tables["entities"].set_index("id")
        claims = self.claims
        for side in ("subject", "object"):
            claims[f"{side}_label"] = claims[side].map(entities["label"]).fillna(claims[side])
            kinds = claims[side].map(entities["kind"].astype(str)).fillna("claim")
            claims[f"{side}_kind"] = kinds
        return claims


def load_knowledge_base(root: Path | str | None = None) -> KnowledgeBase:
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

    Raises
    ------
    RecordError
        Listing every problem found, each with file, row, column, value and what was
        expected.
    """
    data_dir = Path(root) if root is not None else config.DATA_DIR
    tables, texts, problems = check_records(data_dir)
    if problems:
        raise RecordError(problems)
    for name, columns in CATEGORICAL.items():
        for column, categories in columns.items():
            tables[name][column] = pd.Categorical(tables[name][column], categories=categories)
    return KnowledgeBase(
        root=data_dir,
        texts=MappingProxyType(dict(texts)),
        _tables=MappingProxyType(tables),
    )
