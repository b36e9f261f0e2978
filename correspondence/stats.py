"""Statistics the supervising institutions ask for (charter item 6), for a year or one quarter: letters by
type, language and mail class; decisions by outcome; the delay from request to decision against the
Charter's four months; reminders and formal notices per period. Counts and dates only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from statistics import median

from sqlalchemy import Connection, select

from correspondence import schema
from correspondence.journal import EBOX, EBOX_PENDING
from correspondence.kinds.registry import KINDS
from rules.calendar import add_months, month_end, quarter_end, quarter_of, quarter_start

CHARTER_MONTHS = 4  # Charter of the Social Insured (law of 11 April 1995): a decision within four months
# A letter's channel by its journal status (the e-Box: correspondence/ebox/publish.py).
CHANNELS = {"rendered": "paper", "batched": "paper", EBOX: "e-Box", EBOX_PENDING: "e-Box, waiting for an answer"}
COLLECTION_TYPES = frozenset(k.name for k in KINDS if k.family == "collection")  # reminders, formal notices


@dataclass(frozen=True)
class Delays:
    decisions: int = 0
    within_charter: int = 0
    late: int = 0
    median_days: float | None = None
    max_days: int | None = None


@dataclass(frozen=True)
class Stats:
    period: str
    start: date
    end: date
    by_type: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    by_mail_class: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    decisions_by_outcome: dict[str, int] = field(default_factory=dict)
    delays: Delays = Delays()
    collection_by_period: dict[str, dict[str, int]] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str, str]]:
        """(section, key, value) rows: the CSV form, and the order the terminal shows."""
        out: list[tuple[str, str, str]] = []
        for section, counts in (("letters by type", self.by_type), ("letters by language", self.by_language),
                                ("letters by mail class", self.by_mail_class), ("letters by channel", self.by_channel),
                                ("decisions by outcome", self.decisions_by_outcome)):
            out.extend((section, k, str(v)) for k, v in counts.items())
        d = self.delays
        out += [("decision delay", "decisions", str(d.decisions)),
                ("decision delay", f"within {CHARTER_MONTHS} months", str(d.within_charter)),
                ("decision delay", f"later than {CHARTER_MONTHS} months", str(d.late)),
                ("decision delay", "median days", "" if d.median_days is None else f"{d.median_days:g}"),
                ("decision delay", "longest days", "" if d.max_days is None else str(d.max_days))]
        for period, counts in self.collection_by_period.items():
            out.extend((f"collection letters {period}", k, str(v)) for k, v in counts.items())
        return out


def period_bounds(year: int, quarter: int | None) -> tuple[str, date, date]:
    if quarter is None:
        return str(year), date(year, 1, 1), date(year, 12, 31)
    return f"{year}-Q{quarter}", quarter_start(year, quarter), quarter_end(year, quarter)


def charter_deadline(received_on: date) -> date:
    """The last day of the Charter's four months from the request (the same day number, or the month's end)."""
    year, month = add_months(received_on.year, received_on.month, CHARTER_MONTHS)
    return date(year, month, min(received_on.day, month_end(year, month).day))


def _counts(values: list[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def statistics(connection: Connection, year: int, quarter: int | None = None) -> Stats:
    label, start, end = period_bounds(year, quarter)
    l = schema.letters.c
    letters = connection.execute(
        select(l.letter_type, l.language, l.mail_class, l.run_date, l.status)
        .where(l.run_date >= start, l.run_date <= end, l.status.in_(tuple(CHANNELS)))
    ).all()
    d, c = schema.decisions.c, schema.claims.c
    decided = connection.execute(
        select(d.outcome, d.decided_on, c.received_on).select_from(schema.decisions.outerjoin(
            schema.claims, d.claim_id == c.claim_id)).where(d.decided_on >= start, d.decided_on <= end)
    ).all()
    timed = [(r.decided_on, r.received_on) for r in decided if r.received_on is not None]
    days = [(decided_on - received).days for decided_on, received in timed]
    within = sum(1 for decided_on, received in timed if decided_on <= charter_deadline(received))
    delays = Delays(len(timed), within, len(timed) - within, median(days) if days else None,
                    max(days) if days else None)
    collection: dict[str, Counter[str]] = {}
    for x in letters:
        if x.letter_type in COLLECTION_TYPES:
            period = f"{x.run_date:%Y-%m}" if quarter else f"{x.run_date.year}-Q{quarter_of(x.run_date)}"
            collection.setdefault(period, Counter())[x.letter_type] += 1
    return Stats(
        label, start, end,
        by_type=_counts([x.letter_type for x in letters]),
        by_language=_counts([x.language for x in letters]),
        by_mail_class=_counts([x.mail_class for x in letters]),
        by_channel=_counts([CHANNELS[x.status] for x in letters]),
        decisions_by_outcome=_counts([r.outcome for r in decided]),
        delays=delays,
        collection_by_period={p: dict(sorted(v.items())) for p, v in sorted(collection.items())},
    )
