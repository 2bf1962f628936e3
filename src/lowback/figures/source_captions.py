"""Captions of the sources: what each source holds (notebook 01) and how the article reads
against the NIH texts (notebook 04), computed from the records they describe.

Like :mod:`lowback.figures.captions`, every number a caption states is built here from
the data; record text (a publisher, a title, a note) is escaped for Markdown.
"""

from __future__ import annotations

import html

import pandas as pd

from lowback.data.records import KnowledgeBase
from lowback.data.schema import VERDICTS
from lowback.figures.captions import MARKDOWN_SYNTAX
from lowback.figures.comparison import in_sentence, level_tally, words
from lowback.figures.knowledge import claim_readings, percent, source_summary, source_views
from lowback.study.comparison import (
    careful_readings,
    collection_label,
    nih_only_claims,
    other_side_claims,
    paired_signs,
    recurring_notes,
    sides,
    verdict_counts,
    warning_signs,
    weighed_claims,
)
from lowback.study.gate import GATE_SCOPE

# ---------------------------------------------------------------------------------------------
# The article against the NIH (notebook 04)
# ---------------------------------------------------------------------------------------------

#: A verdict in a count: "36 agreeing", "1 going beyond".
_VERDICT_COUNTED = {
    "agrees": "agreeing",
    "differs": "differing",
    "goes_beyond": "going beyond",
    "silent": "silent",
}


def _text(text: str) -> str:
    """Any text for a Markdown caption (a publisher, a note, a path): shown as written."""
    return html.escape(str(text), quote=False).translate(MARKDOWN_SYNTAX)


def _sides_text(kb: KnowledgeBase) -> tuple[str, str]:
    mine, *others = sides(kb)
    other = " and ".join(collection_label(kb, c) for c in others)
    return _text(in_sentence(collection_label(kb, mine))), _text(other)


def _counted(counts: pd.Series) -> str:
    return ", ".join(f"{n} {_VERDICT_COUNTED[v]}" for v, n in counts.items() if n)


def comparison_status(kb: KnowledgeBase) -> str:
    """What notebook 04 can compare here, in one line: the sources missing on this machine
    (each with how to fetch it), or that no comparison is recorded, or how many
    comparisons weigh how many claims against how many."""
    if kb.missing:
        listed = "; ".join(_text(m) for m in kb.missing)
        return f"**Not on this machine, so no comparison is shown:** {listed}."
    table = weighed_claims(kb)
    if table.empty:
        return "**No comparison is recorded** in `data/records/comparisons.csv`: nothing to show."
    mine, other = _sides_text(kb)
    theirs = other_side_claims(kb)
    return (
        f"{len(table)} comparisons weigh {table['claim'].nunique()} claims of {mine} against "
        f"the {len(theirs)} claims of {other} ({theirs['source'].nunique()} texts)."
    )


def comparison_verdicts(kb: KnowledgeBase) -> str:
    """How the comparisons end, in all and in the topic with the most of them: the
    numbers :func:`lowback.figures.comparison.verdict_bars` shows."""
    counts = verdict_counts(kb)
    table = weighed_claims(kb)
    mine, other = _sides_text(kb)
    totals = counts.sum(axis=1)
    top = totals.idxmax()
    return (
        f"*Figure 1.* {len(table)} comparisons of {table['claim'].nunique()} claims of {mine}: "
        f"{_counted(counts.sum())}. Going beyond means {other} address the point but "
        "support less than the claim says; silent, that none of their claims addresses it. "
        f"{words(top).capitalize()} has the most comparisons ({totals[top]}: "
        f"{_counted(counts.loc[top])})."
    )


