"""Live processes as /proc shows them, for the tests that kill workers, nights and LibreOffices."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path


def _live() -> list[tuple[Path, str, list[str]]]:
    """(/proc entry, command name, stat fields after the name) of every live (not zombie) process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended while we looked
            continue
        name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if fields[0] not in ("Z", "X"):
            found.append((entry, name, fields))
    return found


def alive_in_group(group: int) -> list[tuple[int, str]]:
    """(pid, command name) of the live processes of a process group."""
    return [(int(entry.name), name) for entry, name, fields in _live() if int(fields[2]) == group]


def tagged(tag: str) -> list[tuple[int, str]]:
    """(pid, command name) of the live processes whose environment carries `tag` (NAME=value): a process and
    all it started, whatever session or group they moved to."""
    found = []
    for entry, name, _ in _live():
        try:
            if tag.encode() in (entry / "environ").read_bytes():
                found.append((int(entry.name), name))
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
