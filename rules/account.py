"""An affiliate's (or company's) open account on a day: what was charged per period, which payments paid it,
the surcharges so far, and the balance. Pure: the caller gives the charges and payments as plain values.

Choices (for the README):
- A payment whose structured communication names a period (rules/payment_reference.py) pays that period
  first; what it leaves over, and every payment without such a reference (none, the "account" code 9, or
  one of another payer), pays the periods oldest due date first. Payments are taken in the order received.
- A period's charge is its contribution plus the fund's fee; surcharges (rules/surcharges.py) are computed
  on the unpaid part of that charge [confirm: whether the fee bears surcharges]. Payments never pay
  surcharges before contributions; what is left after every contribution is paid is a credit, which the
  balance nets against surcharges.
- A negative charge (a regularisation refund) is no period to pay: it is a credit. A negative payment is
  money the fund paid back: it reduces the credit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rules.calendar import quarter_of
from rules.params import Parameters
from rules.surcharges import Payment, Surcharge, surcharges

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Charge:
    period: str  # "2026-Q1", "2024-REG", "2025" (company)
    due_date: date
    amount: Decimal  # contribution + fee; negative for a refund
    reference: str  # the twelve digits of the period's structured communication
    fee: Decimal = ZERO  # the fund's fee included in `amount`, shown apart on the letters


@dataclass(frozen=True)
class Received:
    received_on: date
    amount: Decimal
    reference: str = ""  # twelve digits, or empty


@dataclass(frozen=True)
class PeriodLine:
    period: str
    due_date: date
    charged: Decimal
    paid: Decimal
    unpaid: Decimal
    payments: tuple[Payment, ...]  # the parts of payments that paid this period, by day received
    surcharges: tuple[Surcharge, ...]
    fee: Decimal = ZERO  # the fund's fee included in `charged`

    @property
    def surcharge_total(self) -> Decimal:
        return sum((s.amount for s in self.surcharges), ZERO)


@dataclass(frozen=True)
class Account:
    as_of: date
    periods: tuple[PeriodLine, ...]  # positive charges, oldest due date first
    credit: Decimal  # refunds owed and payments not needed for any contribution, less money paid back
    payments: tuple[Received, ...]  # every payment counted, by day received

    def overdue(self) -> tuple[PeriodLine, ...]:
        """Periods due before `as_of` and still (partly) unpaid: a payment on the due date is on time."""
        return tuple(p for p in self.periods if p.unpaid > 0 and p.due_date < self.as_of)

    @property
    def unpaid(self) -> Decimal:
        return sum((p.unpaid for p in self.periods), ZERO)

    @property
    def overdue_unpaid(self) -> Decimal:
        return sum((p.unpaid for p in self.overdue()), ZERO)

    @property
    def surcharge_total(self) -> Decimal:
        return sum((p.surcharge_total for p in self.periods), ZERO)

    @property
    def balance(self) -> Decimal:
        """What the payer owes (positive) or is owed (negative) on `as_of`, surcharges included."""
        return self.unpaid + self.surcharge_total - self.credit

    @property
    def overdue_balance(self) -> Decimal:
        """What is due now: overdue contributions and every surcharge, less the credit; never below zero."""
        return max(self.overdue_unpaid + self.surcharge_total - self.credit, ZERO)


def allocate(charges: Iterable[Charge], received: Iterable[Received]) -> tuple[dict[str, list[Payment]], Decimal]:
    """Which parts of which payments paid each period (by period), and the credit left over."""
    open_charges = sorted((c for c in charges if c.amount > 0), key=lambda c: (c.due_date, c.period))
    remaining = {c.period: c.amount for c in open_charges}
    by_reference = {c.reference: c.period for c in open_charges}
    paid: dict[str, list[Payment]] = {c.period: [] for c in open_charges}
    credit = sum((-c.amount for c in charges if c.amount < 0), ZERO)
    for payment in sorted(received, key=lambda r: r.received_on):
        if payment.amount <= 0:
            credit += payment.amount  # money paid back by the fund
            continue
        left = payment.amount
        targets = [by_reference[payment.reference]] if payment.reference in by_reference else []
        targets += [c.period for c in open_charges]
        for period in targets:
            part = min(left, remaining[period])
            if part > 0:
                paid[period].append(Payment(payment.received_on, part))
                remaining[period] -= part
                left -= part
            if left == 0:
                break
        credit += left
    return paid, credit


def account(charges: Iterable[Charge], received: Iterable[Received], as_of: date,
            params: Parameters | None = None) -> Account:
    """The account on `as_of` (payments received after it are ignored), surcharges up to that day."""
    charges = tuple(charges)
    counted = tuple(sorted((r for r in received if r.received_on <= as_of), key=lambda r: r.received_on))
    paid, credit = allocate(charges, counted)
    lines = []
    for charge in sorted((c for c in charges if c.amount > 0), key=lambda c: (c.due_date, c.period)):
        parts = tuple(paid[charge.period])
        statement = surcharges(charge.amount, charge.due_date.year, quarter_of(charge.due_date), charge.due_date,
                               parts, as_of, params)
        done = sum((p.amount for p in parts), ZERO)
        lines.append(PeriodLine(charge.period, charge.due_date, charge.amount, done, charge.amount - done, parts,
                                statement.surcharges, charge.fee))
    return Account(as_of, tuple(lines), credit, counted)
