"""The symptom explorer served as an app with no code: Voila's command line, made safe.

``lowback explore`` (:mod:`lowback.cli`) starts the server this module describes and
prints its address; the app itself is ``explorer.ipynb`` beside this file, which shows
:func:`lowback.app.explorer.symptom_explorer`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: The app's folder: its notebook, and lowback's Voila template (``jupyter/``).
APP_DIR = Path(__file__).resolve().parent


def explore_server(
    voila: str, port: int, token: str | None = None
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of the Voila server behind ``lowback explore``.

    It listens on 127.0.0.1 only, with token authentication on (Voila's is off unless
    asked for). The token, a new random one unless given, goes to Voila in
    ``JUPYTER_TOKEN``: a command line can be read by every user of the machine (``ps``).
    """
    app = APP_DIR / "explorer.ipynb"
    # lowback's Voila template (offline: no icon fonts from a CDN) lives beside the app.
    templates = str(APP_DIR / "jupyter")
    environment = {
        **os.environ,
        "JUPYTER_PATH": os.pathsep.join(
            [templates, *filter(None, [os.environ.get("JUPYTER_PATH")])]
        ),
        "JUPYTER_TOKEN": token or secrets.token_urlsafe(24),
    }
    command = [
        voila,
        str(app),
        f"--port={port}",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        "--Voila.auto_token=True",  # token auth on, with the token from JUPYTER_TOKEN
        # Voila turns Jupyter Server's Host check (against DNS rebinding) off: back on.
        "--Voila.tornado_settings={'allow_remote_access': False}",
        "--show_tracebacks=False",
        "--template=lowback",
    ]
    return command, environment
