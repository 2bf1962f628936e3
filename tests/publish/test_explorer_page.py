"""The offline explorer's page (lowback.publish.explorer_page): one file, offline, escaped.

What the page's script answers is tested in a browser (tests/browser/test_offline_explorer.py).
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

import pandas as pd
import pytest
from nbformat import v4

from lowback import config
from lowback.data.records import load_knowledge_base
from lowback.figures.style import TRIAGE_COLOURS
from lowback.publish.build import build_reports
from lowback.publish.explorer_page import EXPLORER_FILE, data_json, explorer_page
from lowback.publish.pages import remote_resources
from lowback.study.cohort import simulate
from lowback.study.explorer_data import explorer_data
from lowback.study.gate import GATE_SCOPE
from lowback.study.tree import fit_tree
from lowback.study.triage import DISCLAIMER, Assessor, default_assessor
from tests.publish.helpers import XSS, write_notebook


class _Page(HTMLParser):
    """The page's scripts, inputs, labels and visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict, str]] = []
        self.inputs: list[dict] = []
        self.label_for: list[str] = []
        self.text: list[str] = []
        self._in: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._script = attrs
            self.scripts.append((attrs, ""))
        elif tag == "input":
            self.inputs.append(attrs)
        elif tag == "label" and attrs.get("for"):
            self.label_for.append(attrs["for"])
        self._in.append(tag)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif "style" not in self._in:
            self.text.append(data)


def parse(page: str) -> _Page:
    parsed = _Page()
    parsed.feed(page)
    parsed.close()
    return parsed


@pytest.fixture(scope="module")
def page() -> str:
    return explorer_page(default_assessor())


def test_the_page_is_one_small_offline_file(page):
    assert remote_resources(page) == []
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "plotly" not in page.lower()
    size = len(page.encode())
    assert size < 500_000, f"explorer.html is {size:,} bytes"
    print(f"explorer.html: {size:,} bytes")


def test_the_page_holds_the_data_and_scripts_and_keeps_the_warnings_in_sight(page):
    parsed = parse(page)
    (data,) = [text for attrs, text in parsed.scripts if attrs.get("id") == "lowback-data"]
    assert json.loads(data) == json.loads(json.dumps(explorer_data(default_assessor())))
    code = "".join(text for attrs, text in parsed.scripts if "type" not in attrs)
    assert "window.lowbackAssess" in code and "innerHTML" not in code
    shown = " ".join(" ".join(parsed.text).split())
    assert DISCLAIMER in shown and GATE_SCOPE in shown


def test_every_input_has_a_label_and_the_answer_is_announced(page):
    parsed = parse(page)
    ids = [i["id"] for i in parsed.inputs]
    signs = [i["value"] for i in parsed.inputs if i.get("name") == "sign"]
    assert signs and sorted(signs) == sorted(default_assessor().signs)
    assert set(ids) <= set(parsed.label_for), set(ids) - set(parsed.label_for)
    assert re.search(r'<section id="answer" aria-live="polite"', page)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, two: str) -> float:
    high, low = sorted([_luminance(one), _luminance(two)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_is_large_and_dark_enough_on_every_background(page):
    css = page[page.index("<style>") : page.index("</style>")]
    assert re.search(r"html \{ font-size: 18px; \}", css)
    sizes = [float(s) for s in re.findall(r"font-size:\s*([\d.]+)rem", css)]
    assert sizes and min(sizes) >= 1.0
    for level, colour in TRIAGE_COLOURS.items():
        assert f"--level-{level}: {colour};" in css
        # The badge's text is black on the level's colour.
        assert _contrast("#000000", colour) >= 4.5, level
    for text in set(re.findall(r"\bcolor:\s*(#[0-9A-Fa-f]{6})", css)):
        assert _contrast(text, "#ffffff") >= 4.5, text
        assert _contrast(text, "#f2f2f2") >= 4.5, text


def test_data_json_cannot_end_its_script():
    text = data_json({"label": f"{XSS} & \u2028", "n": 1})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"label": f"{XSS} & \u2028", "n": 1}


@pytest.fixture(scope="module")
def hostile_assessor(tmp_path_factory):
    """The shipped records with a script appended to every sign's label and rule's note."""
    data = tmp_path_factory.mktemp("hostile-explorer") / "data"
    shutil.copytree(config.DATA_DIR, data, ignore=shutil.ignore_patterns("README.md"))
    for name, column in (("entities", "label"), ("triage", "note")):
        path = data / "records" / f"{name}.csv"
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        filled = table[column] != ""
        table.loc[filled, column] += f" {XSS}"
        table.to_csv(path, index=False, lineterminator="\n")
    kb = load_knowledge_base(data, warn_missing=False)
    cohort = simulate(kb, 3_000, random_state=0)
    return Assessor(kb, fit_tree(kb, cohort, random_state=0), 40)


def test_a_record_holding_a_script_stays_text(hostile_assessor):
    page = explorer_page(hostile_assessor)
    parsed = parse(page)
    assert len(parsed.scripts) == 3, "a record's text became a script"
    labels = [s["label"] for s in explorer_data(hostile_assessor)["signs"]]
    assert all(label.endswith(XSS) for label in labels)
    shown = "".join(parsed.text)
    assert all(label in shown for label in labels)  # the checkboxes' labels, as text
    (data,) = [text for attrs, text in parsed.scripts if attrs.get("id") == "lowback-data"]
    assert "<" not in data and XSS in json.dumps(json.loads(data), ensure_ascii=False)


@pytest.mark.kernel
def test_a_report_build_writes_the_explorer_with_the_pages(tmp_path):
    path = write_notebook(tmp_path / "plain.ipynb", [v4.new_code_cell("print('plain')")])
    written = build_reports([path], tmp_path / "out", timeout=120, explorer=True)
    assert [p.name for p in written] == ["plain.html", "index.html", EXPLORER_FILE]
    assert written[-1].read_text(encoding="utf-8") == explorer_page(default_assessor())
    assert 'href="explorer.html"' in written[1].read_text(encoding="utf-8"), "the index links it"
    assert not build_reports([path], tmp_path / "none", timeout=120, index=False)[1:]
