"""Figures of the knowledge base: escaping of record text, the Sankey's highlight, and the
source menus that show each source alone or all of them."""

from __future__ import annotations

import html
import json

import pandas as pd
import pytest

from lowback import load_knowledge_base
from lowback.data.coverage import sentence_coverage
from lowback.figures import knowledge
from tests.data.test_second_source_notebook import (
    CLAIM_ID,
    MADE_UP_ID,
    PUBLISHER,
    TEXT,
    add_made_up_source,
)
from tests.figures.conftest import MARKUP
from tests.figures.conftest import PLOTLY_ESCAPED as ESCAPED

FIGURES = ["material_map", "records_by_kind", "evidence_table", "evidence_sankey"]
_FADED = "rgba(200,200,200,0.25)"  # a link the highlight fades


def _json(fig) -> str:
    # plotly's JSON writes every "<" as \u003c; decode it, so a check can see a raw tag (and
    # a quote as itself, not \", as the figure shows it).
    return json.dumps(json.loads(fig.to_json()), ensure_ascii=False).replace('\\"', '"')


@pytest.mark.parametrize("figure", ["evidence_sankey", "evidence_table"])
def test_record_text_with_markup_is_escaped_in_figures(kb_with_markup, figure):
    assert kb_with_markup.label("weak_core") == MARKUP
    as_json = _json(getattr(knowledge, figure)(kb_with_markup))
    assert "<img" not in as_json
    assert ESCAPED in as_json


@pytest.mark.parametrize("figure", FIGURES)
def test_a_publisher_with_markup_is_escaped_in_every_figure_and_its_menu(data_copy, figure):
    add_made_up_source(data_copy)
    path = data_copy / "records" / "sources.csv"
    sources = pd.read_csv(path, dtype=str, keep_default_na=False)
    sources.loc[sources["id"] == MADE_UP_ID, "publisher"] = MARKUP
    sources.to_csv(path, index=False, lineterminator="\n")
    fig = getattr(knowledge, figure)(load_knowledge_base(data_copy))
    as_json = _json(fig)
    assert "<img" not in as_json
    assert ESCAPED in as_json
    if figure != "material_map":  # a strip per source, not a menu
        labels = [b.label for b in _source_menu(fig)]
        assert any(ESCAPED in label for label in labels), labels  # the made-up source's facet


def test_the_sources_overview_lists_every_source_with_its_record_text_as_text(data_copy):
    add_made_up_source(data_copy)
    path = data_copy / "records" / "sources.csv"
    sources = pd.read_csv(path, dtype=str, keep_default_na=False)
    made_up = sources["id"] == MADE_UP_ID
    sources.loc[made_up, "publisher"] = MARKUP
    sources.loc[made_up, "title"] = "<script>alert(1)</script>"
    sources.to_csv(path, index=False, lineterminator="\n")
    kb = load_knowledge_base(data_copy)
    page = knowledge.sources_overview(kb)
    assert "<img" not in page and "<script>" not in page
    assert "&lt;img src=x onerror=" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<tr>") == len(kb.sources) + 2  # a row per source, two header rows
    for column in ("publisher", "title", "url", "licence", "data set"):
        assert f">{column}</th>" in page
    assert page == knowledge.sources_overview(kb)  # the same bytes: stored outputs stay put


def test_source_views_are_all_sources_then_each_collection(kb, kb_two):
    views = knowledge.source_views(kb_two)
    sources = kb_two.sources
    assert views[0] == (knowledge.ALL_SOURCES, tuple(sources["id"]))
    assert [set(v.sources) for v in views[1:]] == [
        set(part["id"]) for _, part in sources.groupby("collection", sort=False)
    ]
    assert (PUBLISHER, (MADE_UP_ID,)) in views
    # One collection: one facet, so no source menu.
    first = sources.loc[sources["collection"] == sources["collection"].iloc[0], "id"]
    alone = kb.restricted_to(first)
    assert len(knowledge.source_views(alone)) == 1
    for figure in FIGURES:
        assert not getattr(knowledge, figure)(alone).layout.updatemenus[1:], figure


def _source_menu(fig) -> list:
    (menu,) = [m for m in fig.layout.updatemenus if m.buttons[0].label.startswith("All sources")]
    return list(menu.buttons)


