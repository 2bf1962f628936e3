"""Figure captions computed from the results they describe.

A notebook re-run under other assumptions (``make report ASSUMPTIONS=...``) must not
keep a number from the last run in its text, so every caption that states a number is
built here from the data and shown with ``IPython.display.Markdown``.
"""

from __future__ import annotations

import html

import pandas as pd

from lowback.data.records import KnowledgeBase
from lowback.study.assumptions import AGE_FACTOR, OVER_65_FROM, Assumptions
from lowback.study.cohort import NO_PAIN
from lowback.study.evaluation import Evaluation
from lowback.study.risk import ANY_PAIN, evidence_matrix, prevention_matrix
from lowback.study.rulebook import Rulebook
from lowback.study.tree import AGE, TreeModel

# Markdown passes raw HTML through and reads [text](url) as a link (javascript: URLs
# included, in nbconvert's pages): record text is HTML-escaped, and its brackets and
# backticks written as character references, which Markdown shows but never parses.
_MARKDOWN_SYNTAX = str.maketrans({"[": "&#91;", "]": "&#93;", "`": "&#96;"})


def _label(kb: KnowledgeBase, entity_id: str) -> str:
    """A record's label for a Markdown caption: shown as written, never as markup."""
    return html.escape(kb.label(entity_id)).translate(_MARKDOWN_SYNTAX)


def _listing(kb: KnowledgeBase, ids) -> str:
    # Labels may hold commas ("Too hard, too fast after a break"): list with semicolons.
    return "; ".join(_label(kb, i).lower() for i in ids)


def cohort_summary(cohort: pd.DataFrame, assumptions: Assumptions) -> str:
    """Which assumptions, how many runners, their age and how many have pain."""
    with_pain = (cohort["pain_type"] != NO_PAIN).mean()
    # A code span shows its text as written; a backtick would end it, a blank line too.
    name = " ".join(assumptions.path.name.replace("`", "'").split())
    return (
        f"Assumptions: `{name}`; {len(cohort):,} simulated runners, mean age "
        f"{cohort['age'].mean():.1f} years, {with_pain:.0%} with back pain."
    )


def tree_and_age(tree: TreeModel, cohort: pd.DataFrame, kb: KnowledgeBase) -> str:
    """Whether the tree asks about age, and why (not)."""
    structure = tree.estimator.tree_
    asks_age = any(
        tree.features[structure.feature[node]] == AGE
        for node in range(structure.node_count)
        if structure.children_left[node] != structure.children_right[node]
    )
    over_65 = (cohort["age"] >= OVER_65_FROM).mean()
    first = tree.features[structure.feature[0]]
    asked = "age" if first == AGE else _label(kb, first).lower()
    opening = f"*Figure 2.* The tree's first question is about {asked}. "
    if asks_age:
        rules = Rulebook.of(kb)
        aged = [t for t in rules.pain_types if t in rules.risk_factor_types.get(AGE_FACTOR, ())]
        about = f" (more likely {_listing(kb, aged)})" if aged else ""
        return opening + (
            f"It asks about age: with {over_65:.1%} of the simulated runners over 65, the "
            f"article's over-65 statement{about} is worth a question."
        )
    return opening + (
        "Its questions are all symptoms; age never appears: over-65s are "
        f"only {over_65:.1%} of the simulated cohort, too few for a depth-4 tree to spend a "
        "question on."
    )


def classifier_metrics(tree: Evaluation) -> str:
    """Cross-validated accuracy, macro F1 and the best and worst recognised types."""
    best, worst = tree.recall.idxmax(), tree.recall.idxmin()
    f1 = f"{tree.macro_f1:.3f} ± {tree.macro_f1_sd:.3f}"
    return (
        f"*Figure 3.* Accuracy {tree.accuracy:.3f} ± {tree.accuracy_sd:.3f} and macro F1 {f1} "
        f"across {tree.folds} folds. {best.capitalize()} pain is recognised best (recall "
        f"{tree.recall[best]:.2f}), {worst} pain worst ({tree.recall[worst]:.2f})."
    )


def tree_and_rulebook(agreement: pd.Series) -> str:
    """How often tree and rulebook agree, and how often the rulebook has no answer."""
    return (
        "*Figure 4.* Where the rulebook decides, the two agree on "
        f"{agreement['agreement_where_rulebook_decides']:.0%} of runners; the rulebook stays "
        f"undetermined for {agreement['rulebook_undetermined']:.0%} of them, which is where the "
        f"tree gains (accuracy {agreement['tree_accuracy']:.2f} against "
        f"{agreement['rulebook_accuracy']:.2f}). Where and why they differ, most frequent first:"
    )


