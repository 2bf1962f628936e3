"""lowback: lower back pain in runners, as traceable records, a simulated study and plots.

Education, not diagnosis: nothing here is medical advice.
"""

from importlib.metadata import PackageNotFoundError, version

from lowback.records import KnowledgeBase, load_knowledge_base
from lowback.validate import Problem, RecordError

try:
    __version__ = version("lowback")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["KnowledgeBase", "Problem", "RecordError", "__version__", "load_knowledge_base"]
