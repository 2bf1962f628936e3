"""Figures as static images (PNG, SVG, PDF), drawn by kaleido in the system's Chromium.

kaleido (1.x) renders a plotly figure in a headless Chrome or Chromium that it drives
through ``choreographer``. lowback never lets it download one: the browser is the one
:func:`find_chromium` finds (``$LOWBACK_CHROMIUM`` if set, and then only there, else
Debian's ``/usr/bin/chromium``, else ``chromium`` on ``PATH``, the same lookup as the
browser tests), handed to ``kaleido.Kaleido(path=...)``; without one,
:class:`~lowback.errors.FigureExportError` says how to install it. MathJax is turned off
(``mathjax=False``: no figure of the study writes LaTeX, and kaleido would otherwise fetch
it from a CDN) and plotly.js is plotly.py's own copy, so drawing needs no network.

The figure is drawn as stored (its JSON: colours, fonts, template): its size is its
layout's ``width`` and ``height``, else its template's, else :data:`DEFAULT_WIDTH` x
:data:`DEFAULT_HEIGHT` (1000 x 500) pixels, times ``scale``. One browser draws a whole
batch (:func:`to_images`, up to four tabs at once): starting it takes a few seconds, each
figure then about one. Importing this module starts nothing; kaleido is imported at the
first drawing.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lowback.errors import FigureExportError

__all__ = [
    "DEFAULT_HEIGHT",
    "DEFAULT_WIDTH",
    "FORMATS",
    "find_chromium",
    "image_format",
    "image_size",
    "save",
    "to_images",
]

#: The formats lowback writes, by the file suffix that names each.
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

#: The width (pixels) of a figure whose layout sets none: about a report page's, since the
#: pages draw such figures across the page (kaleido's own default, 700, cuts their titles
#: and tables).
DEFAULT_WIDTH = 1000
#: The height (pixels) of a figure whose layout sets none: plotly's own default.
DEFAULT_HEIGHT = 500

#: Seconds kaleido waits for one figure before giving up (its own default is 90).
_RENDER_TIMEOUT = 90

_INSTALL_HINT = (
    "install Chromium (`apt-get install chromium` on Debian/Ubuntu) or set "
    "LOWBACK_CHROMIUM to a Chrome/Chromium executable"
)


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable to draw with, or None if there is none.

    ``$LOWBACK_CHROMIUM`` if it is set (an explicit choice is honoured even when wrong:
    no silent fallback), else ``/usr/bin/chromium``, else ``chromium`` on ``PATH``.

    Examples
    --------
    >>> import os
    >>> os.environ["LOWBACK_CHROMIUM"] = "/nowhere/chromium"
    >>> find_chromium() is None
    True
    >>> del os.environ["LOWBACK_CHROMIUM"]
    """
    configured = os.environ.get("LOWBACK_CHROMIUM")
    if configured is not None:
        path = shutil.which(configured)
        return path if path and os.access(path, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _chromium_or_raise() -> str:
    path = find_chromium()
    if path is None:
        where = os.environ.get("LOWBACK_CHROMIUM")
        looked = f"LOWBACK_CHROMIUM={where!r}" if where is not None else "/usr/bin/chromium, PATH"
        raise FigureExportError(
            f"no Chromium to draw static figures with (looked in {looked}): {_INSTALL_HINT}"
        )
    return path


def image_format(path: Path | str | None = None, format: str | None = None) -> str:
    """The image format to write: ``format`` if given, else the suffix of ``path``.

    Raises
    ------
    FigureExportError
        If the format is none of :data:`FORMATS` (the message names them), or neither a
        format nor a suffix says one.

    Examples
    --------
    >>> image_format("fig.PNG")
    'png'
    >>> image_format("fig.png", format="svg")
    'svg'
    >>> image_format("fig.gif")
    Traceback (most recent call last):
    ...
    lowback.errors.FigureExportError: unknown image format 'gif' (from 'fig.gif'): expected one of png, svg, pdf
    """  # noqa: E501
    if format is None:
        suffix = Path(path).suffix.lstrip(".") if path is not None else ""
        if not suffix:
            raise FigureExportError(
                f"no image format: give format= or a file name ending in one of "
                f"{', '.join('.' + f for f in FORMATS)} (got {str(path)!r})"
            )
        chosen, origin = suffix.lower(), f" (from {str(path)!r})"
    else:
        chosen, origin = format.lower().lstrip("."), ""
    if chosen not in FORMATS:
        raise FigureExportError(
            f"unknown image format {chosen!r}{origin}: expected one of {', '.join(FORMATS)}"
        )
    return chosen


def _figure_dict(fig: Any) -> dict:
    """A plotly figure (``go.Figure``, or its JSON as a notebook stores it) as plain JSON."""
    if isinstance(fig, Mapping):
        return json.loads(json.dumps(fig))
    import plotly.io as pio

    return json.loads(pio.to_json(fig, validate=False))


def image_size(fig: Any) -> tuple[int, int]:
    """The width and height (pixels, at scale 1) a figure is drawn at.

    Its layout's, else its template's, else :data:`DEFAULT_WIDTH` x :data:`DEFAULT_HEIGHT`.

    Examples
    --------
    >>> image_size({"layout": {"height": 460}})
    (1000, 460)
    >>> image_size({"layout": {"width": 300, "template": {"layout": {"height": 200}}}})
    (300, 200)
    """
    layout = _figure_dict(fig).get("layout", {})
    template = layout.get("template", {}).get("layout", {})
    width = layout.get("width") or template.get("width") or DEFAULT_WIDTH
    height = layout.get("height") or template.get("height") or DEFAULT_HEIGHT
    return int(width), int(height)


def _run_apart(coroutine_function, *args: Any) -> Any:
    """Run a coroutine in its own event loop in a thread: a notebook's kernel already runs
    a loop in this thread, where ``asyncio.run`` is refused."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine_function(*args))
        except BaseException as err:  # re-raised in the caller's thread
            outcome["error"] = err

    thread = threading.Thread(target=run, name="lowback-kaleido")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


async def _draw(browser: str, figures: list[dict], opts: dict) -> list[bytes]:
    import kaleido
    from kaleido.errors import ChromeNotFoundError

    try:
        renderer = kaleido.Kaleido(
            n=min(4, max(1, len(figures))),
            timeout=_RENDER_TIMEOUT,
            path=browser,
            mathjax=False,
        )
    except ChromeNotFoundError as err:
        raise FigureExportError(f"kaleido could not use {browser}: {_INSTALL_HINT}") from err
    try:
        await renderer.open()
    except RuntimeError as err:  # choreographer's BrowserFailedError: it did not start
        await renderer.close()
        raise FigureExportError(
            f"{browser} did not start as a headless browser ({err.args[0] if err.args else err}):"
            f" {_INSTALL_HINT}"
        ) from err
    try:
        sized = [{**opts, "width": w, "height": h} for w, h in map(image_size, figures)]
        drawn = (renderer.calc_fig(f, opts=o) for f, o in zip(figures, sized, strict=True))
        return list(await asyncio.gather(*drawn))
    finally:
        await renderer.close()


def to_images(figures: Iterable[Any], *, format: str = "png", scale: float = 1) -> list[bytes]:
    """Draw several figures as images of one format, with one browser; return their bytes.

    Parameters
    ----------
    figures : iterable of plotly.graph_objects.Figure or dict
        The figures, as objects or as their JSON (as a notebook stores them).
    format : {"png", "svg", "pdf"}
        The image format.
    scale : float
        Multiplies the figure's width and height (:func:`image_size`): a PNG of a
        1000 x 460 figure at scale 2 is 2000 x 920 pixels.

    Returns
    -------
    list of bytes
        One image per figure, in the figures' order.

    Raises
    ------
    FigureExportError
        If there is no Chromium (the message says how to install one), or the format is
        not one of :data:`FORMATS`.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> fig = go.Figure(layout={"title": {"text": "Runners"}, "width": 300, "height": 200})
    >>> svg, = to_images([fig], format="svg")  # doctest: +SKIP
    >>> b"Runners" in svg  # doctest: +SKIP
    True
    """
    chosen = image_format(format=format)
    if not scale > 0:
        raise FigureExportError(f"scale must be a number above 0, got {scale!r}")
    dicts = [_figure_dict(fig) for fig in figures]
    if not dicts:
        return []
    browser = _chromium_or_raise()
    return _run_apart(_draw, browser, dicts, {"format": chosen, "scale": scale})


def save(fig: Any, path: Path | str, *, format: str | None = None, scale: float = 1) -> Path:
    """Write a figure as a PNG, SVG or PDF file, as it looks in the report.

    The figure keeps its own colours, fonts and size (its layout's width and height,
    else 1000 x 500 pixels: :func:`image_size`); kaleido draws it in the system's
    Chromium, never one it downloads.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure or dict
        The figure, or its JSON as a notebook stores it.
    path : Path or str
        The file to write (replaced if it exists).
    format : {"png", "svg", "pdf"}, optional
        The image format; by default the suffix of ``path``.
    scale : float
        Multiplies the width and height: ``scale=2`` for a sharp PNG on a slide.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    FigureExportError
        If the format is unknown (the message names png, svg and pdf), or there is no
        Chromium (``apt-get install chromium``, or ``LOWBACK_CHROMIUM``).

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> import lowback.figures
    >>> fig = go.Figure(go.Bar(x=["muscle", "bone"], y=[3, 1]), layout={"width": 400})
    >>> lowback.figures.save(fig, "pain-types.png", scale=2)  # doctest: +SKIP
    PosixPath('pain-types.png')
    >>> save({"data": []}, "figure.gif")
    Traceback (most recent call last):
    ...
    lowback.errors.FigureExportError: unknown image format 'gif' (from 'figure.gif'): expected one of png, svg, pdf
    """  # noqa: E501
    path = Path(path)
    (image,) = to_images([fig], format=image_format(path, format), scale=scale)
    path.write_bytes(image)
    return path
