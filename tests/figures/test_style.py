"""The palette: pain type colours from the records, one meaning per colour; escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lowback.figures import style
from lowback.study.rulebook import Rulebook


def test_the_shipped_pain_types_keep_their_colours_and_the_umbrella_its_grey(kb):
    assert style.pain_type_colours(kb) == {
        "muscle": "#E69F00",
        "bone": "#56B4E9",
        "disc": "#CC79A7",
        "low_back_pain": "#7F7F7F",
    }
    assert style.pain_type_colours(Rulebook.of(kb)) == style.pain_type_colours(kb)


def _pain_type_colours() -> set[str]:
    return {c.upper() for c in (*style.PAIN_TYPE_SEQUENCE, style.UMBRELLA_COLOUR)}


def test_the_pain_type_sequence_is_distinct():
    # That no other map holds one of them: tests/figures/test_palette.py.
    sequence = [c.upper() for c in style.PAIN_TYPE_SEQUENCE]
    assert len(set(sequence)) == len(sequence)
    assert style.UMBRELLA_COLOUR.upper() not in sequence


def test_no_figure_module_writes_a_pain_type_colour_of_its_own():
    # A pain type's colour comes from style.pain_type_colours only: a literal in a figure
    # module would colour something else like a pain type, or a pain type by its name.
    folder = Path(style.__file__).parent
    for module in sorted(folder.glob("*.py")):
        if module.name == "style.py":
            continue
        literals = {m.upper() for m in re.findall(r"#[0-9A-Fa-f]{6}\b", module.read_text())}
        assert not literals & _pain_type_colours(), module.name


def test_pain_types_in_keeps_the_study_s_order_and_refuses_strangers(kb):
    colours = style.pain_type_colours(kb)
    assert style.pain_types_in(["disc", "muscle", "bone"], colours) == ["muscle", "bone", "disc"]
    with pytest.raises(ValueError, match="spleen"):
        style.pain_types_in(["muscle", "spleen"], colours)


def test_record_text_is_escaped_and_wrapped():
    assert style.escape_wrapped("<b>" + "word " * 20, 30).count("<br>") >= 2
    assert "<b>" not in style.escape_wrapped("<b>bold</b>")
    assert style.escape_wrapped("") == ""


def test_quotes_hover_drops_repeats_and_counts_the_rest():
    hover = style.quotes_hover(["a", "a", "b", "c", "d", "e"])
    assert hover.count("“") == style.MAX_QUOTES_SHOWN
    assert hover.endswith("… and 2 more")


def test_record_text_reaches_plotly_without_tags_and_with_its_quotes_as_written():
    # plotly.js decodes &lt; &gt; &amp; and numeric entities, not &quot;: a straight quote in
    # a record ("Oh, my aching back!") must reach the figure as a quote.
    assert style.plain('"Oh, my aching back!" <b>&') == '"Oh, my aching back!" &lt;b&gt;&amp;'
    assert style.escape_wrapped('say "no" to <script>', 80) == 'say "no" to &lt;script&gt;'
