"""What several sub-commands share: the disclaimer, the records' loading, a quote's line,
and the ending of a command that writes a set of files."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

#: The help of every ``--out DIR`` that writes a set of files (publish/folders.py checks it).
OUT_DIR_HELP = (
    "the folder, created if missing (never /, the home folder or the project's own folders, "
    "even with --force)"
)

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


def _write_and_report(
    write: Callable[[], Sequence[Path]],
    *,
    failed: tuple[type[BaseException], ...],
    failed_prefix: str,
    interrupted: str,
    refused: tuple[type[BaseException], ...] = (),
    refused_prefix: str = "",
) -> int:
    """Run a command's all-or-none ``write`` and end it: each written file on stdout (exit 0);
    a ``refused`` error (bad input, a folder not to overwrite) on stderr, exit 2; a
    ``failed`` one, exit 1; Ctrl-C says ``interrupted`` (what the folder holds), exit 130."""
    try:
        written = write()
    except refused as err:
        print(f"{refused_prefix}{err}", file=sys.stderr)
        return 2
    except failed as err:
        print(f"{failed_prefix}{err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # the kernels are shut down; nothing is half-written
        print(interrupted, file=sys.stderr)
        return 130
    for path in written:
        print(f"wrote {path}")
    return 0
