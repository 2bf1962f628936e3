"""Figures of the knowledge base (notebook 01): the sources, the records and the evidence.

Where each source is on topic and which sentences the claims cover, how many records of
each kind there are, every claim with its exact quote, and the material's contradictions
with both sides kept; the flow from risk factors and causes through pain types to
treatments and tests is :mod:`lowback.figures.flow` (shown from here as
:func:`evidence_sankey`). With several sources, the evidence figures get a source menu
(:mod:`lowback.figures.facets`: all sources, then each collection, by its publishers), a
plotly menu that works in the static report with no kernel. Everything here comes
straight from the records; no simulation is involved.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import jinja2
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lowback.data.coverage import STATUSES, sentence_coverage
from lowback.data.records import KnowledgeBase
from lowback.data.schema import ATTRIBUTIONS, KINDS, MODALITIES
from lowback.figures.facets import ALL_SOURCES, SourceView, source_views
from lowback.figures.facets import publishers as _publishers
from lowback.figures.facets import showing_one as _showing_one
from lowback.figures.facets import with_source_menu as _with_source_menu
from lowback.figures.flow import evidence_sankey
from lowback.figures.style import (
    COVERAGE_COLOURS,
    RECORD_COLOURS,
    TOPIC_COLOURS,
    counted,
    describe,
    dropdown,
    escape_wrapped,
    plain,
    style_figure,
    table,
)

__all__ = [
    "ALL_SOURCES",
    "SourceView",
    "claim_readings",
    "contradiction_cards",
    "contradictions",
    "evidence_sankey",
    "evidence_table",
    "material_map",
    "percent",
    "records_by_kind",
    "source_summary",
    "source_views",
    "sources_overview",
]


def sources_overview(kb: KnowledgeBase) -> str:
    """The sources present as an HTML table (id, publisher, institute, title, url, licence,
    data set), record text escaped and long words (URLs, commits) broken to fit the page.
    Show it in a notebook with ``IPython.display.HTML``."""
    columns = ["publisher", "institute", "title", "url", "licence", "dataset"]
    table = kb.sources.set_index("id")[columns]
    styled = table.rename(columns={"dataset": "data set"}).style.set_uuid("lowback_sources")
    styled = styled.format(escape="html").format_index(escape="html")
    left = {"selector": "td", "props": "text-align: left"}
    wrap = {"selector": "td.col3, td.col5", "props": "overflow-wrap: anywhere"}  # url, data set
    return styled.set_table_styles([left, wrap]).to_html()


def source_summary(kb: KnowledgeBase, coverage: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each source's length, off-topic share and sentence coverage: what
    :func:`material_map` states for it, and the captions of notebook 01 say.

    Indexed by source id, in ``sources.csv`` order: ``publisher, title, characters,
    off_topic`` (the share of its characters in off-topic passages), ``sentences``
    (on-topic ones) and the sentences of each coverage status (``claim, skipped,
    uncovered``). ``coverage``: :func:`lowback.data.coverage.sentence_coverage` of
    ``kb``, if already computed.
    """
    coverage = sentence_coverage(kb) if coverage is None else coverage
    sources = kb.sources.set_index("id")
    passages = kb.passages
    width = passages["end"] - passages["start"]
    off = width[passages["topic"] == "off_topic"].groupby(passages["source"]).sum()
    status = pd.Categorical(coverage["status"], categories=STATUSES)
    counts = (
        pd.crosstab(coverage["source"], status, dropna=False)
        .reindex(index=sources.index, columns=list(STATUSES), fill_value=0)
        .astype(int)
    )
    summary = sources[["publisher", "title"]].copy()
    summary["characters"] = [len(kb.texts[s]) for s in sources.index]
    summary["off_topic"] = off.reindex(sources.index, fill_value=0) / summary["characters"]
    summary["sentences"] = counts.sum(axis=1)
    return summary.join(counts)


def percent(share: float) -> str:
    """A share as notebook 01 writes it (``17%``), never rounded to none or to all."""
    if 0 < share < 0.005 or 0.995 <= share < 1:
        return "under 1%" if share < 0.5 else "over 99%"
    return f"{share:.0%}"


