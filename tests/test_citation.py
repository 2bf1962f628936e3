"""CITATION.cff is valid CFF 1.2.0 (the official schema, vendored) and says lowback's version."""

from __future__ import annotations

import copy
import datetime as dt
import json

import jsonschema
import pytest
import yaml

import lowback
from lowback import config

SCHEMA = json.loads((config.PROJECT_DIR / "tests/data/cff-1.2.0.schema.json").read_text("utf-8"))


def _citation() -> dict:
    text = (config.PROJECT_DIR / "CITATION.cff").read_text(encoding="utf-8")
    # The schema wants dates as strings ("cast YAML 'date' objects to string objects").
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


def _errors(citation: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(citation)]


def test_the_vendored_schema_is_the_cff_1_2_0_schema():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"] == "https://citation-file-format.github.io/1.2.0/schema"
    assert SCHEMA["required"] == ["authors", "cff-version", "message", "title"]


def test_citation_cff_is_valid_cff_1_2_0():
    assert _errors(_citation()) == []


def test_citation_cff_names_this_version_its_licence_and_its_sources():
    citation = _citation()
    assert citation["version"] == lowback.__version__
    assert citation["license"] == "MIT"
    dt.date.fromisoformat(citation["date-released"])
    assert citation["authors"] == [{"name": "the lowback authors"}]
    titles = [ref["title"] for ref in citation["references"]]
    assert any(t.startswith("Lower back pain in runners") for t in titles)
    assert "A Question-Entailment Approach to Question Answering" in titles
    medquad = next(r for r in citation["references"] if r["title"].startswith("MedQuAD"))
    assert medquad["commit"] == "577bd37b96c02d1833b2c9eed2de9f96964e96cb"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c.pop("message"), "'message' is a required property"),
        (lambda c: c.update({"cff-version": "1.1.0"}), "does not match"),
        (lambda c: c.update({"license": "MIT-ish"}), "is not valid under any"),
        (lambda c: c["references"][0].pop("type"), "'type' is a required property"),
    ],
)
def test_the_schema_rejects_a_broken_citation(change, expected):
    citation = copy.deepcopy(_citation())
    change(citation)
    assert any(expected in error for error in _errors(citation))
