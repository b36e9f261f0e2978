"""Structured log lines for the night: timestamp, run date, stage, counts — never names or addresses.

Only numbers, dates, and a short whitelist of identifiers may be logged; anything else is refused, so
personal data cannot slip into a log by accident.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from typing import Any

ALLOWED_TEXT = {"stage", "event", "status", "letter_type", "mail_class", "language", "file", "outcome", "holder"}


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
    print(json.dumps(line, sort_keys=True), file=sys.stderr, flush=True)
