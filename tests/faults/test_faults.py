"""Faults during a report build: kills, signals, a full disk, a read-only folder, two builds
at once; and what the build must keep: the same bytes however it runs.

Faults come where they hurt most. ``lowback report`` runs are killed while a notebook runs
(the long part of a build); the write phase gets signals at chosen points (while staging,
in the middle of the swap). Importing lowback takes seconds, so one driver process imports
it once and forks a child per fault: a child runs ``lowback.cli.main(["report", ...])``,
as the ``lowback`` command does, or writes a set with a fault injected. Tests run as root
in CI, where permission bits do not stop writes: the read-only run drops
``CAP_DAC_OVERRIDE`` before it starts. Kernels are found by an environment variable that
every process of a run inherits.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from lowback.errors import ReportError
from lowback.publish import fileset, pages
from lowback.publish.build import build_reports
from lowback.publish.fileset import write_atomic_set
from lowback.publish.slides import build_slides

TAG_VARIABLE = "LOWBACK_FAULT_TEST"
STALE_TEMP = ".slow.html.k1ll3d99.tmp"  # what a build killed while staging leaves
FOREIGN_TEMP = ".bench.html.abcd1234.tmp"  # another writer's temp file: not ours to remove
FILE_SIZE_LIMIT = 64 * 1024  # bytes; a page is several times larger
STOPS = ("SIGINT", "SIGTERM", "SIGKILL")
OLD = {name: f"<html>old {name}</html>\n" for name in ("a.html", "b.html", "index.html")}
NEW = {name: f"<html>new {name}</html>\n" * 1000 for name in OLD}
# "staging": the signal comes right after the first temporary file is written; "swapping":
# right after the first page is renamed into place.
WRITE_FAULTS = {
    "SIGTERM while staging": ("staging", "SIGTERM"),
    "SIGKILL while staging": ("staging", "SIGKILL"),
    "SIGTERM while swapping": ("swapping", "SIGTERM"),
    "SIGINT while swapping": ("swapping", "SIGINT"),
    "SIGKILL while swapping": ("swapping", "SIGKILL"),
}


def _notebook(path: Path, *sources: str) -> Path:
    """Write a notebook: a ``# heading`` source is a markdown cell, anything else code."""
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_markdown_cell(s) if s.startswith("# ") else v4.new_code_cell(s) for s in sources
    ]
    nbformat.write(nb, path)
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _texts(folder: Path) -> dict[str, str]:
    return {name: data.decode("utf-8") for name, data in _snapshot(folder).items()}


def _tagged_processes(tag: str) -> list[int]:
    """Processes (not zombies) whose environment holds ``TAG_VARIABLE=tag``."""
    needle = f"{TAG_VARIABLE}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:  # gone, or not ours to read
                continue
            if needle in environ.split(b"\0"):
                found.append(int(entry.name))
    return found


def _survivors(tag: str, grace: float) -> list[int]:
    """Tagged processes still alive after up to ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while (alive := _tagged_processes(tag)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def _kill_all(tag: str) -> None:
    for pid in _tagged_processes(tag):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------
# The fault runs: started together, checked one by one
# ---------------------------------------------------------------------------------------------

# argv[1]: a JSON file of jobs. Forks one child per job; a child sets TAG_VARIABLE, sends its
# output to its log file, applies its limit or fault, then runs `lowback ARGS` or writes
# its files (a child still running after 90 s writes every thread's stack to its log and
# exits). The parent sends each `stop` signal once the job's marker file exists, and
# prints the children's exit codes (negative: killed by a signal) and how long each child
# took to end after its signal.
_DRIVER = """
import faulthandler, json, os, resource, signal, sys, time, traceback
from pathlib import Path
import lowback.publish.fileset as fileset
from lowback.cli import main

