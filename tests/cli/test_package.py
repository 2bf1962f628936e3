"""The package's front door: a lazy public API, and a command that starts light."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest

import lowback
from lowback import config

HEAVY = ("pandas", "pandera", "numpy", "sklearn", "scipy", "plotly", "pydantic")

# Runs in a fresh interpreter, then prints which heavy libraries it loaded.
PROBE = """
import json, sys
{action}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _loaded_after(action: str) -> list[str]:
    code = PROBE.format(action=action, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_lowback_loads_no_heavy_library():
    assert _loaded_after("import lowback; lowback.__version__") == []


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_the_command_starts_without_pandas_or_scikit_learn(flag):
    action = (
        "import contextlib, io\n"
        "from lowback.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main([{flag!r}])"
    )
    assert _loaded_after(action) == []


def test_a_public_name_is_imported_on_first_use():
    assert _loaded_after("import lowback; lowback.RecordError") == []
    assert "pandas" in _loaded_after("import lowback; lowback.load_knowledge_base")


def test_every_public_name_resolves_and_all_lists_exactly_them():
    assert set(lowback.__all__) == {"__version__", *lowback._PUBLIC}
    for name in lowback._PUBLIC:
        assert getattr(lowback, name).__name__ == name
    assert set(lowback.__all__) <= set(dir(lowback))
    with pytest.raises(AttributeError, match="no attribute 'frobnicate'"):
        lowback.frobnicate  # noqa: B018


def test_the_version_is_written_once_and_pyproject_reads_it_from_the_package():
    project = tomllib.loads((config.PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["hatch"]["version"]["path"] == "src/lowback/__init__.py"
    from importlib.metadata import version

    assert version("lowback") == lowback.__version__
