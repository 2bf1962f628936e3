"""``lowback explore``: the symptom explorer as a Voila app, used as a person would.

One server for the module; the last test stops it with SIGINT (Ctrl-C), as a user does.
"""

from __future__ import annotations

import http.cookiejar
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.browser.axe import blocking_violations, describe
from tests.browser.helpers import (
    Recorder,
    _NoRedirect,
    http_get,
    log_tail,
    port_is_free,
    record,
    start_explorer,
    stop_process,
    wait_for_free_port,
    wait_until_answers,
)

BENDING = "Worse when bending over"
TOES = "Pain radiating to the toes"
TOES_QUOTE = "If you have pain that radiates to your toes"


@pytest.fixture(scope="module")
def explorer(tmp_path_factory):
    """``python -m lowback explore`` on a free port with a random token."""
    server = start_explorer(tmp_path_factory.mktemp("explorer") / "explore.log")
    proc, port, log = server.proc, server.port, server.log
    try:
        # The first answer waits for a kernel that fits a small model: give it time.
        wait_until_answers(server.url, proc, log, timeout=120)
        yield server
    finally:
        stop_process(proc, signal.SIGINT, timeout=20)
        assert wait_for_free_port(port), f"port {port} still in use after the explorer stopped"


@pytest.fixture(scope="module")
def explorer_page(explorer, browser):
    """The explorer open in the browser; only its own server may be reached."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    base = f"http://127.0.0.1:{explorer.port}"
    recorder = record(page, lambda url: url.startswith((base, "data:", "blob:")))
    page.goto(explorer.url)
    yield page, recorder
    context.close()


def test_explorer_refuses_requests_without_the_token(explorer):
    base = f"http://127.0.0.1:{explorer.port}"
    for url in (f"{base}/", f"{base}/?token=not-the-token"):
        answer = http_get(url)
        assert answer.status != 200, f"{url} answered 200 without the token"
        assert answer.status in (302, 401, 403), (url, answer.status, answer.location)
        if answer.status == 302:
            assert "/login" in answer.location, answer.location
    # With the token, but addressed to another host name (DNS rebinding): refused.
    request = urllib.request.Request(explorer.url, headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError, match="403"):
        urllib.request.urlopen(request, timeout=30)


def test_explorer_refuses_cross_site_writes(explorer):
    """Another site's page can make the browser send the explorer's login cookie: the XSRF
    check refuses its writes (here, shutting a kernel down)."""
    base = f"http://127.0.0.1:{explorer.port}"
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    browser.open(f"{base}/login", timeout=30).read()  # the login form sets the _xsrf cookie
    xsrf = next(cookie.value for cookie in jar if cookie.name == "_xsrf")
    form = urllib.parse.urlencode({"password": explorer.token, "_xsrf": xsrf}).encode()
    with pytest.raises(urllib.error.HTTPError, match="302"):  # logged in, sent on to the app
        browser.open(f"{base}/login", data=form, timeout=30)

    def shut_down(headers: dict) -> int:
        request = urllib.request.Request(
            f"{base}/voila/api/shutdown/no-such-kernel", data=b"", headers=headers
        )
        try:
            with browser.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code

    assert shut_down({}) == 403  # the cookie, without the XSRF token
    # The app's own page gets past the check, to "no such kernel".
    assert shut_down({"Origin": base, "X-XSRFToken": xsrf}) == 404


def test_explorer_flags_toes_pain_as_urgent_with_the_quote(explorer_page, screenshots_dir):
    page, _ = explorer_page
    bending = page.get_by_role("checkbox", name=BENDING, exact=True)
    toes = page.get_by_role("checkbox", name=TOES, exact=True)
    bending.wait_for(timeout=60_000)  # the kernel renders the widgets
    page.get_by_text("Tick at least one sign").wait_for(timeout=30_000)
    urgent = page.get_by_text("URGENT", exact=True)
    assert urgent.count() == 0, "URGENT shown before any sign is ticked"

    page.get_by_text(BENDING, exact=True).click()  # the label, as a person clicks it
    toes.check()  # the input itself
    assert bending.is_checked() and toes.is_checked()

    quote = page.get_by_text(TOES_QUOTE)
    try:
        quote.first.wait_for(timeout=20_000)
    finally:
        page.screenshot(path=str(screenshots_dir / "explorer.png"), full_page=True)
    assert urgent.is_visible(), "no URGENT triage after ticking both signs"
    assert "Pain radiating to the toes" in page.inner_text("body")


def test_explorer_labels_are_sized_for_a_projector(explorer_page):
    page, _ = explorer_page
    page.get_by_role("checkbox", name=BENDING, exact=True).wait_for(timeout=60_000)
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.widget-checkbox label, .widget-text input')]
              .map(el => parseFloat(getComputedStyle(el).fontSize))"""
    )
    assert sizes and min(sizes) >= 18, f"control text sizes (px): {sorted(set(sizes))}"


