"""Security: servers on 127.0.0.1 with token auth, record text escaped in every HTML
output, no unpickling or eval, and no committed setting that weakens Jupyter or Voila.

The settings are those of Jupyter Server's "Security in the Jupyter Server" (token auth on
by default, XSRF and CORS checks) and of Voila's "Customizing Voila" (token auth is off
unless asked for). No server starts here: tests/browser checks the running servers.
"""

from __future__ import annotations

import ast
import copy
import html
import re
import shlex
import shutil
import socket
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from lowback import cli, config, load_knowledge_base
from lowback.app import server
from lowback.figures import captions, classifier, comparison, knowledge
from lowback.figures import risk as risk_figures
from lowback.publish.index import index_page
from lowback.publish.pages import PLOTLY_MIMETYPE, notebook_to_html
from lowback.study.tree import fit_tree
from tests.conftest import text_source_row

# Record text an attacker would like to see rendered: an HTML tag with a handler, a
# script that closes the one it sits in, and a Markdown link (captions are Markdown).
MARKUP = '<img/src="x"/onerror=alert(1)>'
BREAKOUT = "</script><script>alert(2)</script>"
MD_LINK = "[click](javascript:alert(3))"
HOSTILE = f"{MARKUP} {BREAKOUT} {MD_LINK}"


# ---------------------------------------------------------------------------------------------
# Servers: `lowback explore` and `make lab`
# ---------------------------------------------------------------------------------------------

PYTHON = "/path/to/python"


def test_explore_binds_localhost_with_token_auth_on():
    command, _ = server.explore_server(8866, token=None, python=PYTHON)
    assert command[:3] == [PYTHON, "-m", "lowback.app.voila_app"]
    ips = [a.split("=", 1)[1] for a in command if re.match(r"--(Voila\.|ServerApp\.)?ip=", a)]
    assert ips == ["127.0.0.1"], command
    # Voila's token auth is off unless asked for; asked for, it reads JUPYTER_TOKEN.
    assert "--Voila.auto_token=True" in command
    assert "--no-browser" in command and "--show_tracebacks=False" in command
    # That port or none: Voila (as Jupyter Server) would move to one the link does not name.
    assert "--port=8866" in command and "--Voila.port_retries=0" in command
    weakening = ("xsrf", "allow_origin", "allow_remote_access", "unauthenticated", "password")
    assert not [a for a in command if any(w in a.lower() for w in (*weakening, "tornado"))]


def voila_tornado_settings(config: dict) -> dict:
    """The tornado settings lowback's Voila ends with, under a configuration ``config``."""
    pytest.importorskip("voila")
    from traitlets.config import Config

    from lowback.app.voila_app import ExplorerVoila

    return ExplorerVoila(config=Config(config)).effective_tornado_settings()


def test_explore_keeps_the_host_check_and_the_scrubbed_log_whatever_voila_py_says():
    from jupyter_server.log import log_request

    # Voila turns Jupyter Server's Host check (against DNS rebinding) off; lowback, on,
    # even over a voila.py that turns it off again; other settings of that file still apply.
    host_check_off = {"allow_remote_" + "access": True}  # split, or the file scan flags it
    configured = {"Voila": {"tornado_settings": {**host_check_off, "x": 1}}}
    for settings in (voila_tornado_settings({}), voila_tornado_settings(configured)):
        assert settings["allow_remote_access"] is False
        assert settings["log_function"].func is log_request  # Jupyter Server's, token scrubbed
    assert voila_tornado_settings(configured)["x"] == 1


def test_explore_token_is_fresh_unguessable_and_off_the_command_line():
    tokens = set()
    for _ in range(2):
        command, env = server.explore_server(8866, token=None)
        token = env["JUPYTER_TOKEN"]
        assert re.fullmatch(r"[A-Za-z0-9_\-]{32,}", token), token  # >= 192 random bits
        # Other users of the machine can read a command line (ps, /proc): not the token.
        assert not [a for a in command if token in a]
        tokens.add(token)
    assert len(tokens) == 2
    _, env = server.explore_server(8866, token="")
    assert len(env["JUPYTER_TOKEN"]) >= 32, "an empty token must not switch auth off"
    command, env = server.explore_server(8866, token="chosen-by-the-user")
    assert env["JUPYTER_TOKEN"] == "chosen-by-the-user"
    assert not [a for a in command if "chosen-by-the-user" in a]


