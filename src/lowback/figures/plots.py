"""Figures of the study, as plotly figures that stay interactive in the offline report.

One palette for the whole study (Okabe & Ito's colour-blind-safe colours): the same
pain type has the same colour in every figure. Every text that comes from the records
(labels, quotes) is HTML-escaped before it reaches a figure, so a record containing
markup shows as text.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lowback.data.coverage import sentence_coverage
from lowback.data.records import KnowledgeBase
from lowback.data.schema import KINDS

# Okabe & Ito (2008), "Color Universal Design".
PAIN_TYPE_COLOURS: dict[str, str] = {
    "muscle": "#E69F00",  # orange
    "bone": "#56B4E9",  # sky blue
    "disc": "#CC79A7",  # reddish purple
    "low_back_pain": "#7F7F7F",  # grey: the umbrella, not a type
}
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
    "diagnostic": "#56B4E9",
    "prevention": "#0072B2",
    "red_flag": "#D55E00",
}
FONT_SIZE = 16  # readable on a projector
HOVER_WIDTH = 60  # characters per line of hover text
MAX_QUOTES_SHOWN = 3


def escape_wrapped(text: str, width: int = HOVER_WIDTH) -> str:
    """Escape record text for plotly and wrap it into lines of ``width`` characters."""
    return "<br>".join(html.escape(line) for line in textwrap.wrap(str(text), width) or [""])


def _quotes_hover(quotes: Iterable[str]) -> str:
    quotes = list(dict.fromkeys(quotes))
    shown = [f"“{escape_wrapped(q)}”" for q in quotes[:MAX_QUOTES_SHOWN]]
    if len(quotes) > MAX_QUOTES_SHOWN:
        shown.append(f"… and {len(quotes) - MAX_QUOTES_SHOWN} more")
    return "<br>".join(shown)


def _style(fig: go.Figure, title: str, *, height: int = 500) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        template="plotly_white",
        font={"size": FONT_SIZE},
        height=height,
        margin={"l": 20, "r": 20, "t": 80, "b": 40},
        hoverlabel={"align": "left"},
    )
    return fig


def _table(
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


def _dropdown(buttons: list[dict], *, x: float, y: float, xanchor: str) -> list[dict]:
    """A plotly dropdown menu: it works in the static report, with no kernel."""
    menu = {"buttons": buttons, "direction": "down", "x": x, "xanchor": xanchor, "y": y}
    return [{**menu, "yanchor": "top", "showactive": True}]


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
    return _style(fig, f"Where the material is on topic ({len(text):,} characters)", height=420)


def records_by_kind(kb: KnowledgeBase) -> go.Figure:
    """Entities of each kind, and the claims that name them."""
    labelled = kb.claims_with_labels()
    rows = []
    for kind in KINDS:
        named = (labelled["subject_kind"] == kind) | (labelled["object_kind"] == kind)
        rows.append((kind, int((kb.entities["kind"] == kind).sum()), int(named.sum())))
    counts = pd.DataFrame(rows, columns=["kind", "entities", "claims"])
    fig = go.Figure(
        [
            go.Bar(
                name="entities",
                x=counts["kind"],
                y=counts["entities"],
                marker_color="#0072B2",
                text=counts["entities"],
                textposition="outside",
            ),
            go.Bar(
                name="claims naming them",
                x=counts["kind"],
                y=counts["claims"],
                marker_color="#E69F00",
                text=counts["claims"],
                textposition="outside",
            ),
        ]
    )
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="Kind of entity")
    fig.update_yaxes(title_text="Number of records")
    return _style(fig, f"{len(kb.entities)} entities backed by {len(kb.claims)} claims")


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
    fig = go.Figure(_table(header, cells(claims), [40, 110, 80, 110, 330, 70]))
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
    fig.update_layout(updatemenus=_dropdown(buttons, x=1.0, y=1.12, xanchor="right"))
    return _style(fig, "The evidence: every claim with its exact quote", height=700)


# Which relations flow into the Sankey, and in which direction: (from, to) columns.
_FLOW = {
    "risk_factor_for": ("subject", "object"),
    "causes": ("subject", "object"),
    "treats": ("object", "subject"),
    "diagnoses": ("object", "subject"),
}


def evidence_sankey(kb: KnowledgeBase, *, highlight: bool = False) -> go.Figure:
    """Risk factors and causes flow into pain types, and on to treatments and tests.

    Link widths count the claims behind each link; hovering a link shows their quotes.
    Prevention against a pain type flows from the pain type, like treatment. With
    ``highlight``, a dropdown picks one risk factor and fades every link not downstream
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

    def node_colour(node: str) -> str:
        return PAIN_TYPE_COLOURS.get(node, KIND_COLOURS[str(entities.loc[node, "kind"])])

    def link_colour(source: str, target: str) -> str:
        pain = target if target in PAIN_TYPE_COLOURS else source
        colour = PAIN_TYPE_COLOURS.get(pain, "#7F7F7F").lstrip("#")
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
                    [", ".join(c), _quotes_hover(q)]
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
        fig.update_layout(updatemenus=_dropdown(buttons, x=1.0, y=1.07, xanchor="right"))
    fig.add_annotation(
        text="risk factors · causes → pain types → treatments · tests · prevention",
        x=0.5,
        y=-0.06,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 14},
    )
    return _style(
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


def contradictions_table(kb: KnowledgeBase) -> go.Figure:
    """The material's contradictions as a table, the two sides side by side."""
    sides = contradictions(kb)
    values = [
        sides.index.tolist(),
        [escape_wrapped(v, 55) for v in sides["one side"]],
        [escape_wrapped(v, 55) for v in sides["the other side"]],
        [escape_wrapped(v, 35) for v in sides["note"]],
    ]
    header = ["link", "one side says", "the other side says", "curator's note"]
    fig = go.Figure(_table(header, values, [60, 300, 300, 200], font_size=FONT_SIZE))
    title = f"{len(sides)} contradiction(s) in the material, both sides kept"
    return _style(fig, title, height=150 + 110 * len(sides))


# ----------------------------------------------------------------- notebook 02: the tree


def _tree_layout(structure) -> dict[int, tuple[float, float]]:
    """x (leaves evenly spaced, parents centred over children) and y (depth) per node."""
    positions: dict[int, tuple[float, float]] = {}
    next_leaf = [0]

    def place(node: int, depth: int) -> float:
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:
            x = float(next_leaf[0])
            next_leaf[0] += 1
        else:
            x = (place(left, depth + 1) + place(right, depth + 1)) / 2
        positions[node] = (x, -float(depth))
        return x

    place(0, 0)
    return positions


def tree_figure(
    tree,
    kb: KnowledgeBase,
    examples: dict[str, tuple[set[str], float]] | None = None,
    *,
    cohort_size: int | None = None,
) -> go.Figure:
    """The decision tree as an interactive figure.

    Each node is a bar of its class mix (simulated runners of each pain type reaching
    it, in the study's colours); hovering a node shows its question, its counts and the
    quote behind its feature. A dropdown highlights the path of one example runner.

    Parameters
    ----------
    tree : lowback.study.model.TreeModel
    kb : KnowledgeBase
    examples : dict, optional
        Example name -> (the signs the runner reports, age in years).
    cohort_size : int, optional
        Number of simulated runners the tree was fitted on, for the title.
    """
    from lowback.study import model

    structure = tree.estimator.tree_
    positions = _tree_layout(structure)
    classes = tree.classes
    shown = [t for t in PAIN_TYPE_COLOURS if t in classes]  # the study's order, not alphabetical
    column = [classes.index(t) for t in shown]
    half_width, half_height = 0.42, 0.13
    fig = go.Figure()
    edge_x, edge_y, labels_x, labels_y, labels = [], [], [], [], []
    for node, (x, y) in positions.items():
        for child, answer in (
            (structure.children_left[node], "no"),
            (structure.children_right[node], "yes"),
        ):
            if child == -1 or structure.children_left[node] == structure.children_right[node]:
                continue
            cx, cy = positions[child]
            edge_x += [x, cx, None]
            edge_y += [y - half_height, cy + half_height, None]
            labels_x.append(x + 0.72 * (cx - x))  # near the child, clear of the question text
            labels_y.append(y + 0.72 * (cy - y))
            labels.append(answer)
    fig.add_trace(
        go.Scatter(
            x=edge_x,
            y=edge_y,
            mode="lines",
            line={"color": "#B0B0B0", "width": 2},
            hoverinfo="skip",
            showlegend=False,
            name="edges",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=labels_x,
            y=labels_y,
            mode="text",
            text=labels,
            hoverinfo="skip",
            textfont={"size": 13, "color": "#555555"},
            showlegend=False,
            name="answers",
        )
    )

    hover, texts, xs, ys, bars = [], [], [], [], []
    splits = {s.node: s for s in model.splits(tree, kb)}
    for node, (x, y) in positions.items():
        counts = (structure.value[node][0] * structure.weighted_n_node_samples[node])[column]
        total = counts.sum()
        left = x - half_width
        for share, pain_type in zip(counts / total, shown, strict=True):
            right = left + 2 * half_width * share
            bars.append(
                {
                    "type": "rect",
                    "x0": left,
                    "x1": right,
                    "y0": y - half_height,
                    "y1": y + half_height,
                    "fillcolor": PAIN_TYPE_COLOURS[pain_type],
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
            left = right
        mix = "<br>".join(
            f"{t}: {round(c):,} ({c / total:.0%})" for t, c in zip(shown, counts, strict=True)
        )
        runners = f"{round(total):,} simulated runners"
        if node in splits:
            split = splits[node]
            texts.append(escape_wrapped(split.question, 18))
            hover.append(
                f"<b>node {node}: {html.escape(split.question)}</b><br>{runners}<br>{mix}"
                f"<br><i>from the material</i> ({split.claim}, characters "
                f"[{split.start}:{split.end}]):<br>“{escape_wrapped(split.quote)}”"
            )
        else:
            best = shown[int(counts.argmax())]
            texts.append(f"<b>{best}</b><br>{counts.max() / total:.0%}")
            hover.append(f"<b>leaf {node}: {best}</b><br>{runners}<br>{mix}")
        xs.append(x)
        ys.append(y)
    # One layout update: add_shape per bar re-validates every shape so far (quadratic).
    fig.update_layout(shapes=bars)
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=texts,
            textposition="bottom center",
            textfont={"size": 11},
            marker={"size": 30, "opacity": 0},
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
            name="nodes",
        )
    )
    for pain_type in shown:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=pain_type,
                marker={"symbol": "square", "size": 14, "color": PAIN_TYPE_COLOURS[pain_type]},
            )
        )

    examples = examples or {}
    fixed = len(fig.data)
    captions = []
    for name, (signs, age) in examples.items():
        values = model.feature_values(tree, signs, age)
        nodes = model.walk(tree, values)
        fig.add_trace(
            go.Scatter(
                x=[positions[n][0] for n in nodes],
                y=[positions[n][1] for n in nodes],
                mode="lines+markers",
                line={"color": "#000000", "width": 4},
                marker={"size": 12, "color": "#000000"},
                opacity=0.55,
                name=f"path: {html.escape(name)}",
                hoverinfo="skip",  # hovering a node on the path must show the node and its quote
                visible=False,
                showlegend=False,
            )
        )
        steps = " → ".join(html.escape(s) for s in model.decision_path(tree, kb, values))
        captions.append(_path_caption(f"<b>{html.escape(name)}</b>: {steps}"))
    if examples:
        fig.data[fixed].visible = True
        buttons = []
        for i, name in enumerate(examples):
            visible = [True] * fixed + [j == i for j in range(len(examples))]
            buttons.append(
                {
                    "label": html.escape(name),
                    "method": "update",
                    "args": [{"visible": visible}, {"annotations": [captions[i]]}],
                }
            )
        fig.update_layout(
            updatemenus=_dropdown(buttons, x=0.0, y=1.09, xanchor="left"),
            annotations=[captions[0]],
        )
    size = f" on {cohort_size:,} simulated runners" if cohort_size else " on simulated runners"
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, range=[min(y for _, y in positions.values()) - 0.45, 0.3])
    fig.update_layout(
        legend={"title": "pain type", "orientation": "h", "x": 1, "xanchor": "right", "y": 1.07}
    )
    fig = _style(fig, f"Decision tree fitted{size}", height=680)
    fig.update_layout(margin={"t": 120, "b": 90})
    return fig


