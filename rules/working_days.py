"""Working days as the Judicial Code counts them: Monday to Friday, except Belgian legal public holidays
(rules/parameters/public_holidays.toml). Used for when a registered letter counts as received (art. 53bis)
and for a period ending on a day that is not a working day (art. 53)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from rules.errors import RuleError
from rules.params import Parameters

NAME = "public_holidays"


def easter(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def holidays(year: int, params: Parameters | None = None) -> frozenset[date]:
    period = (params or Parameters()).period(NAME, date(year, 1, 1))
    return _holidays(year, tuple(period.get("fixed")), tuple(period.get("after_easter")))


@cache
def _holidays(year: int, fixed: tuple[str, ...], after_easter: tuple[int, ...]) -> frozenset[date]:
    try:
        days = {date(year, int(v[:2]), int(v[3:])) for v in fixed}
    except (TypeError, ValueError):
        raise RuleError(f"rules/parameters/{NAME}.toml: fixed must be month-days like \"07-21\", got {fixed!r}") from None
    return frozenset(days | {easter(year) + timedelta(n) for n in after_easter})


def is_working_day(day: date, params: Parameters | None = None) -> bool:
    return day.weekday() < 5 and day not in holidays(day.year, params)


def working_days_after(day: date, count: int, params: Parameters | None = None) -> date:
    """The `count`-th working day after `day` (`day` itself never counts)."""
    while count > 0:
        day += timedelta(1)
        count -= is_working_day(day, params)
    return day


def on_or_next_working_day(day: date, params: Parameters | None = None) -> date:
    while not is_working_day(day, params):
        day += timedelta(1)
    return day
