"""JupyterLab as a learner uses it: token auth, Run All, every plotly figure drawn.

One server serves throw-away copies of the notebooks, their outputs left out (running them
in JupyterLab must not touch the committed files), with its own runtime, settings and
workspace folders; a notebook it deletes is deleted, not moved to the desktop's trash.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from lowback import config
from lowback.publish.pages import count_figures
from tests.browser.helpers import (
    free_port,
    http_get,
    log_tail,
    port_is_free,
    record,
    stop_process,
    wait_for_free_port,
    wait_for_js,
    wait_until_answers,
)
from tests.conftest import require_sources_of
from tests.leftovers import Place, changes, trash_dir

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("0*.ipynb"))
SCREENSHOT_NOTEBOOK = "02-symptom-classifier"
RUN_TIMEOUT_MS = 240_000  # one notebook, Run All, on 2 cores (takes ~10 s)


@dataclass
class Lab:
    proc: subprocess.Popen
    port: int
    token: str
    root: Path
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str, method: str = "GET", data: bytes | None = None):
        request = urllib.request.Request(
            f"{self.base}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def api_post(self, path: str, payload: dict):
        return self.api(path, method="POST", data=json.dumps(payload).encode())


def _without_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as a learner's run starts: no output, no execution count (JupyterLab
    would otherwise draw every stored figure on opening, only for the test to clear them:
    each figure the test counts comes from its own run)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 with a random token, stopped by its pid at the end."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "notebooks"
    root.mkdir()
    for path in NOTEBOOKS:
        nbformat.write(_without_outputs(nbformat.read(path, as_version=4)), root / path.name)
    port, token, log = free_port(), secrets.token_urlsafe(24), tmp / "jupyterlab.log"
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
    }
    command = [
        str(Path(sys.executable).parent / "jupyter"),
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        # A notebook a test deletes is removed, not moved to the desktop's trash.
        "--FileContentsManager.delete_to_trash=False",
        "--allow-root",  # CI runs as root, and JupyterLab refuses root without it
    ]
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    server = Lab(proc=proc, port=port, token=token, root=root, log=log)
    try:
        wait_until_answers(f"{server.base}/api/status?token={token}", proc, log, timeout=90)
        yield server
    finally:
        stop_process(proc, signal.SIGTERM, timeout=20)
        assert wait_for_free_port(port), f"port {port} still in use after JupyterLab stopped"


def test_lab_refuses_requests_without_the_token(lab):
    for url in (f"{lab.base}/api/contents", f"{lab.base}/api/contents?token=not-the-token"):
        answer = http_get(url)
        assert answer.status == 403 or (
            answer.status in (301, 302, 303, 307) and "/login" in (answer.location or "")
        ), f"{url} answered {answer.status} {answer.location}"
    answer = http_get(f"{lab.base}/lab")
    assert answer.status == 302 and "/login" in answer.location, (answer.status, answer.location)

    answer = http_get(f"{lab.base}/api/contents?token={lab.token}")
    assert answer.status == 200
    listed = {item["name"] for item in json.loads(answer.body)["content"]}
    assert {path.name for path in NOTEBOOKS} <= listed, listed


def test_lab_refuses_cross_site_requests(lab):
    """Another site's page can make the browser send the lab's cookies, not read them: the
    XSRF check refuses its writes, and no CORS header lets it read the answers."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    browser.open(f"{lab.base}/lab?token={lab.token}", timeout=60).read()  # the login cookie
    xsrf = next(cookie.value for cookie in jar if cookie.name == "_xsrf")

    def send(path: str, headers: dict, data: bytes | None = None):
        request = urllib.request.Request(
            f"{lab.base}{path}",
            data=data,
            method="POST" if data else "GET",
            headers={"Content-Type": "application/json", **headers},
        )
        try:
            with browser.open(request, timeout=30) as response:
                return response.status, response.headers, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, err.headers, None

    def create_notebook(headers: dict) -> int:
        return send("/api/contents", headers, b'{"type": "notebook"}')[0]

    evil = "http://evil.example"
    assert create_notebook({}) == 403  # the cookie, without the XSRF token
    assert create_notebook({"Origin": evil, "X-XSRFToken": xsrf}) in (403, 404)
    assert create_notebook({"Origin": evil}) in (403, 404)
    status, _, created = send(
        "/api/contents", {"Origin": lab.base, "X-XSRFToken": xsrf}, b'{"type": "notebook"}'
    )
    assert status == 201, "the lab's own page could not write: the checks above prove nothing"
    lab.api(f"/api/contents/{created['path']}", method="DELETE")
    # Reads with the cookie too (a token in the request may come from anywhere: it is the
    # credential itself, which another site cannot know).
    status, headers, _ = send("/api/contents", {"Origin": evil})
    assert status in (403, 404), status
    assert "Access-Control-Allow-Origin" not in headers
    assert send("/api/contents", {"Origin": lab.base})[0] == 200


