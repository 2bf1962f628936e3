"""Captions: record text is shown as text, and every number a caption states is one its
figure shows."""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pandas as pd
import pytest

from lowback.figures import captions, classifier, source_captions
from lowback.figures import risk as risk_figures
from lowback.study import risk
from lowback.study.assumptions import load_assumptions
from lowback.study.cohort import simulate
from tests.figures.conftest import ESCAPED

# A number as a caption writes it: 1.21, 60%, 95 %, 20,000; not the digits of an id or a
# name (c091, F1, macro_f1), and not the figure's own number (*Figure 3.*).
NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(\s?%)?(?![\w])")
FIGURE_NUMBER = re.compile(r"\*Figure \d+\.\*")


def numbers_in(text: str) -> list[tuple[str, float, int, bool]]:
    """(as written, value, decimals, is a percentage) for each number in ``text``."""
    found = []
    for match in NUMBER.finditer(FIGURE_NUMBER.sub("", text)):
        written, percent = match.group(1), bool(match.group(2))
        decimals = len(written.split(".")[1]) if "." in written else 0
        found.append(
            (written + ("%" if percent else ""), float(written.replace(",", "")), decimals, percent)
        )
    return found


def _figure_values(value, strings: list[str], floats: list[float]) -> None:
    if isinstance(value, str):
        strings.append(value)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        if math.isfinite(value):
            floats.append(float(value))
    elif isinstance(value, dict) and "bdata" in value:  # plotly's typed array: base64
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        _figure_values(data.astype(float).tolist(), strings, floats)
    elif isinstance(value, dict):
        for v in value.values():
            _figure_values(v, strings, floats)
    elif isinstance(value, list | tuple):
        for v in value:
            _figure_values(v, strings, floats)
    elif hasattr(value, "tolist"):  # numpy arrays in the figure's JSON
        _figure_values(value.tolist(), strings, floats)


def numbers_not_shown(caption: str, fig) -> list[str]:
    """The numbers of ``caption`` that ``fig`` shows nowhere: neither written in one of
    its texts (titles, notes, tick labels, hovers, every dropdown state) nor, at the
    caption's precision, as a value it plots."""
    strings, floats = [], []
    _figure_values(fig.to_plotly_json(), strings, floats)
    written = {w for s in strings for w, *_ in numbers_in(s.replace(" %", "%"))}
    missing = []
    for as_written, value, decimals, percent in numbers_in(caption):
        if as_written.replace(" %", "%") in written:
            continue
        scale = 100 if percent else 1
        tolerance = 0.5 * 10**-decimals + 1e-9
        if not any(abs(v * scale - value) <= tolerance for v in floats):
            missing.append(as_written)
    return missing


def test_the_number_reader_skips_ids_names_and_the_figure_number():
    text = "*Figure 5.* c091 and F1 (`macro_f1`) at 40%, 95 % of 20,000: 1.21, x 6 over 65."
    assert [w for w, *_ in numbers_in(text)] == ["40%", "95%", "20,000", "1.21", "6", "65"]


def test_record_text_with_markup_is_escaped_in_captions(kb_with_markup):
    text = captions.risk_evidence(kb_with_markup) + captions.risk_prevention(kb_with_markup)
    assert "<img" not in text
    assert ESCAPED in text


@pytest.fixture(scope="module")
def assumptions(kb):
    return load_assumptions(kb)


@pytest.fixture(scope="module")
def cohort(kb, assumptions):
    return simulate(kb, 5_000, assumptions=assumptions, random_state=4)


@pytest.fixture(scope="module")
def effects(kb, cohort):
    return risk.relative_risks(kb, cohort, n_resamples=50, random_state=0)


NAMED = ["older_age", "poor_posture", "weak_core", "overuse"]


def test_the_effects_caption_states_what_went_in_and_came_out_as_the_figure_shows(
    kb, cohort, effects, assumptions
):
    fig = risk_figures.forest_plot(effects, kb, cohort=cohort, assumptions=assumptions)
    text = captions.risk_effects(effects, kb, assumptions=assumptions, cohort=cohort)
    assert numbers_not_shown(text, fig) == []
    assert "assumed odds ratio" in text and "simulated relative risk" in text
    assert "simulation noise" in text and "say nothing about real runners" in text
    for factor in risk.contested_factors(kb).index:
        assert kb.label(factor).lower() in text
    any_pain = effects[effects["outcome"] == risk.ANY_PAIN].set_index("risk_factor")
    top = any_pain["relative_risk"].idxmax()
    assert f"{any_pain.loc[top, 'relative_risk']:.2f} for {kb.label(top).lower()}" in text
    assert f"assumed odds ratio of {assumptions.risk_factors[top][1]:g}" in text
    # Without the assumptions, neither the figure nor its caption states an odds ratio.
    bare = captions.risk_effects(effects, kb)
    assert "odds ratio" not in bare
    assert numbers_not_shown(bare, risk_figures.forest_plot(effects, kb)) == []