def _path_caption(text: str) -> dict:
    """The chosen example runner's path in words, under the tree."""
    return {
        "text": text,
        "x": 0,
        "y": -0.04,
        "xref": "paper",
        "yref": "paper",
        "showarrow": False,
        "xanchor": "left",
        "yanchor": "top",
        "align": "left",
        "font": {"size": 13},
    }


def confusion_heatmap(evaluation) -> go.Figure:
    """A cross-validated confusion matrix: share of each true type given each answer."""
    matrix = evaluation.confusion
    shares = matrix.div(matrix.sum(axis=1), axis=0)
    fig = go.Figure(
        go.Heatmap(
            z=shares.to_numpy(),
            x=list(matrix.columns),
            y=list(matrix.index),
            zmin=0,
            zmax=1,
            colorscale="Blues",
            colorbar={"title": "share of row"},
            text=[
                [f"{s:.0%}<br>({c:,})" for s, c in zip(srow, crow, strict=True)]
                for srow, crow in zip(shares.to_numpy(), matrix.to_numpy(), strict=True)
            ],
            texttemplate="%{text}",
            hovertemplate="simulated %{y}, predicted %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="Predicted pain type")
    fig.update_yaxes(title_text="Simulated pain type", autorange="reversed")
    title = f"{evaluation.name}: confusion matrix, {evaluation.folds}-fold CV on simulated runners"
    return _style(fig, title, height=460)


def tree_versus_rulebook(evaluations) -> go.Figure:
    """Accuracy, macro F1 and per-class recall of each classifier, side by side."""
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("Overall (mean ± sd across folds)", "Recall by pain type")
    )
    palette = ["#0072B2", "#E69F00", "#009E73"]
    for colour, evaluation in zip(palette, evaluations, strict=False):
        fig.add_trace(
            go.Bar(
                name=evaluation.name,
                x=["accuracy", "macro F1"],
                marker_color=colour,
                y=[evaluation.accuracy, evaluation.macro_f1],
                legendgroup=evaluation.name,
                error_y={"type": "data", "array": [evaluation.accuracy_sd, evaluation.macro_f1_sd]},
                text=[f"{evaluation.accuracy:.2f}", f"{evaluation.macro_f1:.2f}"],
                textposition="inside",
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Bar(
                name=evaluation.name,
                x=list(evaluation.recall.index),
                marker_color=colour,
                y=evaluation.recall.to_numpy(),
                legendgroup=evaluation.name,
                showlegend=False,
                text=[f"{r:.2f}" for r in evaluation.recall],
                textposition="inside",
            ),
            row=1,
            col=2,
        )
    fig.update_yaxes(title_text="Score (0 to 1)", range=[0, 1])
    fig.update_layout(barmode="group")
    return _style(
        fig, "Tree versus the article's rulebook, cross-validated on simulated runners", height=460
    )


def noise_sweep_figure(sweep: pd.DataFrame) -> go.Figure:
    """Accuracy of tree and rulebook as the misreporting noise grows."""
    fig = go.Figure()
    for colour, (name, curve) in zip(
        ["#0072B2", "#E69F00"], sweep.groupby("model", sort=False), strict=False
    ):
        fig.add_trace(
            go.Scatter(
                x=curve["misreport"],
                y=curve["accuracy"],
                name=name,
                mode="lines+markers",
                line={"color": colour, "width": 3},
                error_y={"type": "data", "array": curve["accuracy_sd"], "visible": True},
                hovertemplate="misreport %{x:.0%}: accuracy %{y:.3f}<extra>" + name + "</extra>",
            )
        )
    fig.update_xaxes(title_text="Probability that a runner misreports a symptom", tickformat=".0%")
    fig.update_yaxes(title_text="Cross-validated accuracy (0 to 1)", range=[0, 1])
    return _style(
        fig,
        "How robust are the rules? Accuracy as misreporting grows (simulated runners)",
        height=460,
    )


TRIAGE_COLOURS = {"self_care": "#009E73", "see_doctor": "#E69F00", "urgent": "#D55E00"}


def triage_rules_table(kb: KnowledgeBase) -> go.Figure:
    """The red-flag gate: each triage rule, what raises it, its level and its quote."""
    rules = kb.triage
    rules["level"] = rules["level"].astype(str)
    order = {level: i for i, level in enumerate(("urgent", "see_doctor", "self_care"))}
    rules = rules.sort_values("level", key=lambda s: s.map(order), kind="stable")
    raised = [
        "no red flag (baseline)"
        if not flag
        else (
            f"reported: {html.escape(kb.label(flag))}"
            if how == "reported"
            else f"any sign of {html.escape(how)} pain → {html.escape(kb.label(flag))}"
        )
        for flag, how in zip(rules["red_flag"], rules["raised_by"], strict=True)
    ]
    values = [
        rules["id"].tolist(),
        [level.replace("_", " ") for level in rules["level"]],
        raised,
        [f"“{escape_wrapped(q, 70)}”" for q in rules["quote"]],
    ]
    fill = [[TRIAGE_COLOURS[level] + "33" for level in rules["level"]]] * len(values)
    header = ["rule", "level", "raised by", "the material says"]
    fig = go.Figure(_table(header, values, [40, 90, 200, 380], header_colour="#333333", fill=fill))
    return _style(
        fig, "The red-flag gate, applied before any model: rules from the material", height=620
    )


# ----------------------------------------------------------- notebook 03: risk factors

RISK_GROUP_ORDER = (
    "age",
    "posture",
    "weak_core",
    "overtraining",
    "form",
    "flexibility",
    "pelvis",
    "diet",
    "anatomy",
    "running_with_pain",
)


def _group_label(group: str) -> str:
    return group.replace("_", " ")


def _factor_order(kb: KnowledgeBase) -> list[str]:
    factors = kb.entities_of_kind("risk_factor")
    rank = {g: i for i, g in enumerate(RISK_GROUP_ORDER)}
    ordered = factors.assign(rank=factors["group"].map(rank).fillna(len(rank)))
    return ordered.sort_values(["rank"], kind="stable")["id"].tolist()


def evidence_map(kb: KnowledgeBase) -> go.Figure:
    """How much the material says about each risk factor's links, and where it disagrees.

    Rows are risk factors (by family), columns the pain types and causes they are tied
    to; each cell counts the claims, and hovering shows their quotes. A factor whose
    claims the material contradicts is marked.
    """
    from lowback.study.risk import evidence_matrix

    links = evidence_matrix(kb)
    factors = _factor_order(kb)
    pain_targets = [t for t in PAIN_TYPE_COLOURS if t in set(links["target"])]
    cause_targets = [t for t in dict.fromkeys(links.loc[links["target_kind"] == "cause", "target"])]
    targets = pain_targets + cause_targets
    cell = links.set_index(["risk_factor", "target"])
    disputed = set(links.loc[links["contradicted"], "risk_factor"])
    z, text, hover = [], [], []
    for factor in factors:
        row_z, row_text, row_hover = [], [], []
        for target in targets:
            if (factor, target) in cell.index:
                link = cell.loc[(factor, target)]
                row_z.append(link["n_claims"])
                row_text.append(str(link["n_claims"]))
                note = (
                    "<br><b>contradicted elsewhere in the material</b>"
                    if link["contradicted"]
                    else ""
                )
                row_hover.append(
                    f"<b>{html.escape(kb.label(factor))} → {html.escape(kb.label(target))}</b>"
                    f"<br>{link['n_claims']} claim(s): {', '.join(link['claims'])}{note}"
                    f"<br>{_quotes_hover(link['quotes'])}"
                )
            else:
                row_z.append(None)
                row_text.append("")
                row_hover.append(
                    f"{html.escape(kb.label(factor))} → {html.escape(kb.label(target))}: no claim"
                )
        z.append(row_z)
        text.append(row_text)
        hover.append(row_hover)
    groups = kb.entities.set_index("id")["group"]
    rows = [
        f"{html.escape(kb.label(f))} ({_group_label(groups[f])})"
        + (" ⚠ contradicted" if f in disputed else "")
        for f in factors
    ]
    columns = [
        html.escape(kb.label(t)) + (" (cause)" if t in cause_targets else "") for t in targets
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=rows,
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hoverinfo="text",
            colorscale="Blues",
            zmin=0,
            colorbar={"title": "claims", "dtick": 1},
            xgap=2,
            ygap=2,
        )
    )
    fig.update_xaxes(title_text="Pain type or cause the factor is tied to", tickangle=-25)
    fig.update_yaxes(title_text="Risk factor (family)", autorange="reversed")
    title = "What the material says about each risk factor (number of claims)"
    fig = _style(fig, title, height=760)
    fig.update_layout(margin={"b": 150})
    return fig


def age_figure(cohort: pd.DataFrame, kb: KnowledgeBase, band_width: int = 5) -> go.Figure:
    """Pain types by age in a simulated cohort, with the material's over-65 statement.

    Left: the share of each pain type among runners with pain, by age band. Right: the
    age distribution of each pain type. Buttons show one pain type or all.
    """
    from lowback.study.risk import pain_share_by_age

    shares = pain_share_by_age(cohort, band_width)
    shares = shares[shares["runners"] >= 30]  # thin bands would only show noise
    pain_types = [t for t in PAIN_TYPE_COLOURS if f"among_pain_{t}" in shares]
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.55, 0.45],
        horizontal_spacing=0.1,
        subplot_titles=(
            "Share among simulated runners with pain",
            "Age of simulated runners, by pain type",
        ),
    )
    for pain_type in pain_types:
        colour = PAIN_TYPE_COLOURS[pain_type]
        fig.add_trace(
            go.Scatter(
                x=shares.index + band_width / 2,
                y=shares[f"among_pain_{pain_type}"],
                name=pain_type,
                legendgroup=pain_type,
                mode="lines+markers",
                line={"color": colour, "width": 3},
                customdata=shares["runners"],
                hovertemplate=f"{pain_type}: %{{y:.0%}} of runners with pain aged %{{x:.0f}} ± "
                f"{band_width / 2:g}<br>%{{customdata:,}} runners in the band<extra></extra>",
            ),
            row=1,
            col=1,
        )
        ages = cohort.loc[cohort["pain_type"] == pain_type, "age"]
        fig.add_trace(
            go.Histogram(
                x=ages,
                name=pain_type,
                legendgroup=pain_type,
                showlegend=False,
                opacity=0.6,
                marker_color=colour,
                xbins={"start": 15, "end": 90, "size": band_width},
                hovertemplate=f"{pain_type}: %{{y:,}} runners aged %{{x}}<extra></extra>",
            ),
            row=1,
            col=2,
        )
    over_65 = kb.claims.query("subject == 'age_over_65' and relation == 'symptom_of'").iloc[0]
    for col in (1, 2):
        fig.add_vline(x=65.5, line_dash="dash", line_color="#555555", row=1, col=col)
    fig.add_trace(
        go.Scatter(
            x=[65.5],
            y=[0.95],
            mode="markers+text",
            text=["over 65"],
            textposition="middle right",
            marker={"size": 12, "color": "#555555", "symbol": "diamond"},
            showlegend=False,
            hovertext=[
                f"<b>The material</b> ({over_65['id']}, characters [{over_65['start']}:"
                f"{over_65['end']}]):<br>“{escape_wrapped(over_65['quote'])}”"
            ],
            hoverinfo="text",
            name="over 65",
        ),
        row=1,
        col=1,
    )
    n_traces = len(fig.data)
    buttons = [
        {"label": "all pain types", "method": "restyle", "args": [{"visible": [True] * n_traces}]}
    ]
    for pain_type in pain_types:
        visible = [trace.legendgroup in (pain_type, None) for trace in fig.data]
        buttons.append({"label": pain_type, "method": "restyle", "args": [{"visible": visible}]})
    fig.update_layout(
        updatemenus=_dropdown(buttons, x=0.0, y=1.18, xanchor="left"), barmode="overlay"
    )
    fig.update_xaxes(title_text="Age (years)")
    fig.update_yaxes(
        title_text="Share of runners with pain", tickformat=".0%", range=[0, 1], row=1, col=1
    )
    fig.update_yaxes(title_text="Simulated runners", row=1, col=2)
    fig = _style(fig, "Age and pain type in the simulated cohort", height=520)
    fig.update_layout(margin={"t": 130})
    return fig