def comparison_marks(kb: KnowledgeBase) -> str:
    """What a mark of :func:`lowback.figures.comparison.claim_marks` is, and the silent
    and differing ones."""
    table = weighed_claims(kb)
    _, other = _sides_text(kb)
    verdicts = table["verdict"].astype(str)
    silent, differs = (verdicts == "silent").sum(), table[verdicts == "differs"]
    text = (
        f"*Figure 2.* One mark per comparison, {len(table)} in all; hover a mark for the "
        f"article's quote, the quote from {other} and the curator's note, or pick a topic. The "
        f"{silent} silent marks (white) show no quote of {other}: none of their claims "
        "addresses the claim."
    )
    if differs.empty:
        return text + " None differs."
    topics = "; ".join(words(t) for t in dict.fromkeys(differs["topic"].astype(str)))
    return text + f" The {len(differs)} differing comparisons are about: {topics}."


def comparison_signs(kb: KnowledgeBase) -> str:
    """Who names which warning sign at which level, as
    :func:`lowback.figures.comparison.warning_signs_table` shows, with the study's caveat."""
    signs = warning_signs(kb)
    collections = list(dict.fromkeys(signs["collection"]))
    labels = {c: _text(in_sentence(collection_label(kb, c))) for c in collections}
    named = signs[signs["named"]].groupby("sign", sort=False)["collection"].agg(tuple)
    n_signs = signs["sign"].nunique()
    both = int((named.str.len() == len(collections)).sum())
    only = "; ".join(f"{int((named == (c,)).sum())} only by {labels[c]}" for c in collections)
    parts = [f"*Figure 3.* {n_signs} warning signs: {both} named by both sides; {only}."]
    tallies = []
    for collection in collections:
        tally = level_tally(signs.loc[signs["collection"] == collection, "level"])
        tallies.append(f"{labels[collection]}, {tally or 'none'}")
    parts.append(f"The levels they give: {'; '.join(tallies)}.")
    verdicts = [v for v in VERDICTS if v in set(paired_signs(kb)["verdict"])]
    if verdicts:
        parts.append(
            "Where a side never names a sign, its cell lists the comparisons that weigh the "
            f"sign against one of its own (verdicts: {', '.join(words(v) for v in verdicts)})."
        )
    parts.append(f"**Education, not diagnosis.** {_text(GATE_SCOPE)}")
    return " ".join(parts)


def comparison_only(kb: KnowledgeBase) -> str:
    """What the other side says that no comparison names, by kind and publisher: the
    numbers :func:`lowback.figures.comparison.other_only_marks` shows."""
    only = nih_only_claims(kb)
    total = len(other_side_claims(kb))
    mine, other = _sides_text(kb)
    text = (
        f"*Figure 4.* {len(only)} of the {total} claims of {other} are named by no "
        f"comparison: no claim of {mine} was weighed against them"
    )
    if only.empty:
        return text + "."
    kinds = only["kind"].value_counts()
    publishers = only["publisher"].value_counts()
    by = "; ".join(f"{_text(p)}: {n}" for p, n in publishers.items())
    return text + (
        f". The most are about a {words(kinds.index[0])} ({kinds.iloc[0]}); by publisher, {by}."
    )


def comparison_care(kb: KnowledgeBase, *, shown: int = 3) -> str:
    """How many of the other side's claims had to be read with care, and why, and the
    readings that recur most in the curator's notes."""
    theirs = other_side_claims(kb)
    care = careful_readings(kb)["care"].value_counts()
    _, other = _sides_text(kb)
    text = (
        f"Of the {len(theirs)} claims of {other}, {care.get('inferred', 0)} are inferred (the "
        "curator links what the quote does not say in so many words; each note says how), "
        f"{care.get('hedged', 0)} more are hedged (a possibility, not a fact) and "
        f"{care.get('noted', 0)} more are literal statements with a note."
    )
    notes = recurring_notes(kb)
    if notes.empty:
        return text
    top = "; ".join(
        f"“{_text(r.sentence)}” ({r.claims} claims)" for r in notes.head(shown).itertuples()
    )
    return text + f" {len(notes)} readings recur in several notes; the most frequent: {top}"


