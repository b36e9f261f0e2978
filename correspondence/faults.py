"""Deterministic crash points for the crash-test harness (tests/test_crash_harness.py).

`checkpoint(name)` does nothing unless CORRESPONDENCE_FAULT is set. "<name>#<n>" kills this process with
SIGKILL at the n-th passage through that point, as a power cut would; "list" logs every passage on stderr
(`{"event": "checkpoint", "stage": name, "passage": n}`) so the harness learns every point a night crosses;
"<name>@<seconds>" waits that long at every passage, so a concurrency test can act while a night that would
otherwise finish in a second is still rendering. "<name>=<key>" kills the process at every passage of that
point with that key (`checkpoint("render.letter", letter_id)`: a letter that kills whichever render worker
takes it, as one that exhausts memory would); with CORRESPONDENCE_FAULT_ONCE naming a file that does not
exist yet, only the first process to get there is killed (it creates the file): a worker lost once, by chance.
The variables are read once, at import; unset, a checkpoint costs one boolean test.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

VARIABLE = "CORRESPONDENCE_FAULT"
ONCE_VARIABLE = "CORRESPONDENCE_FAULT_ONCE"


def _parse(spec: str) -> tuple[bool, tuple[str, int] | None, tuple[str, float] | None]:
    if not spec:
        return False, None, None
    if spec == "list" or "=" in spec:
        return spec == "list", None, None
    name, _, seconds = spec.rpartition("@")
    if name and seconds.replace(".", "", 1).isdigit():
        return False, None, (name, float(seconds))
    name, _, n = spec.rpartition("#")
    if not name or not n.isdigit() or int(n) < 1:
        raise ValueError(f"{VARIABLE} must be 'list', '<checkpoint>#<passage>' (passage from 1), "
                         f"'<checkpoint>@<seconds>' or '<checkpoint>=<key>', not {spec!r}")
    return False, (name, int(n)), None


_SPEC = os.environ.get(VARIABLE, "")
_LISTING, _TARGET, _PAUSE = _parse(_SPEC)
_KEYED = tuple(_SPEC.split("=", 1)) if "=" in _SPEC else None
_ONCE = os.environ.get(ONCE_VARIABLE, "")
_ACTIVE = _LISTING or _TARGET is not None or _PAUSE is not None or _KEYED is not None
_passages: Counter[str] = Counter()


def checkpoint(name: str, key: str | None = None) -> None:
    """A point where a crash must leave nothing lost, nothing twice and nothing that looks complete."""
    if not _ACTIVE:
        return
    if key is not None:
        if _KEYED == (name, key) and _first_here():
            os.kill(os.getpid(), signal.SIGKILL)
        return
    _passages[name] += 1
    if _LISTING:
        from correspondence.log import log

        log("checkpoint", stage=name, passage=_passages[name])
    elif _TARGET == (name, _passages[name]):
        os.kill(os.getpid(), signal.SIGKILL)
    elif _PAUSE is not None and _PAUSE[0] == name:
        time.sleep(_PAUSE[1])


def _first_here() -> bool:
    """True unless CORRESPONDENCE_FAULT_ONCE names a file some process already created (then: not again)."""
    if not _ONCE:
        return True
    try:
        os.close(os.open(_ONCE, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    return True
