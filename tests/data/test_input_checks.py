"""Issue 16: bad input the loader let through or worded badly, each case on a copy of the
small base under tests/data/broken/_base.

Source paths stay inside their folder; ids are whole-value matches; every unparseable
offset is reported on its own row; rows are spreadsheet rows even after blank lines;
another delimiter, a quote that differs where it cannot be seen, and an unknown id are
each said in words that point at the fix; nothing echoed reaches the terminal raw.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import shutil
from pathlib import Path

import pytest

from lowback import RecordError, load_knowledge_base
from lowback.data import fetch, sources
from lowback.data.fetch import DATA_DIR_ENV
from lowback.errors import Problem
from tests.conftest import BROKEN_DIR, run_cli

SOURCES = "records/sources.csv"
CLAIMS = "records/claims.csv"


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A writable copy of the small valid base, as the broken cases start from."""
    target = tmp_path / "data"
    shutil.copytree(BROKEN_DIR / "_base", target)
    return target


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a record table; ``row`` is the spreadsheet row (header = 1)."""
    rows = _rows(path)
    rows[row - 1][rows[0].index(column)] = value
    _write_rows(path, rows)


def _problems(data_dir: Path) -> list[Problem]:
    with pytest.raises(RecordError) as raised:
        load_knowledge_base(data_dir, warn_missing=False)
    return raised.value.problems


def _located(problems: list[Problem]) -> list[tuple[str, int | None, str | None]]:
    return [(p.file, p.row, p.column) for p in problems]


# --- 1. a source's path resolves inside its folder, symlinks included ------------------------


def _outside_copy_of_the_material(base: Path) -> Path:
    """The base's material, byte for byte, in a folder beside the data folder: a path to it
    passes every sha256 check, so only the containment check can refuse it."""
    outside = base.parent / "elsewhere" / "mini.txt"
    outside.parent.mkdir()
    shutil.copyfile(base / "raw" / "mini.txt", outside)
    return outside


@pytest.mark.parametrize("how", ["absolute", "dot_dot", "symlink"])
def test_a_source_path_outside_the_data_folder_is_a_problem_on_its_path(base: Path, how: str):
    outside = _outside_copy_of_the_material(base)
    if how == "absolute":
        path = str(outside)
    elif how == "dot_dot":
        path = "../elsewhere/mini.txt"
    else:
        (base / "raw" / "mini.txt").unlink()
        (base / "raw" / "mini.txt").symlink_to(outside)
        path = "raw/mini.txt"
    _set_cell(base / SOURCES, 2, "path", path)
    problems = _problems(base)
    (problem,) = [p for p in problems if p.file == SOURCES]
    assert (problem.row, problem.column, problem.value) == (2, "path", path)
    assert "inside the data folder" in problem.expected
    assert str(outside.resolve()) in problem.expected  # where it leads, symlinks resolved


def test_a_path_that_leaves_the_folder_and_comes_back_is_fine(base: Path):
    _set_cell(base / SOURCES, 2, "path", "raw/../raw/mini.txt")
    assert len(load_knowledge_base(base).claims) == 4


def test_a_symlink_inside_the_data_folder_is_fine(base: Path):
    kept = base / "raw" / "kept.txt"
    (base / "raw" / "mini.txt").rename(kept)
    (base / "raw" / "mini.txt").symlink_to(kept)
    assert len(load_knowledge_base(base).claims) == 4


def test_locate_and_sources_refuse_a_source_outside_the_data_folder(base: Path):
    _set_cell(base / SOURCES, 2, "path", str(_outside_copy_of_the_material(base)))
    located = run_cli("locate", "Disc pain", "--data-dir", str(base))
    assert located.returncode == 1
    assert "source,start,end" not in located.stdout  # nothing searched, nothing printed
    assert "records/sources.csv, row 2, column 'path'" in located.stderr
    listed = run_cli("sources", "--data-dir", str(base))
    assert listed.returncode == 1, listed.stdout
    assert "records/sources.csv, row 2, column 'path'" in listed.stderr
    assert "Traceback" not in located.stderr + listed.stderr


@pytest.fixture
def fetched_base(base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The base with its source made a fetched one, pinned in a stand-in registry, read
    from a cache folder that LOWBACK_DATA_DIR names (tmp_path / "cache")."""
    digest = _rows(base / SOURCES)[1][3]
    monkeypatch.setattr(fetch, "registry", lambda name: {"dir/mini.txt": digest})
    monkeypatch.setattr(sources, "registry", lambda name: {"dir/mini.txt": digest})
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "cache"))
    (tmp_path / "cache" / "dir").mkdir(parents=True)
    _set_cell(base / SOURCES, 2, "fetch", "medquad")
    _set_cell(base / SOURCES, 2, "path", "dir/mini.txt")
    return base


def test_a_fetched_source_in_its_cache_folder_loads(fetched_base: Path, tmp_path: Path):
    shutil.copyfile(fetched_base / "raw" / "mini.txt", tmp_path / "cache" / "dir" / "mini.txt")
    assert len(load_knowledge_base(fetched_base).claims) == 4


