"""Printing a knowledge base shows a summary of it, not the texts it holds."""

from __future__ import annotations

import dataclasses
import doctest
import re
from pathlib import Path

from IPython.core.formatters import DisplayFormatter

from lowback import load_knowledge_base
from lowback.data.records import KnowledgeBase
from lowback.data.schema import KINDS
from lowback.data.sources import MissingSource

#: At most this many lines besides one per source.
OTHER_LINES = 3


def _counts(line: str, prefix: str) -> dict[str, int]:
    assert line.startswith(prefix), line
    pairs = (item.rsplit(" ", 1) for item in line.removeprefix(prefix).split(", "))
    return {name: int(count) for name, count in pairs}


def test_the_summary_is_a_few_lines_whatever_the_texts_size(kb: KnowledgeBase) -> None:
    text = repr(kb)
    lines = text.splitlines()
    assert len(lines) <= len(kb.sources) + len(kb.missing) + OTHER_LINES
    assert max(map(len, lines)) <= 160
    assert len(text) < sum(len(t) for t in kb.texts.values()) / 10
    assert str(kb) == text


def test_it_counts_every_tables_rows_and_every_entity_kind(kb: KnowledgeBase) -> None:
    lines = repr(kb).splitlines()
    rows = _counts(lines[-2], "  rows: ")
    tables = {name: getattr(kb, name) for name in rows}
    assert rows == {name: len(table) for name, table in tables.items()}
    assert set(rows) >= {"sources", "passages", "entities", "claims", "skipped", "triage"}
    kinds = _counts(lines[-1], "  entities: ")
    assert list(kinds) == list(KINDS)
    assert kinds == {kind: len(kb.entities_of_kind(kind)) for kind in KINDS}
    assert sum(kinds.values()) == len(kb.entities)


def test_it_names_each_source_with_its_publisher(kb: KnowledgeBase) -> None:
    text = repr(kb)
    for source_id in kb.sources["id"]:
        line = re.search(rf"^  source {source_id} .*$", text, flags=re.MULTILINE)
        assert line is not None, source_id
        assert kb.publisher(source_id) in line.group()
        assert line.group().endswith("present")


def test_a_missing_source_is_said_missing(kb: KnowledgeBase) -> None:
    gone = MissingSource(id="made_up_source", path="x.xml", local=Path("/nowhere/x.xml"))
    text = repr(dataclasses.replace(kb, missing=(*kb.missing, gone)))
    assert re.search(r"^  source made_up_source +missing$", text, flags=re.MULTILINE)
    assert f"{len(kb.missing) + 1} missing" in text.splitlines()[0]


def test_no_text_of_the_material_is_in_it(kb: KnowledgeBase) -> None:
    text = repr(kb)
    quotes = [q for q in kb.claims["quote"] if len(q) >= 12]
    assert quotes
    assert not [q for q in quotes if q in text]
    assert not [h for h in kb.passages["heading"] if len(h) >= 12 and h in text]


def test_jupyter_shows_the_same_summary(kb: KnowledgeBase) -> None:
    bundle, _ = DisplayFormatter().format(kb)
    assert bundle["text/plain"] == repr(kb)


def test_the_docstring_example_runs() -> None:
    finder = doctest.DocTestFinder()
    (test,) = finder.find(
        KnowledgeBase.__repr__,
        "KnowledgeBase.__repr__",
        globs={"load_knowledge_base": load_knowledge_base},
    )
    result = doctest.DocTestRunner(optionflags=0).run(test)
    assert result.attempted == 2
    assert result.failed == 0
