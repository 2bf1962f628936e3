"""The shipped records: traceable to the material, complete, and read-only once loaded."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from lowback import config
from lowback.data.coverage import sentence_coverage
from lowback.data.fetch import local_path
from lowback.data.schema import (
    ATTRIBUTIONS,
    BASES,
    COLUMNS,
    KINDS,
    MODALITIES,
    READINGS,
    RELATIONS,
    SIGN_KINDS,
)
from tests.conftest import require_every_source

RAW = config.DATA_DIR / "raw" / "runners-low-back-pain.txt"
SHARED_MATERIAL = config.PROJECT_DIR.parent / "shared" / "material" / "runners-low-back-pain.txt"


def test_raw_material_matches_the_sha256_recorded_in_the_data_readme():
    readme = (config.DATA_DIR / "README.md").read_text(encoding="utf-8")
    recorded = re.search(r"sha256 `([0-9a-f]{64})`", readme)
    assert recorded, "data/README.md must record the material's sha256"
    assert hashlib.sha256(RAW.read_bytes()).hexdigest() == recorded.group(1)


def test_the_data_dictionary_names_every_column_relation_and_value():
    readme = (config.DATA_DIR / "README.md").read_text(encoding="utf-8")
    words = [*RELATIONS, *MODALITIES, *ATTRIBUTIONS, *READINGS, *BASES]
    words += [c for table in ("claims", "triage") for c in COLUMNS[table]]
    assert [w for w in words if f"`{w}`" not in readme] == []


@pytest.mark.skipif(not SHARED_MATERIAL.exists(), reason="no ../shared beside the project")
def test_raw_material_is_the_shared_material_byte_for_byte():
    assert RAW.read_bytes() == SHARED_MATERIAL.read_bytes()


def _texts_as_a_reader_rebuilds_them() -> dict[str, str]:
    """Each source's text as data/README.md tells a reader to rebuild it, without lowback:
    a text file as it is; a MedQuAD file's <Answer> texts joined by a blank line."""
    import xml.etree.ElementTree as ET  # what the README's snippet uses

    sources = pd.read_csv(config.DATA_DIR / "records" / "sources.csv", keep_default_na=False)
    texts = {}
    for source in sources.itertuples(index=False):
        if source.fetch:
            path = local_path(source.fetch, source.path)
            if not path.is_file():
                continue
            answers = ET.parse(path).getroot().iter("Answer")
            texts[source.id] = "\n\n".join("".join(a.itertext()) for a in answers)
        else:
            texts[source.id] = (config.DATA_DIR / source.path).read_text(encoding="utf-8")
        digest = hashlib.sha256(texts[source.id].encode("utf-8")).hexdigest()
        assert digest == source.text_sha256, source.id
    return texts


def test_every_quote_checks_out_with_pandas_alone():
    """What README promises a reader: text[start:end] == quote, nothing but pandas (and,
    for the NIH texts, the standard library's XML parser)."""
    texts = _texts_as_a_reader_rebuilds_them()
    checked = 0
    for table in ("claims", "skipped", "triage"):
        frame = pd.read_csv(config.DATA_DIR / "records" / f"{table}.csv", keep_default_na=False)
        frame = frame[frame["source"].isin(texts)]
        sliced = [
            texts[source][s:e]
            for source, s, e in zip(frame["source"], frame["start"], frame["end"], strict=True)
        ]
        assert (pd.Series(sliced, index=frame.index) == frame["quote"]).all(), table
        checked += len(frame)
    assert checked > 100


def test_the_nih_texts_are_rebuilt_by_the_readme_recipe_and_quoted():
    require_every_source("the NIH texts' quotes")
    texts = _texts_as_a_reader_rebuilds_them()
    claims = pd.read_csv(config.DATA_DIR / "records" / "claims.csv", keep_default_na=False)
    sources = pd.read_csv(config.DATA_DIR / "records" / "sources.csv", keep_default_na=False)
    fetched = set(sources.loc[sources["fetch"] != "", "id"])
    assert fetched <= set(texts)
    # Every fetched source is quoted by claims, in the publisher's own voice.
    nih = claims[claims["source"].isin(fetched)]
    assert set(nih["source"]) == fetched
    assert set(nih["attributed"]) == {"publisher"}


