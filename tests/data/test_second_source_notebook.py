"""A second source added exactly as data/README.md describes runs through notebook 01.

A user registered a second source by the book and notebook 01 failed with a bare
AssertionError: it named the web article's source id and one of its claims, and stated
counts in its text. Here a made-up source (a raw text, a sources.csv row with every
column, passages tiling it, an entity, a claim, a skipped sentence) is added to a copy of
data/, and notebook 01 runs on that copy through its ``DATA_DIR`` parameter.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from lowback import config
from lowback.publish.execute import execute_and_convert, read_with_parameters
from lowback.publish.pages import count_figures, iter_outputs
from tests.conftest import append_record, run_cli

NOTEBOOK = config.NOTEBOOKS_DIR / "01-knowledge-base.ipynb"

#: The made-up source: an article passage of two sentences, then an off-topic line.
MADE_UP_ID = "hill_running_gazette"
PUBLISHER = "The Hill Running Gazette"
TITLE = "Hill repeats and the lower back, a made-up article for a test"
CLAIMED = "Hill repeats strain the lower back."
SKIPPED = "Stretch your hips after every hill session."
TEXT = f"{CLAIMED} {SKIPPED}\nSubscribe to the Gazette for more hill stories!\n"
CLAIM_ID = "gazette_c1"


def _span(quote: str) -> dict[str, int]:
    start = TEXT.index(quote)
    return {"start": start, "end": start + len(quote)}


def add_made_up_source(data: Path) -> None:
    """Add the made-up source to the data folder ``data`` as data/README.md describes it:
    the text under ``raw/``, its ``sources.csv`` row with every column, passages that tile
    it, an entity, a claim, and every on-topic sentence claimed or skipped."""
    path = "raw/hill-running-gazette.txt"
    (data / path).write_text(TEXT, encoding="utf-8")
    digest = hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    records = data / "records"
    append_record(
        records / "sources.csv",
        {
            "id": MADE_UP_ID,
            "path": path,
            "title": TITLE,
            "sha256": digest,
            "format": "text",
            "fetch": "",  # in the data folder, not fetched
            "collection": "hill_running_gazette",
            "publisher": PUBLISHER,
            "url": "",
            "dataset": "",
            "licence": "made up for a test",
            "text_sha256": digest,  # a plain UTF-8 text without a byte-order mark: the same
        },
    )
    cut = TEXT.index("Subscribe")
    for passage, start, end, topic, heading in (
        ("gazette_article", 0, cut, "article", ""),
        ("gazette_advert", cut, len(TEXT), "off_topic", "Advert"),
    ):
        row = {"id": passage, "source": MADE_UP_ID, "start": start, "end": end}
        append_record(records / "passages.csv", row | {"topic": topic, "heading": heading})
    append_record(
        records / "entities.csv",
        {
            "id": "hill_repeats",
            "kind": "risk_factor",
            "label": "Hill repeats",
            "description": "Running hill repeats.",
            "group": "overtraining",
        },
    )
    append_record(
        records / "claims.csv",
        {
            "id": CLAIM_ID,
            "source": MADE_UP_ID,
            "subject": "hill_repeats",
            "relation": "risk_factor_for",
            "object": "low_back_pain",
            "quote": CLAIMED,
            **_span(CLAIMED),
            "passage": "gazette_article",
            "modality": "states",
            "attributed": "article",
            "reading": "literal",
            "note": "",
        },
    )
    append_record(
        records / "skipped.csv",
        {
            "id": "gazette_s1",
            "source": MADE_UP_ID,
            "quote": SKIPPED,
            **_span(SKIPPED),
            "passage": "gazette_article",
            "reason": "framing: advice with no pain type",
        },
    )


def _outputs(nb) -> str:
    """Every output of an executed notebook as text: streams, text, HTML, Markdown and
    the figures' JSON."""
    found = []
    for _, _, output in iter_outputs(nb):
        found.append(output.get("text", ""))
        for value in output.get("data", {}).values():
            found.append(value if isinstance(value, str) else json.dumps(value))
    return "\n".join(found)


@pytest.mark.kernel
def test_notebook_01_runs_on_a_second_source_added_as_the_data_readme_says(data_copy: Path):
    add_made_up_source(data_copy)
    checked = run_cli("validate", str(data_copy))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("OK"), checked.stdout

    runs = [
        (NOTEBOOK, read_with_parameters(NOTEBOOK, {"DATA_DIR": str(data_copy)})),
        (NOTEBOOK, read_with_parameters(NOTEBOOK, {})),  # the shipped data
    ]
    (extended, _), (shipped, _) = execute_and_convert(
        runs, lambda nb, title: title, timeout=300, jobs=2
    )

    injected = [c for c in extended.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and str(data_copy) in injected[0].source
    for nb in (extended, shipped):
        assert not [o for _, _, o in iter_outputs(nb) if o.output_type == "error"]
    shown = _outputs(extended)
    for text in (PUBLISHER, TITLE, CLAIM_ID, CLAIMED):
        assert text in shown, f"{text!r} is not in notebook 01's outputs"
    assert PUBLISHER not in _outputs(shipped)
    # The same figures, each now with the made-up source in it (its facet, its strip).
    assert count_figures(extended) == count_figures(shipped) > 0
