"""The open account: payments matched by structured communication else oldest first, surcharges, balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rules.account import Charge, Received, account

D = Decimal
Q1 = Charge("2026-Q1", date(2026, 3, 31), D("1000.00"), "000000126110")
Q2 = Charge("2026-Q2", date(2026, 6, 30), D("1000.00"), "000000126211")
REFUND = Charge("2024-REG", date(2026, 6, 30), D("-150.00"), "000000124532")


@pytest.mark.parametrize(
    ("charges", "received", "as_of", "unpaid", "surcharges", "credit", "balance", "overdue"),
    [
        # nothing paid: Q1's 3 % at the end of Q1 and of Q2; Q2's 3 % at the end of Q2
        ((Q1, Q2), (), date(2026, 7, 1), {"2026-Q1": "1000.00", "2026-Q2": "1000.00"}, "90.00", "0.00",
         "2090.00", "2090.00"),
        # paid on the due date: on time, no surcharge
        ((Q1,), (Received(date(2026, 3, 31), D("1000.00"), "000000126110"),), date(2026, 5, 1),
         {"2026-Q1": "0.00"}, "0.00", "0.00", "0.00", "0.00"),
        # a payment with Q2's reference pays Q2 even though Q1 is older
        ((Q1, Q2), (Received(date(2026, 3, 1), D("1000.00"), "000000126211"),), date(2026, 4, 1),
         {"2026-Q1": "1000.00", "2026-Q2": "0.00"}, "30.00", "0.00", "1030.00", "1030.00"),
        # no reference: oldest first
        ((Q1, Q2), (Received(date(2026, 3, 1), D("1500.00")),), date(2026, 4, 1),
         {"2026-Q1": "0.00", "2026-Q2": "500.00"}, "0.00", "0.00", "500.00", "0.00"),
        # a referenced payment larger than its period: the rest pays the oldest
        ((Q1, Q2), (Received(date(2026, 3, 1), D("1200.00"), "000000126211"),), date(2026, 4, 1),
         {"2026-Q1": "800.00", "2026-Q2": "0.00"}, "24.00", "0.00", "824.00", "824.00"),
        # overpayment becomes a credit; a refund charge too; money paid back reduces it
        ((Q1, REFUND), (Received(date(2026, 3, 1), D("1100.00")), Received(date(2026, 3, 5), D("-50.00"))),
         date(2026, 4, 1), {"2026-Q1": "0.00"}, "0.00", "200.00", "-200.00", "0.00"),
        # half paid late: 3 % on the half unpaid at the end of Q1 only
        ((Q1,), (Received(date(2026, 3, 20), D("500.00")), Received(date(2026, 4, 10), D("500.00"))),
         date(2026, 12, 1), {"2026-Q1": "0.00"}, "15.00", "0.00", "15.00", "15.00"),
        # payments after as_of are not counted
        ((Q1,), (Received(date(2026, 5, 1), D("1000.00")),), date(2026, 4, 30),
         {"2026-Q1": "1000.00"}, "30.00", "0.00", "1030.00", "1030.00"),
    ],
)
def test_account(charges, received, as_of, unpaid, surcharges, credit, balance, overdue) -> None:
    result = account(charges, received, as_of)
    assert {p.period: f"{p.unpaid:.2f}" for p in result.periods} == unpaid
    assert f"{result.surcharge_total:.2f}" == surcharges
    assert f"{result.credit:.2f}" == credit
    assert f"{result.balance:.2f}" == balance
    assert f"{result.overdue_balance:.2f}" == overdue


def test_a_year_unpaid_adds_the_yearly_seven_percent() -> None:
    q4 = Charge("2025-Q4", date(2025, 12, 31), D("1000.00"), "000000125412")
    result = account((q4,), (), date(2026, 1, 1))
    assert [(s.date, s.amount) for s in result.periods[0].surcharges] == [
        (date(2025, 12, 31), D("30.00")), (date(2026, 1, 1), D("70.00"))]
    assert [p.period for p in result.overdue()] == ["2025-Q4"]