def test_passages_tile_each_source_and_no_claim_is_off_topic(kb):
    for source, text in kb.texts.items():
        passages = kb.passages[kb.passages["source"] == source].sort_values("start")
        assert passages["start"].iloc[0] == 0 and passages["end"].iloc[-1] == len(text)
        starts, ends = passages["start"].iloc[1:].to_numpy(), passages["end"].iloc[:-1].to_numpy()
        assert (starts == ends).all(), source
    topic = kb.claims["passage"].map(kb.passages.set_index("id")["topic"])
    assert (topic != "off_topic").all()
    assert set(kb.passages["topic"]) == {"article", "faq", "off_topic"}


@pytest.mark.parametrize(
    "scrap",
    [
        "Building a Blog",
        "People also search for",
        "Asian Wings With Orange Sauce",
        "runnersworld.com",
    ],
)
def test_off_topic_scraps_are_in_off_topic_passages(kb, scrap):
    text = kb.texts["runners_low_back_pain"]
    at = text.index(scrap)
    passages = kb.passages[kb.passages["source"] == "runners_low_back_pain"]
    holding = passages[(passages["start"] <= at) & (at < passages["end"])]
    assert holding["topic"].tolist() == ["off_topic"]


def test_tables_are_typed_with_categoricals_for_closed_vocabularies(kb):
    assert list(kb.entities["kind"].cat.categories) == list(KINDS)
    assert list(kb.claims["relation"].cat.categories) == list(RELATIONS)
    assert list(kb.claims["modality"].cat.categories) == list(MODALITIES)
    assert list(kb.claims["attributed"].cat.categories) == list(ATTRIBUTIONS)
    assert list(kb.claims["reading"].cat.categories) == list(READINGS)
    assert list(kb.triage["basis"].cat.categories) == list(BASES)
    assert kb.claims["start"].dtype == "int64"


def test_the_knowledge_base_cannot_be_changed_through_a_table(kb):
    claims = kb.claims
    claims.loc[0, "quote"] = "edited"
    entities = kb.entities
    entities["label"] = "changed"
    assert kb.claims.loc[0, "quote"] != "edited"
    assert (kb.entities["label"] != "changed").all()
    with pytest.raises(AttributeError):
        kb.root = Path("/elsewhere")
    with pytest.raises(TypeError):
        kb.texts["runners_low_back_pain"] = ""


def _linked(kb, relation: str, obj: str) -> set[str]:
    claims = kb.claims
    return set(claims.loc[(claims["relation"] == relation) & (claims["object"] == obj), "subject"])


def test_three_pain_types_each_with_symptoms_and_causes(kb):
    assert _linked(kb, "type_of", "low_back_pain") == {"muscle", "bone", "disc"}
    # Bone pain has one symptom: age, its other sign in the article, is a risk factor.
    for pain_type, symptoms in (("muscle", 2), ("bone", 1), ("disc", 2)):
        assert len(_linked(kb, "symptom_of", pain_type)) >= symptoms, pain_type
        assert _linked(kb, "causes", pain_type) | _linked(kb, "risk_factor_for", pain_type)
    assert "older_age" in _linked(kb, "risk_factor_for", "arthritis")  # age is no symptom
    assert "age_over_65" not in set(kb.entities["id"])
    assert "pain_radiates_to_legs" in _linked(kb, "symptom_of", "disc")
    assert "lumbar_fatigue" in _linked(kb, "causes", "low_back_pain")


def test_risk_factors_the_article_names_are_all_recorded(kb):
    risk_factors = kb.entities_of_kind("risk_factor").set_index("id")
    groups = set(risk_factors["group"])
    assert {
        "age",
        "posture",
        "weak_core",
        "overtraining",
        "form",
        "flexibility",
        "pelvis",
        "diet",
    } <= groups
    overtraining = set(risk_factors.index[risk_factors["group"] == "overtraining"])
    assert {
        "overuse",
        "repeated_strain_and_impact",
        "high_mileage",
        "beginner_runner",
        "too_hard_too_fast_after_break",
    } <= overtraining
    assert {
        "tight_hamstrings",
        "lack_of_stretching",
        "si_joint_dysfunction",
        "poor_diet",
        "incorrect_form",
    } <= set(risk_factors.index)
    backed = set(kb.claims.loc[kb.claims["relation"] == "risk_factor_for", "subject"])
    assert set(risk_factors.index) <= backed


