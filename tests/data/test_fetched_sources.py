"""Fetched sources (the NIH texts): downloaded on purpose with their sha256, read from
LOWBACK_DATA_DIR, left out loudly when missing, never used when they differ."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import threading
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from lowback import RecordError, config, load_knowledge_base
from lowback.data import fetch
from lowback.data.fetch import DATA_DIR_ENV, FetchError, registry
from lowback.data.formats import FormatError, extract_text, text_sha256
from lowback.data.records import MissingSourceWarning
from lowback.errors import AssumptionError
from lowback.study.assumptions import load_assumptions
from lowback.study.cohort import simulate
from tests.conftest import require_every_source

SOURCES = pd.read_csv(config.DATA_DIR / "records" / "sources.csv", keep_default_na=False)
FETCHED = SOURCES[SOURCES["fetch"] != ""]


def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, DATA_DIR_ENV: str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "lowback", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def _load_quietly(monkeypatch: pytest.MonkeyPatch, data_dir: Path, root: Path | None = None):
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MissingSourceWarning)
        kb = load_knowledge_base(root)
    return kb, [w for w in caught if issubclass(w.category, MissingSourceWarning)]


@pytest.fixture
def nih_copy(tmp_path: Path) -> Path:
    """A writable copy of the fetched sources' folder (needs them present)."""
    require_every_source("a copy of the NIH texts")
    target = tmp_path / "nih"
    for path in FETCHED["path"]:
        source = fetch.local_path("medquad", path)
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / path)
    return target


# --- the registry ------------------------------------------------------------------------------


def test_the_registry_pins_every_fetched_source_with_the_sha256_of_sources_csv():
    pinned = registry("medquad")
    assert dict(zip(FETCHED["path"], FETCHED["sha256"], strict=True)) == pinned
    assert "577bd37b96c02d1833b2c9eed2de9f96964e96cb" in fetch.REGISTRIES["medquad"]


def test_the_project_names_no_shared_folder_of_its_own():
    # The data come by URL or through LOWBACK_DATA_DIR; only CI's own script points there.
    for path in [*config.PACKAGE_DIR.rglob("*.py"), config.PROJECT_DIR / "Makefile"]:
        assert "../shared" not in path.read_text(encoding="utf-8"), path


# --- extraction --------------------------------------------------------------------------------


def made_up_document(*qa: tuple[str, str], entity_of_apostrophe: bool = True) -> bytes:
    """A MedQuAD-shaped document of made-up questions and answers, built here (no copy of
    a data set file is committed): ``Document/QAPairs/QAPair/(Question, Answer)``. With
    ``entity_of_apostrophe``, every ``'`` is written ``&apos;``, as MedQuAD writes it."""
    document = ET.Element("Document", id="1")
    pairs = ET.SubElement(document, "QAPairs")
    for n, (question, answer) in enumerate(qa, start=1):
        pair = ET.SubElement(pairs, "QAPair", pid=str(n))
        ET.SubElement(pair, "Question", qid=f"1-{n}").text = question
        if answer is not None:
            ET.SubElement(pair, "Answer").text = answer
    body = ET.tostring(document, encoding="utf-8", xml_declaration=False)
    body = body.replace(b"'", b"&apos;") if entity_of_apostrophe else body
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


DOCUMENT = made_up_document(
    ("What is it ?", "If you've a   sore back,  rest."), ("Treatment ?", "Walk & stretch.")
)


def test_a_medquad_document_is_its_answers_entities_decoded_spaces_kept():
    assert b"&apos;" in DOCUMENT and b"&amp;" in DOCUMENT  # entities, as in the data set
    text = extract_text(DOCUMENT, "medquad_xml")
    assert text == "If you've a   sore back,  rest.\n\nWalk & stretch."
    assert "What is it" not in text  # the data set's questions are not the publisher's
    assert text_sha256(text) == hashlib.sha256(text.encode()).hexdigest()


#: An entity that expands to more entities (a "billion laughs" in small): never expanded.
_ENTITY_BOMB = b'<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>' + made_up_document(
    ("Q ?", "&b;"), entity_of_apostrophe=False
).split(b"?>", 1)[1].replace(b"&amp;b;", b"&b;")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (DOCUMENT[: len(DOCUMENT) // 2], "well-formed XML"),
        (made_up_document(("Only a question ?", None)), "at least one <Answer>"),
        (_ENTITY_BOMB, "XML without entity declarations"),
    ],
    ids=["cut", "no answer", "entity bomb"],
)
def test_a_bad_document_is_a_format_error_and_entities_never_expand(data, expected):
    with pytest.raises(FormatError, match=expected):
        extract_text(data, "medquad_xml")