def inject(where, signum):
    if where == "staging":
        write_temp = fileset._write_temp
        def staging(path, text):
            tmp = write_temp(path, text)
            os.kill(os.getpid(), signum)
            return tmp
        fileset._write_temp = staging
    else:
        replace = os.replace
        def swapping(source, target):
            replace(source, target)
            if Path(target).suffix == ".html":
                os.kill(os.getpid(), signum)
        os.replace = swapping

def run(job):
    os.environ[job["tag_variable"]] = job["tag"]
    log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(log, 1)
    os.dup2(log, 2)
    faulthandler.dump_traceback_later(90, exit=True)
    if job.get("file_size_limit"):  # a write past the limit fails with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (job["file_size_limit"],) * 2)
    if job.get("fault"):
        inject(job["fault"][0], getattr(signal, job["fault"][1]))
    if "args" in job:
        return main(job["args"])
    fileset.write_atomic_set(Path(job["folder"]), job["files"])
    return 0

jobs, children, sent = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")), {}, {}
for name, job in jobs.items():
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        try:
            code = run(job)
        except SystemExit as exc:
            code = exc.code
        except KeyboardInterrupt:
            code = 130
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    children[name] = pid
for name, job in jobs.items():
    if job.get("stop"):
        deadline = time.monotonic() + 90
        while not Path(job["marker"]).exists() and time.monotonic() < deadline:
            if os.waitpid(children[name], os.WNOHANG)[0]:
                raise SystemExit(f"{name}: ended before it ran its notebook")
            time.sleep(0.05)
        os.kill(children[name], getattr(signal, job["stop"]))
        sent[name] = time.monotonic()
names, codes, took = {pid: name for name, pid in children.items()}, {}, {}
while names:
    pid, status = os.wait()
    name = names.pop(pid)
    codes[name] = os.waitstatus_to_exitcode(status)
    if name in sent:
        took[name] = time.monotonic() - sent[name]
print(json.dumps({"codes": codes, "took": took}))
"""

# Drops CAP_DAC_OVERRIDE from the capability bounding set, so that root obeys permission
# bits after exec (exit 99 if that is refused), then runs `python -m lowback ARGS`.
_WITHOUT_ROOT_OVERRIDE = """
import ctypes, os, sys
if os.geteuid() == 0 and ctypes.CDLL(None, use_errno=True).prctl(24, 1, 0, 0, 0) != 0:
    sys.exit(99)