def noise_sweep(sweep: pd.DataFrame) -> str:
    """Accuracy at the lowest and highest noise, and a warning where macro F1 disagrees."""
    low, high = sweep["misreport"].min(), sweep["misreport"].max()
    at = sweep.set_index(["misreport", "model"])
    accuracy = at["accuracy"]
    text = (
        f"*Figure 5.* Both fall as misreporting grows: from {accuracy[(low, 'tree')]:.2f} (tree) "
        f"and {accuracy[(low, 'rulebook')]:.2f} (rulebook) at {low:.0%} to "
        f"{accuracy[(high, 'tree')]:.2f} and {accuracy[(high, 'rulebook')]:.2f} at {high:.0%}."
    )
    tree_f1, rule_f1 = at.loc[(high, "tree"), "macro_f1"], at.loc[(high, "rulebook"), "macro_f1"]
    if tree_f1 < rule_f1:
        text += (
            f" Beware the tree's lead at high noise: its macro F1 there ({tree_f1:.2f}) is below "
            f"the rulebook's ({rule_f1:.2f}), so the lead comes from answering the most common "
            "type more often."
        )
    return text


def risk_evidence(kb: KnowledgeBase) -> str:
    """How many risk-factor links the material makes, and how few are type-specific."""
    links = evidence_matrix(kb)
    specific = links.loc[links["target"] != ANY_PAIN, "risk_factor"].unique()
    disputed = links.loc[links["contradicted"], "risk_factor"].unique()
    text = (
        f"*Figure 1.* {len(links)} links from {links['risk_factor'].nunique()} risk factors. Only "
        f"{len(specific)} are tied to a specific pain type or cause ({_listing(kb, specific)}); "
        "the others point at low back pain in general."
    )
    if len(disputed):
        text += f" The material contradicts itself about: {_listing(kb, disputed)}."
    return text


def risk_age(cohort: pd.DataFrame, assumptions: Assumptions) -> str:
    """The share over and under 65, among simulated runners with pain, of the pain types
    the claims tie older age to (bone, through arthritis): the ones the over-65 weight
    multiplies."""
    over_65 = cohort["age"] >= OVER_65_FROM
    weight = f"`over_65_bone_weight = {assumptions.raw.age.over_65_bone_weight:g}`"
    share = f"{over_65.mean():.1%} of this cohort is over 65."
    types = assumptions.over_65_types
    if not types:
        return f"*Figure 2.* No claim ties older age to a pain type: {weight} weighs none. {share}"
    pain = cohort["pain_type"] != NO_PAIN
    aged = cohort["pain_type"].isin(types)[pain]
    over, under = aged[over_65[pain]].mean(), aged[~over_65[pain]].mean()
    named = " or ".join(types)  # pain type ids: snake_case, checked on load
    return (
        f"*Figure 2.* Among simulated runners with pain, {named} pain is {over:.0%} over 65 "
        f"against {under:.0%} younger: the assumption {weight} at work. {share}"
    )


def risk_effects(effects: pd.DataFrame, kb: KnowledgeBase) -> str:
    """The largest relative risk of any back pain, and whether every factor raises it."""
    any_pain = effects[effects["outcome"] == ANY_PAIN].set_index("risk_factor")
    top = any_pain["relative_risk"].idxmax()
    raised = (any_pain["low"] > 1).sum()
    return (
        f"*Figure 3.* {raised} of {len(any_pain)} factors raise the risk of back pain in this "
        "simulation with a 95 % interval above 1, as the assumptions make them; the largest "
        f"relative risk is for {_label(kb, top).lower()} "
        f"({any_pain.loc[top, 'relative_risk']:.2f}, "
        f"95 % CI {any_pain.loc[top, 'low']:.2f} to {any_pain.loc[top, 'high']:.2f}). Pick a pain "
        "type in the dropdown to see the type-specific factors shift the mix."
    )


def risk_families(effects: pd.DataFrame, kb: KnowledgeBase, factors: list[str]) -> str:
    """The pain type each of ``factors`` raises most, with its relative risk."""
    by_type = effects[effects["outcome"] != ANY_PAIN]
    strongest = by_type.loc[by_type.groupby("risk_factor")["relative_risk"].idxmax()]
    strongest = strongest.set_index("risk_factor")
    parts = [
        f"{_label(kb, f).lower()}: {strongest.loc[f, 'outcome']} "
        f"({strongest.loc[f, 'relative_risk']:.2f})"
        for f in factors
    ]
    return "*Figure 4.* The pain type each factor raises most: " + "; ".join(parts) + "."


def risk_prevention(kb: KnowledgeBase) -> str:
    """How many measures, which risk factors they target, and which has the most."""
    measures = prevention_matrix(kb)
    against = measures[measures["target"] != ANY_PAIN]
    most = against["target"].value_counts()
    return (
        f"*Figure 6.* {measures['measure'].nunique()} measures; {most.size} risk factors have a "
        f"measure aimed at them ({_listing(kb, most.index)}). {_label(kb, most.index[0])} has the "
        f"most: {most.iloc[0]} measures."
    )
