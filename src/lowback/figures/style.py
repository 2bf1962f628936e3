"""The study's one palette and the styling every figure shares.

Each colour means one thing across every figure and notebook:

* the **pain types** have theirs from the records (:func:`pain_type_colours`: orange,
  sky blue and reddish purple for muscle, bone and disc in the shipped records, then four
  more for later types; :data:`UMBRELLA_COLOUR`, a mid grey, for low back pain in
  general), and no other map holds one of them;
* **topics** of a source (:data:`TOPIC_COLOURS`), **sentence coverage**
  (:data:`COVERAGE_COLOURS`), **entity kinds** on the evidence flow (:data:`KIND_COLOURS`),
  **triage levels** (:data:`TRIAGE_COLOURS`), the two **classifiers**
  (:data:`CLASSIFIER_COLOURS`), the **record counts** (:data:`RECORD_COLOURS`) and the
  **verdicts** of a comparison (:data:`VERDICT_COLOURS`) each have named colours of their
  own, no value shared with any other map;
* greys, black and white (:data:`NEUTRAL_COLOURS`) mean "no category": text, outlines,
  reference lines, a link or band with no meaning of its own, *undetermined*, *off topic*,
  an empty cell. Counts and shares drawn as a colour ramp use :data:`MAGNITUDE_SCALE`,
  always with a colour bar or the number written in the cell.

There are more meanings (about twenty) than colours anyone tells apart, so across figures
two colours may look alike (the closest pair of different maps, the material's *article*
blue and the flow's *diagnostic* blue, is a CAM02-UCS ΔE of 7.4 apart in normal vision):
every figure names what its colours mean (a legend, a key, or the words in the cell), and
where a figure has more to tell apart than colour can carry it uses other means too: the
flow's columns and node labels give the kind, the audit's cells write the answer and the
triage level, the evidence table and warning signs write the level, the depth curve's
metrics differ by line style (solid, dotted), the forest plot's input is an open diamond.

How the palette was checked (``tests/figures/test_palette.py``): every pair of colours a
figure must tell apart (each map, and the maps one figure shows together: topics with
coverage, kinds with the pain types, the audit's answers with the triage levels) is
simulated under deuteranomaly, protanomaly and tritanomaly at full severity (Machado,
Oliveira and Fernandes 2009, through ``colorspacious``'s ``sRGB1+CVD`` space) and in
normal vision, and their distance taken as CIECAM02-UCS ΔE (``colorspacious.deltaE``,
Luo et al. 2006; about 1 is a just-noticeable difference). Each map keeps at least
:data:`MIN_DELTA_E` (10) between any two of its colours under every simulation, the pain
types' first three and their umbrella 10.9, except the full seven-colour pain sequence
(:data:`MIN_DELTA_E_PAIN_SEQUENCE`, 7; it is only reached with more than three pain
types, and the figures' legends name each type). Text and any colour behind text meet
WCAG 2.1's 4.5:1 contrast (:func:`contrast_ratio`, the WCAG relative-luminance formula),
the text on a fill chosen by :func:`text_colour_on` where it is not fixed.

Every text that comes from the records (labels, quotes) is HTML-escaped before it reaches
a figure (:func:`escape_wrapped`, :func:`quotes_hover`), so a record containing markup
shows as text. Every figure function attaches a one-paragraph summary of what it shows
(:func:`describe`), which the offline pages give as the figure's text alternative beside
its data as a table. The helpers here (title and fonts, tables, dropdown menus) are used
by the figure modules :mod:`~lowback.figures.knowledge`, :mod:`~lowback.figures.classifier`
and :mod:`~lowback.figures.risk`.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable, Mapping

import plotly.graph_objects as go

from lowback.data.records import KnowledgeBase
from lowback.study.risk import ANY_PAIN
from lowback.study.rulebook import Rulebook

#: The colours of the pain types, in the records' order of pain types (the subjects of
#: ``type_of`` claims, in entity order: muscle, bone, disc in the shipped records). The
#: first three are Okabe & Ito's (2008, "Color Universal Design") orange, sky blue and
#: reddish purple; the next four are Paul Tol's "muted" scheme's wine, indigo, green and
#: olive (Tol 2021, "Colour schemes", SRON/EPS/TN/09-002), none of which another map
#: below uses. An eighth pain type and later ones reuse the sequence from its start.
PAIN_TYPE_SEQUENCE: tuple[str, ...] = (
    "#E69F00",  # orange (Okabe & Ito)
    "#56B4E9",  # sky blue (Okabe & Ito)
    "#CC79A7",  # reddish purple (Okabe & Ito)
    "#882255",  # wine (Tol, muted)
    "#332288",  # indigo (Tol, muted)
    "#117733",  # green (Tol, muted)
    "#999933",  # olive (Tol, muted)
)
#: Low back pain in general (``low_back_pain``): the umbrella, not a type.
UMBRELLA_COLOUR = "#7F7F7F"  # grey

#: The topic of a passage (:func:`~lowback.figures.knowledge.material_map`): Nichols'
#: dark blue and Tol's muted teal; off-topic scraps in a light grey, no topic of the study.
TOPIC_COLOURS: dict[str, str] = {"article": "#005AB5", "faq": "#44AA99", "off_topic": "#D0D0D0"}
#: How an on-topic sentence is covered, beside the topics in the same figure: Tol's dark
#: green (a claim quotes it), bright yellow (skipped, with a reason) and high-contrast red
#: (nothing covers it).
COVERAGE_COLOURS: dict[str, str] = {
    "claim": "#225522",
    "skipped": "#CCBB44",
    "uncovered": "#BB5566",
}
#: The kinds of the evidence flow's nodes that are not pain types (the kinds the flow's
#: relations allow, :data:`lowback.data.schema.RELATIONS`): Tol's dark red, bright
#: purple, dark yellow and light cyan, and Nichols' blue. Symptoms and red flags are never
#: drawn by kind, so they have no colour here.
KIND_COLOURS: dict[str, str] = {
    "risk_factor": "#663333",
    "cause": "#AA3377",
    "treatment": "#666633",
    "diagnostic": "#006CD1",
    "prevention": "#99DDFF",
}
#: The triage levels (Okabe & Ito's bluish green, yellow and vermillion): the gate's
#: table, the audit, the warning signs and the live explorer, always with black text.
TRIAGE_COLOURS: dict[str, str] = {
    "self_care": "#009E73",
    "see_doctor": "#F0E442",
    "urgent": "#D55E00",
}
#: The classifiers, by the name they are evaluated under
#: (:func:`lowback.study.evaluation.evaluate`): Tol's dark blue and Nichols' red.
CLASSIFIER_COLOURS: dict[str, str] = {"tree": "#222255", "rulebook": "#DC3220"}
#: The records counted by kind (:func:`~lowback.figures.knowledge.records_by_kind`):
#: Nichols' purple and Tol's light pear.
RECORD_COLOURS: dict[str, str] = {"entities": "#5D3A9B", "claims": "#BBCC33"}
#: Lines and links that carry no meaning of their own (tree edges, a Sankey link that
#: touches no pain type, the depth curve's band): lighter than the umbrella's grey, so
#: never read as it.
NEUTRAL_COLOUR = "#B0B0B0"
#: An answer that names no pain type ("undetermined"): Tol's pale grey.
UNDETERMINED_COLOUR = "#DDDDDD"
#: Text, and what went in (the assumptions, drawn as an open diamond): black.
TEXT_COLOUR = "#000000"
#: Table headers (white text on it) and the outlines of marks.
DARK_COLOUR = "#333333"
#: Notes under a figure and secondary labels (a node's count).
NOTE_COLOUR = "#444444"
#: Reference lines (no effect; over 65) and their marks.
REFERENCE_COLOUR = "#555555"
#: An empty cell or mark: nothing there.
EMPTY_COLOUR = "#FFFFFF"
#: Every neutral of the figures, by its role: none is a category.
NEUTRAL_COLOURS: dict[str, str] = {
    "text": TEXT_COLOUR,
    "dark": DARK_COLOUR,
    "note": NOTE_COLOUR,
    "reference": REFERENCE_COLOUR,
    "no meaning": NEUTRAL_COLOUR,
    "undetermined": UNDETERMINED_COLOUR,
    "off topic": TOPIC_COLOURS["off_topic"],
    "empty": EMPTY_COLOUR,
}
#: Counts and shares (the confusion matrix, the evidence and prevention maps): ColorBrewer
#: "Blues" from its lightest to its middle, so black text reads on every cell (6.2:1 at
#: the dark end).
MAGNITUDE_SCALE: list[list] = [[0.0, "#F7FBFF"], [1.0, "#4292C6"]]
#: The least CAM02-UCS ΔE between two colours of one map, or of the maps one figure shows
#: together, under each simulated colour-vision deficiency (see the module's docstring).
MIN_DELTA_E = 10.0
#: The same for the full sequence of seven pain types and the umbrella.
MIN_DELTA_E_PAIN_SEQUENCE = 7.0
#: WCAG 2.1 AA's least contrast for normal text.
MIN_TEXT_CONTRAST = 4.5
FONT_SIZE = 16  # readable on a projector
HOVER_WIDTH = 60  # characters per line of hover text
MAX_QUOTES_SHOWN = 3


def pain_type_colours(records: KnowledgeBase | Rulebook) -> dict[str, str]:
    """The colour of each pain type of the records, and the umbrella's grey.

    Parameters
    ----------
    records : KnowledgeBase or Rulebook
        Where the pain types come from: the subjects of ``type_of`` claims, in entity
        order (:attr:`lowback.study.rulebook.Rulebook.pain_types`).

    Returns
    -------
    dict
        Pain type id -> colour, in the records' order, the i-th pain type getting the
        i-th colour of :data:`PAIN_TYPE_SEQUENCE`; then ``low_back_pain`` (low back pain
        in general) -> :data:`UMBRELLA_COLOUR`. Iterating over it gives the pain types
        in the study's order, which every figure keeps.
    """
    rules = records if isinstance(records, Rulebook) else Rulebook.of(records)
    colours = {
        pain_type: PAIN_TYPE_SEQUENCE[i % len(PAIN_TYPE_SEQUENCE)]
        for i, pain_type in enumerate(rules.pain_types)
    }
    colours[ANY_PAIN] = UMBRELLA_COLOUR
    return colours


def pain_types_in(names: Iterable[str], colours: Mapping[str, str]) -> list[str]:
    """The pain types among ``names`` (a tree's classes, a cohort's), in the study's order.

    Parameters
    ----------
    names : iterable of str
        Pain type ids, in any order.
    colours : Mapping[str, str]
        The records' pain type colours (:func:`pain_type_colours`), whose order is kept.

    Raises
    ------
    ValueError
        If a name is not a pain type of the records: a figure must not drop it unseen.
    """
    names = set(names)
    unknown = sorted(names - set(colours))
    if unknown:
        raise ValueError(
            f"not pain types of these records: {', '.join(unknown)}; "
            f"expected some of: {', '.join(colours)}"
        )
    return [t for t in colours if t in names]


def add_pain_type_legend(
    fig: go.Figure, pain_types: Iterable[str], colours: Mapping[str, str], *, size: int = 14
) -> go.Figure:
    """Add a legend entry (a square in its colour, no data) for each pain type, in order:
    the key of a figure that colours shapes or annotations rather than traces."""
    for pain_type in pain_types:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=pain_type,
                marker={"symbol": "square", "size": size, "color": colours[pain_type]},
            )
        )
    return fig


def plain(text: object) -> str:
    """Record text for plotly, shown as written: ``<``, ``>`` and ``&`` escaped, so no tag of
    plotly's pseudo-HTML is ever read in it. Quotes stay as they are: plotly.js decodes
    only a few named entities, and ``&quot;`` would show as written."""
    return html.escape(str(text), quote=False)


def escape_wrapped(text: str, width: int = HOVER_WIDTH) -> str:
    """Escape record text for plotly and wrap it into lines of ``width`` characters."""
    return "<br>".join(plain(line) for line in textwrap.wrap(str(text), width) or [""])


def quotes_hover(quotes: Iterable[str]) -> str:
    """Quotes for a hover text: escaped, wrapped, duplicates dropped, the first few shown."""
    quotes = list(dict.fromkeys(quotes))
    shown = [f"“{escape_wrapped(q)}”" for q in quotes[:MAX_QUOTES_SHOWN]]
    if len(quotes) > MAX_QUOTES_SHOWN:
        shown.append(f"… and {len(quotes) - MAX_QUOTES_SHOWN} more")
    return "<br>".join(shown)


def style_figure(fig: go.Figure, title: str, *, height: int = 500) -> go.Figure:
    """Give a figure the study's look: title, white template, large type, left hovers."""
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        template="plotly_white",
        font={"size": FONT_SIZE},
        height=height,
        margin={"l": 20, "r": 20, "t": 80, "b": 40},
        hoverlabel={"align": "left"},
    )
    return fig