def _strip_title(row: pd.Series, *, many: bool) -> str:
    """A source's strip title: who and what, then the numbers (escaped record text)."""
    what = plain(textwrap.shorten(row["title"], 70, placeholder="…"))
    numbers = f"{row['characters']:,} characters, {percent(row['off_topic'])} off topic"
    covered = f"{row['sentences']} on-topic sentences: {row['claim']} backed by a claim"
    covered += f", {row['skipped']} skipped"
    if row["uncovered"]:
        covered += f", {row['uncovered']} uncovered"
    who = f"<b>{plain(row['publisher'])}</b> · {what}<br>" if many else ""
    return f"{who}{numbers} · {covered}"


def _bars(fig, row, part, name, colour, y, data, hover, shown: set[str]) -> None:
    """One strip's bars of one topic or coverage status (none if ``part`` is empty);
    each name once in the legend, which toggles it in every strip."""
    if part.empty:
        return
    bar = go.Bar(
        name=name,
        legendgroup=name,
        showlegend=name not in shown,
        y=[y] * len(part),
        x=part["end"] - part["start"],
        base=part["start"],
        orientation="h",
        marker={"color": colour, "line": {"color": "white", "width": 1}},
        customdata=data,
        hovertemplate=hover + "<extra></extra>",
    )
    fig.add_trace(bar, row=row, col=1)
    shown.add(name)


def material_map(
    kb: KnowledgeBase, source: str | None = None, *, coverage: pd.DataFrame | None = None
) -> go.Figure:
    """Each source as a strip: its passages by topic, and its on-topic sentences by coverage.

    One strip per source, in ``sources.csv`` order, all on one scale of characters (so
    their lengths compare); each strip's title names its publisher and title, and states
    its length, its off-topic share and how its sentences are covered
    (:func:`source_summary`). Hover a passage or a sentence to read it. ``source``: one
    source id, to show its strip alone; ``coverage`` as in :func:`source_summary`.
    """
    if source is not None:
        kb = kb.restricted_to([source])
        coverage = None if coverage is None else coverage[coverage["source"] == source]
    coverage = sentence_coverage(kb) if coverage is None else coverage
    summary = source_summary(kb, coverage)
    ids, many = list(summary.index), len(summary) > 1
    strip, gap = 56, (58 if many else 34)  # pixels: a strip's two bars; a title between strips
    plot = len(ids) * strip + (len(ids) - 1) * gap
    fig = make_subplots(
        rows=len(ids),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=gap / plot if many else 0.0,
        subplot_titles=[_strip_title(summary.loc[s], many=many) for s in ids],
    )
    fig.update_annotations(font_size=14, xanchor="left", x=0, align="left")
    publishers, totals = _publishers(kb), coverage["status"].value_counts()
    shown: set[str] = set()
    for row, source_id in enumerate(ids, start=1):
        text, publisher = kb.texts[source_id], publishers[source_id]
        passages = kb.passages.query("source == @source_id").sort_values("start")
        for topic, colour in TOPIC_COLOURS.items():
            part = passages[passages["topic"] == topic]
            data = [
                [p.id, plain(p.heading or "(no heading)"), p.start, p.end, publisher, words]
                for p in part.itertuples(index=False)
                for words in [escape_wrapped(text[p.start : p.end][:140] + "…")]
            ]
            hover = (
                f"<b>%{{customdata[0]}}</b> ({topic}), %{{customdata[4]}}<br>%{{customdata[1]}}"
                "<br>characters [%{customdata[2]}:%{customdata[3]}]<br>%{customdata[5]}"
            )
            name = f"{topic.replace('_', '-')} passage"
            _bars(fig, row, part, name, colour, "passages", data, hover, shown)
        sentences = coverage[coverage["source"] == source_id]
        for status, colour in COVERAGE_COLOURS.items():
            part = sentences[sentences["status"] == status]
            data = [[by, escape_wrapped(s), publisher] for by, s in part[["by", "sentence"]].values]
            hover = f"<b>{status}</b> %{{customdata[0]}}, %{{customdata[2]}}<br>%{{customdata[1]}}"
            name = f"sentence: {status} ({totals.get(status, 0)})"
            _bars(fig, row, part, name, colour, "sentences", data, hover, shown)
    longest = int(summary["characters"].max())
    fig.update_xaxes(range=[0, longest])
    fig.update_xaxes(title_text="Position in the source (characters)", row=len(ids))
    fig.update_yaxes(categoryorder="array", categoryarray=["sentences", "passages"])
    fig.update_layout(
        barmode="overlay",
        legend={"orientation": "h", "x": 0, "y": 0, "yref": "container", "yanchor": "bottom"},
    )
    title = (
        f"Where each of the {len(ids)} sources is on topic (one scale of characters)"
        if many
        else f"Where the material is on topic ({longest:,} characters)"
    )
    top, bottom = (120 if many else 110), 120
    fig = style_figure(fig, title, height=top + plot + bottom)
    fig.update_layout(margin={"t": top, "b": bottom})
    return describe(fig, _material_summary(summary))