_OUTCOME_LABELS = {
    "low_back_pain": "any low back pain",
    "muscle": "muscle pain",
    "bone": "bone pain",
    "disc": "disc pain",
}


def _forest_title(outcome: str) -> str:
    label = _OUTCOME_LABELS.get(outcome, outcome)
    return f"Relative risk of {label}, with vs without each factor (simulated, bootstrap 95 % CI)"


def forest_plot(effects: pd.DataFrame, kb: KnowledgeBase) -> go.Figure:
    """Relative risk of an outcome with and without each risk factor (bootstrap 95 % CI).

    A dropdown picks the outcome: any low back pain, or one pain type. Hovering a factor
    shows the claim behind it. The effects come back out of the simulation's assumptions.
    """
    from lowback.study.risk import evidence_matrix

    order = [f for f in _factor_order(kb) if f in set(effects["risk_factor"])]
    evidence = evidence_matrix(kb).groupby("risk_factor")["quotes"].sum()
    labels = [f"{html.escape(kb.label(f))}" for f in order]
    outcomes = list(dict.fromkeys(effects["outcome"]))
    fig = go.Figure()
    for i, outcome in enumerate(outcomes):
        part = effects[effects["outcome"] == outcome].set_index("risk_factor").loc[order]
        colour = PAIN_TYPE_COLOURS.get(outcome, "#7F7F7F")
        fig.add_trace(
            go.Scatter(
                x=part["relative_risk"],
                y=labels,
                mode="markers",
                name=_OUTCOME_LABELS.get(outcome, outcome),
                marker={"size": 11, "color": colour, "symbol": "square"},
                visible=i == 0,
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": part["high"] - part["relative_risk"],
                    "arrayminus": part["relative_risk"] - part["low"],
                    "color": colour,
                    "thickness": 2,
                },
                customdata=[
                    [f"{lo:.2f}", f"{hi:.2f}", f"{w:,}", _quotes_hover(evidence.get(f, []))]
                    for f, lo, hi, w in zip(
                        part.index, part["low"], part["high"], part["with_factor"], strict=True
                    )
                ],
                hovertemplate="<b>%{y}</b>: relative risk %{x:.2f}"
                " (95 % CI %{customdata[0]} to %{customdata[1]})"
                "<br>%{customdata[2]} simulated runners with the factor"
                "<br>%{customdata[3]}<extra></extra>",
            )
        )
    buttons = [
        {
            "label": _OUTCOME_LABELS.get(o, o),
            "method": "update",
            "args": [
                {"visible": [j == i for j in range(len(outcomes))]},
                {"title.text": _forest_title(o)},
            ],
        }
        for i, o in enumerate(outcomes)
    ]
    fig.add_vline(x=1, line_dash="dash", line_color="#555555")
    fig.update_layout(
        updatemenus=_dropdown(buttons, x=1.0, y=1.1, xanchor="right"), showlegend=False
    )
    fig.update_xaxes(title_text="Relative risk (1 = no difference)", type="log")
    fig.update_yaxes(autorange="reversed")
    return _style(fig, _forest_title(outcomes[0]), height=680)


