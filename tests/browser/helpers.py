"""Helpers for the browser tests: ports, local servers, and a page that records trouble."""

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """True if nothing accepts connections on 127.0.0.1:port and a server could bind it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: connections in TIME_WAIT must not count as "in use".
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_free_port(port: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not port_is_free(port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Answer:
    status: int
    location: str | None
    body: bytes


def http_get(url: str, timeout: float = 60) -> Answer:
    """GET without following redirects (a redirect to /login must show as a 302)."""
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            return Answer(response.status, response.headers.get("Location"), response.read())
    except urllib.error.HTTPError as err:
        return Answer(err.code, err.headers.get("Location"), err.read())


def log_tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def wait_until_answers(
    url: str, proc: subprocess.Popen, log: Path, *, timeout: float = 90, status: int = 200
) -> float:
    """Poll ``url`` until it answers ``status``; return the seconds it took.

    Fails at once if the process exits, and after ``timeout`` seconds, showing its log.
    """
    start = time.monotonic()
    last = "no answer"
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise AssertionError(
                f"the server exited with code {proc.returncode} before answering {url}:\n"
                f"{log_tail(log)}"
            )
        try:
            answer = http_get(url, timeout=max(1.0, timeout - (time.monotonic() - start)))
        except (urllib.error.URLError, ConnectionError, TimeoutError) as err:
            last = repr(err)
        else:
            if answer.status == status:
                return time.monotonic() - start
            last = f"HTTP {answer.status}"
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status} in {timeout} s ({last}):\n{log_tail(log)}")


def children_of(pid: int) -> list[int]:
    """Direct children of a process (Linux /proc), empty if it is gone."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found.extend(int(child) for child in handle.read().split())
    return found


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes.
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
    """Send ``sig`` to the process (by its pid), wait, and kill it if it does not exit.

    Descendants it leaves behind (e.g. kernels), found before the signal, are then
    stopped by their pids too. Returns the exit code (negative if it was killed).
    """
    if proc.poll() is not None:
        return proc.returncode
    descendants: list[int] = []
    todo = [proc.pid]
    while todo:
        for child in children_of(todo.pop()):
            descendants.append(child)
            todo.append(child)
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    for pid in descendants:
        if pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    for pid in descendants:
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return proc.returncode


@dataclass
class Explorer:
    """A running ``python -m lowback explore``: its process, port, token and log."""

    proc: subprocess.Popen
    port: int
    token: str
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.token}"


def start_explorer(log: Path, env: dict[str, str] | None = None) -> Explorer:
    """``python -m lowback explore`` on a free port with a random token, in a session of its
    own (as a terminal's job), its output in ``log``; not yet waited for."""
    port, token = free_port(), secrets.token_urlsafe(24)
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lowback", "explore", "--port", str(port), f"--token={token}"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
    return Explorer(proc=proc, port=port, token=token, log=log)


def wait_for_js(page, expression: str, timeout_ms: float) -> bool:
    """Wait until the JS ``expression`` (a function) is truthy; False on timeout."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        page.wait_for_function(expression, timeout=timeout_ms)
    except PlaywrightTimeoutError:
        return False
    return True


@dataclass
class Recorder:
    """What went wrong on a page: console errors, uncaught errors, failed or blocked requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)

    def problems(self) -> dict[str, list[str]]:
        return {name: value for name, value in vars(self).items() if value}


def record(page, allowed: Callable[[str], bool]) -> Recorder:
    """Route every request of ``page``: ``allowed`` URLs go through, all others are
    aborted and recorded; console errors, page errors and failed requests are recorded too.
    """
    recorder = Recorder()

    def route(route) -> None:
        url = route.request.url
        if allowed(url):
            route.continue_()
        else:
            recorder.blocked_requests.append(url)
            route.abort("blockedbyclient")

    def on_failed(request) -> None:
        if request.url not in recorder.blocked_requests:
            recorder.failed_requests.append(f"{request.url} ({request.failure})")

    page.route("**/*", route)
    page.on(
        "console",
        lambda message: (
            recorder.console_errors.append(f"{message.text} @ {message.location}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: recorder.page_errors.append(str(error)))
    page.on("requestfailed", on_failed)
    return recorder
