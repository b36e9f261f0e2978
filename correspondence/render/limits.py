"""Limits on filling in one template, so a hostile or mistaken template costs one letter, not the night.

Time: Jinja's sandbox caps `range()`, but nested loops can still run for hours, and a huge template takes as
long to compile; a timer signal interrupts compiling and filling in between two Python instructions. Signals
only reach the main thread, which is where both the night's render workers and `templates check` fill
templates in; elsewhere the limit is not enforced.

Size: the filled-in letter is read piece by piece and given up beyond RENDER_CHARS characters, before layout
(a letter's layout takes memory and time in proportion to its HTML). Memory: while filling in, the process's
address space may grow by RENDER_MEMORY_MB at most (RLIMIT_AS, Linux), so a template building ever larger
values fails with MemoryError instead of taking the machine's memory. The page cap (`max_pages` of
letter.toml) is applied to the laid-out letter by the renderer.

The time limit is an interval timer, not a measurement: a Stopwatch (correspondence/timing.py) can only say
afterwards how long a step took, a signal can stop it halfway. The seconds spent go to the renderer's watch.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import FrameType

from correspondence import config

AGAIN = 0.05  # seconds: the limit fires again until its exception is not swallowed by a callback
# RENDER_SECONDS, RENDER_CHARS, RENDER_MEMORY_MB: declared, with their defaults, in config.py


def limit() -> float:
    return config.get(config.RENDER_SECONDS)


class RenderTooLong(Exception):
    """Filling in the template took longer than the limit: most likely a loop that never ends."""


@contextmanager
def time_limit(seconds: float | None = None) -> Iterator[None]:
    seconds = limit() if seconds is None else seconds
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        # Raised between two Python instructions, which may belong to a garbage-collection callback (a weakref's
        # or a __del__) whose exception Python only prints: so the timer is armed again, and fires until the
        # exception reaches the template.
        signal.setitimer(signal.ITIMER_REAL, AGAIN)
        raise RenderTooLong(f"filling in the template took more than {seconds:g} s — a loop that never ends?")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class RenderTooLarge(Exception):
    """The filled-in letter is larger than the limit: most likely a loop that prints too much."""


class RenderTooHungry(Exception):
    """Filling in the template needed more memory than the limit allows."""


def bounded(pieces: Iterable[str], limit: int | None = None) -> str:
    """The pieces a template yields, joined; RenderTooLarge as soon as they pass `limit` characters."""
    limit = config.get(config.RENDER_CHARS) if limit is None else limit
    out, size = [], 0
    for piece in pieces:
        size += len(piece)
        if size > limit:
            raise RenderTooLarge(f"the filled-in letter is larger than {limit:,} characters — a loop that prints "
                                 "too much?")
        out.append(piece)
    return "".join(out)


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), None elsewhere."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def memory_limit(megabytes: int | None = None) -> Iterator[None]:
    """Within the block, the address space may grow by `megabytes`; beyond, allocations fail (MemoryError,
    raised as RenderTooHungry). The previous limit is restored after. Linux only; elsewhere no limit."""
    megabytes = config.get(config.RENDER_MEMORY_MB) if megabytes is None else megabytes
    size = _address_space() if sys.platform.startswith("linux") else None
    if size is None:
        yield
        return
    import resource  # Unix only: imported here, past the platform check above

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = size + megabytes * 1024 * 1024
    cap = min(c for c in (cap, soft, hard) if c != resource.RLIM_INFINITY)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    except MemoryError:
        raise RenderTooHungry(f"filling in the template needed more than {megabytes} MB of memory — a loop "
                              "building ever larger values?") from None
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
