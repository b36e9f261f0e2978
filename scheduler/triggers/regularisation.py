"""Regularisation notices: when the fund charges (or refunds) the difference once the real income is known.

A regularisation supplement is due by the last day of the quarter after the quarter it was charged in
(domain/contributions.md), so the row's due date tells when it was charged: the notice goes out on any
night from the first day of that quarter up to the due date (`regularisation:<contribution_id>`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from correspondence.compose import Event
from rules.calendar import add_months, quarter_of, quarter_start
from rules.money import fmt
from rules.params import Parameters
from scheduler.fund import FundView
from scheduler.ledgers import deceased, ledgers


def charged_on(due_date: date) -> date:
    """The first day of the quarter before the one the regularisation is due in."""
    year, month = add_months(due_date.year, 3 * quarter_of(due_date) - 2, -3)
    return quarter_start(year, (month - 1) // 3 + 1)


def regularisation_notices(fund: FundView, day: date, params: Parameters) -> Iterator[Event]:
    dead = deceased(fund, day)
    for ledger in ledgers(fund):
        if ledger.payer_id in dead:
            continue
        for row in ledger.regularisations:
            total = row["amount"] + row["fee"]
            if total == 0 or not charged_on(row["due_date"]) <= day <= row["due_date"]:
                continue
            yield Event(f"regularisation:{row['contribution_id']}", "regularisation", "affiliate", ledger.payer_id, {
                "year": row["year"], "amount": fmt(row["amount"]), "fee": fmt(row["fee"]), "total": fmt(total),
                "due_date": row["due_date"].isoformat(), "refund": total < 0,
            })
