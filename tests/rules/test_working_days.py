"""Working days as the Judicial Code counts them: weekdays that are no Belgian legal public holiday."""

from __future__ import annotations

from datetime import date

import pytest

from rules.working_days import easter, holidays, is_working_day, on_or_next_working_day, working_days_after


@pytest.mark.parametrize(("year", "sunday"), [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                              (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28))])
def test_easter(year: int, sunday: date) -> None:
    assert easter(year) == sunday


def test_the_ten_holidays_of_2026() -> None:
    assert sorted(holidays(2026)) == [date(2026, 1, 1), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14),
                                      date(2026, 5, 25), date(2026, 7, 21), date(2026, 8, 15), date(2026, 11, 1),
                                      date(2026, 11, 11), date(2026, 12, 25)]


@pytest.mark.parametrize(("day", "working"), [(date(2026, 12, 4), True), (date(2026, 12, 5), False),
                                              (date(2026, 12, 25), False), (date(2026, 4, 6), False)])
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_counting() -> None:
    assert working_days_after(date(2026, 12, 31), 1) == date(2027, 1, 4)  # New Year, then a weekend
    assert working_days_after(date(2026, 12, 4), 0) == date(2026, 12, 4)
    assert on_or_next_working_day(date(2026, 8, 15)) == date(2026, 8, 17)
    assert on_or_next_working_day(date(2026, 8, 14)) == date(2026, 8, 14)
