"""lowback: lower back pain in runners, as traceable records, a simulated study and plots.

Education, not diagnosis: nothing here is medical advice.
"""

from importlib.metadata import PackageNotFoundError, version

from lowback.data.records import KnowledgeBase, load_knowledge_base
from lowback.data.validate import Problem, RecordError

try:
    __version__ = version("lowback")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "KnowledgeBase",
    "Problem",
    "RecordError",
    "__version__",
    "assess",
    "load_knowledge_base",
]


def __getattr__(name: str):
    # `assess` fits its tree on first use; importing lowback alone stays light.
    if name == "assess":
        from lowback.study.triage import assess

        return assess
    raise AttributeError(f"module 'lowback' has no attribute {name!r}")