def test_the_families_caption_states_what_the_spotlight_shows(kb, effects, assumptions):
    fig = risk_figures.risk_factor_spotlight(effects, kb, assumptions=assumptions)
    text = captions.risk_families(effects, kb, NAMED, assumptions=assumptions)
    assert numbers_not_shown(text, fig) == []
    assert "in: odds ratio 1.8" in text  # weak core's, as its label in the figure says
    assert "simulation noise" in text
    # The overtraining family (overuse's) holds a contested factor: named, as marked.
    assert "repeated strain and impact" in text and "contested" in text
    bare = captions.risk_families(effects, kb, NAMED)
    assert numbers_not_shown(bare, risk_figures.risk_factor_spotlight(effects, kb)) == []


def test_a_caption_number_the_figure_does_not_show_is_caught(kb, effects, assumptions):
    fig = risk_figures.risk_factor_spotlight(effects, kb, assumptions=assumptions)
    assert numbers_not_shown("*Figure 4.* A relative risk of 7.77 at 99%.", fig) == [
        "7.77",
        "99%",
    ]


def _sweep(tree_f1: float, rulebook_f1: float) -> pd.DataFrame:
    rows = []
    for level, tree, rulebook in ((0.0, 0.85, 0.79), (0.2, 0.74, 0.6), (0.4, 0.62, 0.39)):
        for model, accuracy, f1 in (("tree", tree, tree_f1), ("rulebook", rulebook, rulebook_f1)):
            rows.append(
                {
                    "misreport": level,
                    "model": model,
                    "accuracy": accuracy,
                    "accuracy_sd": 0.01,
                    "macro_f1": f1,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("tree_f1", [0.29, 0.45], ids=["tree-f1-below", "tree-f1-above"])
def test_the_noise_sweep_caption_states_only_the_accuracy_the_figure_plots(tree_f1):
    sweep = _sweep(tree_f1, 0.32)
    fig = classifier.noise_sweep_figure(sweep)
    text = captions.noise_sweep(sweep)
    assert numbers_not_shown(text, fig) == []
    assert "0.29" not in text and "0.32" not in text  # macro F1: not plotted
    if tree_f1 < 0.32:
        assert "plots accuracy only" in text and "cross-validation table" in text
    else:
        assert "macro F1" not in text


def test_the_depth_caption_names_the_choice_and_what_it_gives_up():
    from tests.figures.test_depth_figure import CURVE

    text = captions.depth_choice(CURVE, 3, readable=2)
    assert "Depth 3 is the simplest tree within one standard error of the best: 8 leaves" in text
    assert "a depth-2 tree (4 leaves)" in text and "0.700" in text
    assert "depth-2" not in captions.depth_choice(CURVE, 2, readable=2)  # nothing given up


def test_the_audit_caption_counts_what_the_audit_found():
    import pandas as pd

    table = pd.DataFrame(
        {
            "profile": [("a",), ("a",), ("b",), ("a", "b")],
            "age": [40, 70, 40, 40],
            "kind": ["agrees", "abstains", "tree_where_rulebook_silent", "agrees"],
            "article_type": ["muscle", "muscle", "disc", ""],
            "pain_type": ["muscle", "undetermined", "bone", "disc"],
        }
    )
    text = captions.audit_summary(table)
    assert "3 profiles" in text and "at ages 40 and 70: 4 assessments" in text
    assert "2 agree" in text and "1 name no type" in text and "0 go against it" in text
    assert "Where all the signs of a profile point to one type, 1 of the assessments" in text


# ---------------------------------------------------------------------------------------------
# Notebook 01: the sources and their records, one source or several
# ---------------------------------------------------------------------------------------------


@pytest.fixture(params=["shipped", "second source", "one collection"])
def records(request, kb, kb_two):
    """The knowledge base three ways: as shipped, with a made-up second collection, and
    of one collection alone (no source menu)."""
    if request.param == "one collection":
        sources = kb.sources
        first = sources["collection"] == sources["collection"].iloc[0]
        return kb.restricted_to(sources.loc[first, "id"])
    return kb if request.param == "shipped" else kb_two


def test_notebook_01_captions_state_only_numbers_their_figures_show(records):
    from lowback.figures import knowledge

    strips = knowledge.material_map(records)
    shown = {
        "off_topic_share": (source_captions.off_topic_share(records), strips),
        "sentences_covered": (source_captions.sentences_covered(records), strips),
        "entities_by_kind": (
            source_captions.entities_by_kind(records),
            knowledge.records_by_kind(records),
        ),
        "claims_count": (source_captions.claims_count(records), knowledge.evidence_table(records)),
    }
    for name, (text, fig) in shown.items():
        assert numbers_in(text), name
        assert numbers_not_shown(text, fig) == [], (name, text)
    # A number the figures do not show is caught: the check can fail.
    assert numbers_not_shown("*Figure 1.* 99,999 characters.", strips) == ["99,999"]


def test_the_readings_caption_states_the_numbers_of_its_table(records):
    from lowback.figures import knowledge

    table = knowledge.claim_readings(records)
    text = source_captions.claim_readings_summary(records)
    values = set(table.to_numpy().ravel().tolist())
    stated = numbers_in(text.replace("*Table 1.*", ""))
    assert stated and [w for w, v, *_ in stated if v not in values] == []
    for publisher in dict.fromkeys(table.index.get_level_values("publisher")):
        rows = table.loc[publisher]
        total = rows.loc["all"] if "all" in rows.index else rows.iloc[0]
        hedged = f"{publisher}: {total['hedges'] or 'none'} of its {total['claims']} claim"
        assert hedged in text, (hedged, text)


def test_notebook_01_captions_say_what_the_records_hold(records):
    from lowback.data.coverage import sentence_coverage
    from lowback.figures import knowledge

    summary = knowledge.source_summary(records, sentence_coverage(records))
    off = source_captions.off_topic_share(records)
    for row in summary[summary["off_topic"] > 0].itertuples():
        share = knowledge.percent(row.off_topic)
        assert f"{share} of its {row.characters:,} characters are off topic" in off
    assert off.endswith("No claim may quote an off-topic passage.")
    covered = source_captions.sentences_covered(records)
    assert covered.startswith("Every on-topic sentence is backed by a claim or skipped")
    for row in summary.itertuples():
        assert f"{row.claim} of its {row.sentences} on-topic sentences" in covered
    counts = records.entities["kind"].value_counts()
    largest = f"{counts.max()}" + (" each" if (counts == counts.max()).sum() > 1 else "")
    assert f"({largest} of {len(records.entities)} entities)" in source_captions.entities_by_kind(
        records
    )
    total = source_captions.claims_count(records)
    assert total.startswith(f"*Figure 3.* {len(records.claims):,} claims")
    several = len(knowledge.source_views(records)) > 1
    assert ("The menus show" in total) is several and ("the dropdown shows" in total) is not several


def test_the_made_up_source_is_named_in_the_captions_with_its_numbers(kb_two):
    from tests.data.test_second_source_notebook import PUBLISHER

    covered = source_captions.sentences_covered(kb_two)
    assert f"- {PUBLISHER}: 1 of its 2 on-topic sentences backed by claims, 1 skipped." in covered
    readings = source_captions.claim_readings_summary(kb_two)
    assert f"{PUBLISHER}: none of its 1 claim is hedged and none is a recommendation." in readings
    assert f"1 of the {PUBLISHER[4:]}" in source_captions.claims_count(kb_two)  # "the Hill ..."
    # Its claim names a risk factor and a pain type: a tie, both named.
    tie = "pain types and risk factors (1 each of 2 entities)"
    assert f"in the records of the {PUBLISHER[4:]}, {tie}" in (
        source_captions.entities_by_kind(kb_two)
    )


def test_each_missing_source_is_one_line_saying_how_to_fetch_it(kb, monkeypatch, tmp_path):
    from lowback import load_knowledge_base
    from lowback.data.fetch import DATA_DIR_ENV
    from lowback.data.records import MissingSourceWarning

    assert len(source_captions.missing_sources(kb).splitlines()) == len(kb.missing)  # "" for none
    if not (kb.sources["fetch"] != "").any() and not kb.missing:
        pytest.skip("no fetched source in these records")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))  # a cache that holds none of them
    with pytest.warns(MissingSourceWarning):
        bare = load_knowledge_base()
    lines = source_captions.missing_sources(bare).splitlines()
    assert len(lines) == len(bare.missing) > 0
    for line, source in zip(lines, bare.missing, strict=True):
        assert line.startswith("- **Not on this machine:** ")
        assert f"source '{source.id}' is missing" in line and "lowback sources fetch" in line


def test_notebook_01_captions_show_record_text_as_text(data_copy):
    from lowback import load_knowledge_base
    from tests.data.test_second_source_notebook import MADE_UP_ID, add_made_up_source

    add_made_up_source(data_copy)
    hostile = '<img src=x onerror="alert(1)"> [click](javascript:alert(3)) `code`'
    records = data_copy / "records"
    for name, column, row in (
        ("sources", "publisher", MADE_UP_ID),
        ("sources", "title", MADE_UP_ID),
        ("passages", "heading", "gazette_advert"),
    ):
        table = pd.read_csv(records / f"{name}.csv", dtype=str, keep_default_na=False)
        table.loc[table["id"] == row, column] = hostile
        table.to_csv(records / f"{name}.csv", index=False, lineterminator="\n")
    kb = load_knowledge_base(data_copy)
    shown = {
        name: getattr(source_captions, name)(kb)
        for name in (
            "off_topic_share",
            "entities_by_kind",
            "claim_readings_summary",
            "claims_count",
            "sentences_covered",
        )
    }
    for name, text in shown.items():
        assert "<img" not in text and "[click]" not in text and "`code`" not in text, name
        assert "&lt;img src=x" in text and "&#91;click&#93;" in text, name
