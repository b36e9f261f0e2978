"""The `Fund` over plain lists of rows, for tests: the same answers as `FundView` gives for the same rows in the
database (tests/kinds/ checks it), in a millisecond, with no database and no rendering.

Rows are dicts named as the columns of correspondence/schema.py; journal rows (`letters`,
`case_list_entries`) need only the columns the triggers read.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from correspondence.kinds.ledgers import HOLDS, Ledger, ledger, paid_to
from rules.account import Received

Rows = list[dict[str, Any]]


@dataclass
class MemoryFund:
    affiliate_rows: Rows = field(default_factory=list)
    company_rows: Rows = field(default_factory=list)
    contributions: Rows = field(default_factory=list)
    payments: Rows = field(default_factory=list)
    suspensions: Rows = field(default_factory=list)
    payment_plans: Rows = field(default_factory=list)
    claims: Rows = field(default_factory=list)
    benefit_payment_rows: Rows = field(default_factory=list)  # claim_id, month, paid_on, amount
    decisions: Rows = field(default_factory=list)
    letters: Rows = field(default_factory=list)  # letter_type, recipient_id, event_key, run_date
    case_list_entries: Rows = field(default_factory=list)  # key, list, run_date
    letters_sent: Rows = field(default_factory=list)  # letter_type, recipient_id, event_key, sent_on
    former_letters: Rows = field(default_factory=list)  # letter_type, recipient_id, event_key, due_on
    # statement_requests: affiliate_id, requested_on, letter_type (absent: account_statement), year (absent: 0)
    request_rows: Rows = field(default_factory=list)
    go_live: date | None = None

    def provisional_contributions_due(self, start: date, end: date) -> Iterator[dict[str, Any]]:
        summed: dict[tuple[str, int, int], dict[str, Any]] = {}
        for row in self.contributions:
            if row["kind"] != "provisional" or not start <= row["due_date"] <= end:
                continue
            key = (row["affiliate_id"], row["year"], row["quarter"])
            found = summed.setdefault(key, {"affiliate_id": key[0], "year": key[1], "quarter": key[2],
                                            "amount": Decimal(0), "fee": Decimal(0), "due_date": row["due_date"]})
            found["amount"] += row["amount"]
            found["fee"] += row["fee"]
            found["due_date"] = max(found["due_date"], row["due_date"])
        for key in sorted(summed):
            yield dict(summed[key])

    def paid_to_quarter(self, year: int, quarter: int, day: date) -> dict[str, Decimal]:
        found = {payer.payer_id: paid_to(payer, f"{year}-Q{quarter}", day) for payer in self.ledgers()}
        return {payer: paid for payer, paid in found.items() if paid > 0}

    def recipients(self, kind: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = set(ids)
        rows = self.affiliate_rows if kind == "affiliate" else self.company_rows
        return {r[f"{kind}_id"]: dict(r) for r in rows if r[f"{kind}_id"] in wanted}

    def ledgers(self, payers: Collection[str] | None = None) -> Iterator[Ledger]:
        wanted = None if payers is None else set(payers)
        for payer in sorted({r["affiliate_id"] for r in self.contributions}):
            if wanted is not None and payer not in wanted:
                continue
            rows = sorted((dict(r) for r in self.contributions if r["affiliate_id"] == payer),
                          key=lambda r: r["contribution_id"])
            yield ledger(payer, rows, self._received("affiliate", payer))

    def regularised(self, day: date) -> set[str]:
        return {r["affiliate_id"] for r in self.contributions if r["kind"] == "regularisation" and r["due_date"] >= day}

    def companies(self) -> Iterator[tuple[dict[str, Any], tuple[Received, ...]]]:
        for row in sorted(self.company_rows, key=lambda r: r["company_id"]):
            yield dict(row), self._received("company", row["company_id"])

    def _received(self, payer_type: str, payer_id: str) -> tuple[Received, ...]:
        rows = sorted((p for p in self.payments if p["payer_type"] == payer_type and p["payer_id"] == payer_id),
                      key=lambda p: (p["received_on"], p["payment_id"]))
        return tuple(Received(p["received_on"], p["amount"], p["structured_reference"]) for p in rows)

    def holds(self, day: date) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for rows, every in ((self.suspensions, False), (self.payment_plans, True)):
            for row in rows:
                current = row["valid_from"] <= day and (row.get("valid_until") is None or row["valid_until"] >= day)
                if current and (every or row["kind"] in HOLDS):
                    out.setdefault(row["affiliate_id"], set()).add(row["kind"])
        return out

    def deceased(self, day: date) -> set[str]:
        return {r["affiliate_id"] for r in self.suspensions if r["kind"] == "death" and r["valid_from"] <= day}

    def deaths(self) -> dict[str, date]:
        out: dict[str, date] = {}
        for r in self.suspensions:
            if r["kind"] == "death":
                out[r["affiliate_id"]] = min(r["valid_from"], out.get(r["affiliate_id"], r["valid_from"]))
        return out

    def sent(self, letter_type: str) -> dict[str, list[tuple[str, date]]]:
        out: dict[str, list[tuple[str, date]]] = {}
        for rows, on in ((self.letters, "run_date"), (self.letters_sent, "sent_on"), (self.former_letters, "due_on")):
            for row in rows:
                if row["letter_type"] == letter_type:
                    out.setdefault(row["recipient_id"], []).append((row["event_key"].split(":", 2)[2], row[on]))
        return out

    def former(self, letter_type: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for row in (*self.letters_sent, *self.former_letters):
            if row["letter_type"] == letter_type:
                out.setdefault(row["recipient_id"], set()).add(row["event_key"].split(":", 2)[2])
        return out

    def statement_requests(self, start: date, end: date) -> list[tuple[str, date]]:
        return [(affiliate, on) for affiliate, on, _ in self._requests("account_statement", start, end)]

    def certificate_requests(self, start: date, end: date) -> list[tuple[str, date, int]]:
        return self._requests("fiscal_certificate", start, end)

    def _requests(self, letter_type: str, start: date, end: date) -> list[tuple[str, date, int]]:
        return sorted((r["affiliate_id"], r["requested_on"], r.get("year", 0)) for r in self.request_rows
                      if r.get("letter_type", "account_statement") == letter_type and start <= r["requested_on"] <= end)

    def former_stated(self, letter_type: str) -> dict[str, set[str]]:
        return _keys(self.letters_sent, letter_type)

    def former_assumed(self, letter_type: str) -> dict[str, set[str]]:
        stated = self.former_stated(letter_type)
        return {rid: left for rid, keys in _keys(self.former_letters, letter_type).items()
                if (left := keys - stated.get(rid, set()))}

    def listed(self, list_name: str) -> dict[str, list[tuple[str, date]]]:
        out: dict[str, list[tuple[str, date]]] = {}
        for row in self.case_list_entries:
            if row["list"] == list_name:
                _, payer, label = row["key"].split(":", 2)
                out.setdefault(payer, []).append((label, row["run_date"]))
        return out

    def mantelzorg_claims(self) -> Iterator[dict[str, Any]]:
        claims = [c for c in self.claims if c["kind"] == "mantelzorg"]
        for claim in sorted(claims, key=lambda c: (c["affiliate_id"], c["received_on"], c["claim_id"])):
            yield dict(claim)

    def mantelzorg_decisions(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for row in sorted(self.decisions, key=lambda d: (d["claim_id"], d["decided_on"], d["event_key"])):
            found.setdefault(row["claim_id"], []).append(dict(row))
        return found

    def benefit_payments(self, claim_id: str) -> list[dict[str, Any]]:
        rows = [r for r in self.benefit_payment_rows if r["claim_id"] == claim_id]
        return [{k: r[k] for k in ("month", "paid_on", "amount")}
                for r in sorted(rows, key=lambda r: (r["month"], r["paid_on"]))]

    def provisional(self, affiliate_id: str, year: int, quarter: int) -> list[tuple[Decimal, Decimal]]:
        return [(r["amount"], r["fee"]) for r in self.contributions if r["affiliate_id"] == affiliate_id
                and r["kind"] == "provisional" and r["year"] == year and r["quarter"] == quarter]

    def paid_under(self, payer_type: str, payer_id: str, reference: str) -> Decimal:
        return sum((p["amount"] for p in self.payments if p["payer_type"] == payer_type
                    and p["payer_id"] == payer_id and p["structured_reference"] == reference), Decimal(0))


def _keys(rows: list[dict[str, Any]], letter_type: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in rows:
        if row["letter_type"] == letter_type:
            out.setdefault(row["recipient_id"], set()).add(row["event_key"].split(":", 2)[2])
    return out
