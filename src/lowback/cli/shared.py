"""What several sub-commands share: the disclaimer, the records' loading, a quote's line."""

from __future__ import annotations

import sys
from pathlib import Path

DISCLAIMER = "lowback is for education, not diagnosis: it is not medical advice."


def _load(data_dir: Path):
    """The knowledge base, each missing fetched source said once on stderr, in one line."""
    from lowback.data.records import load_knowledge_base

    kb = load_knowledge_base(data_dir, warn_missing=False)
    for missing in kb.missing:
        print(f"lowback: {missing}", file=sys.stderr)
    return kb


def _quoted(quote: str, start: int, end: int, note: str = "", indent: int = 4) -> str:
    return " " * indent + f"“{quote}” [{start}:{end}]" + (f" {note}" if note else "")
