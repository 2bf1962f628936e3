"""Run notebooks in Jupyter kernels: read, parameterise, execute, side by side.

* :func:`execute_notebook` reads a notebook and runs it top to bottom in a fresh kernel,
  with the notebook's folder as working directory; a failing cell, a timeout, a kernel
  that cannot start or dies are each a :class:`ReportError` naming the notebook and cell.
* :func:`read_with_parameters` sets a notebook's parameters as papermill does (a cell
  tagged ``injected-parameters`` after the one tagged ``parameters``).
* :func:`execute_and_convert` runs several notebooks side by side, one kernel per core,
  and converts each (to a page, a deck) in its worker thread. Results and errors are
  those of a run one by one: when a notebook fails, the ones after it are stopped and the
  first failure in order is raised. On Ctrl-C, or SIGTERM under
  :func:`lowback.publish.signals.sigterm_as_exit`, every kernel is killed (its process
  group) and shut down before the interruption is raised, within about a second.
* :func:`store_outputs` runs a notebook and stores its outputs in the file, without
  anything that would change from run to run.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from lowback.errors import ReportError
from lowback.publish.fileset import write_atomic
from lowback.publish.pages import WIDGET_MIMETYPE, first_heading, iter_outputs
from lowback.publish.signals import holding_stop_signals

if TYPE_CHECKING:
    from jupyter_client.manager import KernelManager

__all__ = [
    "KERNEL_ARGUMENTS",
    "execute_and_convert",
    "execute_notebook",
    "has_parameters_cell",
    "parameter_names",
    "read_notebook",
    "read_with_parameters",
    "store_outputs",
]

_T = TypeVar("_T")


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def read_notebook(path: Path) -> NotebookNode:
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


def has_parameters_cell(nb: NotebookNode) -> bool:
    """Whether a notebook has a cell tagged ``parameters`` (papermill's convention)."""
    return any("parameters" in cell.get("metadata", {}).get("tags", []) for cell in nb.cells)


def parameter_names(nb: NotebookNode) -> list[str]:
    """The names a notebook's ``parameters`` cell assigns, in order (none without one).

    >>> from nbformat import v4
    >>> cell = v4.new_code_cell("RANDOM_SEED = 2026\\nCOHORT_SIZE: int = 20_000  # runners")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> parameter_names(v4.new_notebook(cells=[cell]))
    ['RANDOM_SEED', 'COHORT_SIZE']
    """
    import ast

    cell = next(
        (c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])), None
    )
    if cell is None:
        return []
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return []
    names: list[str] = []
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        names += [t.id for t in targets if isinstance(t, ast.Name) and t.id not in names]
    return names


def _as_parameter(value: object, folder: Path) -> object:
    """A parameter's value as the notebook gets it: a :class:`~pathlib.Path` becomes the
    path relative to ``folder`` (the kernel's working directory), in ``/`` form, so that
    the page shows no absolute path of the machine it was built on."""
    if not isinstance(value, Path):
        return value
    try:
        return Path(os.path.relpath(value.absolute(), folder)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return value.absolute().as_posix()


def read_with_parameters(path: Path, parameters: dict) -> NotebookNode:
    """Read a notebook with ``parameters`` set just after its ``parameters`` cell.

    Uses papermill's own reader and parameterizer, so the injected cell is tagged
    ``injected-parameters`` as papermill does. Only the parameters the notebook's
    ``parameters`` cell names are set (:func:`parameter_names`): a notebook without such
    a cell, or naming none of them, is read unchanged. A :class:`~pathlib.Path` value is
    set relative to the notebook's folder (the kernel's working directory), a text as it
    is; the injected cell's id is the ``parameters`` cell's id with ``-injected``, so the
    same parameters give the same notebook, and the same page, on any machine. The file
    on disk is never changed.
    """
    path = Path(path)
    nb = read_notebook(path)
    names = parameter_names(nb)
    given = {
        name: _as_parameter(value, path.absolute().parent)
        for name, value in parameters.items()
        if name in names
    }
    if not given:
        return nb
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(
        load_notebook_node(str(path)), given, kernel_name="python3", language="python"
    )
    at = next(i for i, c in enumerate(nb.cells) if "injected-parameters" in c.metadata["tags"])
    base = nb.cells[at - 1].get("id") if at > 0 else None
    nb.cells[at]["id"] = f"{base[:55]}-injected" if base else "injected-parameters"
    return nb


# ---------------------------------------------------------------------------------------------
# Executing one notebook
# ---------------------------------------------------------------------------------------------


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
    "import sys; sys.modules.setdefault('rfc3987_syntax', None)  # lowback: see execute.py"
]


