"""Fixtures of the study tests: the rulebook, one simulated cohort and its tree."""

from __future__ import annotations

import pytest

from lowback.study.cohort import simulate
from lowback.study.rulebook import Rulebook
from lowback.study.tree import fit_tree


@pytest.fixture(scope="module")
def rules(kb):
    return Rulebook.of(kb)


@pytest.fixture(scope="module")
def cohort(kb):
    return simulate(kb, 20_000, random_state=5)


@pytest.fixture(scope="module")
def tree(kb, cohort):
    return fit_tree(kb, cohort, random_state=0)
