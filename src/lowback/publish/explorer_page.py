"""The offline symptom explorer, ``explorer.html``: tick signs, set an age, read the answer.

One self-contained page (it works by email: no network, no kernel, no CDN) that answers as
:func:`lowback.assess` does: the assessor is exported as data
(:func:`lowback.study.explorer_data.explorer_data`) and embedded as JSON, and a small
script (``templates/explorer/explorer.js``) looks the answer up, exposed as
``window.lowbackAssess(signs, age)``, which returns what ``Assessment.to_dict()`` gives.
``tests/browser/test_offline_explorer.py`` runs every profile of the classifier's audit
through both and requires the same answers.

The page is rendered from ``templates/explorer/page.html.j2`` with autoescape on; its CSS
and scripts are files beside it, inlined. Record text reaches the page as escaped text
(the sign labels) or as JSON whose ``<``, ``>`` and ``&`` are written as ``\\u`` escapes, and
the scripts put it in the page with ``textContent`` only.
"""

from __future__ import annotations

import functools
import json

import jinja2
from markupsafe import Markup

from lowback.figures.style import TRIAGE_COLOURS
from lowback.publish.pages import TEMPLATES_DIR, check_offline
from lowback.study.explorer_data import explorer_data
from lowback.study.triage import Assessor

__all__ = ["EXPLORER_FILE", "EXPLORER_TITLE", "data_json", "explorer_page"]

EXPLORER_FILE = "explorer.html"
EXPLORER_TITLE = "Symptom explorer: lower back pain in runners"

_FOLDER = TEMPLATES_DIR / "explorer"

#: Characters that could end a ``<script>`` or start markup, and the two line separators
#: JavaScript once read as line ends, written as JSON escapes.
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_FOLDER),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def data_json(data: dict) -> str:
    """``data`` as JSON that is safe inside a ``<script>``: no ``<``, ``>`` or ``&``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in _JSON_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def explorer_page(assessor: Assessor | None = None, *, note: str = "") -> str:
    """The offline explorer's page for an assessor (default: notebook 02's).

    Parameters
    ----------
    assessor : Assessor, optional
        The assessor the page answers as; by default
        :func:`~lowback.study.triage.default_assessor`.
    note : str, optional
        A sentence shown under the warnings (text, escaped), e.g. the assumptions used.

    Returns
    -------
    str
        The page: one file, its CSS, scripts and data inlined.

    Raises
    ------
    ReportError
        If the page would load anything from the network.
    """
    data = explorer_data(assessor)
    words = data["words"]
    page = (
        _environment()
        .get_template("page.html.j2")
        .render(
            title=EXPLORER_TITLE,
            words=words,
            note=note,
            signs=data["signs"],
            groups=[("felt", words["felt"]), ("suspected", words["suspected"])],
            max_age=data["max_age"],
            median_age=data["median_age"],
            colours={level: TRIAGE_COLOURS[level] for level in data["levels"]},
            # Markup: the page's own files, and the data with <, > and & escaped.
            css=Markup(_read("page.css")),
            data_json=Markup(data_json(data)),
            assess_js=Markup(_read("explorer.js")),
            page_js=Markup(_read("page.js")),
        )
    )
    check_offline(page, f"page {EXPLORER_FILE!r}", [])
    return page


def _read(name: str) -> str:
    text = (_FOLDER / name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():  # would end its element
        raise ValueError(f"{_FOLDER / name} may not contain </script or </style")
    return text