def test_every_kind_has_records_and_every_entity_a_claim(kb):
    assert set(kb.entities["kind"]) == set(KINDS)
    named = set(kb.claims["subject"]) | set(kb.claims["object"])
    assert set(kb.entities["id"]) <= named


def test_red_flags_the_article_gives_are_recorded(kb):
    assert {
        "pain_radiates_to_toes",
        "curled_up_like_human_comma",
        "suspected_disc_pain",
    } <= _linked(kb, "red_flag_for", "disc")


def test_the_contradiction_about_running_with_pain_links_both_sides(kb):
    claims = kb.claims.set_index("id")
    contradictions = claims[claims["relation"] == "contradicts"]
    assert len(contradictions) >= 1
    sides = {
        (claims.loc[c.subject, "quote"], claims.loc[c.object, "quote"])
        for c in contradictions.itertuples()
    }
    assert any("should not avoid running" in a and "make the pain worse" in b for a, b in sides)
    passages = {
        claims.loc[c, "passage"]
        for row in contradictions.itertuples()
        for c in (row.subject, row.object)
    }
    assert any(p.startswith("faq") for p in passages) and any(
        p.startswith("article") for p in passages
    )


def test_running_with_pain_worsens_it_and_is_no_risk_factor(kb):
    claims = kb.claims.set_index("id")
    c020 = claims.loc["c020"]
    assert "make the pain worse" in c020["quote"]
    assert (c020["subject"], c020["relation"], c020["object"]) == (
        "keep_running",
        "worsens",
        "low_back_pain",
    )
    assert c020["modality"] == "hedges"  # "running can make the pain worse"
    assert "running_with_existing_pain" not in set(kb.entities["id"])
    worsening = set(claims.loc[claims["relation"] == "worsens", "subject"])
    assert not worsening & set(claims.loc[claims["relation"] == "risk_factor_for", "subject"])


def test_the_readings_hold_on_the_shipped_records(kb):
    """What the loader enforces, seen from the shipped records (and each value used)."""
    claims = kb.claims
    topic = claims["passage"].map(kb.passages.set_index("id")["topic"].astype(str))
    assert ((topic == "faq") == (claims["attributed"] == "faq")).all()
    inferred = claims[claims["reading"] == "inferred"]
    assert (inferred["note"].str.strip() != "").all()
    assert (claims.loc[claims["relation"] == "contradicts", "reading"] == "inferred").all()
    assert set(claims["modality"]) == set(MODALITIES)
    assert set(claims["reading"]) == set(READINGS)
    # The article's claims are the article's, its experts' or its FAQ's; the publisher's
    # own voice is the NIH texts' (when they are present).
    fetched = kb.sources.loc[kb.sources["fetch"] != "", "id"]
    in_fetched = claims["source"].isin(fetched)
    assert set(claims.loc[~in_fetched, "attributed"]) == set(ATTRIBUTIONS) - {"publisher"}
    assert set(claims.loc[in_fetched, "attributed"]) <= {"publisher"}


def test_triage_rules_name_their_signs_and_the_claims_they_rest_on(kb):
    kinds = kb.entities.set_index("id")["kind"].astype(str)
    claims = kb.claims.set_index("id")
    rules = kb.triage
    (baseline,) = rules[rules["red_flag"] == ""].itertuples()
    assert (baseline.raised_by, baseline.basis, baseline.via) == ("", "literal", "")
    for rule in rules[rules["red_flag"] != ""].itertuples():
        signs = rule.raised_by.split(" ")
        assert signs == ["reported"] or all(kinds.get(s) in SIGN_KINDS for s in signs), rule
        via = rule.via.split(" ") if rule.via else []
        assert (rule.basis == "inferred") == bool(via), rule
        assert set(via) <= set(claims.index), rule
        if rule.level == "urgent":
            assert "hedges" not in set(claims.loc[via, "modality"]), rule
    assert set(rules["basis"]) == set(BASES)


def test_every_on_topic_sentence_is_claimed_or_skipped_with_a_reason(kb):
    coverage = sentence_coverage(kb)
    assert len(coverage) > 50
    uncovered = coverage.loc[coverage["status"] == "uncovered", "sentence"].tolist()
    assert uncovered == []
    assert (kb.skipped["reason"].str.len() > 0).all()
