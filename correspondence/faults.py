"""Deterministic crash points for the crash-test harness (tests/test_crash_harness.py).

`checkpoint(name)` does nothing unless CORRESPONDENCE_FAULT is set. "<name>#<n>" kills this process with
SIGKILL at the n-th passage through that point, as a power cut would; "list" logs every passage on stderr
(`{"event": "checkpoint", "stage": name, "passage": n}`) so the harness learns every point a night crosses;
"<name>@<seconds>" waits that long at every passage, so a concurrency test can act while a night that would
otherwise finish in a second is still rendering.
The variable is read once, at import; unset, a checkpoint costs one boolean test.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

VARIABLE = "CORRESPONDENCE_FAULT"


def _parse(spec: str) -> tuple[bool, tuple[str, int] | None, tuple[str, float] | None]:
    if not spec:
        return False, None, None
    if spec == "list":
        return True, None, None
    name, _, seconds = spec.rpartition("@")
    if name and seconds.replace(".", "", 1).isdigit():
        return False, None, (name, float(seconds))
    name, _, n = spec.rpartition("#")
    if not name or not n.isdigit() or int(n) < 1:
        raise ValueError(f"{VARIABLE} must be 'list', '<checkpoint>#<passage>' (passage from 1) or "
                         f"'<checkpoint>@<seconds>', not {spec!r}")
    return False, (name, int(n)), None


_LISTING, _TARGET, _PAUSE = _parse(os.environ.get(VARIABLE, ""))
_ACTIVE = _LISTING or _TARGET is not None or _PAUSE is not None
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
    elif _PAUSE is not None and _PAUSE[0] == name:
        time.sleep(_PAUSE[1])
