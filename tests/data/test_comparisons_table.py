"""comparisons.csv: each claim of the article weighed against the NIH texts, validated."""

from __future__ import annotations

import pandas as pd
import pytest

from lowback import load_knowledge_base
from lowback.data.coverage import unweighed_claims
from lowback.data.schema import COMPARISON_TOPICS, SILENT, VERDICTS
from lowback.data.validate import check_comparisons
from tests.conftest import require_every_source, run_cli

SOURCES = pd.DataFrame(
    {"id": ["art", "ref"], "collection": ["article", "reference"]},
)
CLAIMS = pd.DataFrame(
    {
        "id": ["a1", "a2", "a3", "r1"],
        "source": ["art", "art", "art", "ref"],
        "relation": ["causes", "treats", "contradicts", "treats"],
    }
)


def _rows(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": f"k{i}",
                "topic": "treatments",
                "claim": c,
                "against": a,
                "other": o,
                "verdict": v,
                "note": "why",
            }
            for i, (c, a, o, v) in enumerate(rows, 1)
        ]
    )


GOOD = _rows(("a1", "reference", "", "silent"), ("a2", "reference", "r1", "agrees"))


def _problems(comparisons: pd.DataFrame) -> list[str]:
    return [str(p) for p in check_comparisons(comparisons, CLAIMS, SOURCES)]


def test_every_claim_weighed_once_is_valid_and_contradictions_need_no_row():
    assert _problems(GOOD) == []


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (("a9", "reference", "", "silent"), "row 4, column 'claim': got 'a9'; expected an id"),
        (("a1", "nowhere", "", "silent"), "column 'against': got 'nowhere'; expected a coll"),
        (("a1", "article", "", "silent"), "expected another collection than the claim's own"),
        (("a1", "reference", "r1", "silent"), "expected empty: a 'silent' verdict names no"),
        (("a1", "reference", "", "differs"), "expected a claim id of collection 'reference'"),
        (("a1", "reference", "a2", "agrees"), "expected a claim id of a source of collection"),
    ],
)
def test_a_wrong_comparison_is_named_on_its_row_and_column(row, expected):
    problems = _problems(pd.concat([GOOD, _rows(row)], ignore_index=True))
    assert len(problems) == 1 and expected in problems[0], problems


def test_a_claim_nobody_weighed_is_listed_by_validate(data_copy):
    require_every_source("the comparisons against the NIH")
    path = data_copy / "records" / "comparisons.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    dropped = table["claim"].iloc[0]
    table[table["claim"] != dropped].to_csv(path, index=False, lineterminator="\n")
    kb = load_knowledge_base(data_copy)  # the table itself is still valid
    assert unweighed_claims(kb)["claim"].tolist() == [dropped]
    result = run_cli("validate", str(data_copy))
    assert result.returncode == 1
    assert f"claim {dropped} (runners_low_back_pain) is weighed against 'nih' by no row" in (
        result.stderr
    )
    assert "1 claims unweighed" in result.stdout


def test_the_shipped_comparisons_weigh_every_article_claim_with_a_reason(kb):
    require_every_source("the comparisons against the NIH")
    comparisons = kb.comparisons
    claims = kb.claims.set_index("id")
    article = kb.sources.loc[kb.sources["fetch"] == "", "id"]
    weighed = claims[claims["source"].isin(article) & (claims["relation"] != "contradicts")]
    assert set(comparisons["claim"]) == set(weighed.index)
    assert unweighed_claims(kb).empty
    assert set(comparisons["verdict"]) <= set(VERDICTS) and set(comparisons["topic"]) <= set(
        COMPARISON_TOPICS
    )
    silent = comparisons["verdict"] == SILENT
    assert (comparisons.loc[silent, "other"] == "").all()
    named = comparisons.loc[~silent, "other"]
    assert claims.loc[named, "source"].isin(kb.sources.loc[kb.sources["fetch"] != "", "id"]).all()
    assert (comparisons["note"].str.len() > 20).all()
    # The topics the question is about (the first eight of the vocabulary, the issue's) are
    # each weighed at least once.
    for topic in COMPARISON_TOPICS[:8]:
        assert (comparisons["topic"] == topic).any(), topic
