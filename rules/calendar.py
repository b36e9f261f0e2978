"""Quarters and months as the fund counts them."""

from __future__ import annotations

import calendar
from datetime import date
from functools import lru_cache


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * quarter - 2, 1)


def quarter_end(year: int, quarter: int) -> date:
    return month_end(year, 3 * quarter)


@lru_cache(maxsize=1024)  # pure; a night asks the same few months hundreds of thousands of times
def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1