def table(
    header: list[str],
    values: list[list[str]],
    widths: list[int],
    *,
    header_colour: str = DARK_COLOUR,
    fill: list[list[str]] | None = None,
    font_size: int = 13,
) -> go.Table:
    """A left-aligned table in the study's style (cell text must already be escaped): black
    text on the cells (``fill``: their colours, each at least 4.5:1 against black), white
    on the header."""
    cells = {"values": values, "align": "left", "font": {"size": font_size, "color": TEXT_COLOUR}}
    if fill is not None:
        cells["fill_color"] = fill
    return go.Table(
        columnwidth=widths,
        header={
            "values": header,
            "fill_color": header_colour,
            "font": {"color": EMPTY_COLOUR, "size": FONT_SIZE},
            "align": "left",
        },
        cells=cells,
    )


def dropdown(buttons: list[dict], *, x: float, y: float, xanchor: str) -> list[dict]:
    """A plotly dropdown menu: it works in the static report, with no kernel."""
    menu = {"buttons": buttons, "direction": "down", "x": x, "xanchor": xanchor, "y": y}
    return [{**menu, "yanchor": "top", "showactive": True}]


def note(text: str, y: float, *, size: int = FONT_SIZE - 2, colour: str | None = None) -> dict:
    """A left-aligned note at the left edge, at height ``y`` of the plot (paper units,
    so 1 is the top of the plot area and more than 1 sits above it); its top edge at ``y``.
    The text must already be escaped."""
    font = {"size": size} if colour is None else {"size": size, "color": colour}
    return {
        "text": text,
        "x": 0,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "showarrow": False,
        "align": "left",
        "xanchor": "left",
        "yanchor": "top",
        "font": font,
    }


