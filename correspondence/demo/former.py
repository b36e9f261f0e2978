"""The demo fund switched on as a real fund would be: its go-live day, and the reminders its former system sent.

The story (the same for a demo night on any day):
- go_live is the first day of the demo night's quarter, so the night prints no history (last year's fiscal
  certificates, reminders and formal notices reaching back a year, statements already sent) but does print
  the quarter's due notices (due on its first day).
- The former system ran until the day before go-live, never after: `letters_sent.csv` holds only letters sent
  before go-live. Its reminders are found by the engine's own reminder trigger run over the demo's rows on
  each reminder day (the policy's, 15 days after a due date) before go-live; the last of those rounds was
  held back by the migration to `go_live - formal_notice_after_reminder_days` (30 days), so its formal
  notices fall due on go-live itself: the engine sends them, worded as following the former system's
  reminder, on every demo night of the quarter. Earlier rounds' formal notices fell before go-live: the
  former system's, journaled as such and never printed.
- Companies: the former system's last round also reminded every company year still unpaid that day whose
  reminder day (the policy's, 30 days after its due date) had come (the demo's never-paying companies of
  demo/collection.py, one per language), so a company formal notice falls due on go-live too and the night
  shows one, in each language, whatever its day.
- Everything due from go-live on is the engine's: on a night late in the quarter that includes the reminders
  of the quarter before (15 days after go-live).
Example: night 3 December 2026 → go-live 1 October 2026, last former round 1 September 2026 (reminders of
the second quarter, company reminders), their formal notices due 1 October and printed on the night.

What a demo night shows, in nl, fr and de (the showcase affiliates and companies of demo/showcase.py and
demo/collection.py make it so whatever the fund's size): on every night, the quarter's due notices,
regularisations, formal notices, account statements and fiscal certificates (asked for that night, or the
season's from 1 March), and each mantelzorg decision (granted, refused, incomplete, recovery). The other letters
follow the law's calendar, and a letter due before go-live is the former system's, so they show only on some
nights (N is the night's year):
- reminder: from the 15th of the quarter's first month (15 days after the last quarter's due date) to the
  quarter's end; before, the quarter's reminders are not due yet and the earlier ones were the former system's.
- company due notice: from 1 October to 31 March — the companies' year N is due on 31 December; in the first
  quarter, the companies set up in December of N-1 owe that year by 31 March. No company contribution falls
  due from April to September, so no due notice then.
- company reminder: from 30 January to 31 March (30 days after the 31 December due date; the never-paying
  companies) and from 30 April to 30 June (30 days after 31 March: the companies set up in December of N-1).
  From July to January none falls due on or after go-live.
- company formal notice: from 1 April to 31 December (after the former system's last round). Not from January
  to March: the year N-1 falls due on 31 December, its reminder is the engine's (30 January), and its formal
  notice follows a month after the engine sent that reminder — never on a demo's first night.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections import defaultdict
from collections.abc import Collection, Iterator
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

    def ledgers(self, payers: Collection[str] | None = None) -> Iterator[Ledger]:
        charged: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self.contributions:
            charged[row["affiliate_id"]].append(row)
        for payer in sorted(charged if payers is None else set(charged) & set(payers)):
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


def last_round(day: date, params: Parameters | None = None) -> date:
    """The former system's last reminder round: its formal notices fall due on go-live itself."""
    start = go_live(day)
    return start - timedelta(collection_policy(start, params).formal_notice_after_reminder_days)


def letters_sent(rows: dict[str, list[dict[str, Any]]], day: date) -> list[dict[str, str]]:
    """The reminders (and company reminders) the former system sent before the go-live of the night `day`."""
    params = Parameters()
    start, last = go_live(day), last_round(day, params)
    policy = collection_policy(start, params)
    fund = _typed(rows)
    ends = [quarter_end(*_quarter(add_months(start.year, start.month, -3 * back))) for back in range(1, 6)]
    rounds = sorted(d for d in {policy.reminder_on(end) for end in ends} if d < start)[:-1] + [last]  # held back
    out: list[dict[str, str]] = []
    for on in rounds:
        # the former system's formal notices of the rounds before (due before go-live: the engine assumes them
        # sent, and journals them as the former system's): a reminder round skips the periods they listed
        for event in collection.formal_notices(fund, on, params):
            fund.letters_sent.append({"letter_type": event.letter_type, "recipient_id": event.recipient_id,
                                      "event_key": event.key, "sent_on": event.due_on})
        for event in collection.payment_reminders(fund, on, params):
            fund.letters_sent.append({"letter_type": event.letter_type, "recipient_id": event.recipient_id,
                                      "event_key": event.key, "sent_on": on})
            out.append(_row(event, on))
    for event in company.company_letters(fund, last, params):
        if isinstance(event, Event) and event.letter_type == "company_reminder":
            out.append(_row(event, last))
    return out


def _quarter(year_month: tuple[int, int]) -> tuple[int, int]:
    return year_month[0], (year_month[1] - 1) // 3 + 1


def _row(event: Event, on: date) -> dict[str, str]:
    return {"recipient_type": event.recipient_type, "recipient_id": event.recipient_id,
            "letter_type": event.letter_type, "period": event.key.split(":", 2)[2], "sent_on": on.isoformat()}
