"""The figures layer: plotly figures and computed captions, from records and study results.

It imports the study and data layers below it, never publishing or the app above it.

Static images of any figure: :func:`save` (PNG, SVG or PDF, drawn by kaleido in the
system's Chromium; :mod:`lowback.figures.static`), imported on first use so that importing
this package starts no browser and loads no kaleido.
"""

from __future__ import annotations

from typing import Any

__all__ = ["save"]


def __getattr__(name: str) -> Any:
    if name == "save":
        from lowback.figures.static import save

        return save
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