def test_lowback_explore_runs_exactly_that_server_and_prints_its_address(monkeypatch, capsys):
    """With a stand-in for Voila that listens on the port it is given, and stops at once."""
    started = {}

    class FakeVoila:
        def __init__(self, command, **kwargs):
            started.update(command=command, **kwargs)
            port = int(next(a for a in command if a.startswith("--port=")).split("=")[1])
            self.socket = socket.create_server(("127.0.0.1", port))
            self.returncode = None

        def poll(self):
            return self.returncode

        def wait(self, timeout=None):
            self.socket.close()
            self.returncode = 0
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakeVoila)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert cli.main(["explore", "--port", str(port)]) == 0
    token = started["env"]["JUPYTER_TOKEN"]
    assert "--Voila.ip=127.0.0.1" in started["command"]
    assert f"--port={port}" in started["command"]
    assert not [a for a in started["command"] if token in a]
    # Run from the app's folder: no voila.py or voila.json is picked up from where we are.
    assert Path(started["cwd"]) == config.PACKAGE_DIR / "app"
    assert started["start_new_session"] is True  # Ctrl-C and SIGHUP reach lowback only
    assert f"http://127.0.0.1:{port}/?token={token}" in capsys.readouterr().out


def make_dry_run(target: str, uid: int, tmp_path: Path, makefile: Path | None = None) -> list:
    """The command ``make -n TARGET`` would run (not running it), as user ``uid``: a stub
    ``id`` on PATH answers for the Makefile's ``$(shell id -u)``."""
    stub = tmp_path / f"uid{uid}"
    stub.mkdir(exist_ok=True)
    (stub / "id").write_text(f"#!/bin/sh\necho {uid}\n", encoding="utf-8")
    (stub / "id").chmod(0o755)
    makefile = makefile or config.PROJECT_DIR / "Makefile"
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "-f", str(makefile), target],
        cwd=config.PROJECT_DIR,
        env={"PATH": f"{stub}:/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.replace("\\\n", " ").splitlines()  # a recipe's continued lines, joined
    line = next(ln for ln in lines if re.search(rf"\b{target}\b", ln))
    # The server's command is the recipe's last (after the shell's own set-up, `;`-separated).
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";")
    lexer.whitespace_split = True
    tokens = list(lexer)
    words = tokens[len(tokens) - tokens[::-1].index(";") :] if ";" in tokens else tokens
    # The environment a recipe sets for its command (VAR=value before it) is not the command,
    # and it may not weaken the server either (a token or password variable, say).
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        assignment = words.pop(0).lower()
        assert not any(w in assignment for w in ("token", "password", "xsrf", "origin")), line
    return words


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("uid", [0, 1000], ids=["root", "user"])
def test_make_lab_binds_localhost_and_keeps_token_xsrf_and_cors(uid, tmp_path):
    command = make_dry_run("lab", uid, tmp_path)
    assert command[0].endswith("/jupyter") and command[1] == "lab", command
    ips = [a.split("=", 1)[1] for a in command if re.match(r"--(ServerApp\.)?ip=", a)]
    assert ips == ["127.0.0.1"], command
    assert "--no-browser" in command
    # Token auth, the XSRF check and the closed CORS policy are Jupyter Server's defaults:
    # nothing on the command line may change them.
    weakening = ("token", "password", "xsrf", "allow_origin", "allow_remote_access")
    assert not [a for a in command if any(w in a.lower() for w in (*weakening, "tornado"))]
    # JupyterLab refuses root without --allow-root; it is passed only to root.
    assert ("--allow-root" in command) == (uid == 0), command


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_explore_leaves_the_server_settings_to_lowback_explore(tmp_path):
    assert make_dry_run("explore", 1000, tmp_path)[-1] == "explore"


# ---------------------------------------------------------------------------------------------
# What the repository commits
# ---------------------------------------------------------------------------------------------

