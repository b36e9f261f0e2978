"""What the collection triggers and lists read, as rules/account.py values: each payer's charges and
payments, and the kinds of suspension that hold collection back. Pure: the fund (kinds/fund.py) reads the
rows, this module shapes them the same way for the database and for the in-memory fund.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from rules.account import Charge, Received, allocate
from rules.errors import RuleError
from rules.payment_reference import payer_number, reference_digits

# Kinds of suspension during which no reminder, formal notice or hand-over goes out.
HOLDS = ("exemption_request", "appeal", "bankruptcy", "death")


@dataclass(frozen=True)
class Ledger:
    payer_id: str
    charges: tuple[Charge, ...]
    received: tuple[Received, ...]
    regularisations: tuple[dict[str, Any], ...]  # the contribution rows of kind regularisation
    # Every contribution row, contribution and fee apart (the regularisation's calculation, the fiscal
    # certificate's fee shown apart); charges above add the two.
    contributions: tuple[dict[str, Any], ...] = ()


def reference(payer_id: str, year: int, period: str) -> str:
    """The twelve digits of the period's structured communication; empty when the id has no payer number
    (the letter asking money then fails to compose and is quarantined, naming the id)."""
    try:
        return reference_digits(payer_number(payer_id), year, period)
    except RuleError:
        return ""


def charges_of(payer_id: str, rows: list[dict[str, Any]]) -> tuple[Charge, ...]:
    """Provisional contributions per quarter (`2026-Q1`), regularisations per contribution year (`2024-REG`)."""
    grouped: dict[tuple[str, int], tuple[date, Decimal, str]] = {}
    fees: dict[tuple[str, int], Decimal] = {}
    for row in rows:
        if row["kind"] == "regularisation":
            period, code = f"{row['year']}-REG", "regularisation"
        else:
            period, code = f"{row['year']}-Q{row['quarter']}", f"Q{row['quarter']}"
        due, amount, _ = grouped.get((period, row["year"]), (row["due_date"], Decimal(0), code))
        grouped[(period, row["year"])] = (max(due, row["due_date"]), amount + row["amount"] + row["fee"], code)
        fees[(period, row["year"])] = fees.get((period, row["year"]), Decimal(0)) + row["fee"]
    return tuple(Charge(period, due, amount, reference(payer_id, year, code), fees[(period, year)])
                 for (period, year), (due, amount, code) in sorted(grouped.items()))


def ledger(payer_id: str, contributions: list[dict[str, Any]], received: tuple[Received, ...]) -> Ledger:
    """A payer's ledger from their contribution rows (in contribution id order) and payments (in order)."""
    regularisations = tuple(r for r in contributions if r["kind"] == "regularisation")
    return Ledger(payer_id, charges_of(payer_id, contributions), received, regularisations, tuple(contributions))


def paid_to(ledger: Ledger, period: str, day: date) -> Decimal:
    """What the account (rules/account.py `allocate`) counts as paid on `period` from the payments received on
    or before `day`: the due notice asks only the rest, so it never disagrees with a later reminder or statement."""
    paid, _ = allocate(ledger.charges, (r for r in ledger.received if r.received_on <= day))
    return sum((p.amount for p in paid.get(period, ())), Decimal(0))
