"""The flow of the evidence (notebooks 01 and 03): risk factors and causes, through the pain
types, to treatments, tests and prevention, as a Sankey diagram whose links count the claims
and whose colours are the pain types' (:func:`~lowback.figures.style.pain_type_colours`),
with a source menu (:mod:`lowback.figures.facets`) and, on request, a risk factor's links
picked out. A key under the flow names what each node colour means (each pain type, the
umbrella, and each kind of the other nodes: :data:`~lowback.figures.style.KIND_COLOURS`).
Straight from the records; no simulation is involved.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lowback.data.records import KnowledgeBase
from lowback.figures.facets import publishers as _publishers
from lowback.figures.facets import showing_one as _showing_one
from lowback.figures.facets import source_views
from lowback.figures.facets import with_source_menu as _with_source_menu
from lowback.figures.style import (
    KIND_COLOURS,
    NEUTRAL_COLOUR,
    counted,
    describe,
    dropdown,
    pain_type_colours,
    plain,
    quotes_hover,
    style_figure,
)
from lowback.study.risk import ANY_PAIN

# Which relations flow into the Sankey, and in which direction: (from, to) columns.
_FLOW = {
    "risk_factor_for": ("subject", "object"),
    "causes": ("subject", "object"),
    "treats": ("object", "subject"),
    "diagnoses": ("object", "subject"),
}
# A link that neither reaches nor leaves a pain type (a risk factor to a cause).
_NO_PAIN_TYPE_LINK = NEUTRAL_COLOUR
_FADED = "rgba(200,200,200,0.25)"


def _flow_links(kb: KnowledgeBase) -> pd.DataFrame:
    """The Sankey's links: ``source_id, target_id`` and the ``claims``, ``quotes`` and
    ``sources`` (of the claims) behind each, in claim order."""
    claims = kb.claims_with_labels()
    prevents_pain = (claims["relation"] == "prevents") & (claims["object_kind"] == "pain_type")
    flows = claims[claims["relation"].isin(list(_FLOW)) | prevents_pain].copy()
    direction = flows["relation"].astype(str).map(lambda r: _FLOW.get(r, ("object", "subject")))
    ends = [(row[a], row[b]) for (_, row), (a, b) in zip(flows.iterrows(), direction, strict=True)]
    flows["source_id"], flows["target_id"] = [e[0] for e in ends], [e[1] for e in ends]
    return (
        flows.groupby(["source_id", "target_id"], sort=False)
        .agg(claims=("id", list), quotes=("quote", list), sources=("source", list))
        .reset_index()
    )


def _by_publisher(claims: list[str], sources: list[str], publishers: dict[str, str]) -> str:
    """A link's claim ids, grouped by the publisher of their source (escaped)."""
    grouped: dict[str, list[str]] = {}
    for claim, source in zip(claims, sources, strict=True):
        grouped.setdefault(publishers[source], []).append(claim)
    return "<br>".join(f"{p}: {', '.join(ids)}" for p, ids in grouped.items())


def node_colour_of(node: str, kind: str, pain_colours: dict[str, str]) -> str:
    """A node's colour: its pain type's, else its kind's; a pain-type entity that is not
    one of the records' pain types (nor the umbrella) is neutral grey, no category."""
    return pain_colours.get(node) or KIND_COLOURS.get(kind, NEUTRAL_COLOUR)


#: How the flow names the kinds of its nodes: singular and plural.
_KIND_WORDS = {
    "risk_factor": ("risk factor", "risk factors"),
    "cause": ("cause", "causes"),
    "pain_type": ("pain type", "pain types"),
    "treatment": ("treatment", "treatments"),
    "diagnostic": ("test", "tests"),
    "prevention": ("prevention measure", "prevention measures"),
}
_KEY_CHARS = 150  # characters per line of the node key


