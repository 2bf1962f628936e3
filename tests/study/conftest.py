"""Fixtures of the study tests: the rulebook, one simulated cohort and its tree."""

from __future__ import annotations

import pytest

from lowback.study.cohort import simulate
from lowback.study.rulebook import Rulebook
from lowback.study.tree import fit_tree
from tests.conftest import shipped_kb


@pytest.fixture(scope="session")
def all_records():
    """The shipped knowledge base, every source present (the root ``kb``)."""
    return shipped_kb()


@pytest.fixture(scope="session")
def kb(study_kb):
    """The study's records: the sources the default assumptions name. The study's tests
    read these; a test of every source (the gate, the comparisons) asks for
    ``all_records``."""
    return study_kb


@pytest.fixture(scope="module")
def rules(study_kb):
    """The study's rulebook: of the sources the default assumptions name."""
    return Rulebook.of(study_kb)


@pytest.fixture(scope="module")
def cohort(kb):
    return simulate(kb, 20_000, random_state=5)


@pytest.fixture(scope="module")
def tree(kb, cohort):
    return fit_tree(kb, cohort, random_state=0)