# ---------------------------------------------------------------------------------------------
# The sources and their records (notebook 01)
# ---------------------------------------------------------------------------------------------


def _counted_noun(n: int, noun: str) -> str:
    """``1 claim``, ``7 claims``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _source_name(kb: KnowledgeBase, source_id: str) -> str:
    """A source as a caption names it: its publisher, and its title where the publisher
    has several sources."""
    sources = kb.sources.set_index("id")
    publisher = sources.loc[source_id, "publisher"]
    if (sources["publisher"] == publisher).sum() == 1:
        return _text(publisher)
    return f"{_text(publisher)}, “{_text(sources.loc[source_id, 'title'])}”"


def _as_list(lead: str, items: list[str], then: str = "") -> str:
    """``lead``, the items (one in the sentence, several as a Markdown list), ``then``."""
    if len(items) == 1:
        return " ".join(t for t in (lead, items[0], then) if t)
    listed = "\n".join(f"- {i}" for i in items)
    return f"{lead}\n\n{listed}" + (f"\n\n{then}" if then else "")


def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def missing_sources(kb: KnowledgeBase) -> str:
    """One Markdown line per source missing on this machine, saying how to fetch it;
    empty when none is."""
    return "\n".join(f"- **Not on this machine:** {_text(m)}" for m in kb.missing)


def off_topic_share(kb: KnowledgeBase) -> str:
    """How much of each source is off topic, and what its off-topic passages are: the
    shares :func:`lowback.figures.knowledge.material_map` states per source."""
    summary = source_summary(kb)
    passages = kb.passages
    noisy = []
    for source_id, row in summary[summary["off_topic"] > 0].iterrows():
        off = passages[(passages["source"] == source_id) & (passages["topic"] == "off_topic")]
        what = "; ".join(_text(h) for h in dict.fromkeys(off["heading"]) if h)
        noisy.append(
            f"{_source_name(kb, source_id)}: {percent(row['off_topic'])} of its "
            f"{row['characters']:,} characters are off topic" + (f" ({what})" if what else "")
        )
    clean = summary[summary["off_topic"] == 0]
    if not noisy:
        return "*Figure 1.* No source has an off-topic passage."
    then = "No claim may quote an off-topic passage."
    if len(clean):
        publishers = _and([_text(p) for p in dict.fromkeys(clean["publisher"])])
        are = "source is" if len(clean) == 1 else "sources are"
        then = f"The other {are} on topic throughout ({publishers}). {then}"
    return _as_list("*Figure 1.*", [f"{item}." for item in noisy], then)


def entities_by_kind(kb: KnowledgeBase) -> str:
    """The largest kind of entity in all the records and in those of each source facet,
    as the menu of :func:`lowback.figures.knowledge.records_by_kind` shows them, and
    whether every entity is named by a claim."""
    views = source_views(kb)
    found = []
    for view in views:
        part = kb.restricted_to(view.sources)
        counts = part.entities["kind"].value_counts(sort=False)  # in the order of KINDS
        top = counts[counts == counts.max()]
        kinds = " and ".join(f"{str(k).replace('_', ' ')}s" for k in top.index)
        each = " each" if len(top) > 1 else ""
        found.append((kinds, f"{top.iloc[0]}{each} of {len(part.entities)} entities"))
    (kinds, numbers), *others = found
    largest = "the largest kinds" if " and " in kinds else "the largest kind"
    text = f"{kinds[0].upper()}{kinds[1:]} are {largest} ({numbers})"
    if others:
        text = f"Across all sources, {text[0].lower()}{text[1:]}; " + "; ".join(
            f"in the records of {_text(in_sentence(view.label))}, {k} ({n})"
            for view, (k, n) in zip(views[1:], others, strict=True)
        )
    claims = kb.claims
    unnamed = ~kb.entities["id"].isin(set(claims["subject"]) | set(claims["object"]))
    if unnamed.any():
        return f"*Figure 2.* {text}. {_counted_noun(int(unnamed.sum()), 'entity')} no claim names."
    return (
        f"*Figure 2.* {text}. Every entity is named by at least one claim, so nothing in the "
        "study stands without a quote."
    )


def claim_readings_summary(kb: KnowledgeBase) -> str:
    """How many claims of each publisher are hedged or recommendations, and how many its
    experts or its FAQ say: the numbers :func:`lowback.figures.knowledge.claim_readings`
    tabulates."""
    table = claim_readings(kb)
    parts = []
    for publisher in dict.fromkeys(table.index.get_level_values("publisher")):
        rows = table.loc[publisher]
        total = rows.loc["all"] if "all" in rows.index else rows.iloc[0]
        hedged, advice = int(total["hedges"]), int(total["recommends"])
        part = (
            f"{_text(publisher)}: {hedged or 'none'} of its "
            f"{_counted_noun(int(total['claims']), 'claim')} {'is' if hedged < 2 else 'are'} "
            f"hedged and {advice or 'none'} "
            f"{'is a recommendation' if advice < 2 else 'are recommendations'}"
        )
        said = [
            (int(rows.loc[who, "claims"]), by)
            for who, by in (("experts", "to experts it quotes"), ("faq", "to its FAQ"))
            if who in rows.index
        ]
        if said:
            (n, by), *more = said
            part += f"; {n} {'is' if n == 1 else 'are'} credited {by}"
            part += "".join(f", {m} {other}" for m, other in more)
        parts.append(part)
    return _as_list("*Table 1.*", [f"{p}." for p in parts])


def claims_count(kb: KnowledgeBase) -> str:
    """How many claims the evidence table holds, and how many of each source facet, as
    its menus show them."""
    views = source_views(kb)
    claims = kb.claims
    total = _counted_noun(len(claims), "claim")
    if len(views) == 1:
        return (
            f"*Figure 3.* {total}; the dropdown shows one relation at a time, and the table "
            "stays interactive in the offline report."
        )
    by = _and(
        [
            f"{int(claims['source'].isin(v.sources).sum())} of {_text(in_sentence(v.label))}"
            for v in views[1:]
        ]
    )
    return (
        f"*Figure 3.* {total}: {by}. The menus show the claims of one source or one relation "
        "(they combine); the table stays interactive in the offline report."
    )


def sentences_covered(kb: KnowledgeBase, *, reasons: int = 3) -> str:
    """For each source, how many of its on-topic sentences a claim backs and how many are
    skipped, with the reasons that recur most among its skips (the words before a colon):
    the numbers :func:`lowback.figures.knowledge.material_map` states per source."""
    summary = source_summary(kb)
    skipped = kb.skipped
    items = []
    for source_id, row in summary.iterrows():
        item = (
            f"{_source_name(kb, source_id)}: {row['claim']} of its "
            f"{_counted_noun(int(row['sentences']), 'on-topic sentence')} backed by claims, "
            f"{row['skipped']} skipped"
        )
        why = skipped.loc[skipped["source"] == source_id, "reason"].str.split(":").str[0]
        top = why.value_counts(sort=False).sort_values(ascending=False, kind="stable")
        recurring = [f"“{_text(r)}”" for r, n in top.head(reasons).items() if n > 1]
        if recurring:
            item += f" (most often: {', '.join(recurring)})"
        if row["uncovered"]:
            item += f", {row['uncovered']} neither backed nor skipped"
        items.append(item)
    uncovered = int(summary["uncovered"].sum())
    lead = (
        "Every on-topic sentence is backed by a claim or skipped with a reason"
        if not uncovered
        else f"{_counted_noun(uncovered, 'on-topic sentence')} neither backed by a claim nor "
        "skipped"
    )
    return _as_list(lead + ":", [f"{i}." for i in items])
