"""`make lab` keeps its token out of the files that outlive it.

Jupyter Server writes its token to its runtime folder (``jpserver-PID.json``, and
``jpserver-PID-open.html`` unless told not to); a closed terminal (SIGHUP) kills it before it
removes them. The recipe gives it a private folder, removed however it stops. This runs the
real recipe (JupyterLab on a free port, home and temporary folders of its own), so it is in
the slow tier (marker ``kernel``: a Jupyter server, like the kernel tests).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import stat
import subprocess
from pathlib import Path

import pytest

from lowback import config
from tests.browser.helpers import (
    free_port,
    log_tail,
    stop_process,
    wait_for_free_port,
    wait_until_answers,
)

pytestmark = [
    pytest.mark.kernel,
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
]

STAMP = ".venv/.lowback-installed"


def files_holding(folders: list[Path], secret: str) -> list[Path]:
    data = secret.encode()
    found = []
    for path in (path for folder in folders for path in folder.rglob("*")):
        with contextlib.suppress(OSError):
            if path.is_file() and data in path.read_bytes():
                found.append(path)
    return found


def test_make_lab_leaves_no_file_with_its_token_when_the_terminal_closes(
    tmp_path, makefile: Path = config.PROJECT_DIR / "Makefile"
):
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    port, token, log = free_port(), secrets.token_urlsafe(24), tmp_path / "lab.log"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "JUPYTER_PORT": str(port),  # Jupyter Server's own variables: no setting on the line
        "JUPYTER_TOKEN": token,
    }
    with log.open("w", encoding="utf-8") as out:
        # `-o STAMP`: the environment is taken as it is, never rebuilt by a test.
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "-f", str(makefile), "-o", STAMP, "lab"],
            cwd=config.PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's job
        )
    try:
        wait_until_answers(
            f"http://127.0.0.1:{port}/api/status?token={token}", proc, log, timeout=180
        )
        holding = files_holding([home, tmp], token)
        assert holding, "Jupyter Server wrote its token nowhere: wrong folders?"
        private = {path.relative_to(tmp).parts[0] for path in holding if tmp in path.parents}
        assert len(private) == 1 and all(tmp in p.parents for p in holding), (
            f"the token is in files outside one private runtime folder: {holding}"
        )
        folder = tmp / private.pop()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, oct(folder.stat().st_mode)

        os.killpg(proc.pid, signal.SIGHUP)  # the terminal closes: its job gets SIGHUP
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"make lab still runs 60 s after SIGHUP:\n{log_tail(log)}")
        assert wait_for_free_port(port, timeout=20), f"port {port} still in use"
        left = files_holding([home, tmp], token)
        assert not left, f"the token outlives the server in {left}"
        assert not folder.exists()
    finally:
        stop_process(proc, signal.SIGINT)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
