"""Structured log lines for the night: timestamp, run date, stage, counts — never names or addresses.

Only numbers, dates, and a short whitelist of identifiers may be logged; anything else is refused, so
personal data cannot slip into a log by accident. The lines go to standard error, or, while the night's
progress is shown on a terminal (scheduler/progress.py), to the display, which prints them above itself.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

ALLOWED_TEXT = {"stage", "event", "status", "letter_type", "mail_class", "language", "file", "outcome",
                "holder", "next_night"}
_sink: list[Callable[[str], None]] = []  # where the lines go instead of standard error, the latest first


@contextmanager
def written_by(sink: Callable[[str], None]) -> Iterator[None]:
    """Log lines go to `sink` (one line, without its newline) for the time of the block."""
    _sink.insert(0, sink)
    try:
        yield
    finally:
        _sink.remove(sink)


def log(event: str, **fields: Any) -> None:
    line: dict[str, Any] = {"ts": datetime.now(UTC).isoformat(timespec="seconds"), "event": event}
    for key, value in fields.items():
        if isinstance(value, (bool, int, float)):
            line[key] = value
        elif isinstance(value, date):
            line[key] = value.isoformat()
        elif isinstance(value, str) and key in ALLOWED_TEXT:
            line[key] = value
        else:
            raise ValueError(f"log field '{key}' is not a number, a date or an allowed identifier")
    text = json.dumps(line, sort_keys=True)
    if _sink:
        _sink[0](text)
    else:
        print(text, file=sys.stderr, flush=True)
