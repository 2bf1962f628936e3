"""Figures of the knowledge base (notebook 01): the material, the records and the evidence.

Where the material is on topic and which sentences the claims cover, how many records of
each kind there are, every claim with its exact quote, the flow from risk factors and
causes through pain types to treatments and tests (a Sankey diagram coloured by pain
type, :func:`~lowback.figures.style.pain_type_colours`), and the material's
contradictions with both sides kept. Everything here comes straight from the records; no
simulation is involved.
"""

from __future__ import annotations

import html
from pathlib import Path

import jinja2
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lowback.data.coverage import sentence_coverage
from lowback.data.records import KnowledgeBase
from lowback.data.schema import KINDS
from lowback.figures.style import (
    COVERAGE_COLOURS,
    KIND_COLOURS,
    NEUTRAL_COLOUR,
    SERIES_COLOURS,
    TOPIC_COLOURS,
    dropdown,
    escape_wrapped,
    pain_type_colours,
    quotes_hover,
    style_figure,
    table,
)


def material_map(kb: KnowledgeBase, source: str | None = None) -> go.Figure:
    """The material as a strip: passages by topic, and on-topic sentences by coverage.

    Parameters
    ----------
    kb : KnowledgeBase
    source : str, optional
        A source id; default the first source.
    """
    source = source or kb.sources["id"].iloc[0]
    text = kb.texts[source]
    passages = kb.passages.query("source == @source").sort_values("start")
    coverage = sentence_coverage(kb).query("source == @source")
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=("Passages by topic", "On-topic sentences: backed by a claim, or skipped"),
    )
    for topic, colour in TOPIC_COLOURS.items():
        part = passages[passages["topic"] == topic]
        fig.add_trace(
            go.Bar(
                name=topic.replace("_", "-"),
                legendgroup="topic",
                legendgrouptitle_text="Passage topic",
                y=["passages"] * len(part),
                x=part["end"] - part["start"],
                base=part["start"],
                orientation="h",
                marker={"color": colour, "line": {"color": "white", "width": 1}},
                customdata=[
                    [
                        pid,
                        html.escape(heading or "(no heading)"),
                        s,
                        e,
                        escape_wrapped(text[s:e][:140] + "…"),
                    ]
                    for pid, heading, s, e in part[["id", "heading", "start", "end"]].itertuples(
                        index=False
                    )
                ],
                hovertemplate="<b>%{customdata[0]}</b> (" + topic + ")<br>%{customdata[1]}"
                "<br>characters [%{customdata[2]}:%{customdata[3]}]"
                "<br>%{customdata[4]}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for status, colour in COVERAGE_COLOURS.items():
        part = coverage[coverage["status"] == status]
        if part.empty:
            continue
        fig.add_trace(
            go.Bar(
                name=f"{status} ({len(part)})",
                legendgroup="coverage",
                legendgrouptitle_text="Sentence",
                y=["sentences"] * len(part),
                x=part["end"] - part["start"],
                base=part["start"],
                orientation="h",
                marker={"color": colour, "line": {"color": "white", "width": 1}},
                customdata=[
                    [by, escape_wrapped(sentence)]
                    for by, sentence in part[["by", "sentence"]].itertuples(index=False)
                ],
                hovertemplate=f"<b>{status}</b> %{{customdata[0]}}"
                "<br>%{customdata[1]}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    fig.update_xaxes(
        title_text="Position in the material (characters)", range=[0, len(text)], row=2
    )
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(barmode="overlay", legend={"groupclick": "toggleitem"})
    return style_figure(
        fig, f"Where the material is on topic ({len(text):,} characters)", height=420
    )


def records_by_kind(kb: KnowledgeBase) -> go.Figure:
    """Entities of each kind, and the claims that name an entity of that kind.

    A claim names two entities (its subject and object), so it counts under both their
    kinds (once where both are of one kind) and under none when it links two claims
    (``contradicts``): the claims' bars do not add up to the number of claims, and the
    legend says so, with both totals.
    """
    labelled = kb.claims_with_labels()
    rows = []
    for kind in KINDS:
        named = (labelled["subject_kind"] == kind) | (labelled["object_kind"] == kind)
        rows.append((kind, int((kb.entities["kind"] == kind).sum()), int(named.sum())))
    counts = pd.DataFrame(rows, columns=["kind", "entities", "claims"])
    entities, claims, named = len(kb.entities), len(kb.claims), int(counts["claims"].sum())
    fig = go.Figure(
        [
            go.Bar(
                name=f"entities of this kind ({entities} in all)",
                x=counts["kind"],
                y=counts["entities"],
                marker_color=SERIES_COLOURS[0],
                text=counts["entities"],
                textposition="outside",
            ),
            go.Bar(
                name=(
                    "claims naming an entity of this kind (a claim names two, so these bars "
                    f"add up to {named}, not to the {claims} claims)"
                ),
                x=counts["kind"],
                y=counts["claims"],
                marker_color=SERIES_COLOURS[1],
                text=counts["claims"],
                textposition="outside",
            ),
        ]
    )
    fig.update_layout(
        barmode="group",
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
    )
    fig.update_xaxes(title_text="Kind of entity")
    fig.update_yaxes(title_text="Entities, or claims naming one")
    fig = style_figure(
        fig, f"{entities} entities, and how many of the {claims} claims name each kind"
    )
    fig.update_layout(margin={"t": 130})
    return fig


def evidence_table(kb: KnowledgeBase) -> go.Figure:
    """Every claim with its quote and offsets; a dropdown filters by relation."""
    claims = kb.claims_with_labels()

    def cells(part: pd.DataFrame) -> list[list[str]]:
        return [
            part["id"].tolist(),
            [html.escape(v) for v in part["subject_label"]],
            part["relation"].astype(str).str.replace("_", " ").tolist(),
            [html.escape(v) for v in part["object_label"]],
            [f"“{escape_wrapped(q, 70)}”" for q in part["quote"]],
            [f"[{s}:{e}]" for s, e in zip(part["start"], part["end"], strict=True)],
        ]

    relations = [r for r in claims["relation"].cat.categories if (claims["relation"] == r).any()]
    header = ["claim", "subject", "relation", "object", "quote", "characters"]
    fig = go.Figure(table(header, cells(claims), [40, 110, 80, 110, 330, 70]))
    buttons = [
        {
            "label": f"all relations ({len(claims)})",
            "method": "restyle",
            "args": [{"cells.values": [cells(claims)]}],
        }
    ]
    for relation in relations:
        part = claims[claims["relation"] == relation]
        buttons.append(
            {
                "label": f"{relation.replace('_', ' ')} ({len(part)})",
                "method": "restyle",
                "args": [{"cells.values": [cells(part)]}],
            }
        )
    fig.update_layout(updatemenus=dropdown(buttons, x=1.0, y=1.12, xanchor="right"))
    return style_figure(fig, "The evidence: every claim with its exact quote", height=700)


# Which relations flow into the Sankey, and in which direction: (from, to) columns.
_FLOW = {
    "risk_factor_for": ("subject", "object"),
    "causes": ("subject", "object"),
    "treats": ("object", "subject"),
    "diagnoses": ("object", "subject"),
}
# A link that neither reaches nor leaves a pain type (a risk factor to a cause).
_NO_PAIN_TYPE_LINK = NEUTRAL_COLOUR


def evidence_sankey(kb: KnowledgeBase, *, highlight: bool = False) -> go.Figure:
    """Risk factors and causes flow into pain types, and on to treatments and tests.

    Link widths count the claims behind each link; hovering a link shows their quotes.
    Prevention against a pain type flows from the pain type, like treatment. Every pain
    type of the records, and each link reaching or leaving it, has the pain type's colour
    (:func:`~lowback.figures.style.pain_type_colours`); other nodes have their kind's.

    Parameters
    ----------
    kb : KnowledgeBase
    highlight : bool, default False
        Add a dropdown that picks one risk factor and fades every link not downstream
        of it.
    """
    claims = kb.claims_with_labels()
    prevents_pain = (claims["relation"] == "prevents") & (claims["object_kind"] == "pain_type")
    flows = claims[claims["relation"].isin(list(_FLOW)) | prevents_pain].copy()
    direction = flows["relation"].astype(str).map(lambda r: _FLOW.get(r, ("object", "subject")))
    flows["source_id"] = [
        row[d[0]] for (_, row), d in zip(flows.iterrows(), direction, strict=True)
    ]
    flows["target_id"] = [
        row[d[1]] for (_, row), d in zip(flows.iterrows(), direction, strict=True)
    ]
    links = (
        flows.groupby(["source_id", "target_id"], sort=False)
        .agg(claims=("id", list), quotes=("quote", list))
        .reset_index()
    )
    entities = kb.entities.set_index("id")
    node_ids = list(dict.fromkeys([*links["source_id"], *links["target_id"]]))
    index = {node: i for i, node in enumerate(node_ids)}

    pain_colours = pain_type_colours(kb)

    def node_colour(node: str) -> str:
        return pain_colours.get(node, KIND_COLOURS[str(entities.loc[node, "kind"])])

    def link_colour(source: str, target: str) -> str:
        # A link takes the colour of the pain type it reaches or leaves; grey otherwise.
        pain = target if target in pain_colours else source
        colour = pain_colours.get(pain, _NO_PAIN_TYPE_LINK).lstrip("#")
        red, green, blue = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
        return f"rgba({red},{green},{blue},0.45)"

    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [html.escape(entities.loc[n, "label"]) for n in node_ids],
                "color": [node_colour(n) for n in node_ids],
                "customdata": [str(entities.loc[n, "kind"]).replace("_", " ") for n in node_ids],
                "hovertemplate": "<b>%{label}</b> (%{customdata})"
                "<br>%{value} claims<extra></extra>",
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
                    [", ".join(c), quotes_hover(q)]
                    for c, q in zip(links["claims"], links["quotes"], strict=True)
                ],
                "hovertemplate": "<b>%{source.label} → %{target.label}</b><br>"
                "claims %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            },
        )
    )
    if highlight:
        colours = fig.data[0].link.color
        factors = [n for n in node_ids if str(entities.loc[n, "kind"]) == "risk_factor"]
        buttons = [
            {
                "label": "all risk factors",
                "method": "restyle",
                "args": [{"link.color": [list(colours)]}],
            }
        ]
        for factor in factors:
            reached = {factor}
            while True:  # links come in claim order, not flow order: spread to a fixed point
                grown = reached | set(links.loc[links["source_id"].isin(reached), "target_id"])
                if grown == reached:
                    break
                reached = grown
            downstream = links["source_id"].isin(reached).tolist()
            faded = [
                c if keep else "rgba(200,200,200,0.25)"
                for c, keep in zip(colours, downstream, strict=True)
            ]
            buttons.append(
                {
                    "label": html.escape(entities.loc[factor, "label"]),
                    "method": "restyle",
                    "args": [{"link.color": [faded]}],
                }
            )
        fig.update_layout(updatemenus=dropdown(buttons, x=1.0, y=1.07, xanchor="right"))
    fig.add_annotation(
        text="risk factors · causes → pain types → treatments · tests · prevention",
        x=0.5,
        y=-0.06,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 14},
    )
    return style_figure(
        fig, "From risk factors and causes to pain types and what to do about them", height=900
    )


