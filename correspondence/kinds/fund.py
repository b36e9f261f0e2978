"""The fund's data as the triggers read it: the `Fund` protocol, and `FundView`, its implementation over the
database (plain rows, streamed, in a stable order). Triggers read nothing else, so they run as well over the
in-memory fund of kinds/memory.py (the fast tests) as over the database (the night).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Connection, func, or_, select

from correspondence import schema
from correspondence.kinds.ledgers import HOLDS, Ledger, ledger, paid_to
from rules.account import Received

STREAM = {"yield_per": 1000}
BATCH = 500  # payers read per statement: memory follows the batch, not the fund
# What the former system sent, and the day it counts from: stated by the fund, or left to it at go-live.
FORMER = ((schema.letters_sent, "sent_on"), (schema.former_letters, "due_on"))


class Fund(Protocol):
    """Everything a trigger may read of the fund. Rows are dicts named as the columns of correspondence/schema.py."""

    # The fund's go-live day (fund profile `[cutover]`), None without one: an event due before it is the former
    # system's and never printed (scheduler/night.py), so it answers no request made since (kinds/statements.py).
    go_live: date | None

    def provisional_contributions_due(self, start: date, end: date) -> Iterable[dict[str, Any]]:
        """Provisional contributions due between start and end, summed per affiliate and quarter, in that order."""
        ...

    def paid_to_quarter(self, year: int, quarter: int, day: date) -> dict[str, Decimal]:
        """What the account counts as paid on a quarter's provisional contribution from the payments received on
        or before `day` (kinds/ledgers.py `paid_to`), by affiliate; affiliates with nothing paid are left out."""
        ...

    def recipients(self, kind: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The affiliates or companies with these ids, by id (unknown ids are left out)."""
        ...

    def ledgers(self, payers: Collection[str] | None = None) -> Iterable[Ledger]:
        """Every affiliate that was ever charged, in id order, with all their contributions and payments; with
        `payers`, only those of them (a trigger that can only concern some payers reads only theirs)."""
        ...

    def regularised(self, day: date) -> set[str]:
        """Affiliates with a regularisation row due on or after `day` (the regularisation trigger's candidates)."""
        ...

    def companies(self) -> Iterable[tuple[dict[str, Any], tuple[Received, ...]]]:
        """Every company with its payments, in id order."""
        ...

    def holds(self, day: date) -> dict[str, set[str]]:
        """Affiliates for whom something holds collection back on `day`: kind(s) by affiliate id."""
        ...

    def deceased(self, day: date) -> set[str]:
        """Affiliates whose death is recorded on or before `day` (no letter to them; kinds/interlocks.py)."""
        ...

    def deaths(self) -> dict[str, date]:
        """The recorded date of death by affiliate, whatever its date (a date after the night is implausible)."""
        ...

    def sent(self, letter_type: str) -> dict[str, list[tuple[str, date]]]:
        """Letters of a type in the journal (tonight's included): (key suffix after the id, run date) by recipient;
        with those of the former system (go-live): stated in letters_sent.csv (sent_on), or due before go-live
        and journaled as the former system's (due_on)."""
        ...

    def former(self, letter_type: str) -> dict[str, set[str]]:
        """Of `sent`, those the former system sent: key suffixes by recipient."""
        ...

    def statement_requests(self, start: date, end: date) -> list[tuple[str, date]]:
        """(affiliate, requested_on) of the account statements asked for between start and end, in that order."""
        ...

    def certificate_requests(self, start: date, end: date) -> list[tuple[str, date, int]]:
        """(affiliate, requested_on, year) of the fiscal certificates asked for between start and end, in that order."""
        ...

    def former_stated(self, letter_type: str) -> dict[str, set[str]]:
        """Of `former`, those stated in letters_sent.csv: key suffixes by recipient."""
        ...

    def former_assumed(self, letter_type: str) -> dict[str, set[str]]:
        """Of `former`, those only assumed sent (due before go-live, stated nowhere): key suffixes by recipient."""
        ...

    def listed(self, list_name: str) -> dict[str, list[tuple[str, date]]]:
        """Case-list entries of a list: (key suffix after the id, day recorded) by record id."""
        ...

    def mantelzorg_claims(self) -> Iterable[dict[str, Any]]:
        """Every mantelzorg claim, per affiliate in order of receipt (a later claim is decided after an earlier)."""
        ...

    def mantelzorg_decisions(self) -> dict[str, list[dict[str, Any]]]:
        """The decisions already taken, per claim id, oldest first."""
        ...

    def benefit_payments(self, claim_id: str) -> list[dict[str, Any]]:
        """What the fund paid on a claim (month, paid_on, amount), by month then day of payment."""
        ...

    def provisional(self, affiliate_id: str, year: int, quarter: int) -> list[tuple[Decimal, Decimal]]:
        """(amount, fee) of each provisional contribution recorded for one quarter."""
        ...

    def paid_under(self, payer_type: str, payer_id: str, reference: str) -> Decimal:
        """The sum of a payer's payments carrying this structured communication (its twelve digits)."""
        ...


