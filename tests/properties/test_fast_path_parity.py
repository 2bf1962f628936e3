"""The loader's fast path never passes a table that pandera would refuse.

``tables._plainly_valid`` checks a valid table a whole column at a time instead of giving
it to pandera (several times faster); when it says a table is valid, pandera must agree.
Here each real record table gets one cell replaced by a value chosen to break a check
(a trailing newline, a space, an unknown vocabulary word, a duplicate id, an empty id...),
and the fast path's verdict is compared with pandera's.
"""

from __future__ import annotations

import pandas as pd
import pandera.errors
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lowback import config
from lowback.data import tables
from lowback.data.schema import TABLE_FILES

#: Values that break some check of some column, and values that pass most.
NASTY = [
    "",
    " ",
    "x",
    "X",
    "weak_core\n",
    "weak core",
    "Weak_core",
    "1abc",
    "a" * 300,
    "\x1b[31m",
    "é",
    "muscle",
    "article",
    "0",
    "-1",
    "1.5",
    "true",
    "nan",
]


def _table(name: str) -> pd.DataFrame:
    data = (config.DATA_DIR / "records" / TABLE_FILES[name]).read_bytes()
    return tables._read_csv(data, name)


TABLES = {name: _table(name) for name in TABLE_FILES}


def _pandera_accepts(frame: pd.DataFrame, name: str) -> bool:
    try:
        tables._text_schemas()[name].validate(frame.copy(), lazy=True)
    except pandera.errors.SchemaErrors:
        return False
    return True


@pytest.mark.parametrize("name", sorted(TABLE_FILES))
def test_the_fast_path_passes_the_shipped_tables(name):
    """Else every load would pay for pandera: the fast path would be a slow path."""
    frame = TABLES[name]
    if frame.empty:
        pytest.skip(f"{name} has no rows")
    assert tables._plainly_valid(frame, name)
    assert _pandera_accepts(frame, name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_table_the_fast_path_passes_is_one_pandera_passes(data):
    name = data.draw(st.sampled_from(sorted(n for n, f in TABLES.items() if not f.empty)))
    frame = TABLES[name].copy()
    column = data.draw(st.sampled_from([c for c in frame.columns if c not in ("start", "end")]))
    row = data.draw(st.integers(0, len(frame) - 1))
    other_row = data.draw(st.integers(0, len(frame) - 1))
    value = data.draw(st.sampled_from([*NASTY, frame[column].iloc[other_row]]))
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value
    # As the loader has it: read back from CSV text, so dtypes are what _read_csv gives.
    text = frame.to_csv(index=False).encode()
    reread = tables._read_csv(text, name)
    if tables._plainly_valid(reread, name):
        assert _pandera_accepts(reread, name), (name, column, row, value)


def test_the_parity_check_can_fail():
    """A value pandera refuses (an id with a trailing newline) is refused by both."""
    frame = TABLES["entities"].copy()
    frame.loc[0, "id"] = "weak_core\n"
    reread = tables._read_csv(frame.to_csv(index=False).encode(), "entities")
    assert not _pandera_accepts(reread, "entities")
    assert not tables._plainly_valid(reread, "entities")
