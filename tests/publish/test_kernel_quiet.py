"""The kernels lowback starts say nothing they need not: no plain-TCP warning, every error.

ipykernel logs "Kernel is running over TCP without encryption" on every start unless its
connection file holds CurveZMQ keys; lowback's kernel managers provision them
(``KernelManager.transport_encryption = "auto"``), so the warning's cause is gone while the
kernel's own stderr and a failing cell's error still reach the user.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from lowback.publish import execute
from tests.publish.helpers import write_notebook

TCP_WARNING = "Kernel is running over TCP without encryption"
KERNEL_STDERR = "lowback-kernel-stderr-marker"
CELL_ERROR = "boom-in-the-second-cell"


def _client(tmp_path: Path) -> execute._EncryptedClient:
    path = write_notebook(tmp_path / "one.ipynb", [v4.new_code_cell("1")])
    return execute._EncryptedClient(nbformat.read(path, as_version=4), kernel_name="python3")


def test_lowbacks_kernel_managers_ask_for_transport_encryption(tmp_path: Path) -> None:
    km = _client(tmp_path).create_kernel_manager()
    assert km.transport_encryption == "auto"
    # ... and the kernel they start can take it: its kernelspec says so.
    assert km._kernel_supports_curve_encryption()


def test_without_curvezmq_the_kernel_still_starts_over_plain_tcp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zmq

    monkeypatch.setattr(zmq, "has", lambda feature: feature != "curve")
    km = _client(tmp_path).create_kernel_manager()
    assert km.transport_encryption == "disabled"


@pytest.mark.kernel  # kernels of a child process: marked by hand (tests/conftest.py)
def test_lowback_execute_prints_no_tcp_warning_but_every_error(tmp_path: Path) -> None:
    quiet = write_notebook(
        tmp_path / "quiet.ipynb",
        [v4.new_code_cell(f"import os\nos.write(2, b'{KERNEL_STDERR}\\n')\n1 + 1")],
    )
    failing = write_notebook(
        tmp_path / "failing.ipynb",
        [v4.new_code_cell("x = 1"), v4.new_code_cell(f"raise ValueError({CELL_ERROR!r})")],
    )
    done = subprocess.run(
        [sys.executable, "-m", "lowback", "execute", str(quiet), str(failing)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "default"},
    )
    assert done.returncode == 1, done.stderr
    assert f"stored outputs of {quiet}" in done.stdout
    assert TCP_WARNING not in done.stderr
    # Nothing filters the kernels' stderr: what a kernel writes there is shown ...
    assert KERNEL_STDERR in done.stderr
    # ... and a failing cell is named with its error.
    assert f"not stored: {failing}: cell 1 (0-based" in done.stderr
    assert f"ValueError: {CELL_ERROR}" in done.stderr