def test_a_fetched_source_symlinked_out_of_its_cache_folder_is_a_problem(
    fetched_base: Path, tmp_path: Path
):
    outside = _outside_copy_of_the_material(fetched_base)
    (tmp_path / "cache" / "dir" / "mini.txt").symlink_to(outside)
    (problem,) = [p for p in _problems(fetched_base) if p.file == SOURCES]
    assert (problem.row, problem.column, problem.value) == (2, "path", "dir/mini.txt")
    assert "inside the fetched sources' folder" in problem.expected
    assert str(outside.resolve()) in problem.expected


# --- 2. ids match as a whole; nothing echoed reaches the terminal raw -------------------------


@pytest.mark.parametrize(
    ("file", "row", "column", "value"),
    [
        (CLAIMS, 2, "id", "c1\n"),
        ("records/entities.csv", 2, "group", "spine\n"),
        (SOURCES, 2, "collection", "mini_article\n"),
    ],
)
def test_an_id_with_a_trailing_newline_is_not_an_id(
    base: Path, file: str, row: int, column: str, value: str
):
    _set_cell(base / file, row, column, value)
    problems = _problems(base)
    assert (file, row, column) in _located(problems)
    (problem,) = [p for p in problems if (p.file, p.row, p.column) == (file, row, column)]
    assert problem.value == value


def test_control_characters_are_escaped_in_every_message(base: Path):
    rows = _rows(base / "records" / "passages.csv")
    rows[0].append("note\x1b[31m")  # an extra column: its name is echoed
    for row in rows[1:]:
        row.append("")
    _write_rows(base / "records" / "passages.csv", rows)
    _set_cell(base / SOURCES, 2, "path", "raw/\x1b[2Jmini\x07.txt")  # echoed in `expected`
    with pytest.raises(RecordError) as raised:
        load_knowledge_base(base)
    message = str(raised.value)
    assert [c for c in message if not c.isprintable() and c != "\n"] == []
    assert "note\\x1b[31m" in message
    assert "raw/\\x1b[2Jmini\\x07.txt" in message


# --- 3. every unparseable offset, on its own row ----------------------------------------------


def test_a_short_row_of_empty_fields_blames_itself_only(base: Path):
    path = base / CLAIMS
    path.write_text(path.read_text(encoding="utf-8") + ",,,\n", encoding="utf-8")
    problems = _problems(base)
    assert {p.row for p in problems} == {6}, problems
    offsets = [(p.column, p.expected) for p in problems if p.column in ("start", "end")]
    assert offsets == [("end", "a whole number"), ("start", "a whole number")]


def test_every_bad_offset_is_reported_on_its_own_row_and_column(base: Path):
    _set_cell(base / CLAIMS, 2, "start", "-5")
    _set_cell(base / CLAIMS, 4, "start", "abc")
    _set_cell(base / CLAIMS, 5, "end", "1.5")
    _set_cell(base / "records" / "passages.csv", 3, "end", "x")
    problems = _problems(base)
    assert [(p.file, p.row, p.column, p.value, p.expected) for p in problems] == [
        ("records/passages.csv", 3, "end", "x", "a whole number"),
        (CLAIMS, 2, "start", -5, "a whole number >= 0"),
        (CLAIMS, 4, "start", "abc", "a whole number"),
        (CLAIMS, 5, "end", "1.5", "a whole number"),
    ]


# --- 4. rows are spreadsheet rows: blank lines count, a multi-line field is one row -----------


