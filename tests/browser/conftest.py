"""Browser tests: Debian's Chromium, headless, driven by playwright's sync API.

Chromium is looked up in ``$LOWBACK_CHROMIUM`` (if set, and then only there), else
``/usr/bin/chromium``, else ``chromium`` on PATH. playwright's own browser downloads are
never used. Without Chromium every test in this folder

* fails under ``CI=true`` (CI must run them: ``.ci/run`` installs Chromium), or
* is skipped elsewhere, and a banner at the end of the run names each test not run.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

# The same lookup lowback's static figures use: $LOWBACK_CHROMIUM (honoured even when wrong:
# no silent fallback), else /usr/bin/chromium, else chromium on PATH.
from lowback.figures.static import find_chromium

HERE = Path(__file__).resolve().parent
#: Where the screenshots go if set (a folder to keep them in); else a temporary folder.
SCREENSHOTS_ENV = "LOWBACK_SCREENSHOTS_DIR"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_SKIP_TAG = "[lowback-browser]"
_CI_TAG = "Chromium is required in CI"


def _why_not_runnable() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (make venv installs it)"
    if find_chromium() is None:
        where = os.environ.get("LOWBACK_CHROMIUM")
        looked = f"LOWBACK_CHROMIUM={where!r}" if where is not None else "/usr/bin/chromium, PATH"
        return (
            f"Chromium not found (looked in {looked}); install it with "
            "`apt-get install chromium` or point LOWBACK_CHROMIUM at it"
        )
    return None


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives headless Chromium (tests/browser; needs Debian's chromium)"
    )


def _is_browser_item(item: pytest.Item) -> bool:
    return HERE in item.path.resolve().parents


@pytest.hookimpl(tryfirst=True)  # before -m/-k selection, so `-m "not browser"` works
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _why_not_runnable()
    for index, item in enumerate(items):
        if not _is_browser_item(item):
            continue
        if reason is not None and _in_ci():
            # A plain failing test in place of the real one (same id, no fixtures set up):
            # CI must run the browser tests, so their absence is a failure, not a skip.
            message = f"{_CI_TAG} (CI=true): {reason}"

            def chromium_required(message: str = message) -> None:
                pytest.fail(message, pytrace=False)

            item = pytest.Function.from_parent(
                item.parent, name=item.name, callobj=chromium_required
            )
            items[index] = item
        elif reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"{_SKIP_TAG} {reason}"))
        item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    not_run = [
        report.nodeid
        for outcome in ("skipped", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if _SKIP_TAG in str(report.longrepr) or _CI_TAG in str(report.longrepr)
    ]
    if not not_run:
        return
    fails = _in_ci()
    write = terminalreporter.write_line
    title = "BROWSER TESTS NOT RUN" + (": FAILED, CI=true requires Chromium" if fails else "")
    terminalreporter.write_sep("!", title, red=True, bold=True)
    write(f"{_why_not_runnable()}.", red=True, bold=True)
    write(
        f"These {len(not_run)} browser test(s) could not run"
        + (" and count as failures (CI=true):" if fails else " (under CI=true they fail):")
    )
    for nodeid in not_run:
        write(f"  NOT RUN  {nodeid}", red=True)
    terminalreporter.write_sep("!", f"{len(not_run)} BROWSER TESTS NOT RUN", red=True, bold=True)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    assert executable, _why_not_runnable()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests put the screenshots a person looks at: ``$LOWBACK_SCREENSHOTS_DIR``
    if set (created if missing), else a temporary folder of the run (pytest keeps the last
    three runs'). Never the repository's ``reports/``: a test run leaves no file there."""
    chosen = os.environ.get(SCREENSHOTS_ENV)
    if not chosen:
        return tmp_path_factory.mktemp("screenshots")
    folder = Path(chosen)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class BuiltPages:
    """A folder of built pages: ``{stem}.html`` per notebook, ``index.html``,
    ``explorer.html``; ``figures``: the plotly figures each notebook's page holds."""

    folder: Path
    figures: dict[str, int]

    def page(self, stem: str) -> Path:
        return self.folder / f"{stem}.html"


def _build_pages(out: Path) -> dict[str, int]:
    """Write the pages into ``out``; return the figures of each notebook's page."""
    import nbformat

    from lowback import config
    from lowback.publish.explorer_page import explorer_page
    from lowback.publish.index import index_page
    from lowback.publish.pages import count_figures, notebook_to_html

    figures, executed = {}, []
    for path in sorted(config.NOTEBOOKS_DIR.glob("0*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        (out / f"{path.stem}.html").write_text(
            notebook_to_html(nb, title=path.stem), encoding="utf-8"
        )
        figures[path.stem] = count_figures(nb)
        executed.append((f"{path.stem}.html", nb))
    (out / "index.html").write_text(
        index_page(executed, explorer="explorer.html"), encoding="utf-8"
    )
    (out / "explorer.html").write_text(explorer_page(), encoding="utf-8")
    return figures


@pytest.fixture(scope="session")
def built_pages(tmp_path_factory: pytest.TempPathFactory) -> BuiltPages:
    """The offline report pages of the committed notebooks, their index and the offline
    explorer, built once for the run in one folder (as ``lowback report`` converts them,
    nothing re-run): the report-page and accessibility tests read the same files.

    Under xdist the first worker to need them builds them in the run's temporary folder,
    which all workers share, while the others wait on a lock (xdist's recipe for a session
    fixture made once).
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:  # one process: no one to share with
        out = tmp_path_factory.mktemp("report-pages")
        return BuiltPages(folder=out, figures=_build_pages(out))
    shared = tmp_path_factory.getbasetemp().parent / "report-pages"
    done = shared / "figures.json"
    with open(shared.parent / "report-pages.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            shared.mkdir(exist_ok=True)
            done.write_text(json.dumps(_build_pages(shared)), encoding="utf-8")
    return BuiltPages(folder=shared, figures=json.loads(done.read_text(encoding="utf-8")))
