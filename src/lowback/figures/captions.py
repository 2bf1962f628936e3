"""Figure captions computed from the results they describe.

A notebook re-run under other assumptions (``make report ASSUMPTIONS=...``) must not
keep a number from the last run in its text, so every caption that states a number is
built here from the data and shown with ``IPython.display.Markdown``.
"""

from __future__ import annotations

import html

import pandas as pd

from lowback.data.records import KnowledgeBase
from lowback.figures.effects import assumptions_for, input_text
from lowback.study.assumptions import AGE_FACTOR, OVER_65_FROM, Assumptions
from lowback.study.audit import AUDIT_AGES
from lowback.study.cohort import NO_PAIN
from lowback.study.evaluation import Evaluation
from lowback.study.risk import ANY_PAIN, contested_factors, evidence_matrix, prevention_matrix
from lowback.study.rulebook import Rulebook, records_of_cohort
from lowback.study.tree import AGE, TreeModel

# Markdown passes raw HTML through and reads [text](url) as a link (javascript: URLs
# included, in nbconvert's pages): record text is HTML-escaped, and its brackets and
# backticks written as character references, which Markdown shows but never parses.
MARKDOWN_SYNTAX = str.maketrans({"[": "&#91;", "]": "&#93;", "`": "&#96;"})


def _label(kb: KnowledgeBase, entity_id: str) -> str:
    """A record's label for a Markdown caption: shown as written, never as markup."""
    return html.escape(kb.label(entity_id)).translate(MARKDOWN_SYNTAX)


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
    first = tree.features[structure.feature[0]]
    asked = "age" if first == AGE else _label(kb, first).lower()
    opening = f"*Figure 2.* The tree's first question is about {asked}. "
    if asks_age:
        rules = Rulebook.of(records_of_cohort(kb, cohort))
        aged = [t for t in rules.pain_types if t in rules.risk_factor_types.get(AGE_FACTOR, ())]
        about = f" (more likely {_listing(kb, aged)})" if aged else ""
        return opening + (
            f"It asks about age: enough simulated runners are over 65 for the article's "
            f"over-65 statement{about} to be worth a question."
        )
    return opening + (
        "Its questions are all symptoms; age never appears: too few simulated runners are "
        "over 65 (the risk-factor notebook's age figure) for a "
        f"depth-{int(structure.max_depth)} tree to spend a question on."
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
    """Accuracy at the lowest and highest noise (what the figure plots), and a pointer to
    macro F1 (which it does not plot) where the two disagree."""
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
            " The figure plots accuracy only; beware the tree's lead at high noise: its "
            "macro F1 there, from the sweep's cross-validation table (column `macro_f1`, not "
            "plotted), is below the rulebook's, so the lead comes from answering the most "
            "common type more often."
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


def _contested_in(kb: KnowledgeBase, factors) -> list[str]:
    """The factors among ``factors`` the material contradicts itself about."""
    return [f for f in contested_factors(kb).index if f in set(factors)]


def _interval_sentence(runners: int) -> str:
    return (
        "The intervals are simulation noise: 95 % bootstrap intervals over "
        f"{runners:,} simulated runners, which shrink with the cohort size and say nothing "
        "about real runners."
    )


def risk_effects(
    effects: pd.DataFrame,
    kb: KnowledgeBase,
    *,
    assumptions: Assumptions | None = None,
    cohort: pd.DataFrame | None = None,
) -> str:
    """What went in (assumed odds ratios) and what came out (simulated relative risks of
    any back pain), the largest of them, the contested factors and the intervals' nature:
    the numbers :func:`lowback.figures.effects.forest_plot` shows, given the same
    ``assumptions`` and ``cohort``."""
    assumptions = assumptions_for(kb, cohort, assumptions)
    any_pain = effects[effects["outcome"] == ANY_PAIN].set_index("risk_factor")
    risks = any_pain["relative_risk"]
    top = risks.idxmax()
    runners = int(any_pain["with_factor"].iloc[0] + any_pain["without_factor"].iloc[0])
    contested = _contested_in(kb, any_pain.index)
    top_text = f"{risks[top]:.2f} for {_label(kb, top).lower()}"
    if top in contested:
        top_text += ", a factor the material contradicts itself about"
    if assumptions is None:
        text = (
            f"*Figure 3.* What came out: the simulated relative risk of back pain runs from "
            f"{risks.min():.2f} to {risks.max():.2f}; the largest is {top_text}."
        )
    else:
        odds = {f: assumptions.risk_factors[f][1] for f in any_pain.index}
        text = (
            "*Figure 3.* What went in, each factor's assumed odds ratio on pain, runs from "
            f"{min(odds.values()):g} to {max(odds.values()):g}; what came out, the simulated "
            f"relative risk of back pain, from {risks.min():.2f} to {risks.max():.2f}. The "
            f"largest relative risk, {top_text}, came from an assumed odds ratio of "
            f"{odds[top]:g}: an odds ratio multiplies the odds, not the risk (the subtitle "
            "works one factor through)."
        )
    if contested:
        text += (
            f" Marked ⚠, contested: the material contradicts itself about "
            f"{_listing(kb, contested)}, so their assumed effects rest on disputed claims."
        )
    return (
        text
        + " "
        + _interval_sentence(runners)
        + " Pick a pain type in the dropdown to see the type-specific factors shift the mix."
    )


def risk_families(
    effects: pd.DataFrame,
    kb: KnowledgeBase,
    factors: list[str],
    *,
    assumptions: Assumptions | None = None,
) -> str:
    """The pain type each of ``factors`` raises most (simulated relative risk) and, given
    the assumptions, what went in; the contested factors of their families; the
    intervals' nature: the numbers :func:`lowback.figures.spotlight.risk_factor_spotlight`
    shows, given the same ``assumptions``."""
    by_type = effects[effects["outcome"] != ANY_PAIN]
    strongest = by_type.loc[by_type.groupby("risk_factor")["relative_risk"].idxmax()]
    strongest = strongest.set_index("risk_factor")
    rules = Rulebook.of(kb)
    parts = []
    for f in factors:
        outcome = strongest.loc[f, "outcome"]
        part = f"{_label(kb, f).lower()}: {outcome} ({strongest.loc[f, 'relative_risk']:.2f}"
        if assumptions is not None:
            part += f"; in: odds ratio {input_text(assumptions, rules, f, outcome)}"
        parts.append(part + ")")
    went_in = " (simulated relative risk; what went in)" if assumptions else ""
    text = f"*Figure 4.* The pain type each factor raises most{went_in}: " + "; ".join(parts)
    family_of = kb.entities.set_index("id")["group"]
    families = {family_of[f] for f in factors}
    contested = _contested_in(kb, family_of[family_of.isin(families)].index)
    if contested:
        text += (
            f". Marked ⚠, contested: the material contradicts itself about "
            f"{_listing(kb, contested)}"
        )
    runners = int(effects["with_factor"].iloc[0] + effects["without_factor"].iloc[0])
    return text + ". " + _interval_sentence(runners).replace("The intervals", "The whiskers")


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


def depth_choice(curve: pd.DataFrame, chosen: int, *, readable: int = 4) -> str:
    """The depth the one-standard-error rule picked, and what it gives up against a
    ``readable`` tree (the depth-4 tree the study used before)."""
    by_depth = curve.set_index("depth")
    best = by_depth["macro_f1"].idxmax()
    pick = by_depth.loc[chosen]
    text = (
        f"*The depth curve.* Macro F1 rises from {by_depth['macro_f1'].iloc[0]:.2f} at depth "
        f"{by_depth.index[0]} to {by_depth.loc[best, 'macro_f1']:.3f} at depth {best} "
        f"(± {by_depth.loc[best, 'macro_f1_se']:.3f}, one standard error over the folds). "
        f"Depth {chosen} is the simplest tree within one standard error of the best: "
        f"{int(pick['leaves'])} leaves."
    )
    if readable in by_depth.index and readable != chosen:
        small = by_depth.loc[readable]
        text += (
            f" What it gives up: a depth-{readable} tree ({int(small['leaves'])} leaves) "
            f"reads at a glance but scores {small['macro_f1']:.3f}; the chosen tree asks "
            f"more questions, so its figure is larger and some leaves hold few runners."
        )
    return text + " All of it on simulated runners, under the assumptions file."


def audit_summary(table: pd.DataFrame) -> str:
    """What the audit of every profile found: answers by kind, abstentions by reason."""
    profiles = table["profile"].nunique()
    ages = sorted(table["age"].unique())
    if len(ages) > len(AUDIT_AGES):
        base = " and ".join(str(a) for a in AUDIT_AGES)
        ages = f"{len(ages)} ages ({base}, and either side of every age the tree splits on)"
    else:
        ages = "ages " + " and ".join(str(a) for a in ages)
    kinds = table["kind"].value_counts()
    against = table[(table["article_type"] != "") & (table["pain_type"] != "undetermined")]
    wrong = int((against["pain_type"] != against["article_type"]).sum())
    parts = [
        f"*The audit.* {profiles} profiles (every sign alone and every pair) at {ages}: "
        f"{len(table):,} assessments.",
        f"{kinds.get('agrees', 0):,} agree with the article's rulebook, "
        f"{kinds.get('abstains', 0):,} name no type, "
        f"{kinds.get('tree_where_rulebook_silent', 0):,} name one where the rulebook is "
        f"silent (signs of two types), {kinds.get('tree_against_rulebook', 0):,} go against it.",
        f"Where all the signs of a profile point to one type, {wrong:,} of the assessments "
        "name another.",
    ]
    return " ".join(parts)
