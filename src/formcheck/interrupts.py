"""Ctrl-C and SIGTERM as a request to stop, honoured where the work can stop cleanly.

Python turns SIGINT into a KeyboardInterrupt raised at whatever line happens to run. For the
commands that produce results that is wrong in three ways (issue 14): raised while mediapipe is
imported or the model loaded (seconds on a loaded machine) it ended the run before any output
was opened, so nothing was saved; raised inside typer it became a silent exit 130; and a
signal arriving while native code was being set up or torn down could leave it half done.

So while ``deferred()`` is active (``formcheck analyze`` and ``live``, from the first line of
the process) a signal only *records* the request. The pipeline's loop (``pipeline.run``) calls
``check()`` between frames, and the waits that can outlast a frame (the live feed, a model
download) call it too; the run then ends with a partial result that every output still
receives. A second signal while the first is pending raises at once: the way out when
something blocks (a FIFO output nobody reads), at the price of outputs not yet written.

Outside ``deferred()`` Ctrl-C keeps Python's behaviour, and SIGTERM is made to behave like it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)

_requested: int | None = None  # the signal received and not yet acted upon
_deferring = False
_reported = False  # a command said what the interruption saved (the CLI adds nothing)


def requested() -> bool:
    """True once a stop was asked for (and ``deferred()`` is still active)."""
    return _requested is not None


def check() -> None:
    """Raise KeyboardInterrupt if a stop was asked for: call it where stopping is clean."""
    if _requested is not None:
        raise KeyboardInterrupt


def acknowledge() -> None:
    """The work a request stopped has stopped (a video's pose estimation, ``--exercise auto``):
    forget the request, so that the quick work left (analysing and saving the poses estimated so
    far) runs to its end; a new signal stops that too."""
    global _requested
    _requested = None


def mark_reported() -> None:
    """The command told the user what an interruption saved (``was_reported``)."""
    global _reported
    _reported = True


def was_reported() -> bool:
    return _reported


def _record(signum: int, frame: FrameType | None) -> None:
    global _requested
    if _requested is not None and _deferring:
        raise KeyboardInterrupt  # the second signal: stop now, even mid-way
    _requested = signum
    if not _deferring:
        raise KeyboardInterrupt


def _install() -> dict[int, Any]:
    """Point SIGINT and SIGTERM at ``_record``; returns the previous handlers. An ignored SIGINT
    stays ignored (``nohup``, a background job), as Python itself leaves it."""
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous  # signals are only delivered to the main thread's handlers
    for sig in SIGNALS:
        old = signal.getsignal(sig)
        if sig == signal.SIGINT and old == signal.SIG_IGN:
            continue
        previous[sig] = signal.signal(sig, _record)
    return previous


def install_early() -> None:
    """From the first line of the ``formcheck`` process, before the slow imports: record a
    signal until ``handling`` decides what the command does with it."""
    global _deferring
    _deferring = True
    _install()


@contextlib.contextmanager
def handling(*, defer: bool) -> Iterator[None]:
    """Handle SIGINT and SIGTERM for one command, and restore the previous handlers after it.

    ``defer=True``: record them for ``check()`` (see the module doc). ``defer=False``: raise
    KeyboardInterrupt at once, also for one that arrived before (during ``install_early``).
    """
    global _requested, _deferring, _reported
    early = _requested
    _requested = None
    _reported = False
    was_deferring = _deferring
    _deferring = defer
    previous = _install()
    try:
        if early is not None:
            _requested = early
            if not defer:
                raise KeyboardInterrupt
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _requested = None
        _deferring = was_deferring
