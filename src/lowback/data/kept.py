"""Tables derived from a knowledge base alone, found once per knowledge base and kept.

A :class:`~lowback.data.records.KnowledgeBase` is read-only (a frozen dataclass whose
tables sit in a read-only mapping and are handed out as copy-on-write views), so a table
derived from it alone cannot go stale. The records ask for some tables many times (each
notebook's claims with their labels, the sentence coverage) and the study layer more (each
figure and caption of notebook 04 from the same comparisons): :func:`kept` finds each
once, per knowledge base, weakly (forgotten with it), and each call gets its own copy.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable

import pandas as pd

#: Per knowledge base: (function, arguments) -> the table it returned.
_TABLES: weakref.WeakKeyDictionary[object, dict] = weakref.WeakKeyDictionary()


def kept(function: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    """Keep the table ``function(kb, ...)`` returns, per knowledge base and arguments.

    ``function`` (a function of the knowledge base, or one of its methods) must read
    nothing but its arguments (the knowledge base and hashable options). Each call gets
    its own copy of the kept table (a deep copy, so that what a caller changes it changes
    in its own copy with pandas 2 too, where copy-on-write is off; the tables are small);
    a cell that holds a list holds the kept list, to read, not to change in place.

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
    def kept_table(kb: object, *args, **kwargs) -> pd.DataFrame:
        tables = _TABLES.setdefault(kb, {})
        key = (function.__module__, function.__qualname__, args, tuple(sorted(kwargs.items())))
        if key not in tables:
            tables[key] = function(kb, *args, **kwargs)
        return tables[key].copy(deep=True)

    return kept_table