def _click_menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel").get_by_text(menu, exact=True).click()
    page.locator(".lm-Menu-itemLabel").get_by_text(item, exact=True).click()


# State of the notebook on screen: code-cell prompts, kernel status, figures, and error
# outputs (JupyterLab shows them as stderr text: a traceback, or e.g. a SyntaxError line).
NOTEBOOK_STATE_JS = """
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator')
                    || document.querySelector('.jp-Notebook-ExecutionIndicator');
  const errors = [...panel.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map(e => e.textContent).filter(t => /Traceback|^\\w*(Error|Exception)\\b/m.test(t));
  return {
    prompts: [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
               .map(e => e.textContent.trim()),
    status: indicator ? indicator.dataset.status : null,
    figures: [...panel.querySelectorAll('.js-plotly-plot')]
               .filter(gd => gd.querySelector('.main-svg')).length,
    errors: errors.map(t => t.slice(-400)),  // the end names the exception
  };
}
"""


def _run_all_and_wait(page) -> None:
    """Run → Run All Cells, then wait until the run is over: the kernel idle and no cell
    queued (``[*]``). A cell that raises ends the run too (the rest stay ``[ ]``)."""
    _click_menu(page, "Run", "Run All Cells")
    page.wait_for_function(  # the run started: queued or already numbered cells
        f"() => ({NOTEBOOK_STATE_JS})().prompts.some(p => p !== '[ ]:')", timeout=30_000
    )
    page.wait_for_function(
        f"""() => {{ const s = ({NOTEBOOK_STATE_JS})();
                    return s.status === 'idle' && !s.prompts.includes('[*]:'); }}""",
        timeout=RUN_TIMEOUT_MS,
        polling=250,
    )


def _save(page, path: Path) -> nbformat.NotebookNode:
    """File → Save Notebook; return the notebook as written to disk, once the server has
    answered the save (it writes the file in place: read before that, it may be empty)."""

    def is_the_save(response) -> bool:
        return response.request.method == "PUT" and response.url.split("?")[0].endswith(
            f"/api/contents/{path.name}"
        )

    with page.expect_response(is_the_save, timeout=20_000) as saved:
        _click_menu(page, "File", "Save Notebook")
    assert saved.value.ok, f"{path.name}: the save answered {saved.value.status}"
    return nbformat.read(path, as_version=4)


def _screenshot_tree(page, path: Path) -> None:
    """Screenshot with the decision-tree figure at the top (cells above it take their real
    height only once scrolled past, so scroll until it stays put)."""
    news = page.locator(".jp-toast-button[title='No']")
    if news.count():  # the "official Jupyter news?" question, in the way of the figure
        news.first.click()
    for _ in range(10):
        moved = page.evaluate(
            """() => { const title = g => JSON.stringify(g.layout.title).toLowerCase();
                       const gd = [...document.querySelectorAll('.js-plotly-plot')]
                         .find(g => title(g).includes('decision tree'));
                       if (!gd) return false;
                       const before = gd.getBoundingClientRect().top;
                       gd.scrollIntoView({block: 'start'});
                       return Math.abs(gd.getBoundingClientRect().top - before) > 2; }"""
        )
        page.wait_for_timeout(250)
        if not moved:
            break
    page.screenshot(path=str(path))


