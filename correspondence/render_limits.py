"""A wall-clock limit on filling in one template, so a loop that never ends costs one letter, not the night.

Jinja's sandbox caps `range()`, but nested loops can still run for hours; a timer signal interrupts the
render between two Python instructions. Signals only reach the main thread, which is where both the night's
render workers and `templates check` fill templates in; elsewhere the limit is not enforced.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

RENDER_SECONDS = 5.0  # filling in a letter takes milliseconds; CORRESPONDENCE_RENDER_SECONDS overrides


def limit() -> float:
    return float(os.environ.get("CORRESPONDENCE_RENDER_SECONDS", RENDER_SECONDS))


class RenderTooLong(Exception):
    """Filling in the template took longer than the limit: most likely a loop that never ends."""


@contextmanager
def time_limit(seconds: float | None = None) -> Iterator[None]:
    seconds = limit() if seconds is None else seconds
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        raise RenderTooLong(f"filling in the template took more than {seconds:g} s — a loop that never ends?")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
