"""An mkdocs hook: the project's README.md as the site's ``readme.md`` page.

The README stays where readers of the repository find it, at the top; its screenshots stay
in ``docs/`` (its links say ``docs/NAME.png``, which from a page inside ``docs/`` is
``NAME.png``). Only the hook reads it: nothing is copied into ``docs/``.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File, Files

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_markdown(text: str) -> str:
    """The README's text with its links into ``docs/`` made relative to ``docs/``."""
    return re.sub(r"\]\(docs/", "](", text)


def on_files(files: Files, config) -> Files:
    content = readme_markdown(README.read_text(encoding="utf-8"))
    files.append(File.generated(config, "readme.md", content=content))
    return files
