"""Exports: Parquet and CSV with a Frictionless descriptor, all-or-none, same bytes each time."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import frictionless
import pandas as pd
import pytest

from lowback import __version__, config, simulate
from lowback.data.schema import CATEGORICAL, COLUMNS, TABLE_FILES
from lowback.errors import ReportError
from lowback.publish import export, fileset
from lowback.publish.export import DESCRIPTOR, column_descriptions, export_cohort, export_records

N, SEED = 2_000, 11
SCENARIO = config.DATA_DIR / "scenarios" / "older-runners.toml"


@pytest.fixture(scope="module")
def records_dir(tmp_path_factory, kb) -> Path:
    folder = tmp_path_factory.mktemp("export") / "records"
    export_records(folder, kb=kb)
    return folder


@pytest.fixture(scope="module")
def cohort_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export") / "cohort"
    export_cohort(folder, n=N, seed=SEED)
    return folder


def _package(folder: Path) -> dict:
    return json.loads((folder / DESCRIPTOR).read_text(encoding="utf-8"))


def _errors(report: frictionless.Report) -> set[str]:
    return {error.type for task in report.tasks for error in task.errors} | {
        error.type for error in report.errors
    }


def _bytes_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ---------------------------------------------------------------------------------------------
# The descriptor
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["records_dir", "cohort_dir"])
def test_the_descriptor_validates_with_frictionless_against_every_row(which, request):
    folder = request.getfixturevalue(which)
    report = frictionless.validate(folder / DESCRIPTOR)
    assert report.valid, report.flatten(["type", "note"])
    checked = {task.name: task.stats.get("rows", 0) for task in report.tasks}
    for resource in _package(folder)["resources"]:
        rows = len(pd.read_parquet(folder / resource["parquet"]["path"]))
        assert checked[resource["name"]] == rows


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda field: field.update(type="integer"), "type-error"),
        (lambda field: field.update(name="the_quote"), "incorrect-label"),
    ],
)
def test_a_broken_descriptor_is_reported_invalid(records_dir, tmp_path, change, expected):
    folder = tmp_path / "broken"
    shutil.copytree(records_dir, folder)
    package = _package(folder)
    claims = next(r for r in package["resources"] if r["name"] == "claims")
    change(next(f for f in claims["schema"]["fields"] if f["name"] == "quote"))
    (folder / DESCRIPTOR).write_text(json.dumps(package), encoding="utf-8")
    report = frictionless.validate(folder / DESCRIPTOR)
    assert not report.valid
    assert expected in _errors(report)


def test_an_edited_csv_fails_its_recorded_sha256(records_dir, tmp_path):
    folder = tmp_path / "edited"
    shutil.copytree(records_dir, folder)
    csv = folder / "claims.csv"
    csv.write_bytes(csv.read_bytes().replace(b"runners", b"walkers", 1))
    assert "hash-count" in _errors(frictionless.validate(folder / DESCRIPTOR))


def test_every_record_column_is_in_the_data_dictionary():
    described = column_descriptions()
    for table, columns in COLUMNS.items():
        missing = [c for c in columns if not described.get(table, {}).get(c)]
        assert not missing, f"data/README.md: {table}.csv lacks a description of {missing}"


def test_the_fields_say_the_tables_columns_types_vocabularies_and_meanings(records_dir, kb):
    described = column_descriptions()
    resources = {r["name"]: r for r in _package(records_dir)["resources"]}
    assert list(resources) == list(TABLE_FILES)
    for name, resource in resources.items():
        fields = {f["name"]: f for f in resource["schema"]["fields"]}
        assert list(fields) == list(getattr(kb, name).columns)
        for column, field in fields.items():
            assert field["description"] == described[name][column]
            vocabulary = CATEGORICAL.get(name, {}).get(column)
            if vocabulary:
                assert field["constraints"]["enum"] == list(vocabulary)
        assert fields["id"]["type"] == "string"
    assert resources["claims"]["schema"]["fields"][6]["type"] == "integer"  # start
    assert resources["sources"]["schema"]["fields"][4]["constraints"]["enum"] == [
        "text",
        "medquad_xml",
    ]


def test_an_undescribed_column_is_an_error_naming_it(tmp_path, monkeypatch, kb):
    readme = (config.DATA_DIR / "README.md").read_text(encoding="utf-8")
    row = "| `reason` | text | why no claim is drawn from it |\n"
    assert row in readme
    (tmp_path / "README.md").write_text(readme.replace(row, ""), encoding="utf-8")
    monkeypatch.setattr(export, "DICTIONARY", tmp_path / "README.md")
    with pytest.raises(ReportError, match=r"skipped\.csv's column\(s\) reason"):
        export_records(tmp_path / "out", kb=kb)
    assert not (tmp_path / "out").exists()


def test_the_package_names_version_sources_sha256_and_licences(records_dir, kb):
    package = _package(records_dir)
    assert package["lowback_version"] == __version__
    sources = {s["id"]: s for s in package["sources"]}
    for row in kb.sources.itertuples():
        assert sources[row.id]["sha256"] == row.sha256
        assert sources[row.id]["licence"] == row.licence
    nih = kb.sources["licence"].str.contains("CC BY 4.0").any()
    assert [lic["name"] for lic in package["licenses"]] == (["CC-BY-4.0"] if nih else [])


# ---------------------------------------------------------------------------------------------
# Parquet keeps the dtypes
# ---------------------------------------------------------------------------------------------


def test_record_tables_read_back_from_parquet_with_identical_dtypes(records_dir, kb):
    for name in TABLE_FILES:
        back, table = pd.read_parquet(records_dir / f"{name}.parquet"), getattr(kb, name)
        if table.empty:
            # Parquet keeps a category's values only with rows to hold them (pyarrow writes
            # no dictionary page for none); the vocabulary is in datapackage.json's enum.
            assert list(back.columns) == list(table.columns) and back.empty, name
            continue
        pd.testing.assert_frame_equal(back, table)
    modality = pd.read_parquet(records_dir / "claims.parquet")["modality"]
    assert isinstance(modality.dtype, pd.CategoricalDtype)


def test_record_tables_read_back_from_csv_with_the_same_values(records_dir, kb):
    for name in TABLE_FILES:
        back = pd.read_csv(records_dir / f"{name}.csv", keep_default_na=False, dtype=str)
        pd.testing.assert_frame_equal(back, getattr(kb, name).astype(str))


def test_the_cohort_reads_back_from_parquet_as_simulated(cohort_dir, kb):
    expected = simulate(kb, N, random_state=SEED)
    back = pd.read_parquet(cohort_dir / "cohort.parquet").set_index("simulated_runner")
    pd.testing.assert_frame_equal(back, expected)
    assert back["age"].dtype == expected["age"].dtype == "uint8"
    csv = pd.read_csv(cohort_dir / "cohort.csv")
    assert csv.shape == (N, 1 + expected.shape[1])
    assert csv.select_dtypes(bool).shape[1] == expected.select_dtypes(bool).shape[1]


def test_the_cohort_schema_types_booleans_enum_and_age(cohort_dir, kb):
    expected = simulate(kb, 10, random_state=0)
    fields = {f["name"]: f for f in _package(cohort_dir)["resources"][0]["schema"]["fields"]}
    assert list(fields) == ["simulated_runner", *expected.columns]
    for column in expected.select_dtypes(bool):
        assert fields[column]["type"] == "boolean"
        assert fields[column]["description"]
    assert fields["age"]["type"] == "integer"
    assert fields["pain_type"]["constraints"]["enum"] == list(expected["pain_type"].cat.categories)


# ---------------------------------------------------------------------------------------------
# The cohort's metadata
# ---------------------------------------------------------------------------------------------


def test_the_cohort_says_simulated_seed_size_assumptions_and_sources(cohort_dir, kb):
    package = _package(cohort_dir)
    default = config.DATA_DIR / "assumptions.toml"
    assert package["simulated"] is True
    assert (package["seed"], package["size"]) == (SEED, N)
    assert package["assumptions"]["name"] == default.name
    assert package["assumptions"]["sha256"] == hashlib.sha256(default.read_bytes()).hexdigest()
    assert package["assumptions"]["extends"] == []
    attrs = simulate(kb, 10, random_state=0).attrs
    assert [s["id"] for s in package["sources"]] == attrs["sources"]
    assert package["lowback_version"] == __version__


def test_a_scenario_names_the_file_it_extends_with_its_sha256(tmp_path):
    export_cohort(tmp_path / "older", n=200, seed=1, assumptions=SCENARIO)
    assumptions = _package(tmp_path / "older")["assumptions"]
    assert assumptions["sha256"] == hashlib.sha256(SCENARIO.read_bytes()).hexdigest()
    base = config.DATA_DIR / "assumptions.toml"
    sha = hashlib.sha256(base.read_bytes()).hexdigest()
    assert assumptions["extends"] == [{"name": base.name, "sha256": sha}]
    ages = pd.read_parquet(tmp_path / "older" / "cohort.parquet")["age"]
    assert ages.mean() > 50  # the scenario's runners, not the default's


# ---------------------------------------------------------------------------------------------
# Writing: refused, all-or-none, the same bytes
# ---------------------------------------------------------------------------------------------


def test_a_non_empty_folder_is_refused_without_force(tmp_path, kb):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="--force") as raised:
        export_records(folder, kb=kb)
    assert str(folder) in str(raised.value)
    with pytest.raises(FileExistsError, match="--force"):
        export_cohort(folder, n=10, seed=0)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    written = export_records(folder, kb=kb, force=True)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["notes.txt", *(p.name for p in written)]
    )


def test_a_failed_write_changes_nothing_and_leaves_no_temporary_file(tmp_path, kb, monkeypatch):
    folder = tmp_path / "out"
    export_cohort(folder, n=50, seed=1)
    before = _bytes_of(folder)
    staged = []
    real = fileset._write_temp

    def fail_on_the_third(path, data):
        if len(staged) == 2:
            raise OSError(28, "No space left on device")
        staged.append(path)
        return real(path, data)

    monkeypatch.setattr(fileset, "_write_temp", fail_on_the_third)
    with pytest.raises(ReportError, match=f"{folder}.*No space left"):
        export_cohort(folder, n=60, seed=2, force=True)
    assert len(staged) == 2
    assert _bytes_of(folder) == before


def test_the_same_inputs_give_the_same_bytes(records_dir, cohort_dir, tmp_path, kb):
    export_records(tmp_path / "records", kb=kb)
    assert _bytes_of(tmp_path / "records") == _bytes_of(records_dir)
    export_cohort(tmp_path / "cohort", n=N, seed=SEED)
    assert _bytes_of(tmp_path / "cohort") == _bytes_of(cohort_dir)
    export_cohort(tmp_path / "other", n=N, seed=SEED + 1)
    assert (tmp_path / "other" / "cohort.parquet").read_bytes() != (
        cohort_dir / "cohort.parquet"
    ).read_bytes()


def test_the_descriptor_records_each_files_size_and_sha256(records_dir):
    for resource in _package(records_dir)["resources"]:
        for entry in (resource, resource["parquet"]):
            data = (records_dir / entry["path"]).read_bytes()
            assert entry["bytes"] == len(data)
            assert entry["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
