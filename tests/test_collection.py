"""`make test` collects the study's numbered notebooks, not an analyst's scratch ones.

Each test runs ``pytest --nbval --collect-only`` in a fresh process on a throw-away project:
the real ``pyproject.toml`` and root ``conftest.py``, a numbered notebook and the extra
files an analyst leaves in ``notebooks/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from lowback import config

STUDY = "notebooks/01-study.ipynb"
EXTRAS = [
    "notebooks/Untitled.ipynb",
    "notebooks/Untitled1.ipynb",
    "notebooks/scratch/try.ipynb",
    "notebooks/scratch/02-numbered-but-in-a-folder.ipynb",
]
HELPER = "notebooks/test_helper.py"
COLLECT = ["--nbval", "--nbval-current-env", "--collect-only", "-q", "-p", "no:cacheprovider"]
#: pytest in a fresh process, without the optional import that costs jsonschema (nbval's
#: nbformat) about a second (see ``lowback.publish.execute.KERNEL_ARGUMENTS``).
PYTEST = (
    "import sys; sys.modules.setdefault('rfc3987_syntax', None); "
    "import pytest; sys.exit(pytest.main(sys.argv[1:]))"
)
#: Of the installed pytest plugins only nbval, the one that collects notebooks: the others
#: (xdist, hypothesis, anyio, typeguard...) collect no file and cost seconds to load.
ONLY_NBVAL = ["-p", "nbval"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's pytest set-up with the study's notebook and the extras."""
    for name in ("pyproject.toml", "conftest.py"):
        shutil.copyfile(config.PROJECT_DIR / name, tmp_path / name)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_ok.py").write_text("def test_ok():\n    pass\n")
    for relative in (STUDY, *EXTRAS):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        nb = v4.new_notebook()
        nb.cells = [v4.new_code_cell("1 + 1")]
        nbformat.write(nb, path)
    (tmp_path / HELPER).write_text("def test_helper():\n    pass\n")
    return tmp_path


def collected(root: Path, *args: str) -> set[str]:
    """The files ``pytest --nbval --collect-only`` collects in ``root``, relative to it."""
    done = subprocess.run(
        [sys.executable, "-c", PYTEST, *ONLY_NBVAL, *COLLECT, *args],
        cwd=root,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}


def test_only_the_numbered_notebooks_are_collected(project: Path) -> None:
    assert collected(project) == {STUDY, "tests/test_ok.py"}


def test_without_the_root_conftest_the_extras_would_be(project: Path) -> None:
    (project / "conftest.py").unlink()
    assert collected(project) == {STUDY, "tests/test_ok.py", *EXTRAS, HELPER}


def test_a_notebook_named_on_the_command_line_is_still_collected(project: Path) -> None:
    assert collected(project, "notebooks/scratch/try.ipynb") == {"notebooks/scratch/try.ipynb"}


def test_the_committed_notebooks_are_all_collected() -> None:
    """In the project itself: every notebook the Makefile runs, and nothing else there."""
    assert collected(config.PROJECT_DIR, "notebooks") == {
        f"notebooks/{path.name}" for path in config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb")
    }