WEAK_SETTINGS = {
    "the XSRF check disabled": r"disable_check_xsrf\W{0,3}\s*[=:]\s*['\"]?true",
    "CORS open to any origin": r"allow_origin\W{0,3}\s*[=:]\s*['\"]?\*",
    "the Host check (DNS rebinding) disabled": r"allow_remote_access\W{0,3}\s*[=:]\s*['\"]?true",
    "unauthenticated access": r"allow_unauthenticated_access\W{0,3}\s*[=:]\s*['\"]?true",
    "token auth disabled": r"\.token\s*=\s*(?:''|\"\"|$|\s)|['\"]token['\"]\s*:\s*\"\"",
    "a server on every interface": r"\bip\W{0,3}\s*[=:]\s*['\"]?(?:0\.0\.0\.0|\*)(?:['\"\s]|$)",
    "a Jupyter token": r"[?&]token=[A-Za-z0-9_\-]{16,}|\btoken\s+[0-9a-f]{48}\b",
}
# Files a running server writes, with its token in them.
SERVER_FILES = r"(?:^|/)(?:jpserver|nbserver)-\d+.*\.(?:json|html)$|\.log$"


def weak_settings(path: Path) -> list[str]:
    """What in a text file would weaken a Jupyter or Voila server, or leak its token."""
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return []  # binary (a screenshot)
    text = data.decode("utf-8", errors="replace")
    found = []
    for what, pattern in WEAK_SETTINGS.items():
        for match in re.finditer(pattern, text, re.IGNORECASE | re.MULTILINE):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path}:{line}: {what}: {match.group(0).strip()!r}")
    return found


def committed_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=config.PROJECT_DIR, capture_output=True, check=True
    ).stdout.decode()
    return [config.PROJECT_DIR / name for name in listed.split("\0") if name]


def test_no_committed_file_weakens_jupyter_or_voila_or_holds_a_token():
    files = [path for path in committed_files() if path.is_file()]
    assert len(files) > 50
    assert not [str(p) for p in files if re.search(SERVER_FILES, p.as_posix())]
    found = [problem for path in files for problem in weak_settings(path)]
    assert not found, "\n".join(found)


def test_the_settings_scan_finds_each_weak_setting(tmp_path):
    # As jupyter_*_config.py, .json and command lines spell them (split in two, so that
    # this file passes the scan of committed files).
    samples = {
        "the XSRF check disabled": "c.ServerApp.disable_check_" + "xsrf = True",
        "CORS open to any origin": '{"ServerApp": {"allow_' + 'origin": "*"}}',
        "the Host check (DNS rebinding) disabled": "--ServerApp.allow_remote_" + "access=True",
        "unauthenticated access": "c.ServerApp.allow_unauthenticated_" + "access = True",
        "token auth disabled": "c.IdentityProvider.tok" + "en = ''",
        "a server on every interface": "voila --Voila.ip=0.0." + "0.0 app.ipynb",
        "a Jupyter token": "http://127.0.0.1:8888/lab?" + "token=" + "3f" * 24,
    }
    for what, sample in samples.items():
        path = tmp_path / "sample.txt"
        path.write_text(f"# a harmless line\n{sample}\n", encoding="utf-8")
        assert [f"{what}:" in p for p in weak_settings(path)] == [True], (what, sample)
    harmless = "--ServerApp.ip=127.0.0.1 --IdentityProvider.token={token} ?token=not-it"
    (tmp_path / "fine.txt").write_text(harmless, encoding="utf-8")
    assert weak_settings(tmp_path / "fine.txt") == []


# Unpickling, eval and friends run whatever the data says; the records are CSV and TOML.
UNSAFE_MODULES = {"pickle", "_pickle", "cPickle", "dill", "cloudpickle", "shelve", "marshal"}
UNSAFE_MODULES |= {"joblib"}  # joblib.load unpickles
UNSAFE_BUILTINS = {"eval", "exec", "compile", "__import__", "breakpoint"}
UNSAFE_METHODS = {"read_pickle", "to_pickle", "unsafe_load", "full_load", "unsafe_load_all"}
UNSAFE_YAML = {"load", "load_all", "full_load", "unsafe_load", "full_load_all", "unsafe_load_all"}
UNSAFE_KEYWORDS = {("allow_pickle", True), ("shell", True)}