@pytest.mark.parametrize("stem", [p.stem for p in NOTEBOOKS])
def test_lab_runs_the_notebook_and_draws_every_figure(stem, lab, browser, screenshots_dir):
    nb_path = lab.root / f"{stem}.ipynb"
    require_sources_of(config.NOTEBOOKS_DIR / nb_path.name, "the figures a run draws")
    committed = nbformat.read(config.NOTEBOOKS_DIR / nb_path.name, as_version=4)
    expected = count_figures(committed)
    code_cells = sum(cell.cell_type == "code" for cell in committed.cells)
    assert expected > 0

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    # Only this server; anything else (a CDN, news, an update check) is blocked and recorded.
    recorder = record(
        page,
        lambda url: url.startswith((lab.base, "data:", "blob:")),
    )
    try:
        # ?reset: a clean workspace with only this notebook open.
        page.goto(f"{lab.base}/lab/tree/{nb_path.name}?reset&token={lab.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
        dialog = page.locator(".jp-Dialog")
        if dialog.count() and dialog.first.is_visible():  # e.g. "Select Kernel"
            dialog.locator(".jp-mod-accept").first.click()
        page.wait_for_function(
            f"""() => {{ const s = ({NOTEBOOK_STATE_JS})();
                        return s && s.status === 'idle' && s.prompts.length === {code_cells}; }}""",
            timeout=60_000,
        )

        # Start from no output at all, so every figure counted below comes from this run.
        _click_menu(page, "Edit", "Clear Outputs of All Cells")
        page.wait_for_function(
            f"() => ({NOTEBOOK_STATE_JS})().prompts.every(p => p === '[ ]:')", timeout=10_000
        )
        assert page.evaluate(NOTEBOOK_STATE_JS)["figures"] == 0

        _run_all_and_wait(page)
        # Figures draw asynchronously once their output arrived; on a timeout the
        # assertion below reports the count.
        if not page.evaluate(NOTEBOOK_STATE_JS)["errors"]:
            wait_for_js(page, f"() => ({NOTEBOOK_STATE_JS})().figures >= {expected}", 15_000)
        state = page.evaluate(NOTEBOOK_STATE_JS)

        if stem == SCREENSHOT_NOTEBOOK:
            _screenshot_tree(page, screenshots_dir / "jupyterlab.png")

        assert not state["errors"], f"{stem}: error output(s) in JupyterLab: {state['errors']}"
        numbered = [p for p in state["prompts"] if p[1:-2].isdigit()]
        assert len(numbered) == code_cells, f"{stem}: not every code cell ran: {state['prompts']}"
        assert state["figures"] == expected, (
            f"{stem}: JupyterLab drew {state['figures']} plotly figure(s) after Run All, "
            f"the notebook makes {expected}"
        )

        saved = _save(page, nb_path)
        raised = [
            f"cell {index}: {output.get('ename')}: {output.get('evalue')}"
            for index, cell in enumerate(saved.cells)
            for output in cell.get("outputs", [])
            if output.get("output_type") == "error"
        ]
        assert not raised, f"{stem}: cells raised in JupyterLab: {raised}"
        assert count_figures(saved) == expected
        assert all(c.execution_count for c in saved.cells if c.cell_type == "code")
        assert not recorder.page_errors, f"{stem}: uncaught errors: {recorder.page_errors}"
    finally:
        context.close()
        for kernel in lab.api("/api/kernels"):  # one notebook's kernel at a time on 2 cores
            lab.api(f"/api/kernels/{kernel['id']}", method="DELETE")


def test_lab_deletes_a_notebook_for_real_not_to_the_trash(lab):
    """A notebook the tests delete through the lab is gone, not in the desktop's trash
    (where every run used to leave an ``Untitled.ipynb``)."""
    trash = Place("the trash", trash_dir(), new_only=True)
    before = trash.snapshot()
    created = lab.api_post("/api/contents", {"type": "notebook"})
    assert (lab.root / created["path"]).exists()
    lab.api(f"/api/contents/{created['path']}", method="DELETE")
    assert not (lab.root / created["path"]).exists()
    assert changes(trash, before, trash.snapshot()) == []


def test_lab_stops_on_sigterm_and_frees_its_port(lab):
    assert lab.proc.poll() is None, f"JupyterLab died early:\n{log_tail(lab.log)}"
    start = time.monotonic()
    code = stop_process(lab.proc, signal.SIGTERM, timeout=20)
    took = time.monotonic() - start
    assert code == 0, f"JupyterLab exited with {code} after SIGTERM:\n{log_tail(lab.log)}"
    assert took < 20
    assert wait_for_free_port(lab.port), f"port {lab.port} still in use"
    assert port_is_free(lab.port)
