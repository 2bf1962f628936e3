"""lowback's Voila (lowback.app.voila_app) without a server: the log filter that hides the
token in tornado's lines about a request (the running server: test_explore_server.py)."""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("voila")

from lowback.app.voila_app import ScrubbedAddresses

TOKEN = "s3cr3t-" + "x" * 24


def scrubbed(message: str, *args: object) -> str:
    record = logging.LogRecord(
        "tornado.application", logging.ERROR, __file__, 1, message, args, None
    )
    assert ScrubbedAddresses().filter(record) is True  # a line is never dropped
    return record.getMessage()


def test_tornado_lines_about_a_request_lose_the_token_and_keep_the_rest():
    # tornado's uncaught-exception line: its summary, then the request's repr.
    line = scrubbed(
        "Uncaught exception %s\n%r",
        f"GET /voila/templates/x?token={TOKEN}&v=1 (127.0.0.1)",
        f"HTTPServerRequest(method='GET', uri='/voila/templates/x?token={TOKEN}', version='1.1')",
    )
    assert TOKEN not in line
    assert "GET /voila/templates/x?token=[secret]&v=1 (127.0.0.1)" in line
    assert "uri='/voila/templates/x?token=[secret]'" in line
    refused = scrubbed(
        "%d %s: %s is not in root static directory",
        403,
        f"GET /voila/static/..%2fx?_xsrf=abc&token={TOKEN} (127.0.0.1)",
        "../x",
    )
    assert refused == (
        "403 GET /voila/static/..%2fx?_xsrf=[secret]&token=[secret] (127.0.0.1): "
        "../x is not in root static directory"
    )


def test_lines_without_a_query_are_left_as_they_are():
    record = logging.LogRecord(
        "voila", logging.INFO, __file__, 1, "Kernel started: %s", ("k1",), None
    )
    ScrubbedAddresses().filter(record)
    assert (record.msg, record.args) == ("Kernel started: %s", ("k1",))
