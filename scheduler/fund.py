"""A read-only view of the fund's data for triggers: plain rows, streamed, in a stable order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from correspondence import schema
from rules.calendar import quarter_end, quarter_start
from rules.payment_reference import digits_of, structured_reference

STREAM = {"yield_per": 1000}


class FundView:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def provisional_contributions_due(self, start: date, end: date) -> Iterator[dict[str, Any]]:
        """Provisional contributions due between start and end, summed per affiliate and quarter."""
        c = schema.contributions.c
        query = (
            select(
                c.affiliate_id, c.year, c.quarter,
                func.sum(c.amount).label("amount"), func.sum(c.fee).label("fee"), func.max(c.due_date).label("due_date"),
            )
            .where(c.kind == "provisional", c.due_date >= start, c.due_date <= end)
            .group_by(c.affiliate_id, c.year, c.quarter)
            .order_by(c.affiliate_id, c.year, c.quarter)
        )
        for row in self.connection.execute(query.execution_options(**STREAM)).mappings():
            yield dict(row)

    def recipients(self, kind: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        table = schema.affiliates if kind == "affiliate" else schema.companies
        key = table.c[f"{kind}_id"]
        wanted = sorted(set(ids))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            rows = self.connection.execute(select(table).where(key.in_(wanted[start : start + 500]))).mappings()
            found.update((row[key.name], dict(row)) for row in rows)
        return found

    # ---- mantelzorg claims (issue 4): what a decision is taken on -------------------------------------

    def mantelzorg_claims(self) -> Iterator[dict[str, Any]]:
        """Every mantelzorg claim, per affiliate in order of receipt (a later claim is decided after an earlier)."""
        c = schema.claims.c
        query = (select(schema.claims).where(c.kind == "mantelzorg")
                 .order_by(c.affiliate_id, c.received_on, c.claim_id))
        for row in self.connection.execute(query.execution_options(**STREAM)).mappings():
            yield dict(row)

    def mantelzorg_decisions(self) -> dict[str, list[dict[str, Any]]]:
        """The decisions already taken, per claim id, oldest first (claims are few: read them at once)."""
        d = schema.decisions.c
        found: dict[str, list[dict[str, Any]]] = {}
        for row in self.connection.execute(select(schema.decisions).order_by(d.claim_id, d.decided_on, d.event_key)).mappings():
            found.setdefault(row["claim_id"], []).append(dict(row))
        return found

    def provisional_contribution(self, affiliate_id: str, year: int, quarter: int) -> Decimal:
        """The provisional contribution due for a quarter, without the fee (0 when none is recorded)."""
        c = schema.contributions.c
        rows = self.connection.execute(select(c.amount).where(
            c.affiliate_id == affiliate_id, c.kind == "provisional", c.year == year, c.quarter == quarter)).scalars()
        return sum(rows, Decimal(0))

    def quarter_state(self, affiliate: dict[str, Any], year: int, quarter: int) -> str:
        """paid | unpaid | not_affiliated for one quarter, as the mantelzorg rule reads it.

        (fund policy) Not affiliated on any day of the quarter, or no provisional contribution recorded for it:
        not_affiliated. Otherwise paid when the payments carrying that quarter's structured communication
        cover the contribution and the fee.
        """
        start, end = quarter_start(year, quarter), quarter_end(year, quarter)
        until = affiliate.get("affiliated_until")
        if affiliate["affiliated_since"] > end or (until is not None and until < start):
            return "not_affiliated"
        c, p = schema.contributions.c, schema.payments.c
        due = self.connection.execute(select(c.amount, c.fee).where(
            c.affiliate_id == affiliate["affiliate_id"], c.kind == "provisional", c.year == year,
            c.quarter == quarter)).all()
        if not due:
            return "not_affiliated"
        reference = digits_of(structured_reference(affiliate["affiliate_id"], year, f"Q{quarter}"))
        paid = self.connection.scalars(select(p.amount).where(
            p.payer_type == "affiliate", p.payer_id == affiliate["affiliate_id"],
            p.structured_reference == reference))
        return "paid" if sum(paid, Decimal(0)) >= sum((r.amount + r.fee for r in due), Decimal(0)) else "unpaid"
