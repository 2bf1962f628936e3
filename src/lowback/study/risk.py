"""Risk factors: what the material says about each, and what its claims imply.

Two kinds of result, kept apart:

* **Evidence** (:func:`evidence_matrix`, :func:`prevention_matrix`): counts of claims and
  their quotes, straight from the records.
* **Effects** (:func:`relative_risks`, :func:`pain_share_by_age`): computed on a SIMULATED
  cohort. They come back out of the assumptions that went in: they show what the
  article's claims imply under those assumptions, not new medicine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowback.data.kept import kept
from lowback.data.records import KnowledgeBase
from lowback.study.cohort import NO_PAIN
from lowback.study.rulebook import Rulebook, records_of_cohort

#: The outcome "any low back pain" in the effect tables.
ANY_PAIN = "low_back_pain"


@kept
def evidence_matrix(kb: KnowledgeBase) -> pd.DataFrame:
    """Every ``risk_factor_for`` link: factor, target (pain type or cause), claims, quotes.

    Returns
    -------
    DataFrame
        One row per (risk factor, target) with ``group``, ``claims`` (ids), ``quotes``,
        ``n_claims`` and ``contradicted``: whether a ``contradicts`` claim disputes one
        of the claims behind the link.
    """
    claims = kb.claims_with_labels()
    disputed = set(claims.loc[claims["relation"] == "contradicts", ["subject", "object"]].stack())
    links = claims[claims["relation"] == "risk_factor_for"]
    groups = kb.entities.set_index("id")["group"]
    table = (
        links.groupby(["subject", "object"], sort=False)
        .agg(claims=("id", list), quotes=("quote", list), target_kind=("object_kind", "first"))
        .reset_index()
        .rename(columns={"subject": "risk_factor", "object": "target"})
    )
    table["group"] = table["risk_factor"].map(groups)
    table["n_claims"] = table["claims"].str.len()
    table["contradicted"] = [bool(set(ids) & disputed) for ids in table["claims"]]
    return table


@kept
def prevention_matrix(kb: KnowledgeBase) -> pd.DataFrame:
    """Every ``prevents`` claim: which measure the material offers against what.

    Returns
    -------
    DataFrame
        One row per (measure, target): the target is a risk factor or, for general
        prevention, low back pain; with ``claims``, ``quotes`` and ``n_claims``.
    """
    claims = kb.claims_with_labels()
    links = claims[claims["relation"] == "prevents"]
    table = (
        links.groupby(["subject", "object"], sort=False)
        .agg(claims=("id", list), quotes=("quote", list), target_kind=("object_kind", "first"))
        .reset_index()
        .rename(columns={"subject": "measure", "object": "target"})
    )
    table["n_claims"] = table["claims"].str.len()
    return table


def _outcomes(cohort: pd.DataFrame, pain_types: tuple[str, ...]) -> dict[str, np.ndarray]:
    pain_type = cohort["pain_type"].to_numpy()
    outcomes = {ANY_PAIN: pain_type != NO_PAIN}
    outcomes.update({t: pain_type == t for t in pain_types})
    return outcomes


def relative_risks(
    kb: KnowledgeBase,
    cohort: pd.DataFrame,
    *,
    n_resamples: int = 500,
    confidence: float = 0.95,
    random_state: int | None = None,
) -> pd.DataFrame:
    """Relative risk of each outcome with and without each risk factor, with bootstrap CIs.

    The outcomes are any low back pain and each pain type, over all simulated runners.
    Confidence intervals are percentile bootstrap intervals from
    :func:`scipy.stats.bootstrap`, resampling runners; all relative risks share the same
    resamples.

    Returns
    -------
    DataFrame
        ``risk_factor, group, outcome, relative_risk, low, high, with_factor,
        without_factor`` (runners with and without the factor).

    Examples
    --------
    >>> import lowback
    >>> kb = lowback.load_knowledge_base(warn_missing=False)
    >>> cohort = lowback.simulate(kb, 1000, random_state=0)
    >>> risks = lowback.relative_risks(kb, cohort, n_resamples=50, random_state=0)
    >>> risks.columns[:4].tolist()
    ['risk_factor', 'group', 'outcome', 'relative_risk']
    >>> bool((risks["with_factor"] + risks["without_factor"] == 1000).all())
    True
    """
    from scipy import stats

    rules = Rulebook.of(records_of_cohort(kb, cohort))
    factors = [f for f in rules.risk_factors if f in cohort]
    outcomes = _outcomes(cohort, rules.pain_types)
    exposed = cohort[factors].to_numpy(dtype=np.float32)
    outcome = np.stack(list(outcomes.values()), axis=1).astype(np.float32)
    # A resample is fully described by how often it draws each runner, so every count the
    # relative risks need is a product of those counts with a per-runner table (BLAS),
    # instead of gathering the tables for each drawn runner.
    runner_table = np.concatenate(
        [exposed, outcome, (exposed[:, :, None] * outcome[:, None, :]).reshape(len(cohort), -1)],
        axis=1,
    )
    # By column, and on the left of the product below: OpenBLAS runs (columns x runners) @
    # (runners x resamples) quicker than the same product the other way round (for 20,000
    # runners on two cores, 1.3x on an idle machine, 7x on a busy one, where the other
    # way's threads wait on each other). The counts are whole numbers under 2**24, exact
    # in float32 whatever the order of the sums: the same numbers.
    by_column = np.ascontiguousarray(runner_table.T)
    k, m = exposed.shape[1], outcome.shape[1]

    def relative_risk(runners: np.ndarray, axis: int = -1) -> np.ndarray:
        # runners: (..., n) indices of a resample; returns (k * m, ...) relative risks
        batch = runners.reshape(-1, runners.shape[-1])
        offsets = np.arange(len(batch))[:, None] * len(cohort)
        draws = np.bincount((batch + offsets).ravel(), minlength=len(batch) * len(cohort))
        counts = (by_column @ draws.reshape(len(batch), len(cohort)).astype(np.float32).T).T
        with_factor = counts[:, :k, None]
        with_outcome = counts[:, None, k : k + m]
        both = counts[:, k + m :].reshape(len(batch), k, m)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (both / with_factor) / (
                (with_outcome - both) / (runners.shape[-1] - with_factor)
            )
        return np.moveaxis(ratio.reshape(*runners.shape[:-1], -1), -1, 0)

    everyone = np.arange(len(cohort))
    point = relative_risk(everyone)
    result = stats.bootstrap(
        (everyone,),
        relative_risk,
        vectorized=True,
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        batch=50,
        random_state=np.random.default_rng(random_state),
    )
    groups = kb.entities.set_index("id")["group"]
    index = pd.MultiIndex.from_product([factors, list(outcomes)], names=["risk_factor", "outcome"])
    table = pd.DataFrame(
        {
            "relative_risk": point,
            "low": result.confidence_interval.low,
            "high": result.confidence_interval.high,
        },
        index=index,
    ).reset_index()
    table.insert(1, "group", table["risk_factor"].map(groups))
    counts = cohort[factors].sum()
    table["with_factor"] = table["risk_factor"].map(counts).astype(int)
    table["without_factor"] = len(cohort) - table["with_factor"]
    return table


def pain_share_by_age(cohort: pd.DataFrame, band_width: int = 5) -> pd.DataFrame:
    """Share of each pain type (and of no pain) in each age band of a simulated cohort.

    Returns
    -------
    DataFrame
        Index: the band's first year; columns: ``none`` and each pain type (shares of
        all runners in the band), ``among_pain_<type>`` (shares among runners with pain)
        and ``runners``.
    """
    band = (cohort["age"].astype(int) // band_width) * band_width
    counts = pd.crosstab(band, cohort["pain_type"])
    shares = counts.div(counts.sum(axis=1), axis=0)
    pain_types = [t for t in counts.columns if t != NO_PAIN]
    with_pain = counts[pain_types]
    among = with_pain.div(with_pain.sum(axis=1).replace(0, np.nan), axis=0).add_prefix(
        "among_pain_"
    )
    table = pd.concat([shares, among], axis=1)
    table["runners"] = counts.sum(axis=1)
    table.index.name = "age_band_start"
    table.columns.name = None
    return table


def pain_risk_by_factor(kb: KnowledgeBase, cohort: pd.DataFrame) -> pd.DataFrame:
    """Share of simulated runners with any low back pain, with and without each factor.

    The plain risks behind each relative risk of any low back pain (their ratio is the
    ``relative_risk`` of :func:`relative_risks`), for reading an odds ratio against them.

    Returns
    -------
    DataFrame
        Index ``risk_factor`` (the factors of the claims the cohort has, in rulebook
        order); columns ``with_factor`` and ``without_factor`` (runners), ``risk_with``
        and ``risk_without`` (shares with pain; NaN where no runner is in the group).
    """
    factors = [f for f in Rulebook.of(records_of_cohort(kb, cohort)).risk_factors if f in cohort]
    pain = (cohort["pain_type"] != NO_PAIN).to_numpy()
    rows = {}
    for factor in factors:
        has = cohort[factor].to_numpy(dtype=bool)
        n_with = int(has.sum())
        n_without = len(has) - n_with
        rows[factor] = {
            "with_factor": n_with,
            "without_factor": n_without,
            "risk_with": pain[has].sum() / n_with if n_with else np.nan,
            "risk_without": pain[~has].sum() / n_without if n_without else np.nan,
        }
    table = pd.DataFrame.from_dict(
        rows, orient="index", columns=["with_factor", "without_factor", "risk_with", "risk_without"]
    )
    table.index.name = "risk_factor"
    return table


def contested_factors(kb: KnowledgeBase) -> pd.DataFrame:
    """Risk factors the material contradicts itself about, with the contradictions.

    A factor is contested when a ``contradicts`` claim disputes one of its
    ``risk_factor_for`` claims (the ``contradicted`` links of :func:`evidence_matrix`).

    Returns
    -------
    DataFrame
        Index ``risk_factor`` (entity order); columns ``claims`` (its disputed
        ``risk_factor_for`` claim ids), ``contradictions`` (the ``contradicts`` claim
        ids) and ``notes`` (their notes: what each side says). Empty when the material
        is consistent.
    """
    claims = kb.claims
    links = claims[claims["relation"] == "risk_factor_for"].set_index("id")["subject"]
    found: dict[str, dict[str, list[str]]] = {}
    for _, row in claims[claims["relation"] == "contradicts"].iterrows():
        for side in (row["subject"], row["object"]):
            if side in links.index:
                entry = found.setdefault(
                    links[side], {"claims": [], "contradictions": [], "notes": []}
                )
                entry["claims"].append(side)
                entry["contradictions"].append(row["id"])
                entry["notes"].append(row["note"])
    order = [f for f in kb.entities_of_kind("risk_factor")["id"] if f in found]
    table = pd.DataFrame(
        [found[f] for f in order],
        index=pd.Index(order, name="risk_factor"),
        columns=["claims", "contradictions", "notes"],
    )
    return table
