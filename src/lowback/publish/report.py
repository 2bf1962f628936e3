"""Turn Jupyter notebooks into offline, self-contained HTML pages.

The pages are meant to be opened from disk by an educator with no internet connection,
so every page must work without a single network request:

* Plotly figures. Under a kernel, plotly's default renderer stores a figure only as the
  ``application/vnd.plotly.v1+json`` mimetype, which nbconvert's HTML export silently
  drops. Each such output is turned into a ``text/html`` output (a ``<div>`` plus a
  ``<script>`` calling ``Plotly.newPlot``), and plotly.js itself is embedded inline,
  exactly once, in the page's ``<head>`` (and only if the page has a figure).
* CDN references. nbconvert's ``lab`` template loads require.js, MathJax, mermaid.js and
  the Jupyter widgets manager from CDNs. A small template extending ``lab/index.html.j2``
  empties the blocks that load them. After export the page is checked: any element that
  would fetch a remote resource (``src=``, or ``<link href=>``) raises :class:`ReportError`.
  Plain ``<a href="https://...">`` links are kept: they are links, not requests.

Everything else (escaping of text outputs and markdown, code highlighting, CSS) is
nbconvert's usual behaviour. The same notebook outputs always give the same bytes: the
widget state that nbclient records (random model ids, useless without a kernel) is left out.

A build (:func:`build_reports`) runs the notebooks side by side, one kernel per core, and
writes nothing until every page is ready. The pages are then written as one set by
:func:`write_atomic_set`: staged in temporary files, then swapped in under a lock on the
folder, so an interrupted build, a full disk or a second build at the same time never
leaves a half-written page or a mix of two builds' pages.

Notes
-----
Because MathJax is not loaded, LaTeX in markdown cells is shown as its source text.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import json
import os
import re
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import nbformat
import plotly.io as pio
from jinja2 import DictLoader
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter
from nbformat import NotebookNode
from plotly.offline import get_plotlyjs

from lowback.errors import ReportError

try:
    import fcntl
except ImportError:  # Windows: builds into one folder are not serialised
    fcntl = None

if TYPE_CHECKING:
    from jupyter_client.manager import KernelManager

__all__ = [
    "KEY_FIGURE_TAG",
    "LIVE_ONLY_NOTE",
    "PLOTLY_MIMETYPE",
    "WIDGET_MIMETYPE",
    "ReportError",
    "build_reports",
    "count_figures",
    "count_rendered_figures",
    "execute_notebook",
    "figures_to_html",
    "first_heading",
    "has_parameters_cell",
    "index_page",
    "notebook_to_html",
    "read_with_parameters",
    "remote_resources",
    "store_outputs",
    "write_atomic",
    "write_atomic_set",
]

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"
"""The mimetype under which plotly stores a figure in a notebook output."""

WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"
"""The mimetype of a live ipywidget, which needs a kernel and cannot work in a static page."""

LIVE_ONLY_NOTE = (
    '<p class="lowback-live-only"><b>Live explorer.</b> This interactive control needs a '
    "running Python kernel: open the notebook with <code>make lab</code>, or use "
    "<code>lowback assess</code> on the command line.</p>"
)

_TEMPLATE_NAME = "lowback_offline.html.j2"

# Extends nbconvert's JupyterLab template. Emptied blocks: require.js (a CDN <script src>;
# without it plotly.js also registers itself as ``window.Plotly`` instead of as an AMD
# module), MathJax (CDN <script src>), mermaid.js (dynamic ``import()`` from a CDN) and the
# Jupyter widgets manager (CDN script). Setting the exporter's URL traits (``mathjax_url``,
# ``require_js_url``...) to "" would not remove the tags, only leave ``<script src="">``.
_OFFLINE_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}
{%- endblock html_head_js_requirejs -%}
{%- block html_head_js -%}
{{ super() }}
{%- if resources.lowback_plotlyjs %}
<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: 'local'};</script>
<script type="text/javascript">{{ resources.lowback_plotlyjs }}</script>
{%- endif -%}
{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}
{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}
{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}
{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}
<style type="text/css">{{ resources.lowback_css }}</style>
{% endblock extra_css %}
{%- block body_header -%}
<body class="jp-Notebook lowback-code-hidden" data-jp-theme-light="true"
 data-jp-theme-name="JupyterLab Light">
<nav class="lowback-bar" aria-label="Page tools">
<a href="index.html">&larr; All notebooks</a>
<details class="lowback-toc"><summary>Contents</summary><ol id="lowback-toc-list"></ol></details>
<button type="button" id="lowback-toggle-code" aria-pressed="false">Show code</button>
<span class="lowback-disclaimer">Education, not diagnosis. Simulated data are labelled so.</span>
</nav>
<main>
{%- endblock body_header -%}
{% block footer_js %}
<script type="text/javascript">{{ resources.lowback_page_js }}</script>
{% endblock footer_js %}
"""

