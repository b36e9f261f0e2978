"""A read-only view of the fund's data for triggers: plain rows, streamed, in a stable order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from correspondence import schema

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
