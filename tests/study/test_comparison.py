"""The article against another collection: tables derived from the comparisons.

The shipped comparisons are being curated, so most tests here run on a made-up record
set (:func:`reference_data`): the article's records as shipped, plus a small reference
text of another collection ("reference", not "nih": nothing may depend on an id) with
seven claims, two triage rules and a comparisons table built from the article's claims,
so every count below is known. A few tests run on the shipped records, with no count.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from lowback import config, load_knowledge_base
from lowback.data.fetch import DATA_DIR_ENV
from lowback.data.formats import text_sha256
from lowback.data.schema import COLUMNS, COMPARISON_TOPICS, VERDICTS
from lowback.study import comparison
from lowback.study.gate import RedFlagGate
from tests.conftest import require_every_source, shipped_kb

MARKUP = '<img src=x onerror="alert(1)">'
ESCAPED = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"

#: The reference collection and its one source.
REFERENCE = "reference"
REFERENCE_SOURCE = "reference_guide"
REFERENCE_PUBLISHER = "Reference Press"

#: The reference text's claims: id, subject, relation, object, sentence, modality, reading,
#: note. The sentences, joined by spaces, are the reference text.
REFERENCE_CLAIMS = (
    ("r001", "older_age", "risk_factor_for", "low_back_pain",
     "Back pain becomes more common as you get older.", "states", "literal", ""),
    ("r002", "strength_training", "prevents", "low_back_pain",
     "Exercise that strengthens the back and belly muscles may help prevent back pain.",
     "hedges", "inferred", "Exercise that strengthens the muscles, read as strength training."),
    ("r003", "mri", "diagnoses", "disc", "An MRI can show a herniated disk.", "hedges",
     "inferred", "A herniated disk read as disc pain."),
    ("r004", "pain_after_fall", "red_flag_for", "low_back_pain",
     "See your doctor if your back pain follows a fall.", "recommends", "literal", ""),
    ("r005", "pain_radiates_to_toes", "red_flag_for", "disc",
     "See your doctor if pain spreads down to your toes.", "recommends", "literal", ""),
    ("r006", "heat_packs", "treats", "muscle", f"Heat packs {MARKUP} ease sore muscles.",
     "states", "inferred", f"Sore muscles read as muscle pain {MARKUP}."),
    ("r007", "leg_weakness", "red_flag_for", "low_back_pain",
     "Weakness in both legs is a warning sign.", "states", "literal", ""),
)  # fmt: skip
NEW_ENTITIES = (
    ("pain_after_fall", "red_flag", "Pain after a fall", "Back pain that follows a fall."),
    ("heat_packs", "treatment", f"Heat packs {MARKUP}", "Heat on sore muscles."),
    ("leg_weakness", "red_flag", "Weakness in both legs", "Both legs weak."),
)
#: The reference's triage rules: id, red flag, level, the claim whose sentence says it.
REFERENCE_TRIAGE = (("tr01", "pain_after_fall", "see_doctor", "r004"),
                    ("tr02", "pain_radiates_to_toes", "see_doctor", "r005"))  # fmt: skip
#: The claims of the reference no comparison names.
REFERENCE_ONLY = ["r004", "r006", "r007"]

#: Which comparison topic a relation's claims fall under, in the made-up table.
TOPIC_OF = {
    "type_of": "pain_types",
    "symptom_of": "symptoms",
    "causes": "causes",
    "risk_factor_for": "risk_factors",
    "treats": "treatments",
    "diagnoses": "diagnosis",
    "prevents": "prevention",
    "red_flag_for": "when_to_see_a_doctor",
    "worsens": "rest_and_activity",
}
#: The article's claims about these subjects are weighed against a reference claim.
WEIGHED_BY_SUBJECT = {
    "older_age": ("age", "agrees", "r001"),
    "strength_training": ("prevention", "agrees", "r002"),
    "mri": ("imaging", "goes_beyond", "r003"),
    "pain_radiates_to_toes": ("when_to_see_a_doctor", "differs", "r005"),
}


def _as_text(table: pd.DataFrame, name: str) -> pd.DataFrame:
    return table[COLUMNS[name]].astype(str)


def _append(path: Path, rows: list[dict]) -> None:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table = pd.concat([table, pd.DataFrame(rows, dtype=str)], ignore_index=True)
    table.to_csv(path, index=False, lineterminator="\n")


def made_up_comparisons(claims: pd.DataFrame) -> pd.DataFrame:
    """A comparisons table weighing every article claim (``contradicts`` aside) once, and
    the first older-age claim twice: against a reference claim when its subject is in
    :data:`WEIGHED_BY_SUBJECT`, ``silent`` otherwise."""
    rows = []
    for claim in claims[claims["relation"] != "contradicts"].itertuples():
        relation = str(claim.relation)
        topic, verdict, other = WEIGHED_BY_SUBJECT.get(
            claim.subject, (TOPIC_OF[relation], "silent", "")
        )
        rows.append((topic, claim.id, other, verdict, f"Made up: {verdict} ({claim.id})."))
    first_age = claims.loc[claims["subject"] == "older_age", "id"].iloc[0]
    rows.append(("course", first_age, "r002", "goes_beyond", f"Weighed twice {MARKUP}."))
    return pd.DataFrame(
        [
            {"id": f"k{i:03d}", "topic": t, "claim": c, "against": REFERENCE, "other": o}
            | {"verdict": v, "note": n}
            for i, (t, c, o, v, n) in enumerate(rows, start=1)
        ],
        columns=COLUMNS["comparisons"],
    )


def reference_data(target: Path, publisher: str = REFERENCE_PUBLISHER) -> Path:
    """A data folder: the shipped article's records, a made-up reference source of
    collection :data:`REFERENCE` published by ``publisher``, and
    :func:`made_up_comparisons`."""
    empty = target.parent / "no-fetched-sources"
    empty.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:  # the NIH texts missing: the article alone
        patch.setenv(DATA_DIR_ENV, str(empty))
        article = load_knowledge_base()
    records = target / "records"
    records.mkdir(parents=True)
    shutil.copytree(config.DATA_DIR / "raw", target / "raw")
    for name in COLUMNS:
        table = getattr(article, name) if name != "comparisons" else None
        if table is None:
            table = made_up_comparisons(article.claims)
        _as_text(table, name).to_csv(records / f"{name}.csv", index=False, lineterminator="\n")
    text, claims, at = "", [], {}
    for cid, subject, relation, obj, sentence, modality, reading, note in REFERENCE_CLAIMS:
        start = len(text)
        text += sentence + " "
        at[cid] = (sentence, start, start + len(sentence))
        claims.append(
            {"id": cid, "source": REFERENCE_SOURCE, "subject": subject, "relation": relation}
            | {"object": obj, "quote": sentence, "start": start, "end": start + len(sentence)}
            | {"passage": "reference_all", "modality": modality, "attributed": "publisher"}
            | {"reading": reading, "note": note}
        )
    text = text.rstrip() + "\n"
    (target / "raw" / "reference.txt").write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    source = {"id": REFERENCE_SOURCE, "path": "raw/reference.txt", "title": "A reference"}
    source |= {"sha256": digest, "format": "text", "fetch": "", "collection": REFERENCE}
    source |= {"publisher": publisher, "url": "", "dataset": "", "licence": "none"}
    _append(records / "sources.csv", [source | {"text_sha256": text_sha256(text)}])
    passage = {"id": "reference_all", "source": REFERENCE_SOURCE, "start": 0, "end": len(text)}
    _append(records / "passages.csv", [passage | {"topic": "article", "heading": "Reference"}])
    _append(
        records / "entities.csv",
        [
            {"id": i, "kind": k, "label": lab, "description": d, "group": ""}
            for i, k, lab, d in NEW_ENTITIES
        ],
    )
    _append(records / "claims.csv", claims)
    rules = []
    for rid, flag, level, cid in REFERENCE_TRIAGE:
        sentence, start, end = at[cid]
        rules.append(
            {"id": rid, "level": level, "red_flag": flag, "raised_by": "reported"}
            | {"basis": "literal", "via": "", "source": REFERENCE_SOURCE, "quote": sentence}
            | {"start": start, "end": end, "passage": "reference_all", "note": ""}
        )
    _append(records / "triage.csv", rules)
    return target


@pytest.fixture(scope="module")
def reference_kb(tmp_path_factory):
    """The made-up record set of :func:`reference_data`, loaded (and so validated)."""
    return load_knowledge_base(reference_data(tmp_path_factory.mktemp("reference") / "data"))


@pytest.fixture(scope="module")
def article_only(reference_kb):
    """The same records without the reference: as when the NIH texts are missing."""
    first = reference_kb.sources["id"].iloc[0]
    return reference_kb.restricted_to([first])


# ---------------------------------------------------------------------------------------------
# weighed_claims
# ---------------------------------------------------------------------------------------------


def test_every_comparison_has_one_row_with_both_sides(reference_kb):
    table = comparison.weighed_claims(reference_kb)
    comparisons = reference_kb.comparisons
    assert list(table.columns) == list(comparison.WEIGHED_COLUMNS)
    assert sorted(table["id"]) == sorted(comparisons["id"])
    claims = reference_kb.claims.set_index("id")
    for row in table.itertuples():
        assert row.claim_quote == claims.loc[row.claim, "quote"]
        assert row.claim_source == claims.loc[row.claim, "source"]
        assert row.claim_publisher == reference_kb.publisher(row.claim_source)
        if row.verdict == "silent":
            assert row.other == row.other_quote == row.other_publisher == row.other_source == ""
        else:
            assert row.other_quote == claims.loc[row.other, "quote"]
            assert row.other_publisher == REFERENCE_PUBLISHER
            assert row.other_source == REFERENCE_SOURCE


def test_weighed_claims_come_by_topic_in_the_study_s_order(reference_kb):
    table = comparison.weighed_claims(reference_kb)
    ranks = table["topic"].map({t: i for i, t in enumerate(COMPARISON_TOPICS)}).astype(int)
    assert ranks.is_monotonic_increasing
    assert list(table["topic"].cat.categories) == list(COMPARISON_TOPICS)
    assert list(table["verdict"].cat.categories) == list(VERDICTS)


def test_a_claim_weighed_twice_has_two_rows_and_each_side_its_statement(reference_kb):
    table = comparison.weighed_claims(reference_kb)
    first_age = table.loc[table["claim_statement"].str.startswith("Older age"), "claim"].iloc[0]
    twice = table[table["claim"] == first_age]
    assert sorted(twice["verdict"].astype(str)) == ["agrees", "goes_beyond"]
    assert set(twice["other"]) == {"r001", "r002"}
    mri = table[table["other"] == "r003"].iloc[0]
    assert mri["claim_statement"] == "MRI · diagnoses · Disc pain"
    assert mri["other_statement"] == "MRI · diagnoses · Disc pain"
    assert mri["other_modality"] == "hedges"


def test_against_picks_one_collection(reference_kb):
    assert len(comparison.weighed_claims(reference_kb, REFERENCE)) == len(reference_kb.comparisons)
    assert comparison.weighed_claims(reference_kb, "no_such_collection").empty


# ---------------------------------------------------------------------------------------------
# verdict_counts
# ---------------------------------------------------------------------------------------------


def test_verdict_counts_count_comparisons_by_topic_and_verdict(reference_kb):
    counts = comparison.verdict_counts(reference_kb)
    comparisons = reference_kb.comparisons
    assert list(counts.columns) == list(VERDICTS)
    assert int(counts.to_numpy().sum()) == len(comparisons)
    expected = comparisons.groupby(["topic", "verdict"], observed=True).size()
    for (topic, verdict), n in expected.items():
        assert counts.loc[topic, verdict] == n
    claims = reference_kb.claims
    aged = (claims["subject"] == "older_age") & (claims["source"] != REFERENCE_SOURCE)
    assert counts.loc["age", "agrees"] == aged.sum() == 3
    assert counts.loc["imaging"].to_dict() == {
        "agrees": 0,
        "differs": 0,
        "goes_beyond": 1,
        "silent": 0,
    }
    assert list(counts.index) == [t for t in COMPARISON_TOPICS if t in set(counts.index)]
    assert (counts.sum(axis=1) > 0).all()  # no topic without a comparison


# ---------------------------------------------------------------------------------------------
# nih_only_claims and careful_readings
# ---------------------------------------------------------------------------------------------


def test_what_only_the_other_side_says_is_what_no_comparison_names(reference_kb):
    only = comparison.nih_only_claims(reference_kb)
    assert list(only.columns) == list(comparison.CLAIM_COLUMNS)
    assert only["id"].tolist() == REFERENCE_ONLY
    assert set(only["collection"]) == {REFERENCE}
    assert only.set_index("id").loc["r006", "kind"] == "treatment"
    assert only.set_index("id").loc["r004", "statement"] == (
        "Pain after a fall · red flag for · Low back pain"
    )
    named = set(reference_kb.comparisons["other"])
    assert not named & set(only["id"])


def test_careful_readings_are_the_inferred_hedged_and_noted_claims(reference_kb):
    care = comparison.careful_readings(reference_kb).set_index("id")["care"]
    # r002 and r003 are hedged and inferred: inferred comes first; r006 inferred.
    assert care.to_dict() == {"r002": "inferred", "r003": "inferred", "r006": "inferred"}


# ---------------------------------------------------------------------------------------------
# warning_signs
# ---------------------------------------------------------------------------------------------


def test_each_warning_sign_has_a_row_for_each_side(reference_kb):
    signs = comparison.warning_signs(reference_kb)
    gate = RedFlagGate(reference_kb)
    article = reference_kb.sources["collection"].iloc[0]
    assert list(signs.columns) == list(comparison.SIGN_COLUMNS)
    assert comparison.sides(reference_kb) == [article, REFERENCE]
    assert signs["sign"].drop_duplicates().tolist() == list(gate.reportable)
    assert (signs.groupby("sign").size() == 2).all()
    sides = dict(zip(signs["collection"], signs["side"], strict=False))
    assert sides == {article: "The web article", REFERENCE: REFERENCE_PUBLISHER}


def test_a_sign_named_by_both_sides_shows_each_side_s_level_and_sentence(reference_kb):
    signs = comparison.warning_signs(reference_kb).set_index(["sign", "collection"])
    article = reference_kb.sources["collection"].iloc[0]
    toes = signs.loc[("pain_radiates_to_toes", article)]
    # The article: its own sentence says see a doctor (t04), its disc paragraph urgent (t11).
    assert toes["level"] == "urgent" and toes["rule"] == "t11"
    assert toes["rules"].split() == ["t11", "t04"]
    assert toes["levels"].split() == ["urgent", "see_doctor"]
    assert toes["publisher"] == "The web article"
    theirs = signs.loc[("pain_radiates_to_toes", REFERENCE)]
    assert (theirs["level"], theirs["rule"], theirs["rules"]) == ("see_doctor", "tr02", "tr02")
    assert theirs["quote"] == "See your doctor if pain spreads down to your toes."
    assert theirs["publisher"] == REFERENCE_PUBLISHER


def test_a_sign_one_side_never_names_is_not_named_there(reference_kb):
    signs = comparison.warning_signs(reference_kb).set_index(["sign", "collection"])
    article = reference_kb.sources["collection"].iloc[0]
    fall = signs.loc[("pain_after_fall", article)]
    assert not fall["named"] and fall["level"] == fall["quote"] == fall["rules"] == ""
    assert signs.loc[("pain_after_fall", REFERENCE), "named"]
    arthritis = signs.loc[("suspected_arthritis", REFERENCE)]
    assert not arthritis["named"] and arthritis["level"] == ""
    # A red flag no triage rule names (leg weakness) is no warning sign of the gate.
    assert "leg_weakness" not in signs.index.get_level_values("sign")


# ---------------------------------------------------------------------------------------------
# No comparison: the NIH texts missing
# ---------------------------------------------------------------------------------------------


def test_without_the_other_side_every_table_is_empty_with_its_columns(article_only):
    assert article_only.comparisons.empty
    assert comparison.sides(article_only) == []
    for name, columns in (
        ("weighed_claims", comparison.WEIGHED_COLUMNS),
        ("nih_only_claims", comparison.CLAIM_COLUMNS),
        ("careful_readings", (*comparison.CLAIM_COLUMNS, "care")),
        ("warning_signs", comparison.SIGN_COLUMNS),
    ):
        table = getattr(comparison, name)(article_only)
        assert table.empty and list(table.columns) == list(columns), name
    counts = comparison.verdict_counts(article_only)
    assert counts.empty and list(counts.columns) == list(VERDICTS)


def test_collection_label_joins_publishers_and_refuses_an_absent_collection(reference_kb):
    assert comparison.collection_label(reference_kb, REFERENCE) == REFERENCE_PUBLISHER
    with pytest.raises(KeyError, match="nih"):
        comparison.collection_label(reference_kb.restricted_to([REFERENCE_SOURCE]), "nih")


# ---------------------------------------------------------------------------------------------
# The shipped records (no counts: they are being curated)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    require_every_source("the shipped comparisons against the NIH")
    return shipped_kb()


def test_the_shipped_comparisons_weigh_every_article_claim_and_add_up(shipped):
    table = comparison.weighed_claims(shipped)
    assert len(table) == len(shipped.comparisons)
    claims = shipped.claims
    weighed_side = set(claims.loc[claims["id"].isin(table["claim"]), "source"])
    expected = claims[claims["source"].isin(weighed_side) & (claims["relation"] != "contradicts")]
    assert set(expected["id"]) <= set(table["claim"])
    assert int(comparison.verdict_counts(shipped).to_numpy().sum()) == len(table)
    assert ((table["verdict"] == "silent") == (table["other_quote"] == "")).all()
    only = comparison.nih_only_claims(shipped)
    assert not set(only["id"]) & set(table["other"])
    signs = comparison.warning_signs(shipped)
    assert len(signs) == len(RedFlagGate(shipped).reportable) * len(comparison.sides(shipped))


def test_the_comparison_tables_are_found_once_per_knowledge_base(reference_kb, monkeypatch):
    # Notebook 04 and its captions ask for the same tables a dozen times (make bench).
    kb = load_knowledge_base(reference_kb.root)  # a fresh one: nothing found for it yet
    labelled = []
    claims_with_labels = type(kb).claims_with_labels
    monkeypatch.setattr(
        type(kb), "claims_with_labels", lambda self: labelled.append(1) or claims_with_labels(self)
    )
    first = comparison.weighed_claims(kb)
    for _ in range(3):
        comparison.weighed_claims(kb)
        comparison.other_side_claims(kb)
        comparison.careful_readings(kb)
        comparison.paired_signs(kb)
        comparison.warning_signs(kb)
    assert len(labelled) == 1
    # Each caller's table is its own: a change to one is not seen by the next.
    first["note"] = "changed"
    assert (comparison.weighed_claims(kb)["note"] != "changed").any()
    found_again = comparison.weighed_claims(reference_kb)
    pd.testing.assert_frame_equal(comparison.weighed_claims(kb), found_again)