#: The verdicts of a comparison (``comparisons.csv``, :data:`lowback.data.schema.VERDICTS`):
#: Paul Tol's high-contrast dark blue for ``agrees``, and David Nichols' colour-blind-safe
#: brown and sand ("Coloring for Colorblindness", davidmathlogic.com/colorblind) for
#: ``differs`` and ``goes_beyond``; ``silent`` (no claim of the other side) is white,
#: an empty mark, drawn with :data:`VERDICT_OUTLINE`. None is a colour another map above
#: uses; under each simulated deficiency the four stay at least a CAM02-UCS ΔE of 25 apart.
VERDICT_COLOURS: dict[str, str] = {
    "agrees": "#004488",  # dark blue (Tol, high contrast)
    "differs": "#994F00",  # brown (Nichols)
    "goes_beyond": "#E1BE6A",  # sand (Nichols)
    "silent": "#FFFFFF",  # white: nothing on the other side
}
#: Text written on a verdict's colour, at least WCAG AA's 4.5:1 against it (9.6, 6.0,
#: 11.8 and 21).
VERDICT_TEXT_COLOURS: dict[str, str] = {
    "agrees": "#FFFFFF",
    "differs": "#FFFFFF",
    "goes_beyond": "#000000",
    "silent": "#000000",
}
#: The outline of every verdict's mark and bar, so that the white of ``silent`` shows.
VERDICT_OUTLINE = DARK_COLOUR


