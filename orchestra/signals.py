"""Ctrl-C that cannot get lost.

Python raises KeyboardInterrupt wherever the main thread happens to be when it notices the
signal; if that is inside a finalizer (garbage collection runs them at any moment), the
exception is printed as "ignored" and the interruption is gone. Long waits on solves instead
let Ctrl-C set an event that their loops check (measured: one run of the Ctrl-C-during-compare
test in two lost its interruption after the rest of the test suite had filled the heap).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def ctrl_c_sets(event: threading.Event) -> Iterator[threading.Event]:
    """While inside, SIGINT sets ``event`` instead of raising. Only the main thread may install
    a handler: elsewhere nothing changes (the caller's own ``stop`` event still works)."""
    if threading.current_thread() is not threading.main_thread():
        yield event
        return
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: event.set())
    except ValueError:  # not the main interpreter
        yield event
        return
    try:
        yield event
    finally:
        signal.signal(signal.SIGINT, previous)
