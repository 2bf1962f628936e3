"""Voila as ``lowback explore`` runs it (``python -m lowback.app.voila_app``): Voila's own
application, with what its command line cannot say.

* **The log keeps the token out.** Voila logs requests with tornado's default function,
  which writes each failed request's full address, ``?token=...`` included. Jupyter
  Server's own :func:`jupyter_server.log.log_request` (what ``jupyter lab`` logs with) writes
  ``token=[secret]`` instead, also in the Referer it logs; tornado's other lines about a
  request (a refused path, an uncaught exception) name its address too, and go through
  Jupyter Server's same scrubbing (:class:`ScrubbedAddresses`).
* **A malformed path to a template's files is a 404.** Voila's handler of
  ``/voila/templates/<template>/static/<file>`` answers anything else (``/voila/templates/x``,
  ``../`` or a NUL byte in it) with a 500 and a traceback in the log, the request's address,
  token included, in it.
* **It stops with the process that started it.** Killed at once (``kill -9``), lowback
  cannot stop Voila: Voila then stops itself (kernels shut down, connection files removed)
  when its parent is gone, as a Jupyter kernel does (ipykernel's parent poller).

Jupyter Server's error page needs its static files (``static_url``), which Voila serves but
does not name: without them a 404 from a Jupyter handler logs a traceback of its own.
"""

from __future__ import annotations

import functools
import logging
import os
import posixpath
import re
import shutil

from jupyter_server import DEFAULT_STATIC_FILES_PATH
from jupyter_server.log import _scrub_uri, log_request
from jupyter_server.utils import url_path_join
from tornado import ioloop, web
from voila.app import Voila
from voila.static_file_handler import TemplateStaticFileHandler

#: How often Voila checks that the process that started it is still there (ms).
PARENT_POLL_MS = 1000
#: An address with a query in a log line (quotes end it: a request's repr quotes its uri).
ADDRESS_WITH_QUERY = re.compile(r"""[^\s'"]*\?[^\s'"]+""")
#: tornado's loggers: each failed request (access), a refused path (general), an exception.
TORNADO_LOGGERS = ("tornado.access", "tornado.general", "tornado.application")


class ScrubbedAddresses(logging.Filter):
    """Hide the token in every address a log line names, as Jupyter Server's request log
    does (``token=[secret]``, by :func:`jupyter_server.log._scrub_uri`'s rule)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = ADDRESS_WITH_QUERY.sub(lambda found: _scrub_uri(found.group(0)), message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


class TemplateStaticFiles(TemplateStaticFileHandler):
    """Voila's handler of a template's static files: any path but
    ``<template>/static/<file>`` is a 404 (Voila's own raises, a 500)."""

    def parse_url_path(self, url_path: str) -> str:
        parts = posixpath.normpath(url_path).split("/", 2)
        if (
            "\0" in url_path
            or len(parts) != 3
            or parts[0] in {"", ".", ".."}
            or parts[1] != "static"
        ):
            raise web.HTTPError(404)
        return super().parse_url_path("/".join(parts))


class ExplorerVoila(Voila):
    """Voila with Jupyter Server's request log, safe template paths and a parent watch.

    The tornado settings it needs win over any configuration (``tornado_settings`` of a
    ``voila.py`` or ``voila.json``); any other setting there still applies.
    """

    def lowback_tornado_settings(self) -> dict:
        """The tornado settings of lowback's explorer, applied over the configured ones."""
        return {
            # Voila turns Jupyter Server's Host check (against DNS rebinding) off: back on.
            "allow_remote_access": False,
            # Voila exposes no metrics: none recorded.
            "log_function": functools.partial(log_request, record_prometheus_metrics=False),
            "static_path": DEFAULT_STATIC_FILES_PATH,
            "static_url_prefix": url_path_join(self.server_url or self.base_url, "voila/static/"),
        }

    def effective_tornado_settings(self) -> dict:
        """The configured ``tornado_settings``, lowback's over them."""
        return {**self.tornado_settings, **self.lowback_tornado_settings()}

    def init_handlers(self) -> list:
        """Voila's handlers, with :class:`TemplateStaticFiles` for its template files'."""
        return [
            (pattern, TemplateStaticFiles, *rest)
            if handler is TemplateStaticFileHandler
            else (pattern, handler, *rest)
            for pattern, handler, *rest in super().init_handlers()
        ]

    def start(self) -> None:
        """Start Voila, stopping it (as on SIGTERM) once the process that started it is gone."""
        parent = os.getppid()

        def stop_if_orphaned() -> None:
            if os.getppid() != parent:
                self.log.info("The process that started Voila is gone: stopping.")
                ioloop.IOLoop.current().stop()

        ioloop.PeriodicCallback(stop_if_orphaned, PARENT_POLL_MS).start()
        for logger in (self.log, *map(logging.getLogger, TORNADO_LOGGERS)):
            logger.addFilter(ScrubbedAddresses())
        self.tornado_settings = self.effective_tornado_settings()  # Voila applies them
        super().start()

    def listen(self) -> None:
        """Voila's, which leaves its connection folder behind when it cannot listen."""
        try:
            super().listen()
        except SystemExit:
            shutil.rmtree(self.connection_dir, ignore_errors=True)
            raise


main = ExplorerVoila.launch_instance

if __name__ == "__main__":
    main()