def risk_factor_spotlight(
    effects: pd.DataFrame,
    kb: KnowledgeBase,
    groups: tuple[str, ...] = ("age", "posture", "weak_core", "overtraining"),
) -> go.Figure:
    """One view per risk-factor family: relative risk of each pain type, and the quotes.

    A dropdown picks the family (age, posture, weak core, overtraining, ...); the box
    under the bars quotes what the material says about it.
    """
    from lowback.study.risk import evidence_matrix

    evidence = evidence_matrix(kb)
    pain_types = [
        t for t in PAIN_TYPE_COLOURS if t in set(effects["outcome"]) and t != "low_back_pain"
    ]
    family_of = kb.entities.set_index("id")["group"]
    fig = go.Figure()
    views = []
    for g, group in enumerate(groups):
        factors = [
            f
            for f in _factor_order(kb)
            if family_of.get(f) == group and f in set(effects["risk_factor"])
        ]
        part = effects[effects["risk_factor"].isin(factors)]
        first = len(fig.data)
        for pain_type in pain_types:
            rows = part[part["outcome"] == pain_type].set_index("risk_factor").loc[factors]
            fig.add_trace(
                go.Bar(
                    x=[html.escape(kb.label(f)) for f in factors],
                    y=rows["relative_risk"],
                    name=pain_type,
                    marker_color=PAIN_TYPE_COLOURS[pain_type],
                    visible=g == 0,
                    legendgroup=pain_type,
                    showlegend=g == 0,
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": rows["high"] - rows["relative_risk"],
                        "arrayminus": rows["relative_risk"] - rows["low"],
                    },
                    hovertemplate=f"{pain_type}: relative risk %{{y:.2f}}<extra>%{{x}}</extra>",
                )
            )
        quotes = evidence.loc[evidence["risk_factor"].isin(factors), "quotes"].sum()
        views.append((first, len(fig.data), _quotes_hover(quotes)))
    buttons = []
    for g, (group, (first, last, quotes)) in enumerate(zip(groups, views, strict=True)):
        visible = [first <= i < last for i in range(len(fig.data))]
        annotation = {
            "text": f"<b>The material on {_group_label(group)}:</b><br>{quotes}",
            "x": 0,
            "y": -0.32,
            "xref": "paper",
            "yref": "paper",
            "showarrow": False,
            "align": "left",
            "xanchor": "left",
            "yanchor": "top",
            "font": {"size": 14},
        }
        buttons.append(
            {
                "label": _group_label(group),
                "method": "update",
                "args": [{"visible": visible}, {"annotations": [annotation]}],
            }
        )
        if g == 0:
            fig.update_layout(annotations=[annotation])
    fig.add_hline(y=1, line_dash="dash", line_color="#555555")
    fig.update_layout(
        updatemenus=_dropdown(buttons, x=1.0, y=1.12, xanchor="right"), barmode="group"
    )
    fig.update_yaxes(title_text="Relative risk (1 = no difference)")
    fig.update_xaxes(title_text="Risk factor in the family")
    fig = _style(
        fig,
        "Spotlight on a family of risk factors: relative risk by pain type (simulated)",
        height=720,
    )
    fig.update_layout(margin={"b": 260})
    return fig