def test_explorer_has_no_serious_accessibility_violation(explorer_page, axe_source):
    """With an assessment shown (after the test above ticked two signs), axe finds no
    serious or critical WCAG 2.1 AA violation in the app's own part of the page."""
    page, _ = explorer_page
    page.get_by_text("URGENT", exact=True).first.wait_for(timeout=30_000)
    violations = blocking_violations(page, axe_source, include=".jp-OutputArea, main, body")
    assert not violations, describe(violations)


# Where the visible parts of the sign controls end (a checkbox's label, the age
# field), and where the assessment beside them starts.
LAYOUT_JS = """
() => {
  const boxes = [...document.querySelectorAll('.widget-checkbox')];
  const column = boxes.length && boxes[0].closest('.widget-vbox');
  const row = column && column.closest('.widget-hbox');
  const assessment = row && [...row.children].find(c => c !== column);
  if (!assessment) return null;
  return {
    assessmentLeft: assessment.getBoundingClientRect().left,
    columnRight: column.getBoundingClientRect().right,
    controls: [
      ...[...column.querySelectorAll('.widget-checkbox .widget-label-basic')].map(
        l => [l.textContent.replace('\\u200b', '').trim(), l.getBoundingClientRect().right]),
      ...[...column.querySelectorAll('.widget-text input')].map(
        r => ['age field ' + r.value, r.getBoundingClientRect().right]),
    ],
  };
}
"""


def test_explorer_assessment_does_not_cover_the_signs(explorer_page):
    """With a long assessment beside it, every sign's label and the age field stay whole."""
    page, _ = explorer_page
    page.get_by_role("checkbox", name=BENDING, exact=True).check()
    page.get_by_role("checkbox", name=TOES, exact=True).check()
    page.get_by_text(TOES_QUOTE).first.wait_for(timeout=20_000)
    layout = page.evaluate(LAYOUT_JS)
    assert layout, "no signs column next to an assessment"
    assert any(label.startswith("age field") for label, _ in layout["controls"]), layout
    covered = [
        f"{label!r} ends at x={right:.0f}"
        for label, right in layout["controls"]
        if right > layout["assessmentLeft"] + 1
    ]
    assert not covered, (
        f"at {page.viewport_size['width']} px the signs column is squeezed to end at "
        f"x={layout['columnRight']:.0f} and the assessment starts at "
        f"x={layout['assessmentLeft']:.0f}, over these controls: {covered}"
    )


def test_explorer_page_needs_no_network_and_logs_no_error(explorer_page):
    page, recorder = explorer_page
    page.get_by_role("checkbox", name=BENDING, exact=True).wait_for(timeout=60_000)
    recorder: Recorder
    assert not recorder.blocked_requests, (
        f"the explorer asks for the network (blocked here): {recorder.blocked_requests}"
    )
    assert not recorder.console_errors, f"console errors: {recorder.console_errors}"
    assert not recorder.page_errors, f"uncaught errors: {recorder.page_errors}"
    assert not recorder.failed_requests, f"failed requests: {recorder.failed_requests}"


def test_explorer_stops_on_ctrl_c_and_frees_its_port(explorer):
    assert explorer.proc.poll() is None, f"the explorer died early:\n{log_tail(explorer.log)}"
    start = time.monotonic()
    explorer.proc.send_signal(signal.SIGINT)
    try:
        code = explorer.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the explorer did not exit within 20 s of SIGINT:\n{log_tail(explorer.log)}")
    took = time.monotonic() - start
    assert code == 0, f"exit code {code} after SIGINT:\n{log_tail(explorer.log)}"
    assert wait_for_free_port(explorer.port, timeout=10), f"port {explorer.port} still in use"
    assert port_is_free(explorer.port)
    assert "Symptom explorer stopped." in explorer.log.read_text(encoding="utf-8")
    print(f"explorer stopped {took:.1f} s after SIGINT")
