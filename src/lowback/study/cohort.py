"""A SIMULATED cohort of runners, drawn from the claims under explicit assumptions.

The material gives rules, not patients, so the cohort is simulated: which symptom,
red flag and risk factor belongs to which pain type comes from the claims
(:class:`~lowback.study.rulebook.Rulebook`); every rate comes from the assumptions file
(:mod:`lowback.study.assumptions`). The frame's index is named ``simulated_runner`` and its
``attrs`` say it is simulated, from which file and with which seed.

How a runner is drawn (all vectorised, one array per column):

1. age from a normal distribution, rounded and clipped to [min, max];
2. each risk factor of the claims (a ``risk_factor_for`` claim's subject) with its
   prevalence (``older_age`` is age >= ``older_age_from``); a ``worsens`` claim makes
   existing pain worse, is no risk of getting it, and is never simulated;
3. low back pain or not: baseline odds times each present factor's odds ratio;
4. for runners with pain, the pain type: each type's prevalence times the type risk of
   each present factor tied to it, and, for runners over 65, times
   ``over_65_bone_weight`` for the types the claims tie ``older_age`` to (the article's
   over-65 statement, counted here once: age is a risk factor, never a symptom);
5. symptoms: with their sensitivity for the types they belong to, their false positive
   rate otherwise, none without pain; then each is misreported with the noise
   probability;
6. reportable red flags: with their rate for the types they belong to, else background
   (a flag tied to no single pain type: background for every runner with pain).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowback.data.records import KnowledgeBase
from lowback.study.assumptions import AGE_FACTOR, OVER_65_FROM, Assumptions, load_assumptions
from lowback.study.gate import reportable_red_flags
from lowback.study.rulebook import Rulebook

#: The pain type of a simulated runner without low back pain.
NO_PAIN = "none"

RandomState = int | np.random.Generator | None


def _draw(rng: np.random.Generator, probability: np.ndarray | float, n: int) -> np.ndarray:
    return rng.random(n, dtype=np.float32) < probability


def simulate(
    kb: KnowledgeBase,
    n: int,
    *,
    assumptions: Assumptions | str | None = None,
    random_state: RandomState = None,
) -> pd.DataFrame:
    """Simulate ``n`` runners: age, symptoms, red flags, risk factors and pain type.

    Parameters
    ----------
    kb : KnowledgeBase
        Where the links between signs and pain types come from.
    n : int
        Number of runners (at least 1).
    assumptions : Assumptions, path or None
        Loaded assumptions, a path to an assumptions file, or None for
        ``data/assumptions.toml``.
    random_state : int, numpy Generator or None
        Seed (a whole number, at least 0): the same seed gives the same frame.

    Returns
    -------
    DataFrame
        One row per simulated runner (index ``simulated_runner``): ``age`` (uint8), one
        boolean column per symptom, per reportable red flag and per risk factor, and
        ``pain_type`` (categorical: ``none`` and the pain types).

    Raises
    ------
    AssumptionError
        If the assumptions file is missing, malformed or inconsistent.
    TypeError, ValueError
        If ``n`` is not a whole number of at least 1, or ``random_state`` is neither a
        whole number of at least 0, a numpy Generator nor None.

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 200, random_state=0)
    >>> len(cohort), cohort.index.name
    (200, 'simulated_runner')
    >>> cohort["pain_type"].cat.categories.tolist()
    ['none', 'muscle', 'bone', 'disc']
    >>> cohort.equals(lowback.simulate(kb, 200, random_state=0))  # same seed, same runners
    True
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"n must be a whole number of runners, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if isinstance(random_state, bool) or not isinstance(
        random_state, int | np.integer | np.random.Generator | None
    ):
        raise TypeError(
            "random_state must be a whole number, a numpy Generator or None, "
            f"got {type(random_state).__name__} {random_state!r}"
        )
    if isinstance(random_state, int | np.integer) and random_state < 0:
        raise ValueError(f"random_state must be at least 0, got {random_state}")
    if not isinstance(assumptions, Assumptions):
        assumptions = load_assumptions(kb, assumptions)
    kb = assumptions.study_records(kb)  # the sources the assumptions name, and no other
    rules = Rulebook.of(kb)
    rng = np.random.default_rng(random_state)
    raw = assumptions.raw

    age = np.clip(np.rint(rng.normal(raw.age.mean, raw.age.sd, n)), raw.age.min, raw.age.max)
    age = age.astype(np.uint8)
    over_65 = age >= OVER_65_FROM

    # Working arrays are float32 and updated in place, so that the peak memory stays
    # close to the frame's own size (one byte per runner and column).
    factors: dict[str, np.ndarray] = {}
    baseline = raw.cohort.baseline_pain_risk
    with np.errstate(divide="ignore"):  # a risk of 0 or 1 has log-odds -inf or inf
        log_odds = np.full(n, np.log(np.float64(baseline) / (1 - baseline)), dtype=np.float32)
    for factor, (prevalence, odds_ratio, _) in assumptions.risk_factors.items():
        present = (
            age >= raw.age.older_age_from if factor == AGE_FACTOR else _draw(rng, prevalence, n)
        )
        factors[factor] = present
        log_odds[present] += np.float32(np.log(odds_ratio))
    with np.errstate(over="ignore"):  # exp(-log_odds) is inf for a risk near 0: 1 / inf = 0
        has_pain = rng.random(n) < 1 / (1 + np.exp(-log_odds))
    del log_odds

    types = rules.pain_types
    prevalence = np.array([assumptions.prevalence[t] for t in types], dtype=np.float32)
    weights = np.tile(prevalence, (n, 1))
    for factor, linked in rules.risk_factor_types.items():
        multiplier = np.float32(assumptions.risk_factors[factor][2])
        for j, pain_type in enumerate(types):
            if pain_type in linked:
                weights[factors[factor], j] *= multiplier
    for j, pain_type in enumerate(types):
        if pain_type in assumptions.over_65_types:
            weights[over_65, j] *= np.float32(raw.age.over_65_bone_weight)
    np.cumsum(weights, axis=1, out=weights)
    pick = rng.random(n)
    pick *= weights[:, -1]
    type_index = (pick[:, None] > weights).sum(axis=1, dtype=np.int8)
    del weights, pick
    codes = np.where(has_pain, type_index + 1, 0).astype(np.int8)

    def has_type(linked: frozenset[str]) -> np.ndarray:
        indices = [j for j, t in enumerate(types) if t in linked]
        return has_pain & np.isin(type_index, indices)

    columns: dict[str, np.ndarray] = {"age": age}
    for symptom in rules.symptoms:
        sensitivity, false_positive = assumptions.symptoms[symptom]
        probability = np.where(
            has_type(rules.symptom_types.get(symptom, frozenset())), sensitivity, false_positive
        )
        shown = has_pain & _draw(rng, probability, n)
        columns[symptom] = shown ^ (has_pain & _draw(rng, assumptions.misreport, n))
    for flag, (rate, background) in assumptions.red_flags.items():
        probability = np.where(
            has_type(rules.red_flag_types.get(flag, frozenset())), rate, background
        )
        columns[flag] = has_pain & _draw(rng, probability, n)
    columns.update(factors)

    frame = pd.DataFrame(columns, index=pd.RangeIndex(n, name="simulated_runner"), copy=False)
    frame["pain_type"] = pd.Categorical.from_codes(codes, categories=[NO_PAIN, *types])
    frame.attrs.update(
        simulated=True,
        assumptions=str(assumptions.path),
        random_state=random_state if isinstance(random_state, int) else None,
        sources=list(assumptions.sources),
    )
    return frame


def feature_columns(kb: KnowledgeBase) -> dict[str, list[str]]:
    """The simulated frame's columns by role: symptoms, red flags, risk factors."""
    rules = Rulebook.of(kb)
    return {
        "symptoms": list(rules.symptoms),
        "red_flags": list(reportable_red_flags(kb)),
        "risk_factors": list(rules.risk_factors),
    }