def _key(kb: KnowledgeBase, node_ids: list[str], pain_colours: dict[str, str]) -> list[str]:
    """The node legend, in lines: a square in each node colour the flow shows and what it
    means, pain types first, then the kinds in the flow's order."""
    entities = kb.entities.set_index("id")
    meanings: dict[str, str] = {}
    for node in sorted(
        node_ids,
        key=lambda n: (
            n not in pain_colours,
            list(pain_colours).index(n) if n in pain_colours else 0,
        ),
    ):
        kind = str(entities.loc[node, "kind"])
        if node == ANY_PAIN:
            words = f"{plain(entities.loc[node, 'label'])} (in general)"
        elif node in pain_colours:
            words = f"{plain(entities.loc[node, 'label'])} (pain type)"
        else:
            words = (
                _KIND_WORDS.get(kind, (kind.replace("_", " "),))[0]
                if kind in KIND_COLOURS
                else "other"
            )
        meanings.setdefault(node_colour_of(node, kind, pain_colours), words)
    items = [(f"<span style='color:{c}'>■</span> {w}", len(w) + 2) for c, w in meanings.items()]
    link = "a link: the colour of the pain type it reaches or leaves, grey if none"
    lines, line, width = [], [], len("Node colours: ")
    for item, length in [*items, (link, len(link))]:
        if width + length + 3 > _KEY_CHARS:
            lines.append(" ".join(line))
            line, width = [], 0
        line.append(item if not line else "· " + item)
        width += length + 3
    lines.append(" ".join(line))
    return [f"<b>Node colours:</b> {lines[0]}", *lines[1:]]


