"""``lowback assess --from`` and ``lowback entities``: output that parses, exit codes, a
closed pipe. One subprocess per case."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lowback.study.triage import MODEL_SEED, assess
from tests.conftest import run_cli as run

PROFILES = """id,symptoms,age,risk_factors
r1,pain_radiates_to_toes,50,
r2,pain_beside_spine;muscle_cramping,30,weak_core
r3,pain_worse_when_bendin,40,
"""


@pytest.fixture(scope="module")
def profiles(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("profiles") / "profiles.csv"
    path.write_text(PROFILES, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def good(profiles) -> Path:
    path = profiles.with_name("good.csv")
    path.write_text("".join(PROFILES.splitlines(keepends=True)[:3]), encoding="utf-8")
    return path


def test_json_lines_one_object_a_row_and_exit_1_for_the_bad_one(profiles):
    done = run("assess", "--from", str(profiles))
    assert done.returncode == 1
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in records] == ["r1", "r2", "r3"]
    for record in records[:2]:
        expected = assess(
            record["symptoms"], age=record["age"], risk_factors=record["risk_factors"]
        )
        assert {k: record[k] for k in expected.to_dict()} == expected.to_dict()
        assert record["seed"] == MODEL_SEED and record["problems"] == []
    assert records[2]["triage"] is None and records[2]["problems"]
    assert (
        f"{profiles}, row 4, column 'symptoms': got 'pain_worse_when_bendin'; expected a sign "
        "id; did you mean 'pain_worse_when_bending'?"
    ) in done.stderr
    assert "Traceback" not in done.stderr


def test_csv_parses_with_pandas_and_a_clean_file_exits_0(good):
    done = run("assess", "--from", str(good), "--csv")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(io.StringIO(done.stdout), keep_default_na=False)
    assert table["id"].tolist() == ["r1", "r2"]
    assert table["triage"].tolist() == [
        assess(["pain_radiates_to_toes"], age=50).triage,
        assess(["pain_beside_spine", "muscle_cramping"], age=30).triage,
    ]
    assert table["symptoms"].tolist()[1] == "pain_beside_spine;muscle_cramping"


def test_out_writes_the_file_and_nothing_to_stdout(good, tmp_path):
    out = tmp_path / "assessed.jsonl"
    done = run("assess", "--from", str(good), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert [json.loads(x)["id"] for x in out.read_text(encoding="utf-8").splitlines()] == [
        "r1",
        "r2",
    ]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["assess", "--from", "nowhere.csv"], "nowhere.csv"),
        (["entities", "--kind", "planet"], "valid kinds: pain_type"),
        (["assess", "--from", "x.csv", "--symptom", "pain_beside_spine"], "--from CSV takes"),
        (["assess"], "give --symptom ID"),
    ],
)
def test_exit_2_naming_what_is_wrong(args, said):
    done = run(*args)
    assert done.returncode == 2
    assert said in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_symptoms_column_exits_2_naming_it(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,age\nr1,40\n", encoding="utf-8")
    done = run("assess", "--from", str(path))
    assert done.returncode == 2
    assert f"{path}, line 1: no 'symptoms' column" in done.stderr


def test_entities_json_and_kind(kb):
    done = run("entities", "--kind", "risk_factor", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    expected = kb.entities.loc[kb.entities["kind"] == "risk_factor", "id"]
    assert [r["id"] for r in rows] == expected.tolist()
    assert {"weak_core"} <= {r["id"] for r in rows if r["risk_factor"]}
    assert not any(r["sign"] for r in rows)


def test_entities_table_is_aligned(kb):
    done = run("entities")
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["id", "kind", "label", "sign", "risk", "factor"]
    assert len(lines) == len(kb.entities) + 1
    column = lines[0].index("kind")
    assert all(line[column - 2 : column] == "  " for line in lines)  # ids padded to one width


def _piped_to_head(args: list[str]) -> tuple[int, str, bytes]:
    """Run ``lowback ARGS | head -1``; the command's exit status, stderr, and head's line."""
    command = subprocess.Popen(
        [sys.executable, "-m", "lowback", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    head = subprocess.run(["head", "-1"], stdin=command.stdout, capture_output=True, check=True)
    command.stdout.close()  # only head holds the pipe: it closes it after one line
    _, err = command.communicate(timeout=120)
    return command.returncode, err.decode(), head.stdout


@pytest.mark.parametrize("csv", [False, True])
def test_a_closed_pipe_ends_quietly_with_141(tmp_path, csv):
    path = tmp_path / "big.csv"
    rows = "".join(f"r{i},pain_beside_spine;muscle_cramping,{20 + i % 60},\n" for i in range(3_000))
    path.write_text("id,symptoms,age,risk_factors\n" + rows, encoding="utf-8")
    code, err, first = _piped_to_head(["assess", "--from", str(path), *(["--csv"] if csv else [])])
    assert code == 141
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert first.startswith(b"id," if csv else b'{"id": "r0"')


def test_entities_into_a_closed_pipe_ends_quietly():
    code, err, first = _piped_to_head(["entities"])
    said = [line for line in err.splitlines() if not line.startswith("lowback: source ")]
    assert said == [] and first.split()[0] == b"id"  # a missing fetched source is said
    assert code in (0, 141)  # a short table may fit in the pipe before head closes it
