"""Tables derived from a knowledge base, found once per knowledge base and then kept.

A :class:`~lowback.data.records.KnowledgeBase` is read-only, so what is derived from it
alone cannot go stale. The notebooks and their captions ask for the same tables many
times over (each figure and each sentence from the same comparisons, the same evidence):
:func:`kept` finds each once. Tables are kept per knowledge base, weakly (forgotten with
it), as :meth:`lowback.study.rulebook.Rulebook.of` keeps the rulebook.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable

import pandas as pd

from lowback.data.records import KnowledgeBase

#: Per knowledge base: (function, arguments) -> the table it returned.
_TABLES: weakref.WeakKeyDictionary[KnowledgeBase, dict] = weakref.WeakKeyDictionary()


def kept(function: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    """Keep the table ``function(kb, ...)`` returns, per knowledge base and arguments.

    ``function`` must read nothing but its arguments (the knowledge base and hashable
    options). Each call gets its own copy of the kept table (a deep copy, so that what a
    caller changes it changes in its own copy with pandas 2 too, where copy-on-write is
    off; the tables are small); a cell that holds a list holds the kept list, to read,
    not to change in place.

    Examples
    --------
    >>> from lowback import load_knowledge_base
    >>> calls = []
    >>> @kept
    ... def claim_count(kb):
    ...     calls.append(1)
    ...     return pd.DataFrame({"claims": [len(kb.claims)]})
    >>> kb = load_knowledge_base(warn_missing=False)
    >>> claim_count(kb).equals(claim_count(kb)), len(calls)
    (True, 1)
    >>> changed = claim_count(kb)
    >>> changed["claims"] = 0  # in this copy only
    >>> int(claim_count(kb)["claims"].iloc[0]) == len(kb.claims)
    True
    """

    @functools.wraps(function)
    def kept_table(kb: KnowledgeBase, *args, **kwargs) -> pd.DataFrame:
        tables = _TABLES.setdefault(kb, {})
        key = (function.__module__, function.__qualname__, args, tuple(sorted(kwargs.items())))
        if key not in tables:
            tables[key] = function(kb, *args, **kwargs)
        return tables[key].copy(deep=True)

    return kept_table