# --- fetching ----------------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A local HTTP server holding one made-up file; the medquad registry pointed at it."""
    remote = tmp_path / "remote"
    (remote / "dir").mkdir(parents=True)
    body = made_up_document(("Made up ?", "A made-up answer."))
    (remote / "dir" / "doc.xml").write_bytes(body)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(remote))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pins = {"dir/doc.xml": hashlib.sha256(body).hexdigest()}
    monkeypatch.setitem(fetch.REGISTRIES, "medquad", f"http://127.0.0.1:{server.server_port}/")
    monkeypatch.setattr(fetch, "registry", lambda name: pins)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "cache"))
    yield remote, tmp_path / "cache"
    server.shutdown()
    server.server_close()


def test_fetch_downloads_a_missing_file_once_into_lowback_data_dir(served):
    remote, cache = served
    (first,) = fetch.fetch("medquad")
    assert first.downloaded and first.local == cache / "dir" / "doc.xml"
    assert first.local.read_bytes() == (remote / "dir" / "doc.xml").read_bytes()
    (again,) = fetch.fetch("medquad")
    assert not again.downloaded  # present with the right sha256: nothing is downloaded


def test_fetch_never_replaces_a_local_file_that_differs(served):
    _, cache = served
    fetch.fetch("medquad")
    local = cache / "dir" / "doc.xml"
    local.write_bytes(b"edited")
    with pytest.raises(FetchError, match="sha256"):
        fetch.fetch("medquad")
    assert local.read_bytes() == b"edited"


def test_a_download_that_fails_names_the_url_and_leaves_no_file(served):
    remote, cache = served
    (remote / "dir" / "doc.xml").unlink()  # the server now answers 404
    with pytest.raises(FetchError, match=r"could not download http://127\.0\.0\.1:\d+/dir/doc"):
        fetch.fetch("medquad")
    assert not (cache / "dir" / "doc.xml").exists()


# --- missing and differing sources -----------------------------------------------------------


def test_missing_fetched_sources_are_left_out_each_said_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    kb, said = _load_quietly(monkeypatch, tmp_path / "empty")
    assert [m.id for m in kb.missing] == FETCHED["id"].tolist()
    lines = [str(w.message) for w in said]
    assert len(lines) == len(FETCHED)
    for line, source in zip(lines, FETCHED["id"], strict=True):
        assert f"source '{source}' is missing" in line and "lowback sources fetch" in line
        assert "\n" not in line
    assert set(kb.sources["id"]).isdisjoint(FETCHED["id"])
    for table in (kb.passages, kb.claims, kb.skipped, kb.triage):
        assert set(table["source"]).isdisjoint(FETCHED["id"])
    assert kb.comparisons.empty  # nothing is weighed against a collection not all here
    named = set(kb.claims["subject"]) | set(kb.claims["object"])
    assert set(kb.entities["id"]) <= named


def test_the_article_reads_the_same_with_or_without_the_nih(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kb
):
    require_every_source("the NIH records")
    alone, _ = _load_quietly(monkeypatch, tmp_path / "empty")
    article = kb.restricted_to(alone.sources["id"])
    for name in ("passages", "claims", "skipped", "triage", "entities"):
        pd.testing.assert_frame_equal(getattr(article, name), getattr(alone, name))


def test_a_missing_nih_changes_no_simulated_runner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kb
):
    require_every_source("the NIH records")
    alone, _ = _load_quietly(monkeypatch, tmp_path / "empty")
    pd.testing.assert_frame_equal(
        simulate(kb, 3_000, random_state=11), simulate(alone, 3_000, random_state=11)
    )


def test_a_fetched_file_that_differs_is_an_error_and_never_used(
    nih_copy: Path, monkeypatch: pytest.MonkeyPatch
):
    edited = FETCHED.iloc[0]
    path = nih_copy / edited["path"]
    path.write_bytes(path.read_bytes().replace(b"back", b"neck", 1))
    monkeypatch.setenv(DATA_DIR_ENV, str(nih_copy))
    with pytest.raises(RecordError) as raised:
        load_knowledge_base()
    (problem,) = [p for p in raised.value.problems if p.file == "records/sources.csv"]
    row = SOURCES.index[SOURCES["id"] == edited["id"]][0] + 2
    assert (problem.row, problem.column, problem.value) == (row, "sha256", edited["sha256"])
    assert "has the material been edited?" in problem.expected


