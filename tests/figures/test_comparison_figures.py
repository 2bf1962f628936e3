"""Figures of the article against the NIH: counts, hovers, controls, captions, escaping.

They run on the made-up record set of ``tests/study/test_comparison.py`` (the shipped
article against a small reference collection), so every count is known; one test runs on
the shipped records with the NIH texts missing.
"""

from __future__ import annotations

import html
import re

import pytest

from lowback import load_knowledge_base
from lowback.data.fetch import DATA_DIR_ENV
from lowback.data.schema import VERDICTS
from lowback.figures import comparison as figures
from lowback.figures import source_captions, style
from lowback.study import comparison
from lowback.study.gate import GATE_SCOPE
from tests.conftest import require_every_source, shipped_kb
from tests.figures.test_caption_truth import unshown_numbers
from tests.figures.test_palette import colour_maps, neutral
from tests.study.test_comparison import (
    ESCAPED,
    MARKUP,
    REFERENCE,
    REFERENCE_CLAIMS,
    REFERENCE_PUBLISHER,
    reference_data,
)

MD_LINK = "[click](javascript:alert(3))"


def plain(text: str) -> str:
    """Hover or cell text as a reader sees it: line breaks and tags gone, entities read,
    runs of white space as one space."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def said(quote: str) -> str:
    return " ".join(quote.split())


def strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


@pytest.fixture(scope="module")
def reference_kb(tmp_path_factory):
    """The made-up records: the shipped article against a small reference collection."""
    return load_knowledge_base(reference_data(tmp_path_factory.mktemp("reference") / "data"))


@pytest.fixture(scope="module")
def article_only(reference_kb):
    """The same records without the reference: as when the NIH texts are missing."""
    return reference_kb.restricted_to([reference_kb.sources["id"].iloc[0]])


@pytest.fixture(scope="module")
def weighed(reference_kb):
    return comparison.weighed_claims(reference_kb).set_index("id")


# ---------------------------------------------------------------------------------------------
# The verdict colours
# ---------------------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_each_verdict_has_its_own_colour_and_readable_text_on_it():
    assert list(style.VERDICT_COLOURS) == list(VERDICTS) == list(style.VERDICT_TEXT_COLOURS)
    verdicts = [c.upper() for c in style.VERDICT_COLOURS.values()]
    assert len(set(verdicts)) == len(verdicts)
    others = {
        c
        for name, colours in colour_maps().items()
        if name != "VERDICT_COLOURS"
        for c in colours.values()
    }
    # White (silent: an empty mark) is a neutral, as elsewhere: no category.
    chromatic = {c for c in verdicts if not neutral(c)}
    assert len(chromatic) == len(verdicts) - 1
    assert not chromatic & others, "a verdict's colour has another meaning"
    for verdict, fill in style.VERDICT_COLOURS.items():
        light, dark = sorted((_luminance(fill), _luminance(style.VERDICT_TEXT_COLOURS[verdict])))
        assert (dark + 0.05) / (light + 0.05) >= 4.5, verdict  # WCAG AA for normal text


# ---------------------------------------------------------------------------------------------
# Verdicts by topic
# ---------------------------------------------------------------------------------------------


def test_verdict_bars_show_the_table_s_counts(reference_kb):
    fig = figures.verdict_bars(reference_kb)
    counts = comparison.verdict_counts(reference_kb)
    assert [t.name.split(" (")[0] for t in fig.data] == [figures.words(v) for v in VERDICTS]
    for trace, verdict in zip(fig.data, VERDICTS, strict=True):
        assert list(trace.x) == counts[verdict].tolist()
        assert trace.name.endswith(f"({counts[verdict].sum()})")
        assert trace.marker.color == style.VERDICT_COLOURS[verdict]
    ticks = list(fig.data[0].y)
    totals = counts.sum(axis=1)
    assert ticks == [f"{figures.words(t)} ({totals[t]})" for t in counts.index]
    total = len(reference_kb.comparisons)
    assert f"{total} comparisons" in fig.layout.title.text


def test_verdict_bars_dropdown_shows_one_verdict_or_all(reference_kb):
    fig = figures.verdict_bars(reference_kb)
    buttons = fig.layout.updatemenus[0].buttons
    assert len(buttons) == len(VERDICTS) + 1
    assert buttons[0].args[0]["visible"] == [True] * len(VERDICTS)
    assert buttons[0].label == f"all verdicts ({len(reference_kb.comparisons)})"
    for i, button in enumerate(buttons[1:]):
        visible = button.args[0]["visible"]
        assert visible == [j == i for j in range(len(VERDICTS))]
        assert button.label == fig.data[i].name  # the verdict and its count


def test_a_bar_s_hover_lists_its_comparisons(reference_kb, weighed):
    fig = figures.verdict_bars(reference_kb)
    agrees = fig.data[VERDICTS.index("agrees")]
    topics = [t.rsplit(" (", 1)[0] for t in agrees.y]
    age = agrees.customdata[topics.index("age")]
    expected = weighed[(weighed["topic"] == "age") & (weighed["verdict"] == "agrees")].index
    assert plain(age[1]) == ", ".join(expected)


# ---------------------------------------------------------------------------------------------
# Claim by claim
# ---------------------------------------------------------------------------------------------


def _marks(fig) -> list[tuple[int, str, str]]:
    """Every mark: (trace index, comparison id, hover text)."""
    return [
        (i, cid, hover)
        for i, trace in enumerate(fig.data)
        for cid, hover in zip(trace.customdata, trace.hovertext, strict=True)
    ]


def test_one_mark_per_comparison_in_its_verdict_s_colour(reference_kb, weighed):
    fig = figures.claim_marks(reference_kb)
    marks = _marks(fig)
    assert sorted(cid for _, cid, _ in marks) == sorted(weighed.index)
    for i, cid, _ in marks:
        verdict = str(weighed.loc[cid, "verdict"])
        assert fig.data[i].marker.color == style.VERDICT_COLOURS[verdict]
        assert fig.data[i].legendgroup == verdict
        x = fig.data[i].x[list(fig.data[i].customdata).index(cid)]
        assert round(x) == VERDICTS.index(verdict)  # in its verdict's column
    legend = [t.name for t in fig.data if t.showlegend]
    per_verdict = weighed["verdict"].astype(str).value_counts()
    assert sorted(legend) == sorted(f"{figures.words(v)} ({n})" for v, n in per_verdict.items())


def test_every_hover_shows_both_quotes_and_a_silent_one_no_other_quote(reference_kb, weighed):
    fig = figures.claim_marks(reference_kb)
    reference_quotes = [said(c[4]) for c in REFERENCE_CLAIMS]
    for _, cid, hover in _marks(fig):
        row = weighed.loc[cid]
        shown = plain(hover)
        assert said(row["claim_quote"]) in shown, cid
        assert said(row["note"]) in shown, cid
        if row["verdict"] == "silent":
            assert "silent, no claim addresses it" in shown
            assert not [q for q in reference_quotes if q in shown], cid
            assert REFERENCE_PUBLISHER in shown  # who is silent
        else:
            assert said(row["other_quote"]) in shown, cid
            assert f"{REFERENCE_PUBLISHER} ({row['other']}," in shown


def test_each_topic_button_shows_that_topic_s_marks_only(reference_kb, weighed):
    fig = figures.claim_marks(reference_kb)
    topic_of = weighed["topic"].astype(str)
    buttons = fig.layout.updatemenus[0].buttons
    assert buttons[0].args[0]["visible"] == [True] * len(fig.data)
    assert buttons[0].label == f"all topics ({len(weighed)})"
    topics = list(dict.fromkeys(topic_of))
    assert [b.label.rsplit(" (", 1)[0] for b in buttons[1:]] == [figures.words(t) for t in topics]
    for topic, button in zip(topics, buttons[1:], strict=True):
        shown = [t for t, v in zip(fig.data, button.args[0]["visible"], strict=True) if v]
        ids = [cid for trace in shown for cid in trace.customdata]
        assert sorted(ids) == sorted(topic_of[topic_of == topic].index), topic
        assert button.label == f"{figures.words(topic)} ({len(ids)})"
        low, high = sorted(button.args[1]["yaxis.range"])
        assert all(low < y < high for trace in shown for y in trace.y)  # zoomed to it


# ---------------------------------------------------------------------------------------------
# The warning signs
# ---------------------------------------------------------------------------------------------


def _rows(values: list[list[str]]) -> dict[str, list[str]]:
    """A table's cells, by the sign's label (first column)."""
    return {plain(label): [plain(v[i]) for v in values[1:]] for i, label in enumerate(values[0])}


def test_the_warning_signs_table_shows_each_side_s_level_and_sentence(reference_kb):
    fig = figures.warning_signs_table(reference_kb)
    signs = comparison.warning_signs(reference_kb)
    rows = _rows(fig.data[0].cells.values)
    assert len(rows) == signs["sign"].nunique()
    toes = rows[reference_kb.label("pain_radiates_to_toes")]
    assert toes[0].startswith("URGENT (inferred, t11; also see doctor, t04)")
    assert toes[0].endswith("— The web article")
    assert toes[1] == (
        f"SEE DOCTOR (literal, tr02) “See your doctor if pain spreads down to your toes.” "
        f"— {REFERENCE_PUBLISHER}"
    )
    fall = rows[reference_kb.label("pain_after_fall")]
    assert fall[0] == figures.NOT_NAMED and fall[1].startswith("SEE DOCTOR (literal, tr01)")
    header = [plain(h) for h in fig.data[0].header.values]
    assert header[1] == "The web article says (4 urgent, 3 see doctor)"
    assert header[2] == f"{REFERENCE_PUBLISHER} says (2 see doctor)"


def test_the_warning_signs_dropdown_shows_the_right_signs(reference_kb):
    fig = figures.warning_signs_table(reference_kb)
    signs = comparison.warning_signs(reference_kb)
    named = signs[signs["named"]].groupby("sign")["collection"].agg(set)
    label = {s: reference_kb.label(s) for s in signs["sign"]}
    expected = {
        "every sign": set(named.index),
        "named by both": {s for s, by in named.items() if len(by) == 2},
        "only the web article": {s for s, by in named.items() if by == {"web_article"}},
        f"only {REFERENCE_PUBLISHER}": {s for s, by in named.items() if by == {REFERENCE}},
        "weighed against a sign of the other side": set(),  # no pair in the made-up records
    }
    assert expected["named by both"] == {"pain_radiates_to_toes"}
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label.rsplit(" (", 1)[0] for b in buttons] == list(expected)
    for button in buttons:
        chosen = expected[button.label.rsplit(" (", 1)[0]]
        values = button.args[0]["cells.values"][0]
        assert set(_rows(values)) == {label[s] for s in chosen}, button.label
        assert button.label.endswith(f"({len(chosen)})")
        fills = button.args[0]["cells.fill.color"][0]
        assert [len(column) for column in fills] == [len(column) for column in values]


def test_the_warning_signs_say_education_not_diagnosis_and_the_gate_s_scope(reference_kb):
    fig = figures.warning_signs_table(reference_kb)
    shown = plain(" ".join(a.text for a in fig.layout.annotations))
    assert "Education, not diagnosis." in shown and said(GATE_SCOPE) in shown
    caption = source_captions.comparison_signs(reference_kb)
    assert "**Education, not diagnosis.**" in caption and GATE_SCOPE in html.unescape(caption)


def test_a_side_that_never_names_a_sign_says_what_it_was_weighed_against(tmp_path):
    # A comparison pairing the article's pain to the toes with the reference's fall.
    data = reference_data(tmp_path / "data")
    path = data / "records" / "comparisons.csv"
    text = path.read_text(encoding="utf-8")
    toes = next(line for line in text.splitlines() if ",r005,differs," in line)
    path.write_text(text.replace(toes, toes.replace(",r005,differs,", ",r004,agrees,")))
    kb = load_knowledge_base(data)
    pairs = comparison.paired_signs(kb)
    assert set(zip(pairs["sign"], pairs["paired_sign"], strict=True)) == {
        ("pain_radiates_to_toes", "pain_after_fall"),
        ("pain_after_fall", "pain_radiates_to_toes"),
    }
    rows = _rows(figures.warning_signs_table(kb).data[0].cells.values)
    fall = rows[kb.label("pain_after_fall")][0]
    assert fall.startswith(figures.NOT_NAMED)
    assert "weighed against its “Pain radiating to the toes”: agrees" in fall


# ---------------------------------------------------------------------------------------------
# What only the other side says
# ---------------------------------------------------------------------------------------------


def test_other_only_marks_show_each_claim_once_by_kind_with_its_quote(reference_kb):
    fig = figures.other_only_marks(reference_kb)
    only = comparison.nih_only_claims(reference_kb)
    assert sum(len(t.x) for t in fig.data) == len(only)
    for trace in fig.data:
        kind = trace.name.replace(" ", "_")
        assert len(trace.x) == (only["kind"] == kind).sum()
        # One colour for every mark: the row names the kind, and kind colours are shared
        # (cause and red flag, diagnostic and prevention) where they mean one thing.
        assert trace.marker.color == style.NEUTRAL_COLOUR
    hovers = " ".join(plain(h) for t in fig.data for h in t.hovertext)
    for quote in only["quote"]:
        assert said(quote) in hovers
    total = len(comparison.other_side_claims(reference_kb))
    assert f"{len(only)} of their {total} claims" in fig.layout.title.text


def test_other_only_dropdown_shows_one_publisher_or_all(reference_kb):
    fig = figures.other_only_marks(reference_kb)
    only = comparison.nih_only_claims(reference_kb)
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == [
        f"all publishers ({len(only)})",
        f"{REFERENCE_PUBLISHER} ({len(only)})",
    ]
    for button in buttons:
        restyle, relayout = button.args
        assert sum(len(x) for x in restyle["x"]) == len(only)
        assert [len(x) for x in restyle["x"]] == [len(h) for h in restyle["hovertext"]]
        assert relayout["yaxis.ticktext"] == list(fig.layout.yaxis.ticktext)
        assert f": {len(only)} of their " in relayout["title.text"]
    assert "only)" in buttons[1].args[1]["title.text"]
    assert buttons[0].args[1]["title.text"] == fig.layout.title.text


# ---------------------------------------------------------------------------------------------
# Captions: the figures' numbers, nothing more
# ---------------------------------------------------------------------------------------------


def test_each_caption_states_only_numbers_its_figure_shows(reference_kb):
    for caption, figure in (
        (source_captions.comparison_verdicts, figures.verdict_bars),
        (source_captions.comparison_marks, figures.claim_marks),
        (source_captions.comparison_signs, figures.warning_signs_table),
        (source_captions.comparison_only, figures.other_only_marks),
    ):
        text = caption(reference_kb)
        assert not unshown_numbers(text, figure(reference_kb), data=False), caption.__name__


def test_the_captions_numbers_are_the_data_s(reference_kb, weighed):
    verdicts = weighed["verdict"].astype(str).value_counts()
    text = source_captions.comparison_verdicts(reference_kb)
    claims = weighed["claim"].nunique()
    assert f"{len(weighed)} comparisons of {claims} claims of the web article" in text
    assert f"{verdicts['agrees']} agreeing" in text and f"{verdicts['silent']} silent" in text
    assert f"{verdicts['differs']} differing" in text
    assert "Risk factors has the most comparisons" in text
    marks = source_captions.comparison_marks(reference_kb)
    assert f"The {verdicts['silent']} silent marks" in marks
    assert f"The {verdicts['differs']} differing comparisons are about: when to see a doctor." in (
        marks
    )
    signs = source_captions.comparison_signs(reference_kb)
    assert "1 named by both sides; 6 only by the web article; 1 only by Reference Press." in signs
    only = source_captions.comparison_only(reference_kb)
    assert only.startswith(f"*Figure 4.* 3 of the {len(REFERENCE_CLAIMS)} claims")
    assert "The most are about a red flag (2)" in only
    care = source_captions.comparison_care(reference_kb)
    assert "3 are inferred" in care and "0 more are hedged" in care
    status = source_captions.comparison_status(reference_kb)
    assert status == (
        f"{len(weighed)} comparisons weigh {claims} claims of the web article against the "
        f"{len(REFERENCE_CLAIMS)} claims of {REFERENCE_PUBLISHER} (1 texts)."
    )


# ---------------------------------------------------------------------------------------------
# Record text is shown as text
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_kb(tmp_path_factory):
    """The made-up records with a publisher whose name holds markup and a Markdown link."""
    target = tmp_path_factory.mktemp("hostile") / "data"
    return load_knowledge_base(reference_data(target, f"Press {MARKUP} {MD_LINK}"))


def test_record_markup_reaches_no_figure_unescaped(hostile_kb):
    for name in ("verdict_bars", "claim_marks", "warning_signs_table", "other_only_marks"):
        shown = strings(getattr(figures, name)(hostile_kb).to_plotly_json())
        live = [s for s in shown if re.search(r"<(img|script)", s, re.IGNORECASE)]
        assert not live, f"{name}: {live[:2]}"
        assert any(ESCAPED in s or "&lt;img" in s for s in shown), f"{name} shows no record text"


def test_captions_show_record_markup_and_markdown_links_as_text(hostile_kb):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from tests.security.test_security import assert_shown_as_text

    for caption in (
        source_captions.comparison_status,
        source_captions.comparison_verdicts,
        source_captions.comparison_marks,
        source_captions.comparison_signs,
        source_captions.comparison_only,
        source_captions.comparison_care,
    ):
        page = markdown2html_mistune(caption(hostile_kb))
        assert "<a " not in page, caption.__name__  # the link is text, not a link
        assert_shown_as_text(page, f"Press {MARKUP} {MD_LINK}")


# ---------------------------------------------------------------------------------------------
# No comparison: the NIH texts missing
# ---------------------------------------------------------------------------------------------


def test_without_the_other_side_no_figure_is_drawn(article_only):
    for name in ("verdict_bars", "claim_marks", "warning_signs_table", "other_only_marks"):
        with pytest.raises(ValueError, match="no comparison"):
            getattr(figures, name)(article_only)
    assert source_captions.comparison_status(article_only).startswith(
        "**No comparison is recorded**"
    )


def test_with_the_nih_texts_missing_the_status_names_each_and_how_to_fetch_it(
    tmp_path, monkeypatch
):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))  # an empty folder: nothing fetched
    kb = load_knowledge_base()
    assert kb.missing and kb.comparisons.empty
    status = source_captions.comparison_status(kb)
    assert "\n" not in status  # one line
    assert html.unescape(status.replace("&#96;", "`")) == (
        "**Not on this machine, so no comparison is shown:** "
        + "; ".join(str(m) for m in kb.missing)
        + "."
    )


# ---------------------------------------------------------------------------------------------
# The shipped records (no counts: they are being curated)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    require_every_source("the shipped comparisons' figures")
    return shipped_kb()


def test_the_shipped_figures_count_what_their_tables_hold(shipped):
    table = comparison.weighed_claims(shipped)
    marks = figures.claim_marks(shipped)
    assert sum(len(t.x) for t in marks.data) == len(table)
    bars = figures.verdict_bars(shipped)
    assert sum(sum(t.x) for t in bars.data) == len(table)
    only = figures.other_only_marks(shipped)
    for button in only.layout.updatemenus[0].buttons:
        count = int(button.label.rsplit("(", 1)[1].rstrip(")"))
        assert sum(len(x) for x in button.args[0]["x"]) == count, button.label
    signs = figures.warning_signs_table(shipped)
    assert len(signs.data[0].cells.values[0]) == comparison.warning_signs(shipped)["sign"].nunique()
    for caption, figure in (
        (source_captions.comparison_verdicts, bars),
        (source_captions.comparison_marks, marks),
        (source_captions.comparison_signs, signs),
        (source_captions.comparison_only, only),
    ):
        assert not unshown_numbers(caption(shipped), figure, data=False), caption.__name__