class FundView:
    """The `Fund` over the database, read-only, inside the night's transaction."""

    def __init__(self, connection: Connection, go_live: date | None = None) -> None:
        self.connection = connection
        self.go_live = go_live

    def provisional_contributions_due(self, start: date, end: date) -> Iterator[dict[str, Any]]:
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

    def paid_to_quarter(self, year: int, quarter: int, day: date) -> dict[str, Decimal]:
        """Only the ledgers of the quarter's affiliates who paid anything by `day` are read (one query finds them)."""
        c, p = schema.contributions.c, schema.payments.c
        paying = (select(p.payer_id).where(p.payer_type == "affiliate", p.received_on <= day, p.amount > 0)
                  .distinct().subquery())
        ids = list(self.connection.scalars(
            select(c.affiliate_id).where(c.kind == "provisional", c.year == year, c.quarter == quarter,
                                         c.affiliate_id.in_(select(paying.c.payer_id)))
            .distinct().order_by(c.affiliate_id)))
        found = {payer.payer_id: paid_to(payer, f"{year}-Q{quarter}", day) for payer in self._ledgers(ids)}
        return {payer: paid for payer, paid in found.items() if paid > 0}

    def recipients(self, kind: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        table = schema.affiliates if kind == "affiliate" else schema.companies
        key = table.c[f"{kind}_id"]
        wanted = sorted(set(ids))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            rows = self.connection.execute(select(table).where(key.in_(wanted[start : start + 500]))).mappings()
            found.update((row[key.name], dict(row)) for row in rows)
        return found

    # ---- collection: ledgers, holds, letters and list entries already recorded ------------------------

    def ledgers(self, payers: Collection[str] | None = None) -> Iterator[Ledger]:
        c = schema.contributions.c
        ids = list(self.connection.scalars(select(c.affiliate_id).distinct().order_by(c.affiliate_id)))
        if payers is not None:
            wanted = set(payers)
            ids = [i for i in ids if i in wanted]
        yield from self._ledgers(ids)

    def regularised(self, day: date) -> set[str]:
        c = schema.contributions.c
        return set(self.connection.scalars(select(c.affiliate_id).distinct()
                                           .where(c.kind == "regularisation", c.due_date >= day)))

    def _ledgers(self, ids: list[str]) -> Iterator[Ledger]:
        c = schema.contributions.c
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            rows: dict[str, list[dict[str, Any]]] = {i: [] for i in batch}
            result = self.connection.execute(select(schema.contributions).where(c.affiliate_id.in_(batch))
                                             .order_by(c.contribution_id))
            keys = tuple(result.keys())
            for values in result:  # a plain dict per row: the mapping view costs twice as much
                row = dict(zip(keys, values, strict=True))
                rows[row["affiliate_id"]].append(row)
            paid = self._payments("affiliate", batch)
            for payer in batch:
                yield ledger(payer, rows[payer], paid.get(payer, ()))

    def companies(self) -> Iterator[tuple[dict[str, Any], tuple[Received, ...]]]:
        c = schema.companies.c
        rows = [dict(r) for r in self.connection.execute(select(schema.companies).order_by(c.company_id)).mappings()]
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            paid = self._payments("company", [r["company_id"] for r in batch])
            for row in batch:
                yield row, paid.get(row["company_id"], ())

    def _payments(self, payer_type: str, ids: list[str]) -> dict[str, tuple[Received, ...]]:
        p = schema.payments.c
        out: dict[str, list[Received]] = {}
        query = (select(p.payer_id, p.received_on, p.amount, p.structured_reference)
                 .where(p.payer_type == payer_type, p.payer_id.in_(ids)).order_by(p.received_on, p.payment_id))
        for row in self.connection.execute(query):
            out.setdefault(row.payer_id, []).append(Received(row.received_on, row.amount, row.structured_reference))
        return {k: tuple(v) for k, v in out.items()}

    def holds(self, day: date) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for table in (schema.suspensions, schema.payment_plans):
            t = table.c
            query = select(t.affiliate_id, t.kind).where(
                t.valid_from <= day, or_(t.valid_until.is_(None), t.valid_until >= day))
            for row in self.connection.execute(query):
                if table is schema.payment_plans or row.kind in HOLDS:
                    out.setdefault(row.affiliate_id, set()).add(row.kind)
        return out

    def deceased(self, day: date) -> set[str]:
        t = schema.suspensions.c
        return set(self.connection.scalars(select(t.affiliate_id).where(t.kind == "death", t.valid_from <= day)))

    def deaths(self) -> dict[str, date]:
        t = schema.suspensions.c
        out: dict[str, date] = {}
        for row in self.connection.execute(select(t.affiliate_id, t.valid_from).where(t.kind == "death")):
            out[row.affiliate_id] = min(row.valid_from, out.get(row.affiliate_id, row.valid_from))
        return out

    def sent(self, letter_type: str) -> dict[str, list[tuple[str, date]]]:
        out: dict[str, list[tuple[str, date]]] = {}
        for table, on in ((schema.letters, "run_date"), *FORMER):
            t = table.c
            for row in self.connection.execute(select(t.recipient_id, t.event_key, t[on])
                                               .where(t.letter_type == letter_type)):
                out.setdefault(row.recipient_id, []).append((row.event_key.split(":", 2)[2], row[2]))
        return out

    def former(self, letter_type: str) -> dict[str, set[str]]:
        return self._former(letter_type, FORMER)

    def former_stated(self, letter_type: str) -> dict[str, set[str]]:
        return self._former(letter_type, FORMER[:1])

    def former_assumed(self, letter_type: str) -> dict[str, set[str]]:
        stated = self.former_stated(letter_type)
        return {rid: left for rid, keys in self._former(letter_type, FORMER[1:]).items()
                if (left := keys - stated.get(rid, set()))}

    def _former(self, letter_type: str, tables: tuple[tuple[Any, str], ...]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for table, _ in tables:
            t = table.c
            for row in self.connection.execute(select(t.recipient_id, t.event_key).where(t.letter_type == letter_type)):
                out.setdefault(row.recipient_id, set()).add(row.event_key.split(":", 2)[2])
        return out

    def statement_requests(self, start: date, end: date) -> list[tuple[str, date]]:
        return [(affiliate, on) for affiliate, on, _ in self._requests("account_statement", start, end)]

    def certificate_requests(self, start: date, end: date) -> list[tuple[str, date, int]]:
        return self._requests("fiscal_certificate", start, end)

    def _requests(self, letter_type: str, start: date, end: date) -> list[tuple[str, date, int]]:
        t = schema.statement_requests.c
        query = (select(t.affiliate_id, t.requested_on, t.year)
                 .where(t.letter_type == letter_type, t.requested_on >= start, t.requested_on <= end)
                 .order_by(t.affiliate_id, t.requested_on, t.year))
        return [(row.affiliate_id, row.requested_on, row.year) for row in self.connection.execute(query)]

    def listed(self, list_name: str) -> dict[str, list[tuple[str, date]]]:
        t = schema.case_list_entries.c
        out: dict[str, list[tuple[str, date]]] = {}
        for row in self.connection.execute(select(t.key, t.run_date).where(t.list == list_name)):
            _, payer, label = row.key.split(":", 2)
            out.setdefault(payer, []).append((label, row.run_date))
        return out

    # ---- mantelzorg claims (issue 4): what a decision is taken on -------------------------------------

    def mantelzorg_claims(self) -> Iterator[dict[str, Any]]:
        c = schema.claims.c
        query = (select(schema.claims).where(c.kind == "mantelzorg")
                 .order_by(c.affiliate_id, c.received_on, c.claim_id))
        for row in self.connection.execute(query.execution_options(**STREAM)).mappings():
            yield dict(row)

    def mantelzorg_decisions(self) -> dict[str, list[dict[str, Any]]]:
        """(claims are few: read them at once)"""
        d = schema.decisions.c
        found: dict[str, list[dict[str, Any]]] = {}
        for row in self.connection.execute(select(schema.decisions).order_by(d.claim_id, d.decided_on, d.event_key)).mappings():
            found.setdefault(row["claim_id"], []).append(dict(row))
        return found

    def benefit_payments(self, claim_id: str) -> list[dict[str, Any]]:
        b = schema.benefit_payments.c
        query = select(b.month, b.paid_on, b.amount).where(b.claim_id == claim_id).order_by(b.month, b.paid_on)
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def provisional(self, affiliate_id: str, year: int, quarter: int) -> list[tuple[Decimal, Decimal]]:
        c = schema.contributions.c
        return [(r.amount, r.fee) for r in self.connection.execute(select(c.amount, c.fee).where(
            c.affiliate_id == affiliate_id, c.kind == "provisional", c.year == year, c.quarter == quarter))]

    def paid_under(self, payer_type: str, payer_id: str, reference: str) -> Decimal:
        p = schema.payments.c
        paid = self.connection.scalars(select(p.amount).where(
            p.payer_type == payer_type, p.payer_id == payer_id, p.structured_reference == reference))
        return sum(paid, Decimal(0))