def unsafe_code(source: str, where: str) -> list[str]:
    """Unpickling, eval/exec, unsafe YAML and shell commands in Python ``source``."""
    found = []
    for node in ast.walk(ast.parse(source, filename=where)):
        line = f"{where}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names.append(getattr(node, "module", None) or "")
            found += [f"{line}: imports {n}" for n in names if n.split(".")[0] in UNSAFE_MODULES]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in UNSAFE_BUILTINS:
            found.append(f"{line}: calls {func.id}()")
        if isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else ""
            if func.attr in UNSAFE_METHODS or (owner == "yaml" and func.attr in UNSAFE_YAML):
                found.append(f"{line}: calls {owner or '...'}.{func.attr}()")
            if owner == "os" and func.attr in {"system", "popen"}:
                found.append(f"{line}: calls os.{func.attr}()")
        for keyword in node.keywords:
            value = keyword.value
            if isinstance(value, ast.Constant) and (keyword.arg, value.value) in UNSAFE_KEYWORDS:
                found.append(f"{line}: passes {keyword.arg}={value.value}")
    return found


def shipped_code() -> dict[str, str]:
    """The package's modules and the code cells of every notebook, by where they live."""
    code = {str(p): p.read_text(encoding="utf-8") for p in config.PACKAGE_DIR.rglob("*.py")}
    for path in [*config.NOTEBOOKS_DIR.glob("*.ipynb"), *config.PACKAGE_DIR.rglob("*.ipynb")]:
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                code[f"{path} cell {index}"] = cell.source
    return code


def test_no_unpickling_eval_or_shell_in_the_package_or_the_notebooks():
    code = shipped_code()
    assert len(code) > 20
    found = [problem for where, source in code.items() for problem in unsafe_code(source, where)]
    assert not found, "\n".join(found)


def test_the_code_scan_finds_unsafe_calls_and_ignores_comments_and_strings():
    source = (
        "import pickle\nfrom joblib import load\nimport yaml, re\n"
        "# eval(text) in a comment, and 'exec(' in a string, are not calls\n"
        "x = eval('1')\nexec('y = 2')\nyaml.load(s)\nyaml.safe_load(s)\nre.compile('a')\n"
        "frame = pd.read_pickle(p)\nnp.load(p, allow_pickle=True)\nrun(c, shell=True)\n"
    )
    found = unsafe_code(source, "sample.py")
    assert [f.split(": ", 1)[1] for f in found] == [
        "imports pickle",
        "imports joblib",
        "calls eval()",
        "calls exec()",
        "calls yaml.load()",
        "calls pd.read_pickle()",
        "passes allow_pickle=True",
        "passes shell=True",
    ]


# ---------------------------------------------------------------------------------------------
# Record text in every HTML output
# ---------------------------------------------------------------------------------------------