def _material_summary(summary: pd.DataFrame) -> str:
    """The material map in words: its sources, their length, off-topic share and coverage."""
    characters = int(summary["characters"].sum())
    off = (summary["off_topic"] * summary["characters"]).sum() / characters if characters else 0
    sentences = int(summary["sentences"].sum())
    sources = counted(len(summary), "source")
    return (
        f"{sources}, {characters:,} characters in all, {percent(off)} of them in off-topic "
        f"passages. Of {counted(sentences, 'on-topic sentence')}, "
        f"{int(summary['claim'].sum()):,} are backed by a claim, "
        f"{int(summary['skipped'].sum()):,} skipped and {int(summary['uncovered'].sum()):,} "
        "covered by no record. Each source is a strip: its passages coloured by topic "
        "(article, FAQ, off topic) and its sentences by coverage."
    )


def records_by_kind(kb: KnowledgeBase) -> go.Figure:
    """Entities of each kind, and the claims that name an entity of that kind.

    A claim names two entities (its subject and object), so it counts under both their
    kinds (once where both are of one kind) and under none when it links two claims
    (``contradicts``): the claims' bars do not add up to the number of claims, and the
    legend says so, with both totals. With several sources, a menu shows the records of
    each facet (:func:`source_views`): its claims and the entities they name.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> fig = records_by_kind(kb)
    >>> len(fig.data) > 0, bool(fig.layout.title.text)
    (True, True)
    """
    views = source_views(kb)
    states = []  # per facet: the traces' attributes, and the layout's
    summaries = []
    for view in views:
        part = kb.restricted_to(view.sources)
        kinds = part.claims_with_labels()[["subject_kind", "object_kind"]]
        entities = [int((part.entities["kind"] == k).sum()) for k in KINDS]
        named = [int(kinds.eq(k).any(axis=1).sum()) for k in KINDS]
        n_entities, n_claims = len(part.entities), len(part.claims)
        where = "" if len(views) < 2 else f"{plain(view.label)}: "
        traces = {
            "y": [entities, named],
            "text": [entities, named],
            "name": [
                f"entities of this kind ({n_entities} in all)",
                "claims naming an entity of this kind (a claim names two, so these bars "
                f"add up to {sum(named)}, not to the {n_claims} claims)",
            ],
            "hovertemplate": [
                f"{where}%{{y}} entities of kind %{{x}}<extra></extra>",
                f"{where}%{{y}} claims name an entity of kind %{{x}}<extra></extra>",
            ],
        }
        title = f"{n_entities} entities, and how many of the {n_claims} claims name each kind"
        states.append(("update", [traces, {"title.text": title}]))
        most = max(range(len(KINDS)), key=lambda k: entities[k])
        named_most = max(range(len(KINDS)), key=lambda k: named[k])
        summaries.append(
            f"{counted(n_entities, 'entity', 'entities')} of {len(KINDS)} kinds and "
            f"{counted(n_claims, 'claim')}; the commonest kind of entity is "
            f"{KINDS[most].replace('_', ' ')} ({entities[most]}), and the kind claims name "
            f"most often is {KINDS[named_most].replace('_', ' ')} ({named[named_most]} claims)."
        )
    first = states[0][1][0]
    fig = go.Figure(
        [
            go.Bar(
                x=list(KINDS),
                marker_color=colour,
                textposition="outside",
                **{key: values[i] for key, values in first.items()},
            )
            for i, colour in enumerate(RECORD_COLOURS.values())
        ]
    )
    fig.update_layout(
        barmode="group",
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
    )
    fig.update_xaxes(title_text="Kind of entity")
    fig.update_yaxes(title_text="Entities, or claims naming one")
    fig = style_figure(fig, states[0][1][1]["title.text"])
    fig.update_layout(margin={"t": 130})
    where = "" if len(views) < 2 else f"{views[0].label}: "
    return describe(_with_source_menu(fig, views, states), where + summaries[0])


