"""Live processes as /proc shows them, for the tests that kill workers, nights and LibreOffices."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from correspondence.render.libreoffice import live_processes


def alive_in_group(group: int) -> list[tuple[int, str]]:
    """(pid, command name) of the live processes of a process group."""
    return [(pid, name) for pid, name, its_group in live_processes() if its_group == group]


def tagged(tag: str) -> list[tuple[int, str]]:
    """(pid, command name) of the live processes whose environment carries `tag` (NAME=value): a process and
    all it started, whatever session or group they moved to."""
    found = []
    for pid, name, _ in live_processes():
        try:
            if tag.encode() in (Path("/proc") / str(pid) / "environ").read_bytes():
                found.append((pid, name))
        except OSError:  # ended while we looked, or not ours to read
            continue
    return found


def until(condition: Callable[[], object], seconds: float) -> bool:
    """Whether `condition()` became true within `seconds` (asked every 0.2 s)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())
