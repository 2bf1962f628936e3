"""data/README.md's provenance table lists every source, with the URL sources.csv records."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from lowback import config

HEADING = "### Each source: where it was published, when it was retrieved, its licence"


def _sources() -> list[dict[str, str]]:
    with (config.DATA_DIR / "records/sources.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _table() -> dict[str, list[str]]:
    text = (config.DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert HEADING in text
    rows = {}
    for line in text.split(HEADING, 1)[1].split("\n\n###", 1)[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_every_source_is_in_the_provenance_table_and_nothing_else():
    assert sorted(_table()) == sorted(s["id"] for s in _sources())


def test_each_url_is_the_one_sources_csv_records_or_says_not_stated():
    table = _table()
    for source in _sources():
        url, retrieved, licence = table[source["id"]]
        assert url == (f"<{source['url']}>" if source["url"] else url), source["id"]
        if not source["url"]:
            assert url.startswith("not stated"), source["id"]
        assert retrieved and licence, source["id"]


@pytest.mark.parametrize("source", [s for s in _sources() if s["fetch"] == "medquad"], ids=str)
def test_a_fetched_text_names_the_same_url_in_its_xml(source):
    cache = Path(os.environ.get("LOWBACK_DATA_DIR", "~/.cache/lowback")).expanduser()
    xml = cache / source["path"]
    if not xml.is_file():
        pytest.skip(f"{source['id']}: not fetched on this machine")
    found = re.search(r'<Document\b[^>]*\burl="([^"]+)"', xml.read_text(encoding="utf-8"))
    assert found and found.group(1) == source["url"]
