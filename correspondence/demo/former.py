"""The demo fund switched on as a real fund would be: its go-live day, and the reminders its former system sent.

go_live is the first day of the demo night's quarter: the night prints no history (last year's fiscal
certificates, reminders and formal notices reaching back a year, statements already sent) but does print the
quarter's due notices. The former system is pretended to have run in parallel until the night before the
demo night: `letters_sent.csv` states the reminders it sent, found by the engine's own reminder trigger run
over the demo's rows on each reminder day of the last year (company reminders too), so the night resumes the
collection cycle at the right step and shows the formal notices that follow those reminders.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from correspondence.importing import SPECS, FileReport, Known, parse_rows
from correspondence.kinds import collection, company
from correspondence.kinds.ledgers import Ledger, ledger
from correspondence.kinds.letter import Event
from correspondence.kinds.memory import MemoryFund
from rules.account import Received
from rules.calendar import add_months, quarter_end, quarter_of, quarter_start
from rules.collection_policy import collection_policy
from rules.params import Parameters

COLUMNS = ("recipient_type", "recipient_id", "letter_type", "period", "sent_on")


def go_live(day: date) -> date:
    """The demo's go-live: the first day of the demo night's quarter."""
    return quarter_start(day.year, quarter_of(day))


def switched_on(profile: str, day: date) -> str:
    """The fund profile's text with its go-live day: the demo's (`[cutover]` added), or the one it states."""
    if "cutover" in tomllib.loads(profile):
        return profile
    note = "# The demo is switched on at the start of its night's quarter (correspondence/demo/former.py)."
    return f'{profile.rstrip()}\n\n{note}\n[cutover]\ngo_live = "{go_live(day).isoformat()}"\n'


class _Indexed(MemoryFund):
    """The in-memory fund with its rows grouped per payer once (the demo has thousands of affiliates)."""

    def ledgers(self) -> Iterator[Ledger]:
        charged: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self.contributions:
            charged[row["affiliate_id"]].append(row)
        for payer in sorted(charged):
            rows = sorted(charged[payer], key=lambda r: r["contribution_id"])
            yield ledger(payer, rows, self._received("affiliate", payer))

    def _received(self, payer_type: str, payer_id: str) -> tuple[Received, ...]:
        if not hasattr(self, "_paid"):
            self._paid: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
            for p in sorted(self.payments, key=lambda p: (p["received_on"], p["payment_id"])):
                self._paid[(p["payer_type"], p["payer_id"])].append(p)
        return tuple(Received(p["received_on"], p["amount"], p["structured_reference"])
                     for p in self._paid.get((payer_type, payer_id), []))


def _typed(rows: dict[str, list[dict[str, Any]]]) -> _Indexed:
    """The demo's CSV rows as the database holds them, read by the importer's own parsing."""
    known, parsed = Known(), {}
    for spec in SPECS:
        if spec.name in rows:
            handle = io.StringIO(newline="")
            writer = csv.DictWriter(handle, fieldnames=list(spec.columns), extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows[spec.name])
            parsed[spec.name] = parse_rows(spec, handle.getvalue(), known, FileReport(spec.name))
    return _Indexed(affiliate_rows=parsed.get("affiliates.csv", []), company_rows=parsed.get("companies.csv", []),
                    contributions=parsed.get("contributions.csv", []), payments=parsed.get("payments.csv", []),
                    suspensions=parsed.get("suspensions.csv", []), payment_plans=parsed.get("payment_plans.csv", []))


def letters_sent(rows: dict[str, list[dict[str, Any]]], day: date) -> list[dict[str, str]]:
    """The reminders (and company reminders) the former system sent on its reminder days before `day`."""
    params = Parameters()
    policy = collection_policy(day, params)
    fund = _typed(rows)
    ends = [quarter_end(*_quarter(add_months(day.year, day.month, -3 * back))) for back in range(1, 5)]
    out: list[dict[str, str]] = []
    for on in sorted(d for d in {policy.reminder_on(end) for end in ends} if d < day):
        for event in collection.payment_reminders(fund, on, params):
            fund.letters_sent.append({"letter_type": event.letter_type, "recipient_id": event.recipient_id,
                                      "event_key": event.key, "sent_on": on})
            out.append(_row(event, on))
    # A company reminder: sent by the former system on the day it became due.
    for event in company.company_letters(fund, day - timedelta(1), params):
        if isinstance(event, Event) and event.letter_type == "company_reminder" and event.due_on:
            out.append(_row(event, event.due_on))
    return out


def _quarter(year_month: tuple[int, int]) -> tuple[int, int]:
    return year_month[0], (year_month[1] - 1) // 3 + 1


def _row(event: Event, on: date) -> dict[str, str]:
    return {"recipient_type": event.recipient_type, "recipient_id": event.recipient_id,
            "letter_type": event.letter_type, "period": event.key.split(":", 2)[2], "sent_on": on.isoformat()}