def _wrapped_id(name: str, width: int = 18) -> str:
    """An id in lines of about ``width`` characters, broken after underscores."""
    return "_<br>".join(textwrap.wrap(name.replace("_", " "), width)).replace(" ", "_")


def evidence_table(kb: KnowledgeBase) -> go.Figure:
    """Every claim with its source, quote and offsets; dropdowns filter by relation and,
    with several sources, by source facet (:func:`source_views`). The two menus combine:
    one table per facet, the source menu shows one of them, the relation menu filters
    each.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> fig = evidence_table(kb)
    >>> len(fig.data) > 0, bool(fig.layout.title.text)
    (True, True)
    """
    claims = kb.claims_with_labels()
    publishers = _publishers(kb)

    def cells(part: pd.DataFrame) -> list[list[str]]:
        return [
            part["id"].tolist(),
            [f"{publishers[s]}<br><i>{_wrapped_id(s)}</i>" for s in part["source"]],
            [plain(v) for v in part["subject_label"]],
            part["relation"].astype(str).str.replace("_", " ").tolist(),
            [plain(v) for v in part["object_label"]],
            [f"“{escape_wrapped(q, 70)}”" for q in part["quote"]],
            [f"[{s}:{e}]" for s, e in zip(part["start"], part["end"], strict=True)],
        ]

    views = source_views(kb)
    parts = [claims[claims["source"].isin(view.sources)] for view in views]
    relations = [r for r in claims["relation"].cat.categories if (claims["relation"] == r).any()]
    header = ["claim", "source", "subject", "relation", "object", "quote", "characters"]
    widths = [40, 110, 100, 70, 100, 300, 75]
    fig = go.Figure([table(header, cells(part), widths) for part in parts])
    for trace in fig.data[1:]:
        trace.visible = False
    buttons = []
    for label, relation in [
        ("all relations", None),
        *[(r.replace("_", " "), r) for r in relations],
    ]:
        picked = [p if relation is None else p[p["relation"] == relation] for p in parts]
        if len(views) == 1:  # counts only where they are those of the one table filtered
            label += f" ({len(picked[0])})"
        values = [cells(p) for p in picked]
        buttons.append({"label": label, "method": "restyle", "args": [{"cells.values": values}]})
    menus = dropdown(buttons, x=1.0, y=1.12, xanchor="right")
    counts = [len(part) for part in parts]
    fig.update_layout(updatemenus=menus)
    fig = style_figure(fig, "The evidence: every claim with its exact quote", height=700)
    fig = _with_source_menu(fig, views, _showing_one(len(views)), counts)
    return describe(
        fig,
        f"A table of {counted(len(claims), 'claim')} from "
        f"{counted(claims['source'].nunique(), 'source')}, each with its source, subject, "
        "relation, object, exact quote and character offsets; a menu filters them by "
        f"relation ({counted(len(relations), 'relation')})"
        + (f" and another by source ({len(views)} views)." if len(views) > 1 else "."),
    )


def claim_readings(kb: KnowledgeBase) -> pd.DataFrame:
    """How the claims are said, by publisher and by who says them.

    Rows: each publisher (in ``sources.csv`` order) and each attribution of its claims
    (article, experts, faq, publisher), with an ``all`` row where a publisher's claims
    have several; columns: the number of claims of each modality and in all. Publisher
    names are record text: shown in a notebook, pandas escapes them.
    """
    claims = kb.claims
    publisher = claims["source"].map(kb.sources.set_index("id")["publisher"])
    rows = {}
    for name in dict.fromkeys(publisher):
        mine = claims[publisher == name]
        parts = [(str(a), mine[mine["attributed"] == a]) for a in ATTRIBUTIONS]
        parts = [(who, part) for who, part in parts if len(part)]
        if len(parts) > 1:
            parts.append(("all", mine))
        for who, part in parts:
            rows[(name, who)] = [int((part["modality"] == m).sum()) for m in MODALITIES]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(MODALITIES))
    table.index = pd.MultiIndex.from_tuples(list(rows), names=["publisher", "said by"])
    table["claims"] = table.sum(axis=1)
    return table


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

    Each card says who says it (the article, its experts, the FAQ, or the publisher of a
    reference text, by name), the quote, how it is said (stated, hedged, a
    recommendation), its claim id and offsets; the curator's note follows. Record text is
    escaped (the template autoescapes). Show it in a notebook with
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
                    "who": _WHO.get(str(claim["attributed"])) or kb.publisher(claim["source"]),
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
