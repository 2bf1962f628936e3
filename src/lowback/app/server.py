"""The symptom explorer served as an app with no code: Voila's command line, made safe, and
the life of its process.

``lowback explore`` (:mod:`lowback.cli`) starts the server this module describes and
prints its address; the server is :mod:`lowback.app.voila_app` (Voila, with a request log
that hides the token), and the app itself is ``explorer.ipynb`` beside this file, which shows
:func:`lowback.app.explorer.symptom_explorer`.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

#: The app's folder: its notebook, and lowback's Voila template (``jupyter/``).
APP_DIR = Path(__file__).resolve().parent
#: The interface the explorer listens on, and the only one.
HOST = "127.0.0.1"
#: The signals that stop the explorer: Ctrl-C, ``kill``, and the terminal closing.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
#: How long Voila has to stop its kernels after SIGTERM before it is killed (seconds).
STOP_TIMEOUT = 15


def voila_installed() -> bool:
    """True if Voila can be imported (``make explore`` installs it)."""
    return importlib.util.find_spec("voila") is not None


def explore_server(
    port: int, token: str | None = None, *, python: str = sys.executable
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of the Voila server behind ``lowback explore``.

    It listens on 127.0.0.1 only, with token authentication on (Voila's is off unless
    asked for), on ``port`` or not at all (Voila, like Jupyter Server, would try 50 others
    and serve on one the printed link does not name). The token, a new random one unless
    given, goes to Voila in ``JUPYTER_TOKEN``: a command line can be read by every user of
    the machine (``ps``). Run it from :data:`APP_DIR`, so that no ``voila.py`` or
    ``voila.json`` from elsewhere configures it.
    """
    app = APP_DIR / "explorer.ipynb"
    # lowback's Voila template (offline: no icon fonts from a CDN) lives beside the app.
    templates = str(APP_DIR / "jupyter")
    environment = {
        **os.environ,
        "JUPYTER_PATH": os.pathsep.join(
            [templates, *filter(None, [os.environ.get("JUPYTER_PATH")])]
        ),
        "JUPYTER_TOKEN": token or secrets.token_urlsafe(24),
    }
    command = [
        python,
        "-m",
        "lowback.app.voila_app",
        str(app),
        f"--port={port}",
        "--Voila.port_retries=0",
        "--no-browser",
        f"--Voila.ip={HOST}",
        "--Voila.auto_token=True",  # token auth on, with the token from JUPYTER_TOKEN
        "--show_tracebacks=False",
        "--template=lowback",
    ]
    return command, environment


def claim_port(port: int) -> None:
    """Raise :class:`OSError` if ``port`` on 127.0.0.1 cannot be listened on right now.

    The check binds the port as tornado (Voila's server) does, ``SO_REUSEADDR`` on (a
    connection of an earlier server in TIME_WAIT does not count), and lets it go.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))


def _answers(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex((HOST, port)) == 0


class ExplorerProcess:
    """The Voila server of ``lowback explore``, in a session of its own, stopped with its
    kernels whichever way lowback is asked to stop.

    Use it as a context manager. Inside, SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal
    closed) raise :class:`KeyboardInterrupt` in the main thread (:attr:`stopped_by` says
    which); on the way out Voila gets SIGTERM, its clean shutdown (kernels stopped,
    connection files removed, port closed), and is killed if it has not stopped within
    :data:`STOP_TIMEOUT` seconds. Stop signals received while it stops are held: a second
    Ctrl-C cannot leave Voila running. Voila runs in its own session, so that Ctrl-C or a
    closed terminal reaches only lowback (SIGINT makes Voila print a traceback).
    """

    def __init__(self, command: list[str], environment: dict[str, str], port: int) -> None:
        self.command = command
        self.environment = environment
        self.port = port
        self.process: subprocess.Popen | None = None
        #: The signal that stopped the explorer, if one did.
        self.stopped_by: int | None = None
        self._previous: dict[int, object] = {}

    def _interrupt(self, signum: int, frame: object) -> None:
        first = self.stopped_by is None
        self.stopped_by = self.stopped_by or signum
        if first and self.process is not None:
            raise KeyboardInterrupt

    def _hold(self, signum: int, frame: object) -> None:
        self.stopped_by = self.stopped_by or signum

    def _handle_stop_signals(self, handler) -> None:
        for signum in STOP_SIGNALS:
            previous = signal.signal(signum, handler)
            self._previous.setdefault(signum, previous)

    def __enter__(self) -> ExplorerProcess:
        self._handle_stop_signals(self._interrupt)
        self.process = subprocess.Popen(
            self.command, start_new_session=True, env=self.environment, cwd=APP_DIR
        )
        if self.stopped_by is not None:  # a signal came while Voila was starting
            raise KeyboardInterrupt
        return self

    def wait_until_listening(self, poll: float = 0.1) -> bool:
        """Wait until Voila accepts connections on its port: True, or False if it exited.

        (Checked with :func:`claim_port` first, the port was free: what answers is Voila.)
        """
        assert self.process is not None
        while self.process.poll() is None:
            if _answers(self.port):
                return True
            time.sleep(poll)
        return False

    def wait(self) -> int:
        """Wait for Voila to exit of itself; its exit code."""
        assert self.process is not None
        return self.process.wait()

    def stop(self) -> None:
        """SIGTERM to Voila, then SIGKILL after :data:`STOP_TIMEOUT` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            # Its kernels stop of themselves once it is gone (ipykernel's parent poller).
            self.process.kill()
            self.process.wait()

    def __exit__(self, *exc_info: object) -> None:
        self._handle_stop_signals(self._hold)
        try:
            self.stop()
        finally:
            for signum, handler in self._previous.items():
                signal.signal(signum, signal.SIG_DFL if handler is None else handler)
