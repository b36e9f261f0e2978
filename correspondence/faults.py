"""Deterministic crash points for the crash-test harness (tests/test_crash_harness.py).

`checkpoint(name)` does nothing unless CORRESPONDENCE_FAULT is set. "<name>#<n>" kills this process with
SIGKILL at the n-th passage through that point, as a power cut would; "list" logs every passage on stderr
(`{"event": "checkpoint", "stage": name, "passage": n}`) so the harness learns every point a night crosses.
The variable is read once, at import; unset, a checkpoint costs one boolean test.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

VARIABLE = "CORRESPONDENCE_FAULT"


def _parse(spec: str) -> tuple[bool, tuple[str, int] | None]:
    if not spec:
        return False, None
    if spec == "list":
        return True, None
    name, _, n = spec.rpartition("#")
    if not name or not n.isdigit() or int(n) < 1:
        raise ValueError(f"{VARIABLE} must be 'list' or '<checkpoint>#<passage>' (passage from 1), not {spec!r}")
    return False, (name, int(n))


_LISTING, _TARGET = _parse(os.environ.get(VARIABLE, ""))
_ACTIVE = _LISTING or _TARGET is not None
_passages: Counter[str] = Counter()


def checkpoint(name: str) -> None:
    """A point where a crash must leave nothing lost, nothing twice and nothing that looks complete."""
    if not _ACTIVE:
        return
    _passages[name] += 1
    if _LISTING:
        from correspondence.log import log

        log("checkpoint", stage=name, passage=_passages[name])
    elif _TARGET == (name, _passages[name]):
        os.kill(os.getpid(), signal.SIGKILL)