def contradictions(kb: KnowledgeBase) -> pd.DataFrame:
    """Each contradiction in the material, its two sides side by side."""
    claims = kb.claims.set_index("id")
    passages = kb.passages.set_index("id")
    rows = []
    for link in claims[claims["relation"] == "contradicts"].itertuples():
        row = {"contradiction": link.Index}
        for side, claim_id in (("one side", link.object), ("the other side", link.subject)):
            claim = claims.loc[claim_id]
            where = passages.loc[claim["passage"], "topic"]
            span = f"[{claim['start']}:{claim['end']}]"
            row[side] = f"“{claim['quote']}” ({claim_id}, {where}, characters {span})"
        row["note"] = link.note
        rows.append(row)
    return pd.DataFrame(rows).set_index("contradiction")


_WHO = {"article": "The article", "experts": "The article's experts", "faq": "The FAQ"}
_MODALITY = {"states": "stated", "hedges": "hedged", "recommends": "a recommendation"}
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
)


def contradiction_cards(kb: KnowledgeBase) -> str:
    """Every contradiction of the material as two quote cards side by side, as HTML.

    Each card says who says it (the article, its experts, the FAQ), the quote, how it is
    said (stated, hedged, a recommendation), its claim id and offsets; the curator's note
    follows. Record text is escaped (the template autoescapes). Show it in a notebook with
    ``IPython.display.HTML``.
    """
    claims = kb.claims.set_index("id")
    rows = []
    for link in claims[claims["relation"] == "contradicts"].itertuples():
        sides = []
        for claim_id in (link.subject, link.object):
            claim = claims.loc[claim_id]
            sides.append(
                {
                    "who": _WHO[str(claim["attributed"])],
                    "quote": claim["quote"],
                    "claim": claim_id,
                    "modality": _MODALITY[str(claim["modality"])],
                    "start": int(claim["start"]),
                    "end": int(claim["end"]),
                }
            )
        topic = f"{sides[0]['who']} against {sides[1]['who'].replace('The ', 'the ', 1)}"
        rows.append({"id": link.Index, "topic": topic, "sides": sides, "note": link.note})
    return _TEMPLATES.get_template("contradictions.html.j2").render(rows=rows)