# ---------------------------------------------------------------------------------------------
# Contrast (WCAG 2.1) and the text alternative
# ---------------------------------------------------------------------------------------------


def _channels(colour: str) -> tuple[float, float, float]:
    """``#RRGGBB`` as three sRGB channels in [0, 1]."""
    hex_digits = colour.lstrip("#")
    if len(hex_digits) != 6:
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    red, green, blue = (int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


def relative_luminance(colour: str) -> float:
    """WCAG 2.1's relative luminance of a ``#RRGGBB`` colour: 0 for black, 1 for white.

    Each sRGB channel is linearised (``c / 12.92`` up to 0.04045, else
    ``((c + 0.055) / 1.055) ** 2.4``) and weighted 0.2126, 0.7152, 0.0722.

    >>> relative_luminance("#FFFFFF"), relative_luminance("#000000")
    (1.0, 0.0)
    """
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _channels(colour)
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1's contrast ratio of two colours, from 1 (the same) to 21 (black on white):
    ``(L1 + 0.05) / (L2 + 0.05)``, the lighter's luminance over the darker's.

    >>> round(contrast_ratio("#000000", "#FFFFFF"), 1)
    21.0
    """
    dark, light = sorted((relative_luminance(first), relative_luminance(second)))
    return (light + 0.05) / (dark + 0.05)


def text_colour_on(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (at least 4.5:1 on any
    colour: the better of the two is never below 4.58)."""
    black = contrast_ratio(background, TEXT_COLOUR)
    return TEXT_COLOUR if black >= contrast_ratio(background, EMPTY_COLOUR) else EMPTY_COLOUR


def on_colour(text: str, background: str) -> str:
    """Text for a cell of ``background`` whose font is black: wrapped in white where black
    would not read (plotly's pseudo-HTML ``<span style>``); as it is otherwise."""
    if text_colour_on(background) == TEXT_COLOUR:
        return text
    return f"<span style='color:{EMPTY_COLOUR}'>{text}</span>"


def tint(colour: str, share: float) -> str:
    """``colour`` at ``share`` of its strength over white, as an opaque ``#RRGGBB`` (a
    table cell's background: its level's colour, lighter, so black text reads on it).

    >>> tint("#000000", 0.25)
    '#BFBFBF'
    """
    mixed = [round(255 * (1 - share * (1 - c))) for c in _channels(colour)]
    return "#" + "".join(f"{c:02X}" for c in mixed)


#: A triage level's colour behind a table's black text (the gate's rules, the warning
#: signs): a quarter of its strength over white.
TRIAGE_TINTS: dict[str, str] = {level: tint(c, 0.25) for level, c in TRIAGE_COLOURS.items()}

#: Where :func:`describe` puts a figure's summary in its ``layout.meta``.
SUMMARY_KEY = "summary"


def describe(fig: go.Figure, summary: str) -> go.Figure:
    """Attach a figure's text alternative: one paragraph of plain text (no markup; record
    text as written) saying what it shows and its main numbers, stored escaped (as
    :func:`plain` does) in ``layout.meta`` (plotly keeps any JSON there), which the
    offline pages show as its caption (:func:`summary_of`).

    >>> summary_of(describe(go.Figure(), "Two bars: 3 and 4."))
    'Two bars: 3 and 4.'
    """
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    fig.layout.meta = {**meta, SUMMARY_KEY: plain(" ".join(summary.split()))}
    return fig


def summary_of(figure: go.Figure | Mapping) -> str | None:
    """The summary :func:`describe` attached to a figure (or to its JSON), if any, as
    plain text (unescaped: escape it to show it)."""
    layout = (
        figure.layout.to_plotly_json() if isinstance(figure, go.Figure) else figure.get("layout")
    )
    meta = layout.get("meta") if isinstance(layout, Mapping) else None
    summary = meta.get(SUMMARY_KEY) if isinstance(meta, Mapping) else None
    return html.unescape(summary) if isinstance(summary, str) and summary.strip() else None


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun, singular or plural: ``1 claim``, ``3 claims``, ``1,204 runners``.

    >>> counted(1, "claim"), counted(2, "family", "families")
    ('1 claim', '2 families')
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
