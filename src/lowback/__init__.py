"""lowback: lower back pain in runners, as traceable records, a simulated study and plots.

Education, not diagnosis: nothing here is medical advice.

The package is built in layers, each importing only those below it (see
``docs/architecture.md``): :mod:`lowback.data` (the records) < :mod:`lowback.study`
(rulebook, simulated cohort, tree, red-flag gate, risk) < :mod:`lowback.figures` <
:mod:`lowback.publish` (offline pages, index, decks) < :mod:`lowback.app` and
:mod:`lowback.cli`. The names below are the public API; each is imported on first use,
so ``import lowback`` (and ``lowback --version``) loads neither pandas nor scikit-learn.

Examples
--------
>>> import lowback
>>> kb = lowback.load_knowledge_base()  # every source on this machine (the NIH's are fetched)
>>> all(kb.texts[c.source][c.start : c.end] == c.quote for c in kb.claims.itertuples())
True
>>> lowback.study_records(kb).sources["id"].tolist()  # what the simulation reads
['runners_low_back_pain']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# The one place the version is written: pyproject.toml reads it from here (hatch's version
# source), and reading it costs nothing, where importlib.metadata takes about 50 ms.
__version__ = "0.1.0"

#: Public name -> the module that defines it, imported when the name is first used.
_PUBLIC = {
    # records
    "KnowledgeBase": "lowback.data.records",
    "load_knowledge_base": "lowback.data.records",
    "MissingSourceWarning": "lowback.data.records",
    # the study: its assumptions, the simulated cohort, the rulebook and the tree
    "load_assumptions": "lowback.study.assumptions",
    "study_records": "lowback.study.assumptions",
    "simulate": "lowback.study.cohort",
    "Rulebook": "lowback.study.rulebook",
    "fit_tree": "lowback.study.tree",
    "make_tree": "lowback.study.tree",
    "TreeModel": "lowback.study.tree",
    "evaluate": "lowback.study.evaluation",
    "Evaluation": "lowback.study.evaluation",
    "RulebookClassifier": "lowback.study.evaluation",
    # assessment
    "assess": "lowback.study.triage",
    "Assessment": "lowback.study.triage",
    "Assessor": "lowback.study.triage",
    # risk
    "relative_risks": "lowback.study.risk",
    "evidence_matrix": "lowback.study.risk",
    # exports, and the versions a notebook ends with
    "export_records": "lowback.publish.export",
    "export_cohort": "lowback.publish.export",
    "library_versions": "lowback.versions",
    # errors
    "Problem": "lowback.errors",
    "RecordError": "lowback.errors",
    "AssumptionError": "lowback.errors",
    "AssessmentInputError": "lowback.errors",
    "ReportError": "lowback.errors",
}

__all__ = [  # the names of _PUBLIC, written out for tools that read __all__ (a test checks)
    "Assessment",
    "AssessmentInputError",
    "Assessor",
    "AssumptionError",
    "Evaluation",
    "KnowledgeBase",
    "MissingSourceWarning",
    "Problem",
    "RecordError",
    "ReportError",
    "Rulebook",
    "RulebookClassifier",
    "TreeModel",
    "__version__",
    "assess",
    "evaluate",
    "evidence_matrix",
    "export_cohort",
    "export_records",
    "fit_tree",
    "library_versions",
    "load_assumptions",
    "load_knowledge_base",
    "make_tree",
    "relative_risks",
    "simulate",
    "study_records",
]

if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ imports lazily
    from lowback.data.records import KnowledgeBase, MissingSourceWarning, load_knowledge_base
    from lowback.errors import (
        AssessmentInputError,
        AssumptionError,
        Problem,
        RecordError,
        ReportError,
    )
    from lowback.publish.export import export_cohort, export_records
    from lowback.study.assumptions import load_assumptions, study_records
    from lowback.study.cohort import simulate
    from lowback.study.evaluation import Evaluation, RulebookClassifier, evaluate
    from lowback.study.risk import evidence_matrix, relative_risks
    from lowback.study.rulebook import Rulebook
    from lowback.study.tree import TreeModel, fit_tree, make_tree
    from lowback.study.triage import Assessment, Assessor, assess
    from lowback.versions import library_versions


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'lowback' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup skips this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
