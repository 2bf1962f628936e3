"""How a problem words what it found, where the value alone would not show the fix: the
place a quote first differs from its source, and the known id closest to an unknown one.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Collection

#: Characters shown of each text before and after the place two texts first differ.
_BEFORE, _AFTER = 10, 12


def first_difference(quote: str, source: str) -> str:
    """Where ``quote`` first differs from ``source``, in words, both sides shown.

    A short window of each text around that character (``ascii`` escapes: an accent
    written apart shows as ``\\u0301``), the character itself on both sides and the name
    of every character in the window that is not plain ASCII; and, where the two are the
    same once NFC-normalised, that they differ only in Unicode normal form.
    """
    pairs = zip(quote, source, strict=False)
    at = next((k for k, (a, b) in enumerate(pairs) if a != b), min(len(quote), len(source)))
    said = (
        f"they first differ at character {at}: {_character(quote, at)} in the quote "
        f"({_window(quote, at)}), {_character(source, at)} in the source "
        f"({_window(source, at)})"
    )
    if unicodedata.normalize("NFC", quote) == unicodedata.normalize("NFC", source):
        said += (
            "; they are the same text once both are NFC-normalised: the quote is written in "
            "another Unicode normal form than the source"
        )
    return said


def _character(text: str, at: int) -> str:
    if at >= len(text):
        return "the end of the text"
    return _named(text[at])


def _named(char: str) -> str:
    if " " <= char <= "~":
        return repr(char)
    return f"U+{ord(char):04X} {unicodedata.name(char, 'with no name')}"


def _window(text: str, at: int) -> str:
    start, end = max(0, at - _BEFORE), min(len(text), at + _AFTER)
    shown = ("…" if start > 0 else "") + ascii(text[start:end]) + ("…" if end < len(text) else "")
    others = dict.fromkeys(c for c in text[start:end] if not " " <= c <= "~")
    return ", ".join([shown, *(_named(c) for c in others)])


def did_you_mean(value: object, known: Collection[str]) -> str:
    """`` (did you mean 'x'?)`` with the known value closest to ``value``, or nothing when
    none is close (``difflib.get_close_matches``' cut-off)."""
    close = difflib.get_close_matches(str(value), list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
