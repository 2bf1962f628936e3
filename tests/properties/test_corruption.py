"""Random corruptions of quotes and offsets are always caught, on the right row."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lowback import RecordError, config, load_knowledge_base

CLAIMS = pd.read_csv(config.DATA_DIR / "records" / "claims.csv", dtype=str, keep_default_na=False)
RAW = (config.DATA_DIR / "raw" / "runners-low-back-pain.txt").read_text(encoding="utf-8")


@st.composite
def corruptions(draw):
    row = draw(st.integers(0, len(CLAIMS) - 1))
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
    assume(not (0 <= start < end <= len(RAW) and RAW[start:end] == quote))
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