os.execv(sys.executable, [sys.executable, "-m", "lowback", *sys.argv[1:]])
"""


@dataclass
class Run:
    """One fault run: its folder before, its exit code, its output, the kernels it left."""

    out: Path
    before: dict[str, bytes]
    tag: str
    log: Path
    code: int | None = None
    took: float | None = None  # seconds from the stop signal to the end of the run
    survivors: list[int] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _report_job(folder: Path, notebooks: list[Path], leftovers: tuple[str, ...] = ()) -> dict:
    """A ``lowback report`` job into ``folder/reports``, which holds a previous report and
    the (temporary) files named in ``leftovers``."""
    out = folder / "reports"
    out.mkdir()
    for name in [*(f"{nb.stem}.html" for nb in notebooks), "index.html", *leftovers]:
        (out / name).write_text(f"<html>previous {name}</html>\n", encoding="utf-8")
    args = ["report", *map(str, notebooks), "--out", str(out), "--timeout", "120"]
    return {"args": args, "out": str(out)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Every fault run of this module, started at once."""
    jobs: dict[str, dict] = {}
    for stop in STOPS:  # killed while the slow notebook runs; a stale temp file is left over
        folder = tmp_path_factory.mktemp(f"stop-{stop}")
        marker = folder / "running"
        fast = _notebook(folder / "fast.ipynb", "# Fast", "print('fast')")
        slow = _notebook(
            folder / "slow.ipynb",
            "# Slow",
            f"import pathlib, time\npathlib.Path({str(marker)!r}).touch()\ntime.sleep(120)",
        )
        jobs[stop] = _report_job(folder, [fast, slow], leftovers=(STALE_TEMP, FOREIGN_TEMP))
        jobs[stop].update(stop=stop, marker=str(marker))
    folder = tmp_path_factory.mktemp("full")
    jobs["full"] = _report_job(folder, [_notebook(folder / "page.ipynb", "# Page", "1")])
    jobs["full"]["file_size_limit"] = FILE_SIZE_LIMIT
    for name, fault in WRITE_FAULTS.items():
        folder = tmp_path_factory.mktemp("write")
        write_atomic_set(folder, OLD)
        jobs[name] = {"folder": str(folder), "out": str(folder), "files": NEW, "fault": fault}
    found: dict[str, Run] = {}
    for name, job in jobs.items():
        job.update(tag=uuid.uuid4().hex, tag_variable=TAG_VARIABLE)
        job["log"] = str(tmp_path_factory.mktemp("log") / "output.txt")
        out = Path(job["out"])
        found[name] = Run(out=out, before=_snapshot(out), tag=job["tag"], log=Path(job["log"]))

    folder = tmp_path_factory.mktemp("read-only")
    job = _report_job(folder, [_notebook(folder / "page.ipynb", "# Page", "1")])
    out = Path(job["out"])
    out.chmod(0o555)
    read_only = found["read-only"] = Run(out, _snapshot(out), uuid.uuid4().hex, folder / "log")
    driver_tag = uuid.uuid4().hex  # its forked children keep it: found and killed at the end
    jobs_file = tmp_path_factory.mktemp("jobs") / "jobs.json"
    jobs_file.write_text(json.dumps(jobs), encoding="utf-8")
    try:
        with read_only.log.open("w", encoding="utf-8") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", _WITHOUT_ROOT_OVERRIDE, *job["args"]],
                env={**os.environ, TAG_VARIABLE: read_only.tag},
                stdout=log,
                stderr=log,
            )
            driver = subprocess.run(
                [sys.executable, "-c", _DRIVER, str(jobs_file)],
                env={**os.environ, TAG_VARIABLE: driver_tag},
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            read_only.code = process.wait(timeout=60)
        assert driver.returncode == 0, driver.stderr
        ended = json.loads(driver.stdout.splitlines()[-1])
        for name, code in ended["codes"].items():
            found[name].code = code
            found[name].took = ended["took"].get(name)
        for name, run in found.items():
            # After SIGKILL nothing cleans up: ipykernel's parent poller ends the kernels.
            run.survivors = _survivors(run.tag, grace=10 if name == "SIGKILL" else 1)
        yield found
    finally:
        out.chmod(0o755)
        for tag in [driver_tag, *(run.tag for run in found.values())]:
            _kill_all(tag)


# --- `lowback report`, killed halfway -------------------------------------------------------


@pytest.mark.kernel
@pytest.mark.parametrize("stop", STOPS)
def test_an_interrupted_build_leaves_the_previous_report_whole(runs, stop):
    run = runs[stop]
    expected = {"SIGINT": 130, "SIGTERM": 128 + signal.SIGTERM, "SIGKILL": -signal.SIGKILL}
    assert run.code == expected[stop], run.output
    if stop == "SIGINT":  # handled: a message, no traceback (kernels may still log theirs)
        assert f"report interrupted: {run.out} has all this build's pages or none" in run.output
    after = _snapshot(run.out)
    assert STALE_TEMP not in after  # tidied by this build before it ran any notebook
    assert after == {name: data for name, data in run.before.items() if name != STALE_TEMP}


@pytest.mark.kernel
@pytest.mark.parametrize("stop", STOPS)
def test_an_interrupted_build_stops_at_once_and_leaves_no_kernel_running(runs, stop):
    assert runs[stop].took < 15, "it waited for the running cell (a 120 s sleep)"
    if not Path("/proc/self/environ").exists():
        pytest.skip("no /proc: kernels cannot be found by their environment")
    assert runs[stop].survivors == []


# --- `lowback report` with nowhere to write ----------------------------------------------------


@pytest.mark.kernel
def test_a_full_disk_is_reported_and_changes_nothing(runs):
    run = runs["full"]
    assert run.code == 1, run.output
    assert f"report not written: cannot write reports to {run.out}: " in run.output, run.output
    assert f"[Errno {errno.EFBIG}]" in run.output
    assert _snapshot(run.out) == run.before  # no temporary file left either
    assert run.survivors == []


@pytest.mark.kernel
def test_a_read_only_folder_is_reported_and_changes_nothing(runs):
    run = runs["read-only"]
    if run.code == 99:
        pytest.skip("running as root, and CAP_DAC_OVERRIDE cannot be dropped")
    assert run.code == 1, run.output
    assert f"report not written: cannot write reports to {run.out}: " in run.output
    assert f"[Errno {errno.EACCES}]" in run.output
    assert _snapshot(run.out) == run.before


# --- the write phase, signals at chosen points ------------------------------------------------


@pytest.mark.kernel
def test_sigterm_while_staging_removes_the_temp_files_and_changes_nothing(runs):
    run = runs["SIGTERM while staging"]
    assert run.code == 128 + signal.SIGTERM, run.output
    assert _texts(run.out) == OLD


@pytest.mark.kernel
@pytest.mark.parametrize("name", ["SIGTERM while swapping", "SIGINT while swapping"])
def test_a_stop_signal_while_swapping_waits_for_the_whole_set(runs, name):
    run = runs[name]
    assert run.code == (128 + signal.SIGTERM if "SIGTERM" in name else 130), run.output
    assert _texts(run.out) == NEW  # and no journal, no temporary file


@pytest.mark.kernel
def test_sigkill_while_swapping_is_finished_by_the_next_write(runs):
    run = runs["SIGKILL while swapping"]
    assert run.code == -signal.SIGKILL, run.output
    pages = {n: t for n, t in _texts(run.out).items() if n in OLD}
    assert all(pages[n] in (OLD[n], NEW[n]) for n in OLD)  # each page whole, old or new
    assert set(pages.values()) & set(OLD.values()), "the kill came after the swap: no test"
    assert (run.out / fileset.JOURNAL_NAME).exists()

    write_atomic_set(run.out, {"other.html": "another set"})
    assert _texts(run.out) == {**NEW, "other.html": "another set"}


@pytest.mark.kernel
def test_sigkill_while_staging_leaves_temp_files_that_the_next_write_removes(runs):
    run = runs["SIGKILL while staging"]
    assert run.code == -signal.SIGKILL, run.output
    left = _texts(run.out)
    assert {n: t for n, t in left.items() if n in OLD} == OLD
    assert [n for n in left if n not in OLD] == [n for n in left if n.startswith(".a.html.")]
    assert len(left) == len(OLD) + 1

    write_atomic_set(run.out, NEW)
    assert _texts(run.out) == NEW


# ---------------------------------------------------------------------------------------------
# Two writers at once
# ---------------------------------------------------------------------------------------------


def test_two_writers_into_one_folder_take_turns(tmp_path, monkeypatch):
    """The second writer starts while the first one swaps its files in (slowly); it waits
    for the folder's lock, so it neither removes the first one's temp files nor leaves a
    mix of the two sets: the second set, written last, is whole."""
    first = {name: f"first {name}" for name in OLD}
    second = {name: f"second {name}" for name in OLD}
    write_atomic_set(tmp_path, OLD)
    swapping = threading.Event()
    replace = os.replace

    def slow_replace(source, target):
        replace(source, target)
        if Path(target).suffix == ".html" and threading.current_thread().name == "first":
            swapping.set()
            time.sleep(0.1)

    monkeypatch.setattr(os, "replace", slow_replace)
    errors: list[BaseException] = []

    def write(files: dict[str, str], after: threading.Event | None) -> None:
        if after is not None:
            after.wait(timeout=10)
        try:
            write_atomic_set(tmp_path, files)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(first, None), name="first"),
        threading.Thread(target=write, args=(second, swapping), name="second"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert _texts(tmp_path) == second


# ---------------------------------------------------------------------------------------------
# Notebooks side by side: same bytes, same errors as one by one
# ---------------------------------------------------------------------------------------------


@pytest.mark.kernel
def test_same_seed_gives_the_same_bytes_one_by_one_or_side_by_side(tmp_path):
    """Nothing in a page is volatile: two builds (one notebook at a time, then two at once)
    give the same bytes, index included. A live widget (random model ids) is in the mix;
    the figure is shown as plotly's JSON, as plotly does, without the cost of importing it."""
    seeded = _notebook(
        tmp_path / "seeded.ipynb",
        "# Seeded",
        "import random\nimport ipywidgets\nfrom IPython.display import display\n"
        "RANDOM_SEED = 7\nrng = random.Random(RANDOM_SEED)\n"
        "values = [round(rng.gauss(0, 1), 6) for _ in range(5)]\nprint(values)",
        "ipywidgets.IntSlider(3)",
        f"display({{{pages.PLOTLY_MIMETYPE!r}: {{'data': [{{'type': 'bar', 'y': values}}], "
        "'layout': {'title': {'text': 'Seeded'}}}}, raw=True)",
    )
    other = _notebook(tmp_path / "other.ipynb", "# Other", "print('other')")
    one = build_reports([seeded, other], tmp_path / "one", timeout=120, jobs=1)
    two = build_reports([seeded, other], tmp_path / "two", timeout=120, jobs=2)
    assert [p.name for p in one] == [p.name for p in two]
    assert [p.name for p in one] == ["seeded.html", "other.html", "index.html"]
    assert _snapshot(tmp_path / "one") == _snapshot(tmp_path / "two")
    page = one[0].read_text(encoding="utf-8")
    assert pages.count_rendered_figures(page) == 1 and pages.LIVE_ONLY_NOTE in page
    assert "widget-state" not in page


@pytest.mark.kernel
def test_the_first_failing_notebook_in_order_is_named(tmp_path):
    """As in a run one by one: the later notebook fails first, the earlier one is named."""
    earlier = _notebook(
        tmp_path / "earlier.ipynb", "import time\ntime.sleep(1.5)", "raise ValueError('earlier')"
    )
    later = _notebook(tmp_path / "later.ipynb", "raise KeyError('later')")
    with pytest.raises(ReportError) as info:
        build_reports([earlier, later], tmp_path / "out", timeout=120, jobs=2)
    message = str(info.value)
    assert message.startswith(f"{earlier}: cell 1 (0-based; first line: ")
    assert "ValueError: earlier" in message
    assert not (tmp_path / "out" / "earlier.html").exists()


@pytest.mark.kernel
def test_a_full_disk_while_writing_decks_changes_no_deck(tmp_path, monkeypatch, reveal_dir):
    """The second deck cannot be written: the first one, ready, is not swapped in alone."""
    notebooks = [
        _notebook(tmp_path / f"{name}.ipynb", f"# Deck {name}", "print(1)")
        for name in ("one", "two")
    ]
    out = tmp_path / "decks"
    out.mkdir()
    before = {f"{name}.slides.html": f"old deck {name}" for name in ("one", "two")}
    for name, text in before.items():
        (out / name).write_text(text, encoding="utf-8")
    write_temp, calls = fileset._write_temp, []

    def second_fails(path: Path, text: str) -> Path:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write_temp(path, text)

    monkeypatch.setattr(fileset, "_write_temp", second_fails)
    with pytest.raises(ReportError, match=rf"cannot write slides to {out}: .*No space left"):
        build_slides(notebooks, out, reveal_dir=reveal_dir, timeout=120)
    assert _texts(out) == before
