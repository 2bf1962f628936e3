"""``lowback explore`` as a process: it stops Voila and its kernels on every stop signal, it
never serves (nor prints a link) on a port it did not get, its log keeps the token out, and
it writes the token to no file.

Each test runs the real command (``python -m lowback explore``) and Voila; the widgets in a
browser are tests/browser/test_explorer.py's job. Marked ``kernel``: opening the app starts
the kernel that renders it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from lowback.app import server
from tests.browser.helpers import (
    Explorer,
    children_of,
    http_get,
    log_tail,
    pid_alive,
    port_is_free,
    start_explorer,
    stop_process,
    wait_for_free_port,
    wait_until_answers,
)

pytestmark = pytest.mark.kernel

START_TIMEOUT = 180  # the first page waits for a kernel that fits a small model, on 2 cores
STOP_TIMEOUT = 30


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, grandchildren...), psutil if installed."""
    try:
        import psutil
    except ImportError:
        found, todo = [], [pid]
        while todo:
            for child in children_of(todo.pop()):
                found.append(child)
                todo.append(child)
        return found
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone), psutil if installed."""
    try:
        import psutil
    except ImportError:
        return pid_alive(pid)
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def survivors(pids: list[int], timeout: float) -> list[int]:
    """The processes of ``pids`` still running after waiting up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [pid for pid in pids if alive(pid)]


def command_line(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    return "?"


@contextlib.contextmanager
def running_explorer(folder: Path, env: dict[str, str] | None = None) -> Iterator[Explorer]:
    """``python -m lowback explore`` on a free port, in a session of its own (as a terminal's
    job), its app opened once (so a kernel runs); every process it left is stopped at the end."""
    if env is None:  # Voila's connection files, in a folder of the test's
        (folder / "tmp").mkdir()
        env = {**os.environ, "TMPDIR": str(folder / "tmp")}
    explorer = start_explorer(folder / "explore.log", env)
    proc, log = explorer.proc, explorer.log
    left: list[int] = []
    try:
        wait_until_answers(explorer.url, proc, log, timeout=START_TIMEOUT)
        left = descendants(proc.pid)
        yield explorer
    finally:
        left += descendants(proc.pid)
        stop_process(proc, signal.SIGINT, timeout=STOP_TIMEOUT)
        for pid in left:  # what a failed test left behind: stopped by its pid
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(
    "signum",
    [signal.SIGHUP, signal.SIGTERM, signal.SIGKILL],
    ids=["SIGHUP-terminal-closed", "SIGTERM", "SIGKILL"],
)
def test_explorer_leaves_no_process_port_or_token_when_stopped(signum, tmp_path):
    """Closing the terminal (SIGHUP), ``kill`` (SIGTERM), even ``kill -9`` of lowback: Voila
    and its kernels stop, the port is freed and the token no longer opens anything."""
    with running_explorer(tmp_path) as explorer:
        below = descendants(explorer.proc.pid)
        kernels = [pid for pid in below if "ipykernel" in command_line(pid)]
        assert kernels, f"no kernel runs under the explorer: {[command_line(p) for p in below]}"
        os.kill(explorer.proc.pid, signum)
        try:
            code = explorer.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"lowback did not exit after {signum!r}:\n{log_tail(explorer.log)}")
        left = survivors(below, timeout=STOP_TIMEOUT)
        assert not left, (
            f"after {signum!r} to lowback these still run: {[command_line(p) for p in left]}\n"
            f"{log_tail(explorer.log)}"
        )
        assert wait_for_free_port(explorer.port, timeout=10), f"port {explorer.port} still in use"
        with pytest.raises(OSError):  # nobody answers, with or without the token
            urllib.request.urlopen(explorer.url, timeout=5)
        if signum != signal.SIGKILL:
            assert code == 128 + signum, f"exit code {code}:\n{log_tail(explorer.log)}"
            assert "Symptom explorer stopped." in log_tail(explorer.log)


@contextlib.contextmanager
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another program listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        yield squatter.getsockname()[1]


def test_explore_on_a_taken_port_fails_and_prints_no_link(tmp_path):
    """The link (with the token) would point at whoever holds the port: no link, a clear
    message and a non-zero exit instead, as Jupyter Server does with an explicit port."""
    token = secrets.token_urlsafe(24)
    with taken_port() as port:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lowback", "explore", "--port", str(port), f"--token={token}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            stop_process(proc, signal.SIGINT)
            out, err = proc.communicate()
            pytest.fail(f"lowback explore kept running on a taken port:\n{out}\n{err}")
        finally:
            stop_process(proc, signal.SIGINT)
    assert proc.returncode == 1, (proc.returncode, out, err)
    assert f"port {port} is in use" in err and "--port" in err, err
    assert token not in out + err, "the token was printed though nothing of ours serves it"
    assert f":{port}/" not in out, out