# Readable on a projector: larger type, wide figures; code hidden until asked for.
_PAGE_CSS = """
body { font-size: 18px; }
main { max-width: 1500px; margin: 0 auto; padding: 0 24px 48px; }
.jp-RenderedHTMLCommon, .jp-RenderedMarkdown { font-size: 18px; line-height: 1.55; }
.jp-RenderedHTMLCommon table { font-size: 15px; }
body.lowback-code-hidden .jp-CodeCell .jp-Cell-inputWrapper { display: none; }
body.lowback-code-hidden .jp-OutputPrompt { visibility: hidden; }
.lowback-bar { position: sticky; top: 0; z-index: 1000; display: flex; flex-wrap: wrap;
  gap: 18px; align-items: center; padding: 8px 24px; background: #ffffff;
  border-bottom: 1px solid #d0d0d0; font-family: system-ui, sans-serif; font-size: 16px; }
.lowback-bar a { color: #0072B2; }
.lowback-bar button { font-size: 16px; padding: 4px 12px; cursor: pointer; }
.lowback-toc ol { position: absolute; background: #ffffff; border: 1px solid #d0d0d0;
  padding: 8px 24px; max-height: 70vh; overflow: auto; margin: 4px 0 0; }
.lowback-toc li.lowback-toc-h2 { margin-left: 16px; }
.lowback-disclaimer { color: #555555; font-style: italic; }
@media print { .lowback-bar { display: none; } }
"""

# Code toggle and table of contents, inline (a page must work with no network).
_PAGE_JS = """
(function () {
  var body = document.body;
  var button = document.getElementById('lowback-toggle-code');
  button.addEventListener('click', function () {
    var hidden = body.classList.toggle('lowback-code-hidden');
    button.textContent = hidden ? 'Show code' : 'Hide code';
    button.setAttribute('aria-pressed', String(!hidden));
  });
  var list = document.getElementById('lowback-toc-list');
  var headings = document.querySelectorAll('.jp-MarkdownCell h1[id], .jp-MarkdownCell h2[id]');
  headings.forEach(function (h) {
    var item = document.createElement('li');
    item.className = 'lowback-toc-' + h.tagName.toLowerCase();
    var link = document.createElement('a');
    link.href = '#' + h.id;
    link.textContent = h.textContent.replace('\u00b6', '').trim();
    item.appendChild(link);
    list.appendChild(item);
  });
})();
"""

# Height of a figure without its own layout height: the value plotly's notebook renderers use.
_DEFAULT_FIGURE_HEIGHT = 525

_NEWPLOT_RE = re.compile(r"\bPlotly\.newPlot\s*\(")
_HEADING_RE = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<text>.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE_RE = re.compile(r"^ {0,3}(```|~~~)")
_REMOTE_URL_RE = re.compile(r"^\s*(?:(?:https?|ftps?|wss?):)?//", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Reading and executing
# ---------------------------------------------------------------------------------------------


def _read_notebook(path: Path) -> NotebookNode:
    """Read and validate a notebook file, raising :class:`ReportError` on any problem."""
    if not path.exists():
        raise ReportError(f"notebook not found: {path}")
    if not path.is_file():
        raise ReportError(f"notebook path is not a file: {path}")
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises many types (ValueError, ValidationError, ...)
        raise ReportError(f"{path}: not a valid notebook: {type(exc).__name__}: {exc}") from exc
    return nb


def _cell_summary(nb: NotebookNode, index: int | None) -> str:
    """Describe a cell by its index and the first line of its source."""
    if index is None or not 0 <= index < len(nb.cells):
        return "an unknown cell"
    first_line = next((ln for ln in nb.cells[index].source.splitlines() if ln.strip()), "")
    if len(first_line) > 60:
        first_line = first_line[:57] + "..."
    return f"cell {index} (0-based; first line: {first_line!r})"


def _execution_error(
    exc: Exception, nb: NotebookNode, path: Path, index: int | None, *, timeout: int, kernel: str
) -> ReportError:
    """The :class:`ReportError` for an execution that failed with ``exc`` in cell ``index``."""
    where = _cell_summary(nb, index)
    if isinstance(exc, CellExecutionError):
        error = f"{exc.ename}: {exc.evalue}" if exc.evalue else exc.ename
        return ReportError(f"{path}: {where} raised {error}")
    if isinstance(exc, CellTimeoutError):
        return ReportError(f"{path}: {where} timed out after {timeout} s")
    if isinstance(exc, DeadKernelError):
        return ReportError(f"{path}: the kernel died while running {where}: {exc}")
    # Kernel start-up problems: no such kernel, ports, ...
    return ReportError(
        f"{path}: could not execute with kernel {kernel!r}: {type(exc).__name__}: {exc}"
    )


#: Extra arguments for the kernels lowback starts. Showing the first plotly figure imports
#: nbformat (plotly checks its version), hence jsonschema, whose format checkers import
#: ``rfc3987_syntax`` if installed; it builds ~35 Earley parsers at import, about 2 s per
#: kernel, a fifth of the study's run time (jsonschema issues #1428 and #1521). It only
#: checks the JSON-schema formats "iri" and "iri-reference", which nothing in a study
#: kernel validates, so these kernels make that optional import fail fast instead. The
#: package and JupyterLab's own kernels are untouched.
KERNEL_ARGUMENTS = [
    "--IPKernelApp.exec_lines="
    "import sys; sys.modules.setdefault('rfc3987_syntax', None)  # lowback: see report.py"
]


def _execute(
    nb: NotebookNode, path: Path, *, timeout: int, kernel_name: str, run: _Run | None = None
) -> NotebookNode:
    """Execute ``nb`` (read from ``path``) in place, with ``path``'s folder as working dir.

    With ``run``, the notebook runs on an event loop of the calling (worker) thread, and
    another thread can stop it with ``run.stop()``; a stopped run raises :class:`_Stopped`.
    """
    current: dict[str, int] = {}

    def _remember_cell(cell: NotebookNode, cell_index: int) -> None:
        current["index"] = cell_index

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        record_timing=False,  # no timestamps in stored notebooks: clean diffs
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_start=_remember_cell,
        extra_arguments=KERNEL_ARGUMENTS,
    )
    try:
        if run is None:
            client.execute()
        else:
            client.shell_timeout_interval = 1  # a killed kernel is noticed within a second
            # Every output is in when the kernel is shut down, and a graceful shutdown sends
            # its request with a blocking zmq send, which never returned once (under heavy
            # load) when the kernel's control connection was gone: kill the kernel instead.
            client.shutdown_kernel = "immediate"
            run.execute(client)
    except Exception as exc:
        if run is not None and run.stopped:
            raise _Stopped(f"{path}: stopped") from exc
        raise _execution_error(
            exc, nb, path, current.get("index"), timeout=timeout, kernel=kernel_name
        ) from exc
    return nb


