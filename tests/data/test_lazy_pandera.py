"""pandera is imported only when a table fails the fast path, or a schema is asked for.

Importing it costs about a fifth of a second of CPU in every process (the CLI, each
notebook kernel); a valid table is checked from :data:`lowback.data.schema.TABLE_RULES`,
the same rules the pandera schemas are built from.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from lowback.data.schema import SPAN, TABLE_RULES, pandera_schemas
from tests.conftest import BROKEN_DIR, assemble_broken_case


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )


def test_loading_valid_records_never_imports_pandera():
    result = _run(
        "import sys\n"
        "from lowback import load_knowledge_base\n"
        "kb = load_knowledge_base(warn_missing=False)\n"
        "assert len(kb.claims) > 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pandera'))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_table_that_fails_the_fast_path_is_worded_by_pandera(tmp_path):
    data_dir = assemble_broken_case("duplicate_id", tmp_path / "case")
    expected = (BROKEN_DIR / "duplicate_id" / "expected.txt").read_text(encoding="utf-8")
    result = _run(
        "import sys\n"
        "from lowback import RecordError, load_knowledge_base\n"
        "try:\n"
        f"    load_knowledge_base({str(data_dir)!r})\n"
        "except RecordError as err:\n"
        "    print('\\n'.join(str(p) for p in err.problems))\n"
        "print('pandera' in sys.modules)\n"
    )
    assert result.returncode == 0, result.stderr
    *problems, pandera_loaded = result.stdout.splitlines()
    assert problems == expected.splitlines()
    assert pandera_loaded == "True"


def test_the_schemas_stay_importable_by_name():
    from lowback.data import schema
    from lowback.data.schema import SCHEMAS

    assert SCHEMAS is schema.SCHEMAS is pandera_schemas()
    assert list(SCHEMAS) == list(TABLE_RULES)
    with pytest.raises(AttributeError, match="NO_SUCH"):
        schema.NO_SUCH  # noqa: B018


@pytest.mark.parametrize("name", list(TABLE_RULES))
def test_each_pandera_schema_is_built_from_the_rules(name):
    """One source of truth: each pandera column says what its rule says."""
    schema = pandera_schemas()[name]
    rules = TABLE_RULES[name]
    assert list(schema.columns) == list(rules.columns)
    assert schema.strict is True
    assert [c.error for c in schema.checks] == ([SPAN] if rules.span else [])
    for column, rule in rules.columns.items():
        pandera_column = schema.columns[column]
        assert pandera_column.unique == rule.unique
        assert str(pandera_column.dtype) == ("int64" if rule.offset else "string[pyarrow]")
        checks = {check.name: check for check in pandera_column.checks}
        assert all(check.error == rule.expected for check in checks.values())
        if rule.allowed is not None:
            assert checks["isin"].statistics["allowed_values"] == list(rule.allowed)
        if rule.pattern is not None:
            assert checks["str_fullmatch"].statistics["pattern"] == rule.pattern
        if rule.non_empty:
            assert checks["str_length"].statistics["min_value"] == 1
        if rule.offset:
            assert checks["greater_than_or_equal_to"].statistics["min_value"] == 0
        expected_count = (rule.allowed is not None) + (rule.pattern is not None)
        expected_count += rule.non_empty + rule.offset
        assert len(checks) == expected_count