class _Page(HTMLParser):
    """The page as a browser builds it: live markup that came from the records, and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []
        self.text: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._script = tag == "script"
        if tag == "img":
            self.live.append(f"<{tag} {attrs}>")
        for name, value in attrs:
            if name.startswith("on") and "alert(" in (value or ""):
                self.live.append(f"<{tag} {name}={value!r}>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.live.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and data.strip() == "alert(2)":
            self.live.append(f"<script>{data}</script>")
        elif not self._script:
            self.text.append(data)


def parse(page: str) -> _Page:
    parsed = _Page()
    parsed.feed(page)
    parsed.close()
    return parsed


def assert_shown_as_text(page: str, *texts: str) -> None:
    """No markup from the records is live in ``page``, and each of ``texts`` is shown."""
    parsed = parse(page)
    assert not parsed.live, f"record text became live markup: {parsed.live}"
    shown = "".join(parsed.text)
    for text in texts:
        assert text in shown, f"{text!r} is not shown as text"


def _append_rows(path: Path, rows: list[dict]) -> None:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table = pd.concat([table, pd.DataFrame(rows, dtype=str)], ignore_index=True)
    table.to_csv(path, index=False, lineterminator="\n")


@pytest.fixture(scope="module")
def hostile_kb(tmp_path_factory):
    """The shipped records with markup appended to every free text (labels, headings,
    notes, titles, reasons), and a second source whose quoted sentence holds markup."""
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(config.DATA_DIR, data, ignore=shutil.ignore_patterns("README.md"))
    records = data / "records"
    texts = {
        "entities": "label",
        "passages": "heading",
        "sources": "title",
        "claims": "note",
        "triage": "note",
        "skipped": "reason",
        "comparisons": "note",
    }
    for name, column in texts.items():
        table = pd.read_csv(records / f"{name}.csv", dtype=str, keep_default_na=False)
        filled = table[column] != ""
        table.loc[filled, column] += f" {HOSTILE}"
        table.to_csv(records / f"{name}.csv", index=False, lineterminator="\n")
    quote = f"A weak core {HOSTILE} strains the lower back."
    (data / "raw" / "hostile.txt").write_text(quote + "\n", encoding="utf-8")
    _append_rows(
        records / "sources.csv",
        [text_source_row("hostile", "raw/hostile.txt", quote + "\n", HOSTILE)],
    )
    _append_rows(
        records / "passages.csv",
        [
            dict(
                id="hostile_all",
                source="hostile",
                start=0,
                end=len(quote) + 1,
                topic="article",
                heading=HOSTILE,
            )
        ],
    )
    claim = dict(id="hostile_c1", source="hostile", subject="weak_core", relation="risk_factor_for")
    claim.update(
        object="low_back_pain",
        quote=quote,
        start=0,
        end=len(quote),
        passage="hostile_all",
        modality="states",
        attributed="article",
        reading="literal",
        note=HOSTILE,
    )
    _append_rows(records / "claims.csv", [claim])
    kb = load_knowledge_base(data)
    assert kb.label("weak_core").endswith(HOSTILE)
    return kb


@pytest.fixture(scope="module")
def fitted(hostile_kb):
    from lowback.study import risk
    from lowback.study.cohort import simulate

    cohort = simulate(hostile_kb, 5_000, random_state=0)
    tree = fit_tree(hostile_kb, cohort, random_state=0)
    effects = risk.relative_risks(hostile_kb, cohort, n_resamples=20, random_state=0)
    return cohort, tree, effects


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def figures(kb, fitted) -> dict:
    from lowback.study.audit import audit
    from lowback.study.triage import Assessor

    cohort, tree, effects = fitted
    examples = {f"runner {MARKUP}": ({"pain_beside_spine"}, 30)}
    return {
        "material_map": knowledge.material_map(kb),
        "records_by_kind": knowledge.records_by_kind(kb),
        "evidence_table": knowledge.evidence_table(kb),
        "evidence_sankey": knowledge.evidence_sankey(kb, highlight=True),
        "tree_figure": classifier.tree_figure(tree, kb, examples),
        "audit_figure": classifier.audit_figure(audit(Assessor(kb, tree, 40)), kb),
        "triage_rules_table": classifier.triage_rules_table(kb),
        "evidence_map": risk_figures.evidence_map(kb),
        "age_figure": risk_figures.age_figure(cohort, kb),
        "forest_plot": risk_figures.forest_plot(effects, kb),
        "risk_factor_spotlight": risk_figures.risk_factor_spotlight(effects, kb),
        "prevention_map": risk_figures.prevention_map(kb),
        **(
            {  # the comparisons need the NIH texts (CI has them; skipped loudly elsewhere)
                "verdict_bars": comparison.verdict_bars(kb),
                "claim_marks": comparison.claim_marks(kb),
                "warning_signs_table": comparison.warning_signs_table(kb),
                "other_only_marks": comparison.other_only_marks(kb),
            }
            if len(kb.comparisons)
            else {}
        ),
    }


# Figures that show no record text: kinds, pain type ids (snake_case, checked on load) and
# numbers only. The others must show the markup, escaped, for the test to mean anything.
NO_RECORD_TEXT = {"records_by_kind", "age_figure", "verdict_bars"}


def test_every_figure_shows_record_markup_as_text(hostile_kb, fitted):
    # plotly.js renders titles, hover text, annotations, tick labels and button labels as
    # HTML-like markup, so record text must reach a figure escaped.
    made = figures(hostile_kb, fitted)
    modules = (knowledge, classifier, risk_figures)
    shown = {
        n for m in modules for n in dir(m) if n.endswith(("_map", "_table", "_sankey", "_plot"))
    }
    assert set(made) >= {n for n in shown if not n.startswith("_")}
    for name, fig in made.items():
        strings = _strings(fig.to_plotly_json())
        live = [s for s in strings if re.search(r"<(img|script|/script)", s, re.IGNORECASE)]
        assert not live, f"{name}: record markup reaches the figure unescaped: {live[:3]}"
        if name not in NO_RECORD_TEXT:
            assert any("&lt;img" in s for s in strings), f"{name}: shows no record text"


def _markdown_to_html(text: str) -> str:
    """A caption as the report renders it (nbconvert's Markdown renderer)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(text)


def test_captions_show_record_markup_and_markdown_as_text(hostile_kb, fitted, tmp_path):
    from lowback.study.assumptions import DEFAULT_ASSUMPTIONS, load_assumptions

    cohort, tree, effects = fitted
    # A file name may hold backticks and blank lines (ending a code span) and a link.
    for name in (f"older`{MD_LINK}`<b>.toml", f"older\n\n{MD_LINK}<b>.toml"):
        named = tmp_path / name
        shutil.copyfile(DEFAULT_ASSUMPTIONS, named)
        summary = captions.cohort_summary(cohort, load_assumptions(hostile_kb, named))
        assert_shown_as_text(_markdown_to_html(summary), MD_LINK, "<b>.toml")
    factor = "weak_core"
    shown = {
        "tree_and_age": captions.tree_and_age(tree, cohort, hostile_kb),
        "risk_evidence": captions.risk_evidence(hostile_kb),
        "risk_effects": captions.risk_effects(effects, hostile_kb),
        "risk_families": captions.risk_families(effects, hostile_kb, [factor]),
        "risk_prevention": captions.risk_prevention(hostile_kb),
    }
    label = hostile_kb.label(factor).lower()
    assert_shown_as_text(_markdown_to_html(shown["risk_families"]), label)
    for caption, text in shown.items():
        assert "<img" not in text and "<script" not in text, caption
        assert not parse(_markdown_to_html(text)).live, f"{caption}: {_markdown_to_html(text)}"


def test_explorer_shows_record_markup_as_text(hostile_kb, fitted, monkeypatch):
    from lowback.app import explorer
    from lowback.study.triage import Assessor

    _, tree, _ = fitted
    assessor = Assessor(hostile_kb, tree, 40)
    result = assessor.assess([assessor.signs[0], assessor.gate.reportable[0]], age=70)
    assert result.evidence and any(e.kind == "red_flag" for e in result.evidence)
    # An inferred reason shows the curator's note: triage notes carry the markup too.
    inferred = [r for r in result.reasons if r.via]
    assert inferred and inferred[0].note.endswith(HOSTILE)
    page = explorer.render_assessment(result, details=True)
    assert_shown_as_text(page, MARKUP, BREAKOUT, MD_LINK, result.path[0], inferred[0].note)
    assert_shown_as_text(explorer.render_assessment(result), MARKUP, BREAKOUT, result.path[0])

    monkeypatch.setattr(explorer, "default_assessor", lambda: assessor)
    app = explorer.symptom_explorer()
    column, out = app.children
    boxes = [w for w in column.children if hasattr(w, "indent")]
    assert boxes and all(not box.description_allow_html for box in boxes)
    signs = [box for box in boxes if box.description.endswith(HOSTILE)]
    assert len(signs) == len(assessor.signs) == len(boxes) - 1  # and the details switch
    signs[0].value = True  # the assessment updates, as when a person ticks it
    assert_shown_as_text(out.value, MARKUP)


def test_explorer_shows_the_abstain_reason_as_text_and_asks_the_assessor_it_is_given(
    hostile_kb, fitted
):
    import dataclasses

    from lowback.app import explorer
    from lowback.study.triage import Assessor

    _, tree, _ = fitted
    assessor = Assessor(hostile_kb, tree, 40)
    result = assessor.assess(["no_relief_from_self_care"], age=40)
    assert result.pain_type == "undetermined" and result.abstain_reason
    assert_shown_as_text(explorer.render_assessment(result), "No type named: ")
    hostile = dataclasses.replace(result, abstain_reason=HOSTILE)
    assert_shown_as_text(explorer.render_assessment(hostile), MARKUP, BREAKOUT, MD_LINK)

    app = explorer.symptom_explorer(assessor)  # no default_assessor: the one given
    column, out = app.children
    boxes = [w for w in column.children if hasattr(w, "indent")]
    signs = [box for box in boxes if box.description.endswith(HOSTILE)]
    assert len(signs) == len(assessor.signs)
    label = assessor.sign_evidence(result.evidence[0].id).label
    (relief,) = [b for b in signs if b.description == label]
    relief.value = True
    assert_shown_as_text(out.value, result.abstain_reason, MARKUP)


def hostile_notebook(kb, title: str) -> nbformat.NotebookNode:
    """A small executed notebook whose outputs come from the records, as the study's do."""
    fig = knowledge.evidence_sankey(kb)
    table = kb.entities[["id", "label"]].head(3)
    outputs = [
        new_output("display_data", data={PLOTLY_MIMETYPE: fig.to_plotly_json()}),
        new_output("display_data", data={"text/markdown": captions.risk_evidence(kb)}),
        new_output("execute_result", data={"text/html": table._repr_html_()}, execution_count=2),
        new_output("stream", name="stdout", text=kb.label("weak_core")),
    ]
    nb = new_notebook(
        cells=[
            new_markdown_cell(f"# {title}\n\n**The question.** Which factors? {HOSTILE}"),
            new_code_cell("plots.evidence_sankey(kb)", outputs=outputs, execution_count=1),
        ]
    )
    nb.cells[0].metadata["slideshow"] = {"slide_type": "slide"}
    nb.cells[1].metadata["tags"] = ["key-figure"]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def _without_markdown_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    # Markdown cells are written by the study's authors, and Markdown passes their HTML
    # through by design; the question here is what the records bring.
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if c.cell_type != "markdown"]
    return nb