def execute_notebook(
    path: Path, *, timeout: int = 600, kernel_name: str = "python3"
) -> nbformat.NotebookNode:
    """Read a notebook and execute all its cells, without touching the file on disk.

    Parameters
    ----------
    path : Path
        The ``.ipynb`` file. Its folder is the kernel's working directory, so relative
        paths in the notebook behave as they do in JupyterLab.
    timeout : int, optional
        Seconds allowed for each cell (default 600).
    kernel_name : str, optional
        The Jupyter kernel to run (default ``"python3"``).

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook, with its outputs.

    Raises
    ------
    ReportError
        If the file is missing or not a valid notebook, if a cell raises (the message names
        the notebook, the cell's 0-based index, the error's name and value), if a cell
        times out, or if the kernel cannot start or dies.
    """
    path = Path(path).absolute()
    nb = _read_notebook(path)
    return _execute(nb, path, timeout=timeout, kernel_name=kernel_name)


_T = TypeVar("_T")


class _Stopped(Exception):
    """A notebook run that was stopped (by :meth:`_Run.stop`) before it finished."""


async def _kill_kernel(km: KernelManager) -> None:
    """Kill a kernel and its process group (it runs in a session of its own) at once.

    Only a signal: nbclient, finding the kernel dead, cleans up as after any crash.
    """
    with contextlib.suppress(Exception):  # already gone, or nbclient is shutting it down
        await km.signal_kernel(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)


