"""Random corruptions of quotes, offsets and readings are always caught, on the right row."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lowback import RecordError, config, load_knowledge_base
from tests.conftest import shipped_kb

CLAIMS = pd.read_csv(config.DATA_DIR / "records" / "claims.csv", dtype=str, keep_default_na=False)
#: Each source's text, of the sources on this machine: a quote of a missing one cannot be
#: checked (its records are left out), so only rows of these are corrupted.
TEXTS = dict(shipped_kb().texts)
CHECKABLE = CLAIMS.index[CLAIMS["source"].isin(TEXTS)].tolist()


@st.composite
def corruptions(draw):
    row = draw(st.sampled_from(CHECKABLE))
    start, end = int(CLAIMS.at[row, "start"]), int(CLAIMS.at[row, "end"])
    quote = CLAIMS.at[row, "quote"]
    how = draw(st.sampled_from(["shift", "start", "end", "edit"]))
    if how == "edit":
        at = draw(st.integers(0, len(quote) - 1))
        char = draw(st.characters(codec="utf-8", exclude_characters="\r\n"))
        quote = quote[:at] + char + quote[at + 1 :]
    else:
        delta = draw(st.integers(-40, 40).filter(bool))
        if how in ("shift", "start"):
            start += delta
        if how in ("shift", "end"):
            end += delta
    return row, start, end, quote


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corruptions())
def test_a_corrupted_quote_or_offset_is_always_caught(corruption):
    row, start, end, quote = corruption
    text = TEXTS[CLAIMS.at[row, "source"]]
    assume(not (0 <= start < end <= len(text) and text[start:end] == quote))
    claims = CLAIMS.copy()
    claims.loc[row, ["start", "end", "quote"]] = [str(start), str(end), quote]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(config.DATA_DIR, data)
        claims.to_csv(data / "records" / "claims.csv", index=False, lineterminator="\n")
        try:
            load_knowledge_base(data)
        except RecordError as err:
            rows = {(p.file, p.row) for p in err.problems}
            assert ("records/claims.csv", row + 2) in rows, err
        else:
            raise AssertionError(f"corruption of claims row {row + 2} was not caught")


TRIAGE = pd.read_csv(config.DATA_DIR / "records" / "triage.csv", dtype=str, keep_default_na=False)
CLAIM_IDS = set(CLAIMS["id"])


@st.composite
def misreadings(draw):
    """A claim or triage row whose readings no longer fit: (table, row, column, value)."""
    table = draw(st.sampled_from(["claims", "claims", "triage"]))
    if table == "triage":
        row = draw(st.integers(0, len(TRIAGE) - 1))
        how = draw(st.sampled_from(["basis", "via", "raised_by"]))
        if how == "basis":  # a vocabulary word that is not one
            value = draw(st.text(min_size=1, max_size=8).filter(lambda v: v.strip()))
            assume(value not in ("literal", "inferred"))
        elif how == "via":  # a claim id that does not exist
            value = draw(st.from_regex(r"c[0-9]{4,5}", fullmatch=True))
            assume(value not in CLAIM_IDS)
        else:  # a pain type is not a sign
            value = draw(st.sampled_from(["low_back_pain", "muscle", "bone", "disc"]))
        return table, row, how, value
    row = draw(st.integers(0, len(CLAIMS) - 1))
    how = draw(st.sampled_from(["modality", "attributed", "reading", "no_note", "flip_faq"]))
    if how == "no_note":
        return table, row, "note", ""  # made inferred below
    if how == "flip_faq":
        value = "article" if CLAIMS.at[row, "attributed"] == "faq" else "faq"
        return table, row, "attributed", value
    value = draw(st.text(max_size=10))
    allowed = {
        "modality": ("states", "hedges", "recommends"),
        "attributed": ("article", "experts", "faq"),
        "reading": ("literal", "inferred"),
    }
    assume(value not in allowed[how])
    return table, row, how, value


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(misreadings())
def test_a_misread_claim_or_rule_is_always_caught_on_its_row(misreading):
    table, row, column, value = misreading
    frame = (CLAIMS if table == "claims" else TRIAGE).copy()
    frame.loc[row, column] = value
    if table == "claims" and column == "note":
        frame.loc[row, "reading"] = "inferred"
    if table == "triage" and column == "via":
        frame.loc[row, "basis"] = "inferred"  # the baseline takes neither: caught too
    if table == "triage" and column == "raised_by" and frame.at[row, "red_flag"] == "":
        frame.loc[row, "red_flag"] = TRIAGE.at[1, "red_flag"]  # a rule, not the baseline
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(config.DATA_DIR, data)
        frame.to_csv(data / "records" / f"{table}.csv", index=False, lineterminator="\n")
        try:
            load_knowledge_base(data)
        except RecordError as err:
            located = {(p.file, p.row) for p in err.problems}
            assert (f"records/{table}.csv", row + 2) in located, err
        else:
            raise AssertionError(f"{table} row {row + 2}: {column}={value!r} was not caught")