def test_records_by_kind_shows_each_facet_s_own_records(kb_two):
    fig = knowledge.records_by_kind(kb_two)
    views = knowledge.source_views(kb_two)
    buttons = _source_menu(fig)
    assert [b.label for b in buttons] == [html.escape(v.label) for v in views]
    for view, button in zip(views, buttons, strict=True):
        part = kb_two.restricted_to(view.sources)
        traces, layout = button.args
        entities, _ = traces["y"]
        assert sum(entities) == len(part.entities)
        assert f"not to the {len(part.claims)} claims" in traces["name"][1]
        assert f"{len(part.entities)} entities" in layout["title.text"]
    # The first facet is what the figure shows before anyone picks one: all sources.
    assert list(fig.data[0].y) == buttons[0].args[0]["y"][0]
    made_up = buttons[[v.sources for v in views].index((MADE_UP_ID,))]
    assert PUBLISHER in made_up.args[0]["hovertemplate"][0]  # hover names the publisher


def test_the_evidence_table_s_source_and_relation_menus_combine(kb_two):
    fig = knowledge.evidence_table(kb_two)
    views = knowledge.source_views(kb_two)
    claims = kb_two.claims
    assert len(fig.data) == len(views)
    assert [t.visible is not False for t in fig.data] == [True] + [False] * (len(views) - 1)
    buttons = _source_menu(fig)
    for i, (view, button, trace) in enumerate(zip(views, buttons, fig.data, strict=True)):
        mine = claims[claims["source"].isin(view.sources)]
        assert list(trace.cells.values[0]) == mine["id"].tolist()
        assert button.label.endswith(f"({len(mine)})")
        assert button.args[0]["visible"] == [j == i for j in range(len(views))]
    relations = fig.layout.updatemenus[0]
    assert relations.buttons[0].label == "all relations"  # several facets: no count
    picked = next(b for b in relations.buttons if b.label == "risk factor for")
    for view, values in zip(views, picked.args[0]["cells.values"], strict=True):
        wanted = claims["source"].isin(view.sources) & (claims["relation"] == "risk_factor_for")
        assert values[0] == claims.loc[wanted, "id"].tolist()
    row = list(fig.data[0].cells.values[0]).index(CLAIM_ID)
    assert fig.data[0].cells.values[1][row].startswith(PUBLISHER)  # the source column


def test_one_source_keeps_its_relation_counts(kb):
    alone = kb.restricted_to(kb.sources["id"].iloc[:1])
    fig = knowledge.evidence_table(alone)
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels[0] == f"all relations ({len(alone.claims)})"


def test_the_sankey_shows_each_facet_s_flow_and_names_publishers_on_hover(kb_two):
    fig = knowledge.evidence_sankey(kb_two)
    views = knowledge.source_views(kb_two)
    assert len(fig.data) == len(views)
    made_up = fig.data[[v.sources for v in views].index((MADE_UP_ID,))]
    assert set(made_up.node.label) == {"Hill repeats", kb_two.label("low_back_pain")}
    assert [c[0] for c in made_up.link.customdata] == [f"{PUBLISHER}: {CLAIM_ID}"]
    every = fig.data[0]
    assert sum(every.link.value) == sum(sum(t.link.value) for t in fig.data[1:])


def _links(fig, trace: int) -> list[tuple[str, str]]:
    sankey = fig.data[trace]
    labels = list(sankey.node.label)
    return [
        (labels[s], labels[t]) for s, t in zip(sankey.link.source, sankey.link.target, strict=True)
    ]


def _kept(fig, trace: int, factor: str) -> set[tuple[str, str]]:
    """The links of a trace the highlight of ``factor`` keeps in colour."""
    button = next(b for b in fig.layout.updatemenus[0].buttons if b.label == factor)
    colours = button.args[0]["link.color"][trace]
    return {link for link, c in zip(_links(fig, trace), colours, strict=True) if c != _FADED}


def test_sankey_highlight_keeps_exactly_the_factor_s_downstream_links(kb):
    # Lumbar fatigue causes muscle pain only: the pressure it puts on the discs is not disc
    # pain (data/CURATION.md, section 7), so no link from overuse reaches disc pain. Read
    # in the records of the source that says overuse leads to lumbar fatigue.
    claims = kb.claims
    said = (claims["subject"] == "overuse") & (claims["object"] == "lumbar_fatigue")
    source = kb.restricted_to([claims.loc[said, "source"].iloc[0]])
    fig = knowledge.evidence_sankey(source, highlight=True)
    assert {source for source, _ in _kept(fig, 0, "Overuse")} == {
        "Overuse",
        "Lumbar fatigue",
        "Low back pain",
        "Muscle pain",
    }


