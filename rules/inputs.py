"""The values the rules' JSON inputs are made of, read strictly: years, dates, amounts, choices, counts.

Each is a `Value` of rules/input_schema.py: its parsing (every failure an `InvalidInput` naming the dotted
field, in words a person can act on) and its JSON Schema, declared together so that they cannot drift apart.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from decimal import Decimal
from typing import Any

from rules.errors import InvalidInput
from rules.input_schema import Value, kind_of
from rules.money import parse_amount

# Years outside this range are typing errors; it also keeps quarter and month arithmetic valid.
YEARS = range(1900, 3000)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# An amount as the JSON Schema states it: up to 999,999,999 with at most two decimals (rules/money.py);
# the reading also takes surrounding spaces and other spellings of the same number.
_AMOUNT = r"[0-9]{1,9}(\.[0-9]{1,2})?"
MAX_AMOUNT = 999_999_999


def parse_year(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, f"must be a year as a whole number, e.g. 2026, got {value!r}")
    if value not in YEARS:
        raise InvalidInput(field, f"{value} is not a plausible year")
    return value


def parse_choice(value: object, field: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        near = difflib.get_close_matches(value, choices, n=1) if isinstance(value, str) else []
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise InvalidInput(field, f"must be one of {', '.join(choices)}, got {value!r}{hint}")
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


def parse_whole(value: object, field: str, *, minimum: int | None = None,
                what: str = "a whole number") -> int:
    """A JSON integer (not 2.0, "2" or true), from `minimum` when one is given."""
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        since = "" if minimum is None else f" from {minimum}"
        raise InvalidInput(field, f"must be {what}{since}, got {value!r}")
    return value


def parse_flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(field, f"must be true or false, got {value!r}")
    return value


def parse_text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be text, got {kind_of(value)}")
    return value


def parse_positive_amount(value: object, field: str) -> Decimal:
    amount = parse_amount(value, field)
    if amount == 0:
        raise InvalidInput(field, "must be more than 0.00")
    return amount


def choice(values: tuple[str, ...]) -> Value:
    """One of these words, exactly so."""
    return Value(f"one of {', '.join(values)}", lambda value, field: parse_choice(value, field, values),
                 {"type": "string", "enum": list(values)})


def whole(minimum: int | None = None, *, what: str = "a whole number") -> Value:
    """A JSON integer (not 2.0, "2" or true), from `minimum`."""
    bounds: dict[str, Any] = {"minimum": minimum} if minimum is not None else {}
    since = "" if minimum is None else f" from {minimum}"
    return Value(f"{what}{since}", lambda value, field: parse_whole(value, field, minimum=minimum, what=what),
                 {"type": "integer", **bounds})


YEAR = Value("a year, e.g. 2026", parse_year,
             {"type": "integer", "minimum": YEARS.start, "maximum": YEARS.stop - 1})
DATE = Value("a date written YYYY-MM-DD", parse_date,
             {"type": "string", "format": "date", "pattern": f"^{_DATE.pattern}$"})
AMOUNT = Value('an amount written as text, e.g. "1234.56"', parse_amount,
               {"type": ["string", "integer"], "pattern": f"^{_AMOUNT}$",
                "minimum": 0, "maximum": MAX_AMOUNT})
SIGNED_AMOUNT = Value('an amount written as text, e.g. "1234.56" or "-500.00"',
                      lambda value, field: parse_amount(value, field, allow_negative=True),
                      {"type": ["string", "integer"], "pattern": f"^-?{_AMOUNT}$",
                       "minimum": -MAX_AMOUNT, "maximum": MAX_AMOUNT})
POSITIVE_AMOUNT = Value('an amount of more than 0.00 written as text, e.g. "400.00"', parse_positive_amount,
                        {"type": ["string", "integer"], "pattern": f"^(?=.*[1-9]){_AMOUNT}$",
                         "minimum": 1, "maximum": MAX_AMOUNT})
COUNT = whole(0)
FLAG = Value("true or false", parse_flag, {"type": "boolean"})
TEXT = Value("text", parse_text, {"type": "string"})