class _EncryptedClient(NotebookClient):
    """A :class:`~nbclient.NotebookClient` whose kernels talk over encrypted sockets.

    ipykernel warns on every start over plain TCP ("Kernel is running over TCP without
    encryption", in ``IPKernelApp.init_sockets``) unless its connection file holds CurveZMQ
    keys. jupyter_client (8.10+) provisions them when its kernel manager is asked to
    (``KernelManager.transport_encryption = "auto"``) and the kernelspec declares
    ``"supported_encryption": ["curve"]``, as ipykernel's ``python3`` does. So the traffic
    is encrypted and the warning's cause is gone, not its message: every other line the
    kernel logs, and every error, still shows.
    """

    def create_kernel_manager(self) -> KernelManager:
        km = super().create_kernel_manager()
        # Refused (a TraitError) where pyzmq lacks CurveZMQ: the kernel then runs over
        # plain TCP as before, and the warning it prints is true.
        with contextlib.suppress(Exception):
            km.transport_encryption = "auto"
        return km


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

    client = _EncryptedClient(
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
    nb = read_notebook(path)
    return _execute(nb, path, timeout=timeout, kernel_name=kernel_name)


#: A notebook's metadata ``lowback.reads``: its outputs come from the study's records only
#: (the sources the default assumptions name), so another source's absence cannot change
#: them. Otherwise they may show every source present.
READS_STUDY = "study"


def present_sources() -> list[str]:
    """Ids of the project's sources whose files are on this machine, in sources.csv order."""
    from lowback.data.records import source_states

    states = source_states()
    return states.loc[states["state"] == "present", "id"].tolist()


def sources_shown(nb: NotebookNode) -> list[str]:
    """The sources a notebook's outputs were made with: the study's for a notebook that
    says it reads only those (``lowback.reads``), else every source present."""
    if nb.metadata.get("lowback", {}).get("reads") == READS_STUDY:
        from lowback.study.assumptions import load_study_records

        return load_study_records().sources["id"].tolist()
    return present_sources()


def store_outputs(path: Path, *, timeout: int = 600) -> None:
    """Run a notebook top to bottom in a fresh kernel and store its outputs in the file.

    The stored notebook carries no execution timestamps and no widget state or widget
    views (random model ids that a live kernel recreates anyway; the text form stays),
    so re-running an unchanged notebook changes nothing; its metadata names the sources its
    outputs were made with (``lowback.sources``, :func:`sources_shown`). The file is
    replaced atomically, only after a clean run.
    """
    path = Path(path).absolute()
    nb = execute_notebook(path, timeout=timeout)
    # Which sources the outputs were made with: where one of them is missing, the stored
    # outputs cannot be reproduced, and the tests skip (or, under CI, fail) them loudly.
    nb.metadata["lowback"] = {**nb.metadata.get("lowback", {}), "sources": sources_shown(nb)}
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps left by other tools' runs
    for _, _, output in iter_outputs(nb):
        output.get("data", {}).pop(WIDGET_MIMETYPE, None)  # a random model id, useless stored
    write_atomic(path, nbformat.writes(nb) + "\n")


# ---------------------------------------------------------------------------------------------
# Several notebooks side by side
# ---------------------------------------------------------------------------------------------


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
    SIGTERM under :func:`~lowback.publish.signals.sigterm_as_exit`), every task is stopped
    and the interruption is raised once every kernel is shut down.
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
        with holding_stop_signals(redeliver=False):  # a second Ctrl-C: we are stopping
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


def execute_and_convert(
    notebooks: Sequence[tuple[Path, NotebookNode]],
    convert: Callable[..., str],
    *,
    timeout: int,
    jobs: int | None,
) -> list[tuple[NotebookNode, str]]:
    """Execute notebooks side by side and convert each; results and errors as if run in order.

    Parameters
    ----------
    notebooks : Sequence[tuple[Path, nbformat.NotebookNode]]
        Each notebook's path (absolute: its folder is the kernel's working directory) and
        the notebook as read (see :func:`read_notebook`, :func:`read_with_parameters`).
    convert : Callable[..., str]
        Called in the worker thread as ``convert(executed, title=title)``, the title being
        the notebook's first heading, else its ``metadata.title``, else its file's stem.
    timeout : int
        Seconds allowed for each cell.
    jobs : int or None
        How many notebooks run at once (None: one per core, at most one per notebook).

    Returns
    -------
    list[tuple[nbformat.NotebookNode, str]]
        Each executed notebook and its conversion, in the order of ``notebooks``.

    Raises
    ------
    ReportError
        The first failure in order (a cell, a kernel, a conversion), naming the notebook.
    ValueError
        If ``jobs`` is less than 1.
    """
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    tasks = [
        functools.partial(_page_task, nb_path, nb, convert, timeout) for nb_path, nb in notebooks
    ]
    return _run_in_order(tasks, jobs or _default_jobs(len(tasks)))