def _sankey(kb: KnowledgeBase, part: KnowledgeBase, pain_colours: dict[str, str]):
    """The Sankey trace of ``part``'s claims (entities and publishers from ``kb``), its
    links and node ids."""
    links = _flow_links(part)
    entities = kb.entities.set_index("id")
    publishers = _publishers(kb)
    node_ids = list(dict.fromkeys([*links["source_id"], *links["target_id"]]))
    index = {node: i for i, node in enumerate(node_ids)}

    def node_colour(node: str) -> str:
        return node_colour_of(node, str(entities.loc[node, "kind"]), pain_colours)

    def link_colour(source: str, target: str) -> str:
        # A link takes the colour of the pain type it reaches or leaves; grey otherwise.
        pain = target if target in pain_colours else source
        colour = pain_colours.get(pain, _NO_PAIN_TYPE_LINK).lstrip("#")
        red, green, blue = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
        return f"rgba({red},{green},{blue},0.45)"

    trace = go.Sankey(
        arrangement="snap",
        node={
            "label": [plain(entities.loc[n, "label"]) for n in node_ids],
            "color": [node_colour(n) for n in node_ids],
            "customdata": [str(entities.loc[n, "kind"]).replace("_", " ") for n in node_ids],
            "hovertemplate": "<b>%{label}</b> (%{customdata})<br>%{value} claims<extra></extra>",
            "pad": 12,
            "thickness": 16,
        },
        link={
            "source": [index[s] for s in links["source_id"]],
            "target": [index[t] for t in links["target_id"]],
            "value": [len(c) for c in links["claims"]],
            "color": [
                link_colour(s, t)
                for s, t in zip(links["source_id"], links["target_id"], strict=True)
            ],
            "customdata": [
                [_by_publisher(c, s, publishers), quotes_hover(q)]
                for c, s, q in zip(links["claims"], links["sources"], links["quotes"], strict=True)
            ],
            "hovertemplate": "<b>%{source.label} → %{target.label}</b><br>"
            "claims %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        },
    )
    return trace, links, node_ids


def _downstream(links: pd.DataFrame, factor: str) -> list[bool]:
    """Which links lie downstream of ``factor`` (none where it is not a node)."""
    reached = {factor}
    while True:  # links come in claim order, not flow order: spread to a fixed point
        grown = reached | set(links.loc[links["source_id"].isin(reached), "target_id"])
        if grown == reached:
            return links["source_id"].isin(reached).tolist()
        reached = grown


def evidence_sankey(kb: KnowledgeBase, *, highlight: bool = False) -> go.Figure:
    """Risk factors and causes flow into pain types, and on to treatments and tests.

    Link widths count the claims behind each link; hovering a link shows their ids, by
    publisher, and their quotes. Prevention against a pain type flows from the pain type,
    like treatment. Every pain type of the records, and each link reaching or leaving it,
    has the pain type's colour (:func:`~lowback.figures.style.pain_type_colours`); other
    nodes have their kind's. With several sources, a menu shows the flow of each facet
    (:func:`source_views`), all of them first (the figure's first trace). With
    ``highlight``, a dropdown (the first menu) picks one risk factor and fades every link
    not downstream of it, in every facet.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> fig = evidence_sankey(kb)
    >>> fig.data[0].type, fig.layout.title.text.startswith("From risk factors")
    ('sankey', True)
    """
    pain_colours = pain_type_colours(kb)
    views = source_views(kb)
    made = [_sankey(kb, kb.restricted_to(view.sources), pain_colours) for view in views]
    fig = go.Figure([trace for trace, _, _ in made])
    for trace in fig.data[1:]:
        trace.visible = False
    menus = []
    if highlight:
        entities = kb.entities.set_index("id")
        node_ids = made[0][2]
        colours = [list(trace.link.color) for trace in fig.data]
        factors = [n for n in node_ids if str(entities.loc[n, "kind"]) == "risk_factor"]
        buttons = [
            {"label": "all risk factors", "method": "restyle", "args": [{"link.color": colours}]}
        ]
        for factor in factors:
            faded = [
                [c if keep else _FADED for c, keep in zip(cs, _downstream(ls, factor), strict=True)]
                for cs, (_, ls, _) in zip(colours, made, strict=True)
            ]
            label = plain(entities.loc[factor, "label"])
            buttons.append({"label": label, "method": "restyle", "args": [{"link.color": faded}]})
        menus = dropdown(buttons, x=1.0, y=1.07, xanchor="right")
    fig.update_layout(updatemenus=menus)
    fig.add_annotation(
        text="risk factors · causes → pain types → treatments · tests · prevention",
        x=0.5,
        y=-0.04,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 14},
    )
    key = _key(kb, made[0][2], pain_colours)
    fig.add_annotation(
        text="<br>".join(key),
        x=0,
        y=-0.08,
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor="top",
        align="left",
        showarrow=False,
        font={"size": 14},
    )
    fig = style_figure(
        fig, "From risk factors and causes to pain types and what to do about them", height=960
    )
    fig.update_layout(margin={"b": 60 + 20 * len(key)})
    fig = _with_source_menu(fig, views, _showing_one(len(views)))
    return describe(fig, _flow_summary(kb, made[0][1]))


def _flow_summary(kb: KnowledgeBase, links: pd.DataFrame) -> str:
    """The flow in words: its links and claims, its nodes by kind, the widest link."""
    kinds = kb.entities.set_index("id")["kind"].astype(str)
    nodes = list(dict.fromkeys([*links["source_id"], *links["target_id"]]))
    counts = kinds[nodes].value_counts()

    def tally(these: tuple[str, ...]) -> str:
        found = [
            counted(int(counts[k]), *_KIND_WORDS.get(k, (k, k + "s"))) for k in these if k in counts
        ]
        return (
            " and ".join(found) if len(found) < 3 else ", ".join(found[:-1]) + " and " + found[-1]
        )

    widest = links.loc[links["claims"].map(len).idxmax()]
    claims = sum(len(c) for c in links["claims"])
    return (
        f"A Sankey diagram of {counted(claims, 'claim')} in {counted(len(links), 'link')}: "
        f"{tally(('risk_factor', 'cause'))} flow into {tally(('pain_type',))}"
        + (" (low back pain in general among them)" if ANY_PAIN in nodes else "")
        + ", which flow on to "
        f"{tally(('treatment', 'diagnostic', 'prevention'))}. The widest link is "
        f"{kb.label(widest['source_id'])} → {kb.label(widest['target_id'])} "
        f"({counted(len(widest['claims']), 'claim')})."
    )
