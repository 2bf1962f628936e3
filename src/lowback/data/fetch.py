"""Sources fetched on purpose, never committed: where they live and how they get there.

The NIH texts come from the MedQuAD data set, pinned to one commit on GitHub. pooch keeps
their paths and sha256 in a registry inside the package (``registry/medquad.txt``) and
downloads them, only when asked (``lowback sources fetch``), into a cache folder:
pooch's per-user cache by default, the folder ``LOWBACK_DATA_DIR`` names when it is set
(pooch's own ``env`` convention). With ``LOWBACK_DATA_DIR`` pointing at a folder that
already holds the files, nothing is downloaded.

Loading the records never downloads: a fetched source whose file is absent is *missing*
(the study runs on what is present and says so); a file whose sha256 differs is an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

#: The environment variable that overrides the cache folder of fetched sources.
DATA_DIR_ENV = "LOWBACK_DATA_DIR"

#: Each registry: the base URL its paths are relative to (a pinned commit).
REGISTRIES: dict[str, str] = {
    "medquad": (
        "https://raw.githubusercontent.com/abachaa/MedQuAD/"
        "577bd37b96c02d1833b2c9eed2de9f96964e96cb/"
    ),
}

#: What a reader is told to do about a missing fetched source.
HOW_TO_FETCH = f"run `lowback sources fetch`, or set {DATA_DIR_ENV} to a folder holding it"


class FetchError(RuntimeError):
    """A fetch that could not be done, with the reason in words."""


def registry(name: str) -> dict[str, str]:
    """A registry's paths and their sha256 (hex digits, without pooch's ``sha256:``)."""
    if name not in REGISTRIES:
        raise KeyError(f"unknown registry {name!r}; expected one of: {', '.join(REGISTRIES)}")
    text = resources.files("lowback.data").joinpath(f"registry/{name}.txt").read_text("utf-8")
    entries = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            path, digest = line.split()
            entries[path] = digest.removeprefix("sha256:")
    return entries


def cache_dir() -> Path:
    """The folder fetched sources are read from and downloaded to."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return _default_cache()


@cache
def _default_cache() -> Path:
    # pooch's own default (``pooch.os_cache``), without importing pooch and requests on
    # every load: they are needed only to fetch.
    import platformdirs

    return Path(platformdirs.user_cache_dir("lowback"))


def local_path(registry_name: str, path: str) -> Path:
    """Where a fetched file is (or would be) on this machine; nothing is downloaded."""
    if path not in registry(registry_name):
        raise KeyError(f"{path!r} is not in the {registry_name} registry")
    return cache_dir() / path


def fetcher(registry_name: str):
    """A ``pooch.Pooch`` for one registry, caching in :func:`cache_dir`.

    Updates are off: a local file whose sha256 differs is never replaced silently.
    """
    import pooch

    return pooch.create(
        path=cache_dir(),
        base_url=REGISTRIES[registry_name],
        registry={p: f"sha256:{d}" for p, d in registry(registry_name).items()},
        env=DATA_DIR_ENV,
        allow_updates=False,
    )


@dataclass(frozen=True)
class Fetched:
    """One file :func:`fetch` was asked for: where it is, and whether it was downloaded."""

    path: str
    local: Path
    downloaded: bool


def fetch(registry_name: str, paths: list[str] | None = None) -> list[Fetched]:
    """Download the registry's files that are not yet in :func:`cache_dir`.

    Files already there with the right sha256 are left as they are (nothing is
    downloaded). Raises :class:`FetchError` naming the file, the URL and the reason
    when a download fails or a local file's sha256 differs.
    """
    pup = fetcher(registry_name)
    done = []
    for path in paths if paths is not None else list(registry(registry_name)):
        local = Path(pup.abspath) / path
        present = local.is_file()
        try:
            pup.fetch(path)
        except ValueError as err:  # pooch: updates disallowed, or a hash mismatch
            raise FetchError(
                f"{local}: its sha256 is not the registry's ({err}); delete it to fetch it again"
            ) from None
        except Exception as err:  # requests' and pooch's errors, reworded
            raise FetchError(
                f"could not download {pup.get_url(path)} to {local}: "
                f"{type(err).__name__}: {err} (no network? set {DATA_DIR_ENV} to a folder "
                "holding the files)"
            ) from None
        done.append(Fetched(path, local, downloaded=not present))
    return done
