"""The assessor as data: everything the offline explorer needs to answer as ``assess`` does.

:func:`explorer_data` exports an :class:`~lowback.study.triage.Assessor` as plain,
JSON-ready data, so that a page with no kernel (``reports/explorer.html``,
:mod:`lowback.publish.explorer_page`) gives, for any signs and age, the very assessment
:meth:`Assessor.assess` gives. Every text is computed here, in Python; the page's script
only looks up and combines:

* the red-flag gate: its rules in the order the gate ranks them (most pressing first,
  literal before inferred, then file order: the order in which the gate reports them when
  every sign is reported), each with the signs that fire it and its :class:`Reason`, and
  the baseline reason. The script keeps the rules whose signs are all ticked, in that order;
* the tree: each node's feature, threshold and children, each question's line for "yes"
  and "no" (for age, the question, which the script completes with the age as Python's
  ``{:g}`` writes it);
* each leaf's shares and its verdicts (:func:`~lowback.study.abstention.judge`): a verdict
  depends on the leaf and on the signs only through :func:`verdict_key` (whether a
  symptom is ticked, which pain types the signs point to, whether each sign points to all
  of them), so each leaf holds one verdict per key that any set of signs can reach;
* the advice for each pain type at a self-care verdict and above it, and the record
  behind each sign;
* the plain words of :mod:`lowback.study.plain_words`.

Texts that recur (quotes, reasons, lines) are stored once in ``texts`` and referred to by
index. Nothing here draws or publishes.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict

from lowback.data.schema import REPORTED, TRIAGE_LEVELS
from lowback.study import plain_words
from lowback.study.abstention import judge, leaf_of, pointed_types
from lowback.study.evidence import MODALITY_WORDS, modality_note
from lowback.study.gate import GATE_SCOPE
from lowback.study.rulebook import UNDETERMINED, Rulebook
from lowback.study.tree import AGE, question
from lowback.study.triage import (
    DISCLAIMER,
    MAX_AGE,
    MODEL_COHORT_SIZE,
    MODEL_SEED,
    Assessor,
    default_assessor,
)

__all__ = ["FORMAT", "assessor_for", "explorer_data", "verdict_key"]

#: The version of the exported data's layout (the page's script checks it).
FORMAT = 1


def verdict_key(rules: Rulebook, signs) -> str:
    """What :func:`~lowback.study.abstention.judge` reads of the signs, besides the leaf.

    ``s:<type>`` when a symptom that tells the types apart is ticked (``<type>``: the one
    type every sign points to, or empty); else ``n:<types>:<shared>``, the types the signs
    point to (space-separated, in the rulebook's order) and whether every sign points to
    all of them (``1``) or not (``0``).

    Examples
    --------
    >>> from lowback.study.triage import default_assessor
    >>> rules = default_assessor().rules
    >>> verdict_key(rules, ["pain_radiates_to_legs", "persistent_or_severe_pain"])
    's:disc'
    >>> verdict_key(rules, ["no_relief_from_self_care", "suspected_arthritis"])
    'n:muscle bone:0'
    """
    signs = set(signs)
    types = pointed_types(rules, signs)
    if signs & set(rules.symptom_types):
        return "s:" + (types[0] if len(types) == 1 else "")
    shared = all(set(pointed_types(rules, [s])) == set(types) for s in signs)
    return f"n:{' '.join(types)}:{int(shared)}"


def _sign_classes(assessor: Assessor) -> dict[tuple, str]:
    """One sign for each class of signs :func:`verdict_key` cannot tell apart: a key reads
    of each sign only whether it is such a symptom and the types it points to."""
    rules = assessor.rules
    classes: dict[tuple, str] = {}
    for sign in assessor.signs:
        kind = (sign in rules.symptom_types, pointed_types(rules, [sign]))
        classes.setdefault(kind, sign)
    return classes


def _keys(assessor: Assessor) -> dict[str, tuple[str, ...]]:
    """Every key a set of signs can reach, with a set of signs that reaches it: a key
    depends only on which classes of signs are present, so one sign per class suffices."""
    found: dict[str, tuple[str, ...]] = {}
    members = list(_sign_classes(assessor).values())
    for size in range(1, len(members) + 1):
        for chosen in itertools.combinations(members, size):
            found.setdefault(verdict_key(assessor.rules, chosen), chosen)
    return found


class _Texts:
    """The exported strings, each stored once."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if text not in self._index:
            self._index[text] = len(self.items)
            self.items.append(text)
        return self._index[text]


def _gate(assessor: Assessor) -> tuple[list[dict], dict]:
    """The gate's rules in its own order of reasons, each with the signs that fire it and
    its reason; and the baseline reason."""
    gate = assessor.gate
    by_id = {rule["id"]: rule for rule in gate.rules}
    # Every rule fires when every sign is reported (a rule fires on a superset of the
    # signs that fire it), so the gate's own order of reasons ranks them all.
    every = gate.check(set(assessor.signs)).reasons
    rules = []
    for reason in every:
        rule = by_id[reason.rule]
        needs = [rule["red_flag"]] if rule["raised_by"] == REPORTED else list(rule["signs"])
        labels = {s: assessor.sign_evidence(s).label for s in needs}
        rules.append(
            {
                "needs": needs,
                "reason": asdict(reason),
                "plain": plain_words.reason_words(reason, labels),
            }
        )
    (baseline,) = gate.check(set()).reasons
    return rules, {
        "level": baseline.level,
        "reason": asdict(baseline),
        "plain": plain_words.reason_words(baseline, {}),
    }


def _tree(assessor: Assessor, texts: _Texts) -> tuple[list[dict], dict[int, dict]]:
    """The tree's nodes (children, feature, threshold, the lines of its question) and its
    leaves (shares, verdict per key, the last line of the path in plain words)."""
    tree, kb, rules = assessor.tree, assessor.kb, assessor.rules
    structure = tree.estimator.tree_
    keys = _keys(assessor)
    nodes, leaves = [], {}
    for node in range(structure.node_count):
        left, right = int(structure.children_left[node]), int(structure.children_right[node])
        if left == right:
            leaf = leaf_of(tree, node)
            probabilities = {t: round(leaf.shares.get(t, 0.0), 4) for t in rules.pain_types}
            verdicts = {}
            for key, signs in keys.items():
                verdict = judge(rules, leaf, signs)
                words = plain_words.pain_type_words(verdict.pain_type, verdict.reason)
                verdicts[key] = [
                    verdict.pain_type,
                    texts(verdict.reason),
                    texts(verdict.line),
                    texts(words),
                ]
            leaves[node] = {
                "probabilities": probabilities,
                "verdicts": verdicts,
                "plain": texts(plain_words.leaf_words(probabilities)),
            }
            nodes.append({"leaf": True})
            continue
        feature = tree.features[structure.feature[node]]
        threshold = float(structure.threshold[node])
        asked = question(kb, feature, threshold)
        entry = {"left": left, "right": right, "feature": feature, "threshold": threshold}
        if feature == AGE:  # the line ends with the age: "... 45 → yes"
            entry["question"] = texts(asked)
        else:
            entry["yes"], entry["no"] = texts(f"{asked} yes"), texts(f"{asked} no")
        nodes.append(entry)
    return nodes, leaves


def _median_line(assessor: Assessor) -> str:
    """The path's first line when no age is given, as :meth:`Assessor.assess` writes it."""
    sign = assessor.signs[0]
    without = assessor.assess([sign]).path
    at_median = assessor.assess([sign], age=assessor.median_age).path
    if len(without) != len(at_median) + 1 or tuple(without[1:]) != tuple(at_median):
        raise ValueError("an assessment without an age no longer adds one line to the path")
    return without[0]


def _advice(assessor: Assessor) -> tuple[list[dict], dict[str, list[int]]]:
    """The advice an assessment gives, for each pain type it may name (or none) at a
    self-care verdict (``|1``) and above it (``|0``), as :meth:`Assessor.assess` picks it."""
    claims = assessor.kb.claims
    umbrella = list(
        dict.fromkeys(claims.loc[claims["relation"].astype(str) == "type_of", "object"])
    )
    pain_types = assessor.rules.pain_types
    items: list[dict] = []
    seen: dict[str, int] = {}
    table = {}
    for pain_type, self_care in itertools.product([*pain_types, UNDETERMINED], (True, False)):
        determined = [pain_type] if pain_type != UNDETERMINED else []
        pains = [*umbrella, *determined]
        worsened = set(pains) if determined else {*umbrella, *pain_types}
        level = TRIAGE_LEVELS[0] if self_care else TRIAGE_LEVELS[-1]
        chosen = []
        for item in assessor.fitting_advice(pains, worsened, level):
            data = asdict(item)
            marker = repr(data)
            if marker not in seen:
                seen[marker] = len(items)
                items.append(data)
            chosen.append(seen[marker])
        table[f"{pain_type}|{int(self_care)}"] = chosen
    return items, table


def explorer_data(assessor: Assessor | None = None) -> dict:
    """An assessor as JSON-ready data, for the offline explorer (module doc).

    Parameters
    ----------
    assessor : Assessor, optional
        By default :func:`~lowback.study.triage.default_assessor`, notebook 02's tree.

    Returns
    -------
    dict
        ``format``, ``levels``, ``signs`` (in the assessor's order, each with its label,
        description, group, whether it is a symptom that tells the types apart and the
        types it points to, and its evidence), ``rules`` and ``baseline`` (the gate),
        ``features``, ``nodes`` and ``leaves`` (the tree), ``advice_items`` and
        ``advice``, ``texts``, ``median_age`` and ``median_line``, ``max_age``,
        ``publishers``, ``modality_notes`` and ``words`` (the page's plain words).

    Examples
    --------
    >>> data = explorer_data()
    >>> len(data["signs"]) == len(default_assessor().signs), data["levels"]
    (True, ['self_care', 'see_doctor', 'urgent'])
    """
    assessor = default_assessor() if assessor is None else assessor
    rules = assessor.rules
    texts = _Texts()
    gate_rules, baseline = _gate(assessor)
    nodes, leaves = _tree(assessor, texts)
    advice_items, advice = _advice(assessor)
    felt, _ = plain_words.sign_groups(assessor.signs)
    entities = assessor.all_records.entities
    descriptions = dict(zip(entities["id"], entities["description"], strict=True))
    signs = []
    for sign in assessor.signs:
        evidence = assessor.sign_evidence(sign)
        signs.append(
            {
                "id": sign,
                "label": evidence.label,
                "description": str(descriptions.get(sign, "")),
                "group": "felt" if sign in felt else "suspected",
                "symptom": sign in rules.symptom_types,
                "types": list(pointed_types(rules, [sign])),
                "evidence": asdict(evidence),
            }
        )
    sources = assessor.all_records.sources
    return {
        "format": FORMAT,
        "levels": list(TRIAGE_LEVELS),
        "pain_types": list(rules.pain_types),
        "undetermined": UNDETERMINED,
        "signs": signs,
        "rules": gate_rules,
        "baseline": baseline,
        "features": list(assessor.tree.features),
        "age_feature": AGE,
        "nodes": nodes,
        "leaves": {str(node): leaf for node, leaf in leaves.items()},
        "advice_items": advice_items,
        "advice": advice,
        "texts": texts.items,
        "median_age": assessor.median_age,
        "median_line": _median_line(assessor),
        "max_age": MAX_AGE,
        "publishers": dict(zip(sources["id"], sources["publisher"], strict=True)),
        "modality_notes": {m: modality_note(m) for m in MODALITY_WORDS},
        "words": _words(),
    }


def _words() -> dict:
    """The plain words the page shows around the answer (:mod:`lowback.study.plain_words`)."""
    return {
        "disclaimer": DISCLAIMER,
        "gate_scope": GATE_SCOPE,
        "felt": plain_words.FELT_HEADING,
        "suspected": plain_words.SUSPECTED_HEADING,
        "level_words": dict(plain_words.LEVEL_WORDS),
        "level_marks": dict(plain_words.LEVEL_MARKS),
        "badges": {level: plain_words.badge(level) for level in TRIAGE_LEVELS},
        "details": plain_words.DETAILS_LABEL,
        "simulated": plain_words.SIMULATED_NOTE,
        "nothing_ticked": plain_words.NOTHING_TICKED,
    }


def assessor_for(
    assumptions: str | None = None,
    *,
    cohort_size: int = MODEL_COHORT_SIZE,
    seed: int = MODEL_SEED,
) -> Assessor:
    """The assessor of notebook 02 run with these parameters: the default assessor
    unless told otherwise, else a tree fitted, as the notebook fits it, on a cohort
    simulated under ``assumptions`` (a path) with ``cohort_size`` runners and ``seed``."""
    if assumptions is None and cohort_size == MODEL_COHORT_SIZE and seed == MODEL_SEED:
        return default_assessor()
    import numpy as np

    from lowback.data.records import load_knowledge_base
    from lowback.study.assumptions import study_records
    from lowback.study.cohort import simulate
    from lowback.study.tree import fit_tree

    records = load_knowledge_base(warn_missing=False)
    kb = study_records(records, assumptions)
    cohort = simulate(kb, cohort_size, assumptions=assumptions, random_state=seed)
    tree = fit_tree(kb, cohort, random_state=seed)
    return Assessor(records, tree, int(np.median(cohort["age"])))
