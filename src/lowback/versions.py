"""The versions of the libraries a study ran with, for the end of each notebook."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

STUDY_LIBRARIES: tuple[str, ...] = (
    "lowback",
    "pandas",
    "numpy",
    "plotly",
    "scikit-learn",
    "pandera",
    "pysbd",
)


def library_versions(libraries: tuple[str, ...] = STUDY_LIBRARIES) -> pd.Series:
    """Installed version of each library (and Python's minor version), by name.

    Python's patch level is left out on purpose: stored notebook outputs are compared
    across machines that may differ only in it.
    """
    found = {"python": ".".join(platform.python_version_tuple()[:2])}
    for name in libraries:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return pd.Series(found, name="version")
