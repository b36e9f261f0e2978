"""Reading a rule's JSON input strictly: objects with exactly their fields, years, dates, choices.

Every failure is an `InvalidInput` naming the dotted field, so `decide` can tell a person what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from rules.errors import InvalidInput

# Years outside this range are typing errors; it also keeps quarter and month arithmetic valid.
YEARS = range(1900, 3000)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def read_fields(raw: object, field: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
                ) -> dict[str, Any]:
    """A JSON object with exactly these fields: a missing or unknown one is named in the error."""
    if not isinstance(raw, Mapping):
        raise InvalidInput(field, f"must be an object with {', '.join(required + optional)}, "
                                  f"got {type(raw).__name__}")
    prefix = "" if field == "payload" else f"{field}."
    for key in raw:
        if key not in required and key not in optional:
            raise InvalidInput(f"{prefix}{key}", f"unknown field: expected {', '.join(required + optional)}")
    for key in required:
        if key not in raw:
            raise InvalidInput(f"{prefix}{key}", "is missing")
    return dict(raw)


def parse_year(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, f"must be a year as a whole number, e.g. 2026, got {value!r}")
    if value not in YEARS:
        raise InvalidInput(field, f"{value} is not a plausible year")
    return value


def parse_choice(value: object, field: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InvalidInput(field, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def parse_date(value: object, field: str) -> date:
    """A date written YYYY-MM-DD, in a year the rules can count quarters and months in."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise InvalidInput(field, f"must be a date written YYYY-MM-DD, got {value!r}")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, f"'{value}' is not a date in the calendar") from None
    if day.year not in YEARS:
        raise InvalidInput(field, f"'{value}' is beyond any plausible date")
    return day
