"""What the collection triggers and lists read: each payer's charges and payments as rules/account.py values,
the situations that hold collection back, and the collection letters and list entries already recorded.

Read-only, in batches of payers so memory follows the batch, not the fund.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from correspondence import schema
from rules.account import Charge, Received
from rules.errors import RuleError
from rules.payment_reference import digits_of, structured_reference
from scheduler.fund import FundView

BATCH = 500
# Kinds of suspension during which no reminder, formal notice or hand-over goes out.
HOLDS = ("exemption_request", "appeal", "bankruptcy", "death")


@dataclass(frozen=True)
class Ledger:
    payer_id: str
    charges: tuple[Charge, ...]
    received: tuple[Received, ...]
    regularisations: tuple[dict[str, Any], ...]  # the contribution rows of kind regularisation


def reference(payer_id: str, year: int, period: str) -> str:
    """The twelve digits of the period's structured communication; empty when the id has no payer number
    (the letter asking money then fails to compose and is quarantined, naming the id)."""
    try:
        return digits_of(structured_reference(payer_id, year, period))
    except RuleError:
        return ""


def charges_of(payer_id: str, rows: list[dict[str, Any]]) -> tuple[Charge, ...]:
    """Provisional contributions per quarter (`2026-Q1`), regularisations per contribution year (`2024-REG`)."""
    grouped: dict[tuple[str, int], tuple[date, Decimal, str]] = {}
    for row in rows:
        if row["kind"] == "regularisation":
            period, code = f"{row['year']}-REG", "regularisation"
        else:
            period, code = f"{row['year']}-Q{row['quarter']}", f"Q{row['quarter']}"
        due, amount, _ = grouped.get((period, row["year"]), (row["due_date"], Decimal(0), code))
        grouped[(period, row["year"])] = (max(due, row["due_date"]), amount + row["amount"] + row["fee"], code)
    return tuple(Charge(period, due, amount, reference(payer_id, year, code))
                 for (period, year), (due, amount, code) in sorted(grouped.items()))


def ledgers(fund: FundView) -> Iterator[Ledger]:
    """Every affiliate that was ever charged, in id order, with all their contributions and payments."""
    c, _p = schema.contributions.c, schema.payments.c
    ids = list(fund.connection.scalars(select(c.affiliate_id).distinct().order_by(c.affiliate_id)))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        rows: dict[str, list[dict[str, Any]]] = {i: [] for i in batch}
        for row in fund.connection.execute(select(schema.contributions).where(c.affiliate_id.in_(batch))
                                           .order_by(c.contribution_id)).mappings():
            rows[row["affiliate_id"]].append(dict(row))
        paid = payments(fund, "affiliate", batch)
        for payer in batch:
            regs = tuple(r for r in rows[payer] if r["kind"] == "regularisation")
            yield Ledger(payer, charges_of(payer, rows[payer]), paid.get(payer, ()), regs)


def payments(fund: FundView, payer_type: str, ids: list[str]) -> dict[str, tuple[Received, ...]]:
    p = schema.payments.c
    out: dict[str, list[Received]] = {}
    query = (select(p.payer_id, p.received_on, p.amount, p.structured_reference)
             .where(p.payer_type == payer_type, p.payer_id.in_(ids)).order_by(p.received_on, p.payment_id))
    for row in fund.connection.execute(query):
        out.setdefault(row.payer_id, []).append(Received(row.received_on, row.amount, row.structured_reference))
    return {k: tuple(v) for k, v in out.items()}


def holds(fund: FundView, day: date) -> dict[str, set[str]]:
    """Affiliates for whom something holds collection back on `day`: kind(s) by affiliate id."""
    out: dict[str, set[str]] = {}
    for table in (schema.suspensions, schema.payment_plans):
        t = table.c
        query = select(t.affiliate_id, t.kind).where(
            t.valid_from <= day, or_(t.valid_until.is_(None), t.valid_until >= day))
        for row in fund.connection.execute(query):
            if table is schema.payment_plans or row.kind in HOLDS:
                out.setdefault(row.affiliate_id, set()).add(row.kind)
    return out


def deceased(fund: FundView, day: date) -> set[str]:
    """Affiliates whose death is recorded on or before `day` (no letters: heirs are handled by hand)."""
    t = schema.suspensions.c
    return set(fund.connection.scalars(select(t.affiliate_id).where(t.kind == "death", t.valid_from <= day)))


def sent(fund: FundView, letter_type: str) -> dict[str, list[tuple[str, date]]]:
    """Letters of a type in the journal (tonight's included): (key suffix after the id, run date) by recipient."""
    l = schema.letters.c
    out: dict[str, list[tuple[str, date]]] = {}
    for row in fund.connection.execute(select(l.recipient_id, l.event_key, l.run_date)
                                       .where(l.letter_type == letter_type)):
        out.setdefault(row.recipient_id, []).append((row.event_key.split(":", 2)[2], row.run_date))
    return out


def listed(fund: FundView, list_name: str) -> dict[str, list[tuple[str, date]]]:
    """Case-list entries of a list: (key suffix after the id, day recorded) by record id."""
    t = schema.case_list_entries.c
    out: dict[str, list[tuple[str, date]]] = {}
    for row in fund.connection.execute(select(t.key, t.run_date).where(t.list == list_name)):
        _, payer, label = row.key.split(":", 2)
        out.setdefault(payer, []).append((label, row.run_date))
    return out


def companies(fund: FundView) -> Iterator[tuple[dict[str, Any], tuple[Received, ...]]]:
    """Every company with its payments, in id order."""
    c = schema.companies.c
    rows = [dict(r) for r in fund.connection.execute(select(schema.companies).order_by(c.company_id)).mappings()]
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        paid = payments(fund, "company", [r["company_id"] for r in batch])
        for row in batch:
            yield row, paid.get(row["company_id"], ())

