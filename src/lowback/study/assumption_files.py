"""Reading an assumptions file: its TOML, and the chain of files it ``extends``.

A file may start with ``extends = "base.toml"`` (a path relative to itself) and set only
what differs; tables are merged key by key, the nearer file winning. A base may extend
another, up to :data:`MAX_EXTENDS` bases, as git caps the depth of ``include.path`` at 10.
The chain is walked in a loop, not by recursion: a chain too long is an
:class:`~lowback.errors.AssumptionError` naming the file and the chain, and so is one that
comes back to a file of its own.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import NoReturn

from lowback.errors import AssumptionError
from lowback.study.assumption_schema import EXTENDS, shown

#: How many bases a chain of ``extends`` may hold (git's cap on nested includes).
MAX_EXTENDS = 10
#: How deep an assumptions file's tables go (``pain_types.bone.prevalence``): a table
#: deeper down is a value, laid over and located whole.
TABLE_DEPTH = 3


@dataclass(frozen=True)
class LayeredFile:
    """An assumptions file with the bases it extends laid under it.

    Attributes
    ----------
    chain : tuple of Path
        The file as given, then each base it extends, nearest first.
    data : Mapping
        The merged tables, without ``extends``.
    origins : Mapping
        Key (up to :data:`TABLE_DEPTH` parts) -> the file of the chain that set its value.
    """

    chain: tuple[Path, ...]
    data: Mapping[str, object]
    origins: Mapping[tuple[str, ...], Path]

    def set_in(self, key: tuple[str | int, ...]) -> str:
        """`` (set in BASE)`` when a base of the chain set ``key``, else nothing."""
        for size in range(min(len(key), TABLE_DEPTH), 0, -1):
            origin = self.origins.get(tuple(str(part) for part in key[:size]))
            if origin is not None:
                return "" if origin == self.chain[0] else f" (set in {origin})"
        return ""


def read_layered(path: Path) -> LayeredFile:
    """Read ``path`` and every file it extends, and lay each over its base.

    Raises
    ------
    AssumptionError
        Naming the file at fault: missing, unreadable, not TOML or empty; an ``extends``
        that is no path, leads back into the chain or is one base too many.
    """
    chain, layers = [path], []
    seen: set[Path] = set()
    current = path
    while True:
        data = _read_toml(current, chain)
        base = data.pop(EXTENDS, None)
        if not data and base is None:
            _fail(
                current,
                chain,
                "the file is empty; expected the tables of an assumptions file ([study], "
                '[cohort], [age]...) or `extends = "base.toml"` and the values that differ '
                "from it",
            )
        layers.append((current, data))
        if base is None:
            break
        seen.add(_resolved(current))
        if not isinstance(base, str) or "\x00" in base:  # no path holds a NUL character
            _fail(current, chain, f"{EXTENDS}: got {shown(base)}; expected the path of a base file")
        base_path = _resolved(current.parent / base)
        walk = " -> ".join(str(p) for p in (*chain, base_path))
        if base_path in seen:
            _fail(
                current,
                chain,
                f"{EXTENDS}: '{base}' leads back to a file of the chain, in a loop: {walk}",
                walked=True,
            )
        if len(chain) > MAX_EXTENDS:
            _fail(
                current,
                chain,
                f"{EXTENDS}: '{base}' is one base too many; expected at most {MAX_EXTENDS} "
                f"files extended in a chain: {walk}",
                walked=True,
            )
        chain.append(base_path)
        current = base_path
    merged: dict[str, object] = {}
    origins: dict[tuple[str, ...], Path] = {}
    for file, data in reversed(layers):
        _lay_over(merged, origins, data, file)
    return LayeredFile(tuple(chain), merged, MappingProxyType(origins))


def _read_toml(path: Path, chain: list[Path]) -> dict:
    """One file's TOML, as a table."""
    try:
        found = path.is_file()
    except OSError:  # a name too long for the file system, say
        found = False
    if not found:
        _fail(path, chain, "the file does not exist; expected a TOML file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        _fail(path, chain, f"not valid TOML: {err}")
    except RecursionError:  # tomllib reads nested arrays and inline tables by recursion
        _fail(
            path,
            chain,
            "not valid TOML: nested too deeply (arrays or inline tables within one another); "
            "expected the tables of an assumptions file",
        )
    except OSError as err:
        _fail(path, chain, f"the file cannot be read ({err.strerror or err}); expected a TOML file")


def _fail(path: Path, chain: list[Path], problem: str, *, walked: bool = False) -> NoReturn:
    """Raise the problem of ``path``; a base says which file it was reached from, unless
    the problem shows the chain (``walked``)."""
    if path is not chain[0] and not walked:
        problem += f" (a base of {chain[0]}, through {EXTENDS})"
    raise AssumptionError(path, [problem])


def _resolved(path: Path) -> Path:
    """``path`` made absolute, symbolic links followed where that is possible."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
        return path.absolute()


def _lay_over(merged: dict, origins: dict, data: dict, file: Path) -> None:
    """Lay ``data`` (read from ``file``) over ``merged``, table by table, in a loop."""
    pending = [(merged, data, ())]
    while pending:
        target, source, prefix = pending.pop()
        for key, value in source.items():
            at = (*prefix, key)
            if isinstance(value, dict) and len(at) < TABLE_DEPTH:
                if not isinstance(target.get(key), dict):
                    target[key] = {}
                    origins.pop(at, None)
                pending.append((target[key], value, at))
            else:
                target[key] = value
                origins[at] = file
