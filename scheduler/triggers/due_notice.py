"""Quarterly due notices: from the first day of a quarter, one event per contribution due that quarter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from correspondence.compose import Event
from rules.calendar import quarter_end, quarter_of, quarter_start
from rules.money import fmt
from rules.params import Parameters
from scheduler.fund import FundView


def due_notices(fund: FundView, day: date, params: Parameters) -> Iterator[Event]:
    year, quarter = day.year, quarter_of(day)
    for row in fund.provisional_contributions_due(quarter_start(year, quarter), quarter_end(year, quarter)):
        if row["amount"] + row["fee"] <= 0:
            continue  # nothing to pay: no notice
        yield Event(
            key=f"due_notice:{row['affiliate_id']}:{row['year']}-Q{row['quarter']}",
            letter_type="due_notice",
            recipient_type="affiliate",
            recipient_id=row["affiliate_id"],
            facts={
                "year": row["year"],
                "quarter": row["quarter"],
                "amount": fmt(row["amount"]),
                "fee": fmt(row["fee"]),
                "due_date": row["due_date"].isoformat() if isinstance(row["due_date"], date) else str(row["due_date"]),
            },
        )