def test_report_page_shows_record_markup_as_text(hostile_kb):
    nb = _without_markdown_cells(hostile_notebook(hostile_kb, "Risk factors"))
    page = notebook_to_html(nb, title=f"Risk factors {HOSTILE}")
    assert f"<title>Risk factors {html.escape(HOSTILE, quote=False)}</title>" in page
    assert_shown_as_text(page, MARKUP, BREAKOUT, MD_LINK)


def test_slide_deck_shows_record_markup_as_text(hostile_kb, reveal_dir):
    from lowback.publish.slides import notebook_to_slides

    nb = _without_markdown_cells(hostile_notebook(hostile_kb, "Risk factors"))
    nb.cells[0].metadata["slideshow"] = {"slide_type": "slide"}
    deck = notebook_to_slides(nb, reveal_dir=reveal_dir, title=f"Deck {HOSTILE}")
    assert f"<title>Deck {html.escape(HOSTILE, quote=False)}</title>" in deck
    assert_shown_as_text(deck, MARKUP, BREAKOUT, MD_LINK)


def test_index_page_shows_titles_captions_and_file_names_as_text(hostile_kb, monkeypatch):
    import lowback.data.records

    # The landing page lists the sources of the knowledge base it is built from.
    monkeypatch.setattr(lowback.data.records, "load_knowledge_base", lambda *a, **k: hostile_kb)
    nb = hostile_notebook(hostile_kb, f"Risk factors {HOSTILE}")
    note = f"These pages were built under {MARKUP}.toml"
    page = index_page([(f"{MARKUP}.html", nb)], note=note)
    sources = hostile_kb.sources.set_index("id")["title"]
    assert_shown_as_text(
        page, f"Risk factors {HOSTILE}", f"Which factors? {HOSTILE}", note, *sources
    )
    hrefs = re.findall(r'<a href="([^"]*)">', page)
    assert hrefs and all(h == html.escape(f"{MARKUP}.html") for h in hrefs), hrefs


def test_figure_data_cannot_close_the_script_it_sits_in():
    # A figure's JSON sits inside a <script>: plotly writes "<" and "/" as \\u escapes,
    # even in text nobody escaped (a notebook's own figure, say).
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=[BREAKOUT], y=[1], hovertext=[MARKUP]))
    nb = new_notebook(
        cells=[
            new_code_cell(
                "fig",
                outputs=[new_output("display_data", data={PLOTLY_MIMETYPE: fig.to_plotly_json()})],
            )
        ]
    )
    assert_shown_as_text(notebook_to_html(nb, title="raw"))
