"""Deterministic crash points for the crash-test harness (tests/test_crash_harness.py).

`checkpoint(name)` does nothing unless CORRESPONDENCE_FAULT is set. "<name>#<n>" kills this process with
SIGKILL at the n-th passage through that point, as a power cut would; "list" logs every passage on stderr
(`{"event": "checkpoint", "stage": name, "passage": n}`) so the harness learns every point a night crosses;
"<name>@<seconds>" waits that long at every passage, so a concurrency test can act while a night that would
otherwise finish in a second is still rendering. "<name>=<key>" kills the process at every passage of that
point with that key (`checkpoint("render.letter", letter_id)`: a letter that kills whichever render worker
takes it, as one that exhausts memory would); with CORRESPONDENCE_FAULT_ONCE naming a file that does not
exist yet, only the first process to get there is killed (it creates the file): a worker lost once, by chance.
The variables are declared and parsed in config.py and read once, at the first checkpoint (not at import, so
that a bad value is met by the check at start); unset, a checkpoint costs one cached call and a boolean test.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from functools import cache

from correspondence import config

_passages: Counter[str] = Counter()


@cache
def _plan() -> config.FaultPlan:
    return config.get(config.FAULT)


def checkpoint(name: str, key: str | None = None) -> None:
    """A point where a crash must leave nothing lost, nothing twice and nothing that looks complete."""
    plan = _plan()
    if plan == config.NO_FAULT:
        return
    listing, target, pause, keyed = plan
    if key is not None:
        if keyed == (name, key) and _first_here():
            os.kill(os.getpid(), signal.SIGKILL)
        return
    _passages[name] += 1
    if listing:
        from correspondence.log import log

        log("checkpoint", stage=name, passage=_passages[name])
    elif target == (name, _passages[name]):
        os.kill(os.getpid(), signal.SIGKILL)
    elif pause is not None and pause[0] == name:
        time.sleep(pause[1])


def _first_here() -> bool:
    """True unless CORRESPONDENCE_FAULT_ONCE names a file some process already created (then: not again)."""
    once = config.get(config.FAULT_ONCE)
    if not once:
        return True
    try:
        os.close(os.open(once, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    return True
