"""What pytest collects under ``notebooks/``: the study's numbered notebooks, nothing else.

``make test`` runs ``pytest --nbval`` over ``testpaths`` (``tests`` and ``notebooks``), so
without this an analyst's ``notebooks/Untitled.ipynb``, ``notebooks/scratch/try.ipynb`` or a
helper script beside the notebooks would be collected, and fail. The study's notebooks are
those the Makefile runs, ``notebooks/[0-9]*.ipynb``; anything else there (a file or a
folder) is left out. A path named on the command line is still collected
(``pytest --nbval notebooks/scratch/try.ipynb``): pytest asks this hook only about what it
finds inside a folder.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

import pytest

#: The study's notebooks, as the Makefile's ``NOTEBOOKS`` names them.
STUDY_NOTEBOOKS = "[0-9]*.ipynb"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Ignore everything under ``notebooks/`` but the numbered notebooks directly in it.

    Returns None (no opinion) elsewhere, and for a numbered notebook, so that ``--ignore``,
    ``--deselect`` and pytest's other rules still apply to those.
    """
    notebooks = config.rootpath / "notebooks"
    if collection_path.parent == notebooks and fnmatchcase(collection_path.name, STUDY_NOTEBOOKS):
        return None
    if collection_path.is_relative_to(notebooks) and collection_path != notebooks:
        return True
    return None
