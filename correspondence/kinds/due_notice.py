"""The quarterly due notice: from the first day of a quarter, one letter per contribution due that quarter
(`due_notice:<affiliate>:<year>-Q<quarter>`) — the provisional contribution, the fee, the due date, how to pay.

The notice is due on its quarter's first day (`Event.due_on`), also for an affiliate who joined during the
quarter: the contributions table records no day on which a charge was made, so a cut-over in mid-quarter
leaves that quarter's notices to the former system, which charged them.

Never for a quarter already paid in full by the night (a catch-up night, the first nights after go-live): what
is paid is what the account counts on that quarter (rules/account.py `allocate`: payments received on or before
the night, those carrying the quarter's structured communication first), so the notice never disagrees with a
later reminder or statement. A partly paid quarter's notice shows what was received and asks only the rest (the
payment slip's amount).

Never to a deceased affiliate (what is due goes to the heirs' list); held for a case handler during a
bankruptcy, and when the amounts are implausible (negative, above the legal maximum): kinds/interlocks.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from correspondence.kinds.blocks import payment_block
from correspondence.kinds.fund import Fund
from correspondence.kinds.interlocks import Interlocks, held
from correspondence.kinds.letter import ComposeEnv, Event, Held
from rules.calendar import quarter_end, quarter_of, quarter_start
from rules.money import fmt
from rules.params import Parameters
from rules.payment_reference import structured_reference
from rules.plausibility import quarterly_contribution


@dataclass(frozen=True)
class DueNotice:
    year: int
    quarter: int
    amount: str  # money as the letter prints it (rules.money.fmt)
    fee: str
    due_date: str  # ISO date
    received: str = "0.00"  # what the account counts as paid on the quarter by the night


def due_notices(fund: Fund, day: date, params: Parameters) -> Iterator[Event | Held]:
    year, quarter = day.year, quarter_of(day)
    interlocks = Interlocks(fund, day, params)
    paid = fund.paid_to_quarter(year, quarter, day)
    for row in fund.provisional_contributions_due(quarter_start(year, quarter), quarter_end(year, quarter)):
        key = f"due_notice:{row['affiliate_id']}:{row['year']}-Q{row['quarter']}"
        amount, fee = row["amount"], row["fee"]
        if amount + fee <= 0 and amount >= 0 and fee >= 0:
            continue  # nothing to pay: no notice
        received = paid.get(row["affiliate_id"], Decimal(0))
        if received > 0 and received >= amount + fee:
            continue  # paid in full by the night: no notice
        first_due = quarter_start(row["year"], row["quarter"])
        addressee = interlocks.check(key, "due_notice", row["affiliate_id"])
        if isinstance(addressee, Held):
            yield replace(addressee, due_on=first_due)
        if addressee != "affiliate":
            continue  # held, or deceased: what is due is on the heirs' list
        problem = held(key, f"affiliate {row['affiliate_id']}", quarterly_contribution(row["year"], amount, fee, params))
        if problem is not None:
            yield replace(problem, due_on=first_due)
            continue
        yield Event(
            key=key,
            letter_type="due_notice",
            recipient_type="affiliate",
            recipient_id=row["affiliate_id"],
            due_on=first_due,
            facts=DueNotice(
                year=row["year"],
                quarter=row["quarter"],
                amount=fmt(row["amount"]),
                fee=fmt(row["fee"]),
                due_date=row["due_date"].isoformat() if isinstance(row["due_date"], date) else str(row["due_date"]),
                received=fmt(received),
            ),
        )


def compose(event: Event, recipient: dict[str, Any], env: ComposeEnv, language: str) -> dict[str, Any]:
    facts: DueNotice = event.facts
    amount, fee = Decimal(facts.amount), Decimal(facts.fee)
    total, received = amount + fee, Decimal(facts.received)
    reference = structured_reference(event.recipient_id, facts.year, f"Q{facts.quarter}")
    return {
        "contribution": {
            "year": facts.year,
            "quarter": facts.quarter,
            "period": f"{facts.year}-Q{facts.quarter}",
            "amount": fmt(amount),
            "fee": fmt(fee),
            "total": fmt(total),
            "received": fmt(received),
            "rest": fmt(total - received),
            "partly_paid": received > 0,
            "due_date": facts.due_date,
        },
        "payment": payment_block(env.fund, language, fmt(total - received), reference),
    }
