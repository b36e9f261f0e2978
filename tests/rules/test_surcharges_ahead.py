"""The surcharge days a letter's pay-by date or deadline crosses: the total it prints does not hold them."""

from __future__ import annotations

from datetime import date

import pytest

from rules.params import Parameters
from rules.surcharges import surcharges_ahead


@pytest.mark.parametrize(("dues", "after", "until", "expected"), [
    # The demo night's formal notice: deadline 7 January 2027 crosses 31 December (3 %) and 1 January (7 %).
    ([date(2026, 9, 30)], date(2026, 12, 2), date(2027, 1, 7),
     [(date(2026, 12, 31), "quarterly_rate", "0.03", 2026, date(2026, 12, 31)),
      (date(2027, 1, 1), "yearly_rate", "0.07", 2026, date(2026, 12, 31))]),
    # Two quarters unpaid: their common day once; 1 January lies after the pay-by date.
    ([date(2026, 6, 30), date(2026, 9, 30)], date(2026, 12, 2), date(2026, 12, 31),
     [(date(2026, 12, 31), "quarterly_rate", "0.03", 2026, date(2026, 12, 31))]),
    # A reminder's pay-by date before the quarter's end: nothing ahead.
    ([date(2026, 3, 31)], date(2026, 4, 16), date(2026, 5, 1), []),
    # A quarter's end on the letter's day is in the printed total already.
    ([date(2026, 3, 31)], date(2026, 6, 30), date(2026, 7, 15), []),
    ([], date(2026, 12, 2), date(2027, 1, 7), []),
])
def test_the_surcharge_days_before_a_deadline(dues: list, after: date, until: date, expected: list) -> None:
    found = surcharges_ahead(dues, after, until, Parameters())
    assert [(a.date, a.key, f"{a.rate}", a.year, a.avoid_by) for a in found] == expected