def _blank_line_after_the_first_record(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(2, "")  # rows 3 and on move one down
    path.write_text("\n".join(lines), encoding="utf-8")


def test_a_blank_line_does_not_shift_the_rows_after_it(base: Path):
    _set_cell(base / CLAIMS, 4, "modality", "asserts")  # c3
    _blank_line_after_the_first_record(base / CLAIMS)
    (problem,) = _problems(base)
    assert (problem.file, problem.row, problem.column) == (CLAIMS, 5, "modality")


def test_a_blank_line_does_not_shift_the_rows_the_checks_across_tables_name(base: Path):
    _set_cell(base / CLAIMS, 4, "subject", "strength_trainin")  # c3: no such entity
    _blank_line_after_the_first_record(base / CLAIMS)
    _blank_line_after_the_first_record(base / "records" / "entities.csv")
    assert _located(_problems(base)) == [
        (CLAIMS, 5, "subject"),
        ("records/entities.csv", 6, "id"),  # strength_training, now named by no claim
    ]


def test_a_quoted_field_over_two_lines_is_one_row_and_its_file_line_is_said(base: Path):
    _set_cell(base / CLAIMS, 2, "note", "Disc pain is read as a kind of back pain:\nby name.")
    _set_cell(base / CLAIMS, 4, "modality", "asserts")
    (problem,) = _problems(base)
    assert (problem.row, problem.column, problem.line) == (4, "modality", 5)
    assert str(problem).startswith("records/claims.csv, row 4 (line 5 of the file), column")


def test_rows_without_blank_lines_say_no_file_line(base: Path):
    _set_cell(base / CLAIMS, 4, "modality", "asserts")
    (problem,) = _problems(base)
    assert (problem.row, problem.line) == (4, None)
    assert "line" not in str(problem)


# --- 5. another delimiter is named ------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "shown"), [(";", "';'"), ("\t", "'\\t'")])
def test_a_file_with_another_delimiter_says_which_it_looks_like(
    base: Path, delimiter: str, shown: str
):
    rows = _rows(base / "records" / "entities.csv")
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    (base / "records" / "entities.csv").write_text(out.getvalue(), encoding="utf-8")
    problems = [p for p in _problems(base) if p.file == "records/entities.csv"]
    assert [str(p) for p in problems] == [
        f"records/entities.csv, row 1: expected comma-separated fields: this file looks "
        f"{shown}-separated; lowback's CSVs are comma-separated"
    ]


# --- 6. a quote that differs says where ------------------------------------------------------


def test_a_quote_in_another_unicode_normal_form_says_so_and_where(base: Path, tmp_path: Path):
    text = (base / "raw" / "mini.txt").read_text(encoding="utf-8")
    nfc = text.replace("Disc pain radiates", "Disc pain radi\u00e1tes")
    (base / "raw" / "mini.txt").write_text(nfc, encoding="utf-8")
    _fix_source_hashes(base)
    _set_cell(base / CLAIMS, 3, "quote", "Disc pain radia\u0301tes to the legs.")  # NFD
    (problem,) = [p for p in _problems(base) if p.column == "quote"]
    assert "first differ at character 14" in problem.expected
    assert "U+0301 COMBINING ACUTE ACCENT" in problem.expected
    assert "U+00E1 LATIN SMALL LETTER A WITH ACUTE" in problem.expected
    assert "normalis" in problem.expected  # equal once both are NFC


def test_a_typo_past_what_the_message_shows_is_pointed_at(base: Path):
    text = "Strength training prevents back pain. " * 3
    (base / "raw" / "mini.txt").write_text(text + "Buy!", encoding="utf-8")
    _fix_source_hashes(base)
    quote = text[:100]
    typo = quote[:80] + "q" + quote[81:]
    _set_cell(base / "records" / "passages.csv", 2, "end", str(len(text)))
    _set_cell(base / "records" / "passages.csv", 3, "start", str(len(text)))
    _set_cell(base / "records" / "passages.csv", 3, "end", str(len(text) + 4))
    _set_cell(base / CLAIMS, 2, "quote", typo)
    _set_cell(base / CLAIMS, 2, "end", "100")
    problems = _problems(base)
    (problem,) = [p for p in problems if (p.file, p.row, p.column) == (CLAIMS, 2, "quote")]
    assert "first differ at character 80" in problem.expected
    assert "'q'" in problem.expected and repr(quote[80]) in problem.expected


def _fix_source_hashes(base: Path) -> None:
    digest = hashlib.sha256((base / "raw" / "mini.txt").read_bytes()).hexdigest()
    _set_cell(base / SOURCES, 2, "sha256", digest)
    _set_cell(base / SOURCES, 2, "text_sha256", digest)


# --- 7. did you mean ------------------------------------------------------------------------


def test_an_unknown_id_suggests_the_closest_known_one(base: Path):
    _set_cell(base / CLAIMS, 3, "subject", "pain_radiates_to_leg")
    _set_cell(base / CLAIMS, 4, "passage", "mini_artcle")
    problems = {(p.row, p.column): p.expected for p in _problems(base) if p.file == CLAIMS}
    assert "did you mean 'pain_radiates_to_legs'?" in problems[3, "subject"]
    assert "did you mean 'mini_article'?" in problems[4, "passage"]


def test_a_fetched_path_not_in_its_registry_suggests_the_closest(fetched_base: Path):
    _set_cell(fetched_base / SOURCES, 2, "path", "dir/mini.tx")
    (problem,) = [p for p in _problems(fetched_base) if p.file == SOURCES]
    assert (problem.row, problem.column) == (2, "path")
    assert problem.expected.endswith("(did you mean 'dir/mini.txt'?)")


# --- 8. the faster checks judge as the slower ones did ---------------------------------------


@pytest.mark.parametrize(
    ("note", "blank"), [(" \t", True), ("\x1c\u3000", True), ("\u200b", False)]
)
def test_a_note_of_white_space_is_no_note_as_str_strip_says(base: Path, note: str, blank: bool):
    _set_cell(base / CLAIMS, 2, "note", note)  # c1 is inferred: it needs a note
    if blank:
        (problem,) = _problems(base)
        assert (problem.row, problem.column) == (2, "note")
    else:
        assert len(load_knowledge_base(base).claims) == 4


def test_a_source_row_with_a_bom_and_a_text_sha256_of_its_text_loads(base: Path):
    raw = base / "raw" / "mini.txt"
    raw.write_bytes(codecs.BOM_UTF8 + raw.read_bytes())  # the text stays the same
    _set_cell(base / SOURCES, 2, "sha256", hashlib.sha256(raw.read_bytes()).hexdigest())
    assert len(load_knowledge_base(base).claims) == 4
