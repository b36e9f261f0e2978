"""Shapes and plans shared by the night's render workers: each shape is planned by one worker, not by each.

Planning a shape costs a few full layouts (about a second). Each worker used to plan every shape it met, so
two workers planned every shape twice (at 5,000 affiliates, 58 of the night's 208 CPU seconds). The night
gives its workers one folder (a temporary directory, removed when the render stage ends): the first worker
to meet a shape claims it (a lock file, locked before it is linked into place), plans it and writes the
result (pickled, then renamed into place); a worker meeting a claimed shape waits for it. A plan depends only on its key (the
snapshot and the letter's shape), so a letter's bytes are the same whichever worker planned its shape. A
claim is held locked (flock) by its worker while it plans: a claim whose worker died (killed while planning)
can be locked by another worker, which takes it over at once; and a worker waits at most `WAIT` seconds for
any claim before planning the shape itself.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

WAIT = 60.0  # seconds a worker waits for a shape another worker claimed; a plan takes one or two
POLL = 0.02


class SharedPlans:
    """`get_or(kind, key, make)`: the value another worker made for this key, or `make()`'s, shared."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get_or(self, kind: str, key: str, make: Callable[[], T]) -> T:
        name = f"{hashlib.sha256(key.encode('utf-8')).hexdigest()}.{kind}"
        path, claim = self.folder / name, self.folder / f"{name}.claim"
        deadline = time.monotonic() + WAIT
        while not path.exists():
            descriptor = _locked_claim(claim)
            if descriptor is None:  # another worker is planning it
                if time.monotonic() > deadline:
                    return make()
                if _abandoned(claim):
                    claim.unlink(missing_ok=True)
                time.sleep(POLL)
                continue
            try:
                if path.exists():  # made between our look and our claim
                    break
                value = make()
                part = path.with_name(f"{name}.{os.getpid()}.part")
                part.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
                part.replace(path)
                return value
            finally:
                claim.unlink(missing_ok=True)
                os.close(descriptor)
        return pickle.loads(path.read_bytes())  # noqa: S301 - written by this night's own workers, in its own folder


def _locked_claim(claim: Path) -> int | None:
    """The claim, created already locked (flock, held while planning; the kernel lets go if we die), or None if
    another worker holds it. Made under a name of our own, locked, then linked to the claim's name: a claim is
    never seen unlocked, so no worker takes a live claim for an abandoned one."""
    own = claim.with_name(f"{claim.name}.{os.getpid()}")
    descriptor = os.open(own, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.link(own, claim)
    except FileExistsError:
        os.close(descriptor)
        return None
    finally:
        own.unlink(missing_ok=True)
    return descriptor


def _abandoned(claim: Path) -> bool:
    """Whether no live worker holds this claim: its lock can be taken (its worker died while planning)."""
    try:
        descriptor = os.open(claim, os.O_RDONLY)
    except FileNotFoundError:
        return False  # let go just now: the plan is there, or the claim is free
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True
