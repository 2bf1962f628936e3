"""The study's one palette and the styling every figure shares.

Colours are colour-blind-safe throughout and keep one meaning each across figures: the
pain types get theirs from the records (:func:`pain_type_colours`), so a pain type added
to ``data/records`` has its own colour in every figure with no code change, while topics,
sentence coverage, entity kinds and triage levels have fixed maps. Every text that comes
from the records (labels, quotes) is HTML-escaped before it reaches a figure
(:func:`escape_wrapped`, :func:`quotes_hover`), so a record containing markup shows as
text. The helpers here (title and fonts, tables, dropdown menus) are used by the figure
modules :mod:`~lowback.figures.knowledge`, :mod:`~lowback.figures.classifier` and
:mod:`~lowback.figures.risk`.
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
#: below uses. Under simulated protanopia, deuteranopia and tritanopia (Machado et al.
#: 2009, full severity) no two of the seven, nor any of them and the umbrella's grey, are
#: closer than the closest pair among the first three and that grey (CIE76 ΔE of 12, the
#: reddish purple and the grey). An eighth pain type and later ones reuse the sequence
#: from its start.
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

# Okabe & Ito (2008), "Color Universal Design".
TOPIC_COLOURS: dict[str, str] = {"article": "#0072B2", "faq": "#009E73", "off_topic": "#D0D0D0"}
COVERAGE_COLOURS: dict[str, str] = {
    "claim": "#0072B2",
    "skipped": "#F0E442",
    "uncovered": "#D55E00",
}
KIND_COLOURS: dict[str, str] = {
    "pain_type": "#7F7F7F",
    "symptom": "#F0E442",
    "cause": "#D55E00",
    "risk_factor": "#000000",
    "treatment": "#009E73",
    "diagnostic": "#0072B2",  # beside prevention: what the article offers against a type
    "prevention": "#0072B2",
    "red_flag": "#D55E00",
}
TRIAGE_COLOURS: dict[str, str] = {
    "self_care": "#009E73",
    "see_doctor": "#F0E442",
    "urgent": "#D55E00",
}
#: Series that are not pain types (entities against claims, the tree against the
#: rulebook), in order: blue, black, bluish green. None is a pain type's colour.
SERIES_COLOURS: tuple[str, ...] = ("#0072B2", "#000000", "#009E73")
#: Lines and links that carry no meaning of their own (tree edges, a Sankey link that
#: touches no pain type): lighter than the umbrella's grey, so never read as it.
NEUTRAL_COLOUR = "#B0B0B0"
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
    header_colour: str = "#0072B2",
    fill: list[list[str]] | None = None,
    font_size: int = 13,
) -> go.Table:
    """A left-aligned table in the study's style (cell text must already be escaped)."""
    cells = {"values": values, "align": "left", "font": {"size": font_size}}
    if fill is not None:
        cells["fill_color"] = fill
    return go.Table(
        columnwidth=widths,
        header={
            "values": header,
            "fill_color": header_colour,
            "font": {"color": "white", "size": FONT_SIZE},
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
#: uses; under simulated protanopia, deuteranopia and tritanopia (Machado et al. 2009,
#: full severity) the four are at least a CIE76 ΔE of 30 apart, and each at least 11.9
#: from every colour above (the pain types' closest pair is 12).
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
VERDICT_OUTLINE = "#333333"
