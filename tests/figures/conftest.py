"""Fixtures of the figure tests: the shipped records with markup in a label."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from lowback import config, load_knowledge_base

MARKUP = '<img src=x onerror="alert(1)">'
#: MARKUP as a caption shows it (HTML-escaped for Markdown, quotes too).
ESCAPED = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
#: MARKUP as a figure shows it: no tag plotly could read, the quotes as written (plotly.js
#: would show ``&quot;`` literally).
PLOTLY_ESCAPED = '&lt;img src=x onerror="alert(1)"&gt;'


@pytest.fixture
def kb_with_markup(data_copy: Path):
    """The shipped records, with the label of ``weak_core`` replaced by :data:`MARKUP`."""
    path = data_copy / "records" / "entities.csv"
    entities = pd.read_csv(path, dtype=str, keep_default_na=False)
    entities.loc[entities["id"] == "weak_core", "label"] = MARKUP
    entities.to_csv(path, index=False, lineterminator="\n")
    return load_knowledge_base(data_copy)


@pytest.fixture(scope="module")
def kb_two(tmp_path_factory):
    """The shipped records and a made-up source of a collection of its own, added as
    data/README.md describes (tests/data/test_second_source_notebook.py)."""
    from tests.data.test_second_source_notebook import add_made_up_source

    data = tmp_path_factory.mktemp("second") / "data"
    shutil.copytree(config.DATA_DIR, data, ignore=shutil.ignore_patterns("README.md"))
    add_made_up_source(data)
    return load_knowledge_base(data)