def test_sankey_highlight_fades_what_is_not_downstream_in_every_facet(kb_two):
    fig = knowledge.evidence_sankey(kb_two, highlight=True)
    factors = [b.label for b in fig.layout.updatemenus[0].buttons[1:]]
    assert "Hill repeats" in factors
    for trace in range(len(fig.data)):
        links = set(_links(fig, trace))
        for factor in factors:
            reached, frontier = set(), {factor} & {s for s, _ in links}
            while frontier:  # every node a path from the factor reaches
                reached |= frontier
                frontier = {t for s, t in links if s in frontier} - reached
            downstream = {(s, t) for s, t in links if s in reached}
            assert _kept(fig, trace, factor) == downstream, (trace, factor)


def test_the_material_map_has_a_strip_per_source_with_its_numbers(kb_two):
    coverage = sentence_coverage(kb_two)
    fig = knowledge.material_map(kb_two, coverage=coverage)
    summary = knowledge.source_summary(kb_two, coverage)
    titles = [a.text for a in fig.layout.annotations]
    assert len(titles) == len(kb_two.sources) == len(summary)
    for title, (source_id, row) in zip(titles, summary.iterrows(), strict=True):
        assert title.startswith(f"<b>{html.escape(row['publisher'])}</b>")
        assert f"{len(kb_two.texts[source_id]):,} characters" in title
        assert f"{row['sentences']} on-topic sentences: {row['claim']} backed by a claim" in title
    made_up = summary.loc[MADE_UP_ID]
    assert (made_up["sentences"], made_up["claim"], made_up["skipped"]) == (2, 1, 1)
    hovers = [c[-1] for t in fig.data for c in t.customdata if t.name.startswith("sentence")]
    assert hovers.count(PUBLISHER) == made_up["sentences"]  # hover names the publisher
    # Shares of each source's characters: its passages tile it.
    passages = kb_two.passages
    width = (passages["end"] - passages["start"]).groupby(passages["source"]).sum()
    assert width.to_dict() == {s: len(t) for s, t in kb_two.texts.items()}
    (alone,) = knowledge.material_map(kb_two, MADE_UP_ID).layout.annotations
    assert alone.text.startswith(f"{len(TEXT):,} characters, ")  # one strip: no publisher line


def test_claim_readings_count_every_claim_once_by_publisher(kb_two):
    table = knowledge.claim_readings(kb_two)
    assert list(table.columns) == ["states", "hedges", "recommends", "claims"]
    singles = table[table.index.get_level_values("said by") != "all"]
    assert singles["claims"].sum() == len(kb_two.claims)
    assert (table[["states", "hedges", "recommends"]].sum(axis=1) == table["claims"]).all()
    assert table.loc[(PUBLISHER, "article"), "states"] == 1


def test_contradictions_keep_both_sides_with_their_quotes(kb):
    sides = knowledge.contradictions(kb)
    assert len(sides) >= 1
    claims = kb.claims.set_index("id")
    for link, row in sides.iterrows():
        claim = claims.loc[link]
        assert claim["relation"] == "contradicts"
        assert claims.loc[claim["object"], "quote"] in row["one side"]
        assert claims.loc[claim["subject"], "quote"] in row["the other side"]


def test_every_contradiction_is_two_quote_cards_side_by_side(kb):
    cards = knowledge.contradiction_cards(kb)
    claims = kb.claims.set_index("id")
    links = claims[claims["relation"] == "contradicts"]
    assert len(links) >= 6  # the material contradicts itself at least six times
    assert cards.count('<div class="pair">') == len(links)
    assert cards.count("<blockquote>") == 2 * len(links)
    for link, claim in links.iterrows():
        assert f"{link}:" in cards
        for side in (claim["subject"], claim["object"]):
            assert html.escape(claims.loc[side, "quote"], quote=False) in cards.replace(
                "&#39;", "'"
            )


def test_contradiction_cards_show_record_text_as_text(data_copy):
    path = data_copy / "records" / "claims.csv"
    claims = pd.read_csv(path, dtype=str, keep_default_na=False)
    contradiction = claims["relation"] == "contradicts"
    claims.loc[contradiction.idxmax(), "note"] = "<script>alert(1)</script>"
    claims.to_csv(path, index=False, lineterminator="\n")
    cards = knowledge.contradiction_cards(load_knowledge_base(data_copy))
    assert "<script>alert(1)</script>" not in cards
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in cards