def _prevention_hover(kb: KnowledgeBase, cell: pd.DataFrame, measure: str, target: str) -> str:
    what = f"{html.escape(kb.label(measure))} against {html.escape(kb.label(target))}"
    if (measure, target) not in cell.index:
        return f"{what}: nothing said"
    return f"<b>{what}</b><br>{_quotes_hover(cell.loc[(measure, target), 'quotes'])}"


def prevention_map(kb: KnowledgeBase) -> go.Figure:
    """Which measures the material offers against which risk factors (and in general)."""
    from lowback.study.risk import prevention_matrix

    links = prevention_matrix(kb)
    measures = list(dict.fromkeys(links["measure"]))
    factors = [f for f in _factor_order(kb) if f in set(links["target"])]
    targets = ["low_back_pain", *factors]
    cell = links.set_index(["measure", "target"])
    z, hover = [], []
    for measure in measures:
        z.append(
            [
                cell.loc[(measure, t), "n_claims"] if (measure, t) in cell.index else None
                for t in targets
            ]
        )
        hover.append([_prevention_hover(kb, cell, measure, t) for t in targets])
    columns = ["low back pain (in general)", *(html.escape(kb.label(f)) for f in factors)]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=[html.escape(kb.label(m)) for m in measures],
            hovertext=hover,
            hoverinfo="text",
            colorscale=[[0, "#9ECAE1"], [1, "#0072B2"]],
            showscale=False,
            xgap=3,
            ygap=3,
            text=[["✓" if v else "" for v in row] for row in z],
            texttemplate="%{text}",
        )
    )
    fig.update_xaxes(title_text="What the measure works against")
    fig.update_yaxes(
        title_text="Prevention (or treatment) the material offers", autorange="reversed"
    )
    return _style(
        fig, "Prevention: which measures the material offers against which risk factors", height=560
    )