class _Run:
    """One notebook's execution in a worker thread, which any other thread can stop.

    Stopping kills the kernel's process group (SIGKILL, sent from the worker's own event
    loop). nbclient notices the dead kernel within a second, cleans up and raises, and
    :func:`_execute` then raises :class:`_Stopped`. A run stopped while its kernel starts
    has it killed as soon as it is ready; a run stopped before it began never starts one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopped = False
        self._kernel: tuple[asyncio.AbstractEventLoop, KernelManager] | None = None
        self._kills: list[asyncio.Future] = []

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stopped

    def execute(self, client: NotebookClient) -> None:
        """Run ``client`` to its end on a new event loop of the calling thread."""
        if self._stopped:
            raise _Stopped
        loop = asyncio.new_event_loop()

        def _kernel_ready(notebook: NotebookNode) -> None:
            with self._lock:
                stopped = self._stopped
                if not stopped:
                    self._kernel = (loop, client.km)
            if stopped:  # killed, not raised: nbclient's own clean-up then runs as usual
                self._kill(client.km)

        client.on_notebook_start = _kernel_ready
        try:
            loop.run_until_complete(client.async_execute())
        finally:
            with self._lock:
                self._kernel = None
            if self._kills:
                loop.run_until_complete(asyncio.wait(self._kills))
            loop.close()

    def stop(self) -> None:
        """Stop the run: kill its kernel if it has one, else keep it from starting one."""
        with self._lock:
            self._stopped = True
            kernel, self._kernel = self._kernel, None
        if kernel is not None:
            loop, km = kernel
            with contextlib.suppress(RuntimeError):  # the loop just closed: no kernel left
                loop.call_soon_threadsafe(self._kill, km)

    def _kill(self, km: KernelManager) -> None:
        self._kills.append(asyncio.ensure_future(_kill_kernel(km)))


def _default_jobs(count: int) -> int:
    """One notebook per core this process may use, at most ``count``."""
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    return max(1, min(count, cores))


def _run_in_order(tasks: Sequence[Callable[[_Run], _T]], jobs: int) -> list[_T]:
    """Run ``tasks`` in worker threads, ``jobs`` at a time; return their results in order.

    Failures are those of a sequential run: when a task raises, the tasks after it are
    stopped (a sequential run would not have started them), those before it finish, and
    the first error in order is raised. If the calling thread is interrupted (Ctrl-C, or
    SIGTERM under :func:`_sigterm_as_exit`), every task is stopped and the interruption is
    raised once every kernel is shut down.
    """
    runs = [_Run() for _ in tasks]
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="lowback-notebook")
    futures: list[Future] = []
    try:
        futures.extend(pool.submit(task, run) for task, run in zip(tasks, runs, strict=True))
        first_error = len(futures)
        while pending := [f for f in futures[:first_error] if not f.done()]:
            wait(pending, return_when=FIRST_EXCEPTION)
            for index, future in enumerate(futures[:first_error]):
                if future.done() and future.exception() is not None:
                    first_error = index
                    for run, later in zip(runs[index + 1 :], futures[index + 1 :], strict=True):
                        later.cancel()
                        run.stop()
                    break
    except BaseException:
        for future in futures:
            future.cancel()
        for run in runs:
            run.stop()
        with _holding_stop_signals(redeliver=False):  # a second Ctrl-C: we are stopping
            pool.shutdown(wait=True)
        raise
    pool.shutdown(wait=True)  # stopped runs end within about a second
    return [future.result() for future in futures]  # raises the first error in order


def _page_task(
    nb_path: Path,
    nb: NotebookNode,
    convert: Callable[..., str],
    timeout: int,
    run: _Run,
) -> tuple[NotebookNode, str]:
    """Execute one notebook and convert it with ``convert(executed, title=...)``."""
    executed = _execute(nb, nb_path, timeout=timeout, kernel_name="python3", run=run)
    title = first_heading(executed) or executed.metadata.get("title") or nb_path.stem
    try:
        return executed, convert(executed, title=title)
    except ReportError as exc:
        raise ReportError(f"{nb_path}: {exc}") from exc


def _execute_and_convert(
    notebooks: Sequence[tuple[Path, NotebookNode]],
    convert: Callable[..., str],
    *,
    timeout: int,
    jobs: int | None,
) -> list[tuple[NotebookNode, str]]:
    """Execute and convert notebooks side by side; results and errors as if run in order."""
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    tasks = [
        functools.partial(_page_task, nb_path, nb, convert, timeout) for nb_path, nb in notebooks
    ]
    return _run_in_order(tasks, jobs or _default_jobs(len(tasks)))


# ---------------------------------------------------------------------------------------------
# Converting
# ---------------------------------------------------------------------------------------------


def _iter_outputs(nb: NotebookNode) -> Iterator[tuple[int, int, NotebookNode]]:
    """Yield ``(cell_index, output_index, output)`` for every output of every code cell."""
    for cell_index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        for output_index, output in enumerate(cell.get("outputs", [])):
            yield cell_index, output_index, output


def count_figures(nb: NotebookNode) -> int:
    """Count the plotly figures stored in a notebook's outputs.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook.

    Returns
    -------
    int
        The number of outputs carrying the ``application/vnd.plotly.v1+json`` mimetype.
    """
    return sum(PLOTLY_MIMETYPE in output.get("data", {}) for _, _, output in _iter_outputs(nb))


def count_rendered_figures(html: str) -> int:
    """Count the figures a page draws, as its number of ``Plotly.newPlot`` calls.

    Parameters
    ----------
    html : str
        A page made by :func:`notebook_to_html`.

    Returns
    -------
    int
        The number of ``Plotly.newPlot(`` calls in the page (the plotly.js library itself
        contains none).
    """
    return len(_NEWPLOT_RE.findall(html))


def _figure_div_id(cell_index: int, output_index: int) -> str:
    """Deterministic id of the ``<div>`` holding one figure."""
    return f"lowback-fig-{cell_index}-{output_index}"


def _figure_html(figure: dict, div_id: str) -> str:
    """HTML (a ``<div>`` and a ``<script>``) drawing one plotly figure, without plotly.js."""
    figure = dict(figure)
    config = figure.pop("config", None)
    return pio.to_html(
        figure,
        config=config,
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        validate=False,
        default_height=_DEFAULT_FIGURE_HEIGHT,
    )


def figures_to_html(nb: NotebookNode) -> list[str]:
    """Replace, in place, every plotly output's data by a ``text/html`` rendering.

    Any other representation of the output (``text/plain``, or a ``text/html`` made by
    another renderer, which may load plotly.js from a CDN) is dropped. Returns the div ids
    of the figures, in page order.
    """
    div_ids = []
    for cell_index, output_index, output in _iter_outputs(nb):
        data = output.get("data", {})
        if WIDGET_MIMETYPE in data:
            output["data"] = nbformat.from_dict({"text/html": LIVE_ONLY_NOTE})
            continue
        if PLOTLY_MIMETYPE not in data:
            continue
        div_id = _figure_div_id(cell_index, output_index)
        output["data"] = nbformat.from_dict(
            {"text/html": _figure_html(data[PLOTLY_MIMETYPE], div_id)}
        )
        div_ids.append(div_id)
    return div_ids


def first_heading(nb: NotebookNode) -> str | None:
    """Text of the first ATX markdown heading (``# Title``) in the notebook, if any."""
    for cell in nb.cells:
        if cell.get("cell_type") != "markdown":
            continue
        in_fence = False
        for line in cell.source.splitlines():
            if _FENCE_RE.match(line):
                in_fence = not in_fence
                continue
            match = None if in_fence else _HEADING_RE.match(line)
            if match:
                return match.group("text").strip()
    return None


class _RemoteResourceFinder(HTMLParser):
    """Collect the tags of a page that would make the browser fetch a remote resource."""

    _FETCHING_ATTRS = frozenset({"src", "srcset", "poster", "data"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if not value:
                continue
            fetches = name in self._FETCHING_ATTRS or (tag == "link" and name == "href")
            if fetches and _REMOTE_URL_RE.match(value):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def remote_resources(html: str) -> list[str]:
    """Tags in ``html`` that load something from the network (empty for an offline page)."""
    finder = _RemoteResourceFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def _exporter() -> HTMLExporter:
    """A fresh HTML exporter using the offline variant of the ``lab`` template."""
    return HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({_TEMPLATE_NAME: _OFFLINE_TEMPLATE})],
        template_file=_TEMPLATE_NAME,
    )


def notebook_to_html(nb: NotebookNode, *, title: str | None = None) -> str:
    """Export an executed notebook to one offline, self-contained HTML page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook. It is not modified.
    title : str or None, optional
        The page's ``<title>``. By default, the notebook's first markdown heading, else its
        ``metadata.title``, else ``"Notebook"``.

    Returns
    -------
    str
        The page. Plotly figures are drawn by inline scripts with plotly.js embedded once
        in the ``<head>`` (not at all if there is no figure); nothing is loaded from the
        network. The same cells and outputs always give the same string (the notebook's
        ``metadata.widgets``, random ids recorded by nbclient, is left out).

    Raises
    ------
    ReportError
        If the page would still load a remote resource (a ``src=`` or ``<link href=>``
        pointing to ``http(s)://`` or ``//``), e.g. from an HTML output or a markdown image,
        or if a figure is missing from the page.
    """
    nb = copy.deepcopy(nb)
    # The widget state nbclient records has random model ids, and no widget manager is loaded.
    nb.metadata.pop("widgets", None)
    div_ids = figures_to_html(nb)
    page_title = title or first_heading(nb) or nb.metadata.get("title") or "Notebook"
    nb.metadata["title"] = page_title
    resources = {
        "metadata": {"name": page_title},
        "lowback_plotlyjs": get_plotlyjs() if div_ids else "",
        "lowback_css": _PAGE_CSS,
        "lowback_page_js": _PAGE_JS,
    }
    html, _ = _exporter().from_notebook_node(nb, resources=resources)

    remote = remote_resources(html)
    if remote:
        shown = ", ".join(remote[:5]) + (" ..." if len(remote) > 5 else "")
        raise ReportError(
            f"page {page_title!r} would load {len(remote)} remote resource(s), "
            f"so it does not work offline: {shown}"
        )
    missing = [div_id for div_id in div_ids if f'id="{div_id}"' not in html]
    if missing:
        raise ReportError(f"page {page_title!r}: figures missing from the page: {missing}")
    return html


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _unlink_quietly(path: Path) -> None:
    """Remove a file if it exists, ignoring errors (used for clean-up only)."""
    with contextlib.suppress(OSError):
        path.unlink()


def _write_temp(path: Path, text: str) -> Path:
    """Write ``text`` to a new temporary file next to ``path`` and return the temp path.

    The temp file gets ``path``'s permission bits if ``path`` exists, else ``0o644``. On any
    failure the temp file is removed and the error re-raised.
    """
    mode = path.stat().st_mode & 0o777 if path.is_file() else 0o644
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def write_atomic(path: Path, text: str) -> None:
    """Write a UTF-8 text file atomically.

    The text goes to a temporary file in the same directory, which then replaces ``path``
    with :func:`os.replace`. Readers see either the old file or the complete new one, and a
    failed or interrupted write leaves the old file (if any) untouched.

    Parameters
    ----------
    path : Path
        The file to create or replace. Its directory must exist.
    text : str
        The content, written as UTF-8 with newlines as given.

    Raises
    ------
    OSError
        If the file cannot be written; the temporary file is removed first.
    UnicodeEncodeError
        If ``text`` cannot be encoded as UTF-8 (e.g. a lone surrogate); nothing is changed.
    """
    path = Path(path)
    tmp = _write_temp(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """In the main thread, make SIGTERM raise ``SystemExit(143)`` instead of killing at once.

    Only where SIGTERM has its default action (the process would die anyway, with the same
    status), so that ``finally`` blocks run: temporary files are removed, kernels shut down.
    """
    if not _in_main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def _holding_stop_signals(*, redeliver: bool = True) -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the block runs (in the main thread; a no-op elsewhere).

    With ``redeliver``, the first signal received is raised again after the block, so the
    usual handler acts on it (``KeyboardInterrupt``, ...) once the block is done.
    """
    if not _in_main_thread():
        yield
        return
    received: list[int] = []
    previous = {signum: signal.getsignal(signum) for signum in _STOP_SIGNALS}
    for signum in _STOP_SIGNALS:
        signal.signal(signum, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        if received and redeliver:
            signal.raise_signal(received[0])


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[int | None]:
    """Hold an exclusive advisory lock on ``folder`` itself (``flock`` on the folder).

    Yields the folder's file descriptor (``None`` without ``fcntl``, where nothing is
    locked). Waits while another process or thread holds the lock; the kernel releases it
    when its holder exits, however it exits. Locking the folder leaves no lock file behind.
    """
    if fcntl is None:
        yield None
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _fsync_folder(fd: int | None) -> None:
    """Make renames in a folder durable (where the file system supports it)."""
    if fd is not None:
        with contextlib.suppress(OSError):
            os.fsync(fd)


_JOURNAL_NAME = ".lowback-swap.json"
"""Lists the renames of a set being swapped in, so that a build killed halfway is finished."""


def _temp_name_pattern(name: str) -> re.Pattern[str]:
    """Names of the temporary files :func:`_write_temp` makes for a file called ``name``."""
    return re.compile(rf"\.{re.escape(name)}\.[A-Za-z0-9_]+\.tmp")


def _read_journal(journal: Path) -> list[tuple[str, str]]:
    """The ``(temp name, name)`` renames listed in a swap journal."""
    try:
        renames = json.loads(journal.read_text(encoding="utf-8"))["renames"]
        pairs = [(str(tmp), str(name)) for tmp, name in renames]
    except (ValueError, KeyError, TypeError) as exc:
        raise ReportError(
            f"{journal}: expected a lowback swap journal (JSON with a 'renames' list of "
            f"[temp name, name] pairs), got something else ({exc}); delete it and build again"
        ) from exc
    for tmp, name in pairs:
        if (
            Path(name).name != name
            or name in ("", ".", "..")
            or not (_temp_name_pattern(name).fullmatch(tmp))
        ):
            raise ReportError(
                f"{journal}: expected renames of .NAME.XXXX.tmp to NAME within the folder, "
                f"got {tmp!r} to {name!r}; delete it and build again"
            )
    return pairs


def _tidy(folder: Path, names: Sequence[str]) -> None:
    """Finish a swap that a killed build left halfway, then remove its leftover temp files.

    Only temporary files of ``names`` (and of the journal) are removed: files that other
    writers stage in the same folder are left alone. Call with the folder locked.
    """
    journal = folder / _JOURNAL_NAME
    if journal.exists():
        for tmp, name in _read_journal(journal):
            with contextlib.suppress(FileNotFoundError):  # renamed before the kill
                os.replace(folder / tmp, folder / name)
        journal.unlink()
    _remove_temp_files(folder, names)


def _remove_temp_files(folder: Path, names: Sequence[str]) -> None:
    """Remove the temporary files of ``names`` (and of the journal) in ``folder``.

    Call with the folder locked: every such file is then a leftover of this process or of
    a killed one, never one that another build is writing.
    """
    patterns = [_temp_name_pattern(name) for name in (*names, _JOURNAL_NAME)]
    with os.scandir(folder) as entries:
        found = [
            entry.path
            for entry in entries
            if any(p.fullmatch(entry.name) for p in patterns)
            and entry.is_file(follow_symlinks=False)
        ]
    for path in found:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def write_atomic_set(folder: Path, files: Mapping[str, str]) -> list[Path]:
    """Write several UTF-8 text files into one folder as a set: all of them, or none.

    Every file is first written to a temporary file next to it (``.NAME.XXXXXXXX.tmp``,
    flushed to disk); only then are they renamed into place, one :func:`os.replace` each.
    What can interrupt the writing, and what is left:

    * An error (a full disk, a read-only folder) or SIGINT/SIGTERM while staging: the
      temporary files are removed and no file is changed.
    * SIGINT or SIGTERM during the renames: held until every file is in place, then acted
      on (SIGTERM with its default action raises ``SystemExit(143)`` while this runs in the
      main thread, so that clean-up code runs).
    * SIGKILL or a power cut during the renames (a few renames: well under a millisecond):
      each file is whole, old or new, and a journal (``.lowback-swap.json``) lists the
      renames still to do. The next call for the folder finishes them first, so the set
      ends up whole. Temporary files that a killed call left behind are removed too.

    Calls for the same folder, from other processes or threads, take turns: an exclusive
    ``flock`` on the folder is held while staging and renaming (only where :mod:`fcntl`
    exists). The second call waits for the first, then writes its own set: the last one
    wins, and no one sees a mix of the two.

    Parameters
    ----------
    folder : Path
        An existing folder.
    files : Mapping[str, str]
        File names (no folder part) and their texts, written with newlines as given.

    Returns
    -------
    list[Path]
        The written files, in the order of ``files``.

    Raises
    ------
    OSError
        If a file cannot be written; nothing is changed and no temporary file is left
        (except when a rename itself fails: then the journal and the temporary files stay,
        and the next call finishes the swap).
    ReportError
        If the folder holds a journal that lowback did not write.
    ValueError
        If a name has a folder part.
    UnicodeEncodeError
        If a text cannot be encoded as UTF-8; nothing is changed.
    """
    folder = Path(folder)
    for name in files:
        if Path(name).name != name or name in ("", ".", "..", _JOURNAL_NAME):
            raise ValueError(f"expected a plain file name, got {name!r}")
    with _sigterm_as_exit(), _locked(folder) as fd:
        _tidy(folder, list(files))
        staged: dict[str, Path] = {}
        swapping = False
        try:
            for name, text in files.items():
                staged[name] = _write_temp(folder / name, text)
            journal = json.dumps({"renames": [[tmp.name, name] for name, tmp in staged.items()]})
            with _holding_stop_signals():
                write_atomic(folder / _JOURNAL_NAME, journal + "\n")
                _fsync_folder(fd)
                swapping = True
                for name, tmp in staged.items():
                    os.replace(tmp, folder / name)
                _fsync_folder(fd)
                (folder / _JOURNAL_NAME).unlink()
        finally:
            if not swapping:  # by name, not from `staged`: a signal may land before it is set
                _remove_temp_files(folder, list(files))
    return [folder / name for name in files]


def _output_paths(paths: Sequence[Path], out_dir: Path, suffix: str) -> list[Path]:
    """``out_dir / (stem + suffix)`` for each notebook; two notebooks may not share one."""
    targets = [out_dir / f"{nb_path.stem}{suffix}" for nb_path in paths]
    seen: dict[Path, Path] = {}
    for nb_path, target in zip(paths, targets, strict=True):
        if target in seen:
            raise ReportError(f"{seen[target]} and {nb_path} would both be written to {target}")
        seen[target] = nb_path
    return targets


def _write_outputs(out_dir: Path, targets: Sequence[Path], texts: Sequence[str], what: str) -> None:
    """Write ``texts`` to ``targets`` as one set (:func:`write_atomic_set`), or raise a
    :class:`ReportError` naming the folder and the system's error."""
    try:
        write_atomic_set(out_dir, {t.name: text for t, text in zip(targets, texts, strict=True)})
    except OSError as exc:
        raise ReportError(f"cannot write {what} to {out_dir}: {exc}") from exc


def _prepare_out_dir(out_dir: Path, names: Sequence[str], *, what: str = "reports") -> None:
    """Create ``out_dir`` if needed, check that files can be created in it, and tidy it.

    Tidying (see :func:`_tidy`) finishes a set of ``names`` that a killed build left
    half swapped in and removes the temporary files it left behind, before any notebook
    runs: even a build that then fails leaves the folder whole.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"output path exists and is not a directory: {out_dir}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_dir):
            pass
        with _locked(out_dir):
            _tidy(out_dir, names)
    except OSError as exc:
        raise ReportError(f"cannot write {what} to {out_dir}: {exc}") from exc


def store_outputs(path: Path, *, timeout: int = 600) -> None:
    """Run a notebook top to bottom in a fresh kernel and store its outputs in the file.

    The stored notebook carries no execution timestamps and no widget state or widget
    views (random model ids that a live kernel recreates anyway; the text form stays),
    so re-running an unchanged notebook changes nothing. The file is replaced
    atomically, only after a clean run.
    """
    path = Path(path).absolute()
    nb = execute_notebook(path, timeout=timeout)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps left by other tools' runs
    for _, _, output in _iter_outputs(nb):
        output.get("data", {}).pop(WIDGET_MIMETYPE, None)  # a random model id, useless stored
    write_atomic(path, nbformat.writes(nb) + "\n")


def has_parameters_cell(nb: NotebookNode) -> bool:
    """Whether a notebook has a cell tagged ``parameters`` (papermill's convention)."""
    return any("parameters" in cell.get("metadata", {}).get("tags", []) for cell in nb.cells)


def read_with_parameters(path: Path, parameters: dict) -> NotebookNode:
    """Read a notebook with ``parameters`` set just after its ``parameters`` cell.

    Uses papermill's own reader and parameterizer, so the injected cell is tagged
    ``injected-parameters`` as papermill does. A notebook without a ``parameters`` cell,
    or an empty ``parameters``, is read unchanged: it takes no parameters. The file on
    disk is never changed.
    """
    nb = _read_notebook(path)
    if not parameters or not has_parameters_cell(nb):
        return nb
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    return parameterize_notebook(
        load_notebook_node(str(path)), parameters, kernel_name="python3", language="python"
    )


_QUESTION_RE = re.compile(r"\*\*The question\.\*\*\s*(?P<text>[^\n]+)")
KEY_FIGURE_TAG = "key-figure"
_INDEX_FIGURE_HEIGHT = 440


def _key_figure(nb: NotebookNode) -> dict | None:
    """The figure a notebook shows on the landing page: the cell tagged ``key-figure``,
    else its first figure."""
    figures = [
        (i, output["data"][PLOTLY_MIMETYPE])
        for i, _, output in _iter_outputs(nb)
        if PLOTLY_MIMETYPE in output.get("data", {})
    ]
    tagged = [f for i, f in figures if KEY_FIGURE_TAG in nb.cells[i].metadata.get("tags", [])]
    chosen = (tagged or [f for _, f in figures] or [None])[0]
    if chosen is None:
        return None
    chosen = copy.deepcopy(dict(chosen))
    chosen.setdefault("layout", {})["height"] = _INDEX_FIGURE_HEIGHT
    return chosen


def index_page(pages: Sequence[tuple[str, NotebookNode]], *, note: str = "") -> str:
    """The landing page: what the study is and is not, each notebook's question and key
    figure with a link, the data's sha256 and the library versions. Offline, escaped."""
    from lowback.data.records import load_knowledge_base
    from lowback.versions import library_versions

    cards, any_figure = [], False
    for n, (file_name, nb) in enumerate(pages):
        title = first_heading(nb) or file_name
        first_markdown = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
        question = _QUESTION_RE.search(first_markdown)
        figure = _key_figure(nb)
        any_figure = any_figure or figure is not None
        cards.append(
            f'<section class="card"><h2><a href="{escape(file_name)}">{escape(title)}</a>'
            f"</h2><p>{escape(question['text'].replace('**', '')) if question else ''}</p>"
            + (_figure_html(figure, f"lowback-key-{n}") if figure else "")
            + f'<p><a href="{escape(file_name)}">Open the notebook page &rarr;</a></p>'
            + "</section>"
        )
    sources = load_knowledge_base().sources
    data_rows = "".join(
        f"<tr><td>{escape(row.id)}</td><td>{escape(row.title)}</td>"
        f"<td><code>{escape(row.sha256)}</code></td></tr>"
        for row in sources.itertuples(index=False)
    )
    version_rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(version)}</td></tr>"
        for name, version in library_versions().items()
    )
    plotlyjs = f'<script type="text/javascript">{get_plotlyjs()}</script>' if any_figure else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1.0"/>
<title>lowback: lower back pain in runners</title>
<style type="text/css">{_PAGE_CSS}{_INDEX_CSS}</style>
{plotlyjs}
</head><body><main>
<h1>lowback: lower back pain in runners, as a study you can trace</h1>
<p class="lead">What one web article on lower back pain in runners says, turned into records
that quote it word for word, a simulated cohort of runners, a decision tree behind a red-flag
gate, and interactive figures. Every page works offline.</p>
<div class="warning"><p><b>Education, not diagnosis.</b> This study shows what one article
claims; it is not medical advice. See a doctor about back pain.</p>
<p><b>Simulated data.</b> The runners in notebooks 02 and 03 are simulated from the article's
claims under explicit assumptions; their numbers describe those assumptions, not real
runners.</p>{f"<p>{escape(note)}</p>" if note else ""}</div>
{"".join(cards)}
<section class="facts"><h2>The data</h2><table><tr><th>source</th><th>title</th>
<th>sha256</th></tr>{data_rows}</table>
<h2>Library versions</h2><table><tr><th>library</th><th>version</th></tr>{version_rows}</table>
</section></main></body></html>
"""


_INDEX_CSS = """
body { font-family: system-ui, sans-serif; }
.lead { font-size: 20px; }
.warning { border-left: 6px solid #D55E00; background: #fff4ec; padding: 4px 18px; }
.card { border: 1px solid #d0d0d0; border-radius: 6px; padding: 8px 24px; margin: 24px 0; }
.card h2 a { color: #0072B2; text-decoration: none; }
table { border-collapse: collapse; } td, th { border-bottom: 1px solid #e0e0e0;
  padding: 4px 12px; text-align: left; }
"""


def build_reports(
    notebooks: Sequence[Path],
    out_dir: Path,
    *,
    timeout: int = 600,
    parameters: dict | None = None,
    index: bool = True,
    jobs: int | None = None,
) -> list[Path]:
    """Execute notebooks and write one offline HTML report per notebook.

    All notebooks are read first, then executed and converted, side by side (one kernel
    per core by default); only when every page is ready is anything written, so one
    failing notebook leaves all existing reports untouched. The pages are then written as
    one set with :func:`write_atomic_set`: an interrupted build (Ctrl-C, SIGTERM, even
    SIGKILL), a full disk or a second build into the same folder at the same time never
    leaves a half-written page, temporary files, or pages of two builds mixed. On Ctrl-C or
    SIGTERM every kernel is shut down before the interruption is raised (SIGTERM as
    ``SystemExit(143)`` while this runs in the main thread).

    The pages do not depend on how many notebooks run at once, nor on the run: the same
    notebooks and parameters (so the same seeds) give the same bytes, index included.

    Parameters
    ----------
    notebooks : Sequence[Path]
        The ``.ipynb`` files. Their stems must differ, since each report is
        ``out_dir / f"{stem}.html"``.
    out_dir : Path
        The folder for the reports, created if missing.
    timeout : int, optional
        Seconds allowed for each cell (default 600).
    parameters : dict, optional
        Values for the notebooks' ``parameters`` cells (see :func:`read_with_parameters`);
        the notebook files themselves are never changed.
    index : bool, optional
        Also write ``index.html``, the landing page (see :func:`index_page`).
    jobs : int or None, optional
        How many notebooks run at once (default: one per core, at most one per notebook).

    Returns
    -------
    list[Path]
        The written reports, in the order of ``notebooks``.

    Raises
    ------
    ReportError
        With a message naming the notebook and the problem: a missing file, invalid
        notebook JSON, a failing or timed-out cell, a page that would need the network (if
        several notebooks fail, the first in order is named, as in a sequential run); or
        naming ``out_dir`` and the system's error if it is not a writable directory or a
        write fails (a full disk); or duplicate stems.
    ValueError
        If ``jobs`` is less than 1.
    """
    paths = [Path(nb_path).absolute() for nb_path in notebooks]
    out_dir = Path(out_dir)
    targets = _output_paths(paths, out_dir, ".html")
    if index:
        targets.append(out_dir / "index.html")

    read = [read_with_parameters(nb_path, parameters or {}) for nb_path in paths]
    with _sigterm_as_exit():
        _prepare_out_dir(out_dir, [target.name for target in targets])
        built = _execute_and_convert(
            list(zip(paths, read, strict=True)), notebook_to_html, timeout=timeout, jobs=jobs
        )
        pages = [page for _, page in built]
        if index:
            note = ""
            if parameters and parameters.get("ASSUMPTIONS"):
                note = f"These pages were built under {Path(parameters['ASSUMPTIONS']).name}."
            executed = [
                (f"{nb_path.stem}.html", nb) for nb_path, (nb, _) in zip(paths, built, strict=True)
            ]
            pages.append(index_page(executed, note=note))
        _write_outputs(out_dir, targets, pages, what="reports")
    return targets