def test_voila_never_moves_to_another_port(tmp_path):
    """Voila, as lowback runs it, stops on a taken port rather than trying the next ones
    (Jupyter Server's ``port_retries``, 50 by default): the port printed is the port served."""
    (tmp_path / "tmp").mkdir()
    voila_env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    with taken_port() as port:
        command, environment = server.explore_server(port, "some-token-" + "x" * 24)
        log = tmp_path / "voila.log"
        with log.open("w", encoding="utf-8") as out:
            proc = subprocess.Popen(
                command,
                env={**voila_env, **environment},
                cwd=server.APP_DIR,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            stop_process(proc, signal.SIGTERM)
    assert code not in (None, 0), f"Voila kept running on another port:\n{log_tail(log)}"
    assert "running at" not in log.read_text(encoding="utf-8"), log_tail(log)
    assert not list((tmp_path / "tmp").iterdir()), "Voila left its connection folder"


# Requests a stranger (or a browser's stale tab) may send, each with a token in its query:
# Voila's own template files answered them with a 500 and a traceback holding the token.
CRAFTED_PATHS = [
    "/voila/templates/x",
    "/voila/templates/lowback/x/y",
    "/voila/templates/a/b",
    "/voila/templates/lowback/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/voila/templates/..%2f..%2fstatic%2fx",
    "/voila/templates/lowback/./static/..%2f..%2f..%2fetc%2fpasswd",
    "/voila/templates/lowback/static/%00",
    "/voila/static/..%2f..%2fetc%2fpasswd",
    "/voila/files/..%2f..%2fetc%2fpasswd",
    "/voila/labextensions/..%2f..%2fetc%2fpasswd",
    "/voila/api/themes/no-such-theme",
]


@pytest.fixture(scope="module")
def explorer(tmp_path_factory):
    """One explorer for the log and file tests, with its own home, runtime and temporary
    folders (where Jupyter and Voila write), the data folder kept."""
    from lowback.data.fetch import DATA_DIR_ENV, cache_dir

    folder = tmp_path_factory.mktemp("explore")
    home, tmp, runtime = folder / "home", folder / "tmp", folder / "runtime"
    for path in (home, tmp, runtime):
        path.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "JUPYTER_RUNTIME_DIR": str(runtime),
        DATA_DIR_ENV: str(cache_dir()),
    }
    with running_explorer(folder, env) as explorer:
        yield explorer


def test_crafted_paths_are_refused_without_a_traceback(explorer):
    base = f"http://127.0.0.1:{explorer.port}"
    answers = {
        path: http_get(f"{base}{path}?token={explorer.token}").status for path in CRAFTED_PATHS
    }
    time.sleep(1)  # the log is written as the requests end
    log = explorer.log.read_text(encoding="utf-8", errors="replace")
    assert all(status in (403, 404) for status in answers.values()), answers
    assert "Traceback" not in log and "Uncaught exception" not in log, log_tail(explorer.log)


def test_the_request_log_hides_the_token(explorer):
    """Jupyter Server's request log, as ``jupyter lab`` writes it: a refused request is
    logged (status, path), the value of its ``token`` shown as ``[secret]``."""
    base = f"http://127.0.0.1:{explorer.port}"
    wrong = secrets.token_urlsafe(24)
    assert http_get(f"{base}/voila/templates/x?token={explorer.token}").status == 404
    assert http_get(f"{base}/?token={wrong}").status in (302, 401, 403)
    # tornado's own line on a refused path ("... is not in root static directory") too.
    assert http_get(f"{base}/voila/static/..%2f..%2fx?token={explorer.token}").status == 403
    # A Referer with the token (the app's own page, say) is scrubbed too.
    request = urllib.request.Request(
        f"{base}/voila/static/no-such-file.js", headers={"Referer": explorer.url}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code in (403, 404), refused.value
    time.sleep(1)
    log = explorer.log.read_text(encoding="utf-8", errors="replace")
    assert explorer.token not in log.replace(explorer.url, ""), log_tail(explorer.log)
    assert wrong not in log, log_tail(explorer.log)
    assert "404 GET /voila/templates/x?token=[secret]" in log, log_tail(explorer.log)
    assert "403 GET /voila/static/..%2f..%2fx?token=[secret]" in log, log_tail(explorer.log)
    assert "referer=http://127.0.0.1" in log and "token=[secret]" in log, log_tail(explorer.log)


def test_the_explorer_writes_its_token_to_no_file(explorer):
    """While it serves (a kernel running) the token is in no file Jupyter or Voila wrote:
    not in the runtime folder, the temporary folder (the kernels' connection files) or home."""
    wait_until_answers(explorer.url, explorer.proc, explorer.log, timeout=START_TIMEOUT)
    folder = explorer.log.parent
    token = explorer.token.encode()
    written = [path for path in folder.rglob("*") if path.is_file() and path != explorer.log]
    assert [p for p in written if p.suffix == ".json"], "no connection file: wrong folders?"
    holding = [str(p) for p in written if token in p.read_bytes()]
    assert not holding, holding


def test_port_check_sees_a_taken_port():
    with taken_port() as port, pytest.raises(OSError):
        server.claim_port(port)
    server.claim_port(port)  # free again
    assert port_is_free(port)
