"""Browser tests: Debian's Chromium, headless, driven by playwright's sync API.

Chromium is looked up in ``$LOWBACK_CHROMIUM`` (if set, and then only there), else
``/usr/bin/chromium``, else ``chromium`` on PATH. playwright's own browser downloads are
never used. Without Chromium every test in this folder

* fails under ``CI=true`` (CI must run them: ``.ci/run`` installs Chromium), or
* is skipped elsewhere, and a banner at the end of the run names each test not run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The same lookup lowback's static figures use: $LOWBACK_CHROMIUM (honoured even when wrong:
# no silent fallback), else /usr/bin/chromium, else chromium on PATH.
from lowback.figures.static import find_chromium

HERE = Path(__file__).resolve().parent
SCREENSHOTS_DIR = HERE.parents[1] / "reports" / "screenshots"

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
def screenshots_dir() -> Path:
    """``reports/screenshots`` (``reports/`` is gitignored), created if missing."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS_DIR