def test_lowback_sources_lists_every_source_and_its_state(nih_copy: Path):
    present = _cli("sources", data_dir=nih_copy)
    assert present.returncode == 0, present.stderr
    for source in SOURCES["id"]:
        assert f"present  {source}" in present.stdout
    (nih_copy / FETCHED["path"].iloc[-1]).unlink()
    one_missing = _cli("sources", data_dir=nih_copy)
    assert one_missing.returncode == 0
    assert f"missing  {FETCHED['id'].iloc[-1]}" in one_missing.stdout
    assert "lowback sources fetch" in one_missing.stderr
    (nih_copy / FETCHED["path"].iloc[0]).write_bytes(b"edited")
    differs = _cli("sources", data_dir=nih_copy)
    assert differs.returncode == 1
    assert f"differs  {FETCHED['id'].iloc[0]}" in differs.stdout


def test_validate_without_the_nih_passes_and_says_what_it_left_out(tmp_path: Path):
    result = _cli("validate", data_dir=tmp_path / "empty")
    assert result.returncode == 0, result.stderr
    assert f"({len(FETCHED)} missing, not checked)" in result.stdout
    said = [line for line in result.stderr.splitlines() if "is missing" in line]
    assert len(said) == len(FETCHED)
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr


def test_an_assumptions_file_naming_a_missing_source_says_how_to_fetch_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    alone, _ = _load_quietly(monkeypatch, tmp_path / "empty")
    scenario = tmp_path / "with-nih.toml"
    base = (config.DATA_DIR / "assumptions.toml").resolve()
    nih = FETCHED["id"].iloc[0]
    scenario.write_text(
        f'extends = "{base}"\n[study]\nsources = ["runners_low_back_pain", "{nih}"]\n',
        encoding="utf-8",
    )
    with pytest.raises(AssumptionError) as raised:
        load_assumptions(alone, scenario)
    assert f"study.sources: '{nih}' is missing on this machine" in str(raised.value)
    assert "lowback sources fetch" in str(raised.value)
    scenario.write_text(
        f'extends = "{base}"\n[study]\nsources = ["runners_low_back_pan"]\n', encoding="utf-8"
    )
    with pytest.raises(AssumptionError, match="did you mean 'runners_low_back_pain'"):
        load_assumptions(alone, scenario)


# --- restricting the records ---------------------------------------------------------------


def test_restricted_records_are_derived_once_and_hold_only_their_sources(kb):
    every = kb.sources["id"].tolist()
    assert kb.restricted_to(every) is kb
    first = every[:1]
    alone = kb.restricted_to(first)
    assert alone is kb.restricted_to(tuple(first))
    assert set(alone.claims["source"]) == set(first) == set(alone.texts)
    with pytest.raises(KeyError, match="unknown or missing source"):
        kb.restricted_to(["no_such_source"])


def test_ci_reads_the_nih_texts_from_lowback_data_dir_and_runs_make_test():
    script = config.PROJECT_DIR / ".ci" / "run"
    checked = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr  # a script that does not parse runs nothing
    lines = script.read_text(encoding="utf-8").splitlines()
    exports = [n for n, line in enumerate(lines) if line.startswith(f"export {DATA_DIR_ENV}=")]
    assert exports and lines[-1] == "make test" and exports[0] < len(lines) - 1


def test_the_default_cache_is_poochs_and_loading_imports_no_pooch(monkeypatch):
    import pooch

    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    fetch._default_cache.cache_clear()
    try:
        assert fetch.cache_dir() == Path(pooch.os_cache("lowback"))
    finally:
        fetch._default_cache.cache_clear()
    env = {k: v for k, v in os.environ.items() if k != DATA_DIR_ENV}
    code = "import sys, lowback; lowback.load_knowledge_base(); print('pooch' in sys.modules)"
    loaded = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, env=env
    )
    assert loaded.stdout.strip() == "False", loaded.stderr  # pooch and requests: fetch only


def test_the_study_loads_without_a_word_about_sources_it_does_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from lowback.publish.execute import READS_STUDY, present_sources, sources_shown
    from lowback.study.assumptions import load_study_records

    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "empty"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingSourceWarning)  # would raise if said
        study = load_study_records()
    assert study.sources["id"].tolist() == list(load_assumptions(study).sources)
    # A notebook that reads only the study records the study's sources with its outputs, so
    # a missing NIH text does not make its stored outputs unreproducible.
    import nbformat

    nb = nbformat.v4.new_notebook()
    assert (
        sources_shown(nb) == present_sources() == SOURCES.loc[SOURCES["fetch"] == "", "id"].tolist()
    )
    nb.metadata["lowback"] = {"reads": READS_STUDY}
    assert sources_shown(nb) == study.sources["id"].tolist()


def test_a_caller_that_says_it_itself_loads_without_the_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "empty"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingSourceWarning)
        kb = load_knowledge_base(warn_missing=False)
    assert [m.id for m in kb.missing] == FETCHED["id"].tolist()  # still known, unsaid
