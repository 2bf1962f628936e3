"""SIGINT and SIGTERM during a build: turned into exceptions, or held while a step finishes.

A build runs kernels (:mod:`lowback.publish.execute`) and then swaps a set of files into
place (:mod:`lowback.publish.fileset`). Both need the same two tools:

* :func:`sigterm_as_exit` makes SIGTERM raise ``SystemExit(143)`` in the main thread, so
  that ``finally`` blocks run (kernels are shut down, temporary files removed) instead of
  the process dying at once.
* :func:`holding_stop_signals` holds SIGINT and SIGTERM while a short step that must not
  be cut in two runs (the renames of a file set, the shutdown of the kernels), then acts
  on the first one received.

Signal handlers can only be set in the main thread: elsewhere both are no-ops.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["holding_stop_signals", "sigterm_as_exit"]

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """In the main thread, make SIGTERM raise ``SystemExit(143)`` instead of killing at once.

    Only where SIGTERM has its default action (the process would die anyway, with the same
    status), so that ``finally`` blocks run: temporary files are removed, kernels shut down.
    """
    if not _in_main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def holding_stop_signals(*, redeliver: bool = True) -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the block runs (in the main thread; a no-op elsewhere).

    With ``redeliver``, the first signal received is raised again after the block, so the
    usual handler acts on it (``KeyboardInterrupt``, ...) once the block is done.
    """
    if not _in_main_thread():
        yield
        return
    received: list[int] = []
    previous = {signum: signal.getsignal(signum) for signum in _STOP_SIGNALS}
    for signum in _STOP_SIGNALS:
        signal.signal(signum, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        if received and redeliver:
            signal.raise_signal(received[0])
