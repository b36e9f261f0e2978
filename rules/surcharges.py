"""Surcharges on a contribution paid late (Royal Decree 19.12.1967, art. 44 and 44bis), up to a given day.

Rates come from rules/parameters/surcharges.toml; `decide` is the JSON face.

How this module reads the text (for the README):
- The 3 % is applied at the end of each calendar quarter on the part of the contribution still unpaid at
  the end of that day, from the end of the quarter in which the due date falls: a payment received on a
  quarter's last day counts as on time for that quarter (a Q4 contribution paid on 31/12 owes nothing).
- The 7 % is applied once, on 1 January, on the part still unpaid on 31 December of the year in which the
  contribution was first claimed (art. 44bis §1: "voor het eerst gevorderd"). The year of the due date
  stands for that year: for quarterly contributions it is the contribution year; a regularisation of year
  Y due in year Y+2 gets its 7 % on 1 January Y+3. The special cases of art. 44bis §2-3 (late affiliation,
  due notice sent in Q4) are not modelled [confirm].
- Payments pay the contribution first; surcharges are computed on the contribution only, never on
  surcharges, and each one is rounded half-up to the cent. Payments received after `as_of` are ignored.
- Judicial collection: the last 3 % is the one at the end of the quarter before the quarter of the summons
  or enforcement order; art. 44bis says a summons does not stop the 7 %.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rules.calendar import add_months, quarter_end, quarter_of, quarter_start
from rules.errors import InvalidInput
from rules.input_schema import Field, ListOf, Obj, Value, read_input
from rules.inputs import AMOUNT, DATE, POSITIVE_AMOUNT, YEAR
from rules.money import cents, fmt
from rules.params import Parameters

NAME = "surcharges"


@dataclass(frozen=True)
class Payment:
    received_on: date
    amount: Decimal


@dataclass(frozen=True)
class Surcharge:
    date: date
    rate: Decimal
    base: Decimal  # contribution unpaid at the end of the quarter's last day (3 %) or of 31 December (7 %)
    amount: Decimal


@dataclass(frozen=True)
class SurchargeStatement:
    surcharges: tuple[Surcharge, ...]
    total: Decimal
    unpaid: Decimal  # the contribution (not the surcharges) still unpaid at the end of `as_of`


def unpaid_on(amount: Decimal, payments: Iterable[Payment], day: date) -> Decimal:
    """The contribution still unpaid at the end of `day`: payments received that day count."""
    paid = sum((p.amount for p in payments if p.received_on <= day), Decimal(0))
    return max(amount - paid, Decimal(0))


def surcharges(
    contribution_amount: Decimal,
    year: int,
    quarter: int,
    due_date: date | None,
    payments: Iterable[Payment],
    as_of: date,
    params: Parameters | None = None,
    judicial_collection_on: date | None = None,
) -> SurchargeStatement:
    """Every surcharge applied up to and including `as_of` on the contribution of `year`-Q`quarter`."""
    params = params or Parameters()
    due = due_date or quarter_end(year, quarter)
    if due < quarter_start(year, quarter):
        raise InvalidInput("contribution.due_date", f"{due} is before the quarter {year}-Q{quarter} begins")
    counted = tuple(p for p in payments if p.received_on <= as_of)
    result: list[Surcharge] = []
    for day, key in _surcharge_days(due, as_of, judicial_collection_on):
        # The 3 % looks at the quarter's last day itself; the 7 % of 1 January at 31 December before it.
        base = unpaid_on(contribution_amount, counted, day if key == "quarterly_rate" else day - timedelta(1))
        if base == 0:
            if key == "quarterly_rate":
                break  # paid in full: no later quarter can add anything
            continue
        rate = params.decimal(NAME, day, key)
        result.append(Surcharge(date=day, rate=rate, base=base, amount=cents(base * rate)))
    total = sum((s.amount for s in result), Decimal(0))
    return SurchargeStatement(tuple(result), total, unpaid_on(contribution_amount, counted, as_of))


@dataclass(frozen=True)
class Ahead:
    """A surcharge day after a letter's date and on or before the day it asks payment by: the amount printed
    does not hold it, because nobody knows yet what will be unpaid then. `avoid_by`: the last day a payment
    in full prevents it (the quarter's last day itself; 31 December for the 7 % of 1 January)."""

    date: date
    key: str  # quarterly_rate (on the contribution unpaid that day) or yearly_rate (on the year's, unpaid 31/12)
    rate: Decimal
    year: int  # yearly_rate: the contributions' year (the year before `date`); quarterly: the date's year
    avoid_by: date


def surcharges_ahead(unpaid_due_dates: Iterable[date], after: date, until: date,
                     params: Parameters | None = None) -> tuple[Ahead, ...]:
    """The surcharge days after `after` up to `until` that fall on the contributions due on these dates (each
    still unpaid on `after`), once each, in order."""
    params = params or Parameters()
    days = {(day, key) for due in unpaid_due_dates for day, key in _surcharge_days(due, until, None) if day > after}
    return tuple(Ahead(day, key, params.decimal(NAME, day, key), day.year - (key == "yearly_rate"),
                       day - timedelta(1) if key == "yearly_rate" else day) for day, key in sorted(days))


def _surcharge_days(due: date, as_of: date, judicial_on: date | None) -> list[tuple[date, str]]:
    """The dates a surcharge may fall on, in order, up to `as_of`: quarter ends, and one 1 January."""
    days: list[tuple[date, str]] = []
    year, month = due.year, 3 * quarter_of(due)
    quarterly_stop = quarter_start(judicial_on.year, quarter_of(judicial_on)) if judicial_on else None
    while True:
        day = quarter_end(year, month // 3)
        if day > as_of or (quarterly_stop and day >= quarterly_stop):
            break
        days.append((day, "quarterly_rate"))
        year, month = add_months(year, month, 3)
    yearly = date(due.year + 1, 1, 1)
    if yearly <= as_of:
        days.append((yearly, "yearly_rate"))
    return sorted(days)


def decide(payload: Mapping[str, Any]) -> dict[str, Any]:
    """`{"contribution": {...}, "payments": [...], "as_of"}` -> `{"surcharges": [...], "total", "unpaid"}`."""
    data = read_input(INPUT, payload)
    contribution = data["contribution"]
    statement = surcharges(
        contribution_amount=contribution["amount"],
        year=contribution["year"],
        quarter=contribution["quarter"],
        due_date=contribution["due_date"],
        payments=data["payments"],
        as_of=data["as_of"],
        judicial_collection_on=data["judicial_collection_on"],
    )
    return {
        "surcharges": [
            {"date": s.date.isoformat(), "rate": str(s.rate), "base": fmt(s.base), "amount": fmt(s.amount)}
            for s in statement.surcharges
        ],
        "total": fmt(statement.total),
        "unpaid": fmt(statement.unpaid),
    }


# `[{"received_on": "YYYY-MM-DD", "amount": "400.00"}, ...]`, read as Payments; an entry's error names its
# index.
PAYMENTS = ListOf(
    Obj(fields=(Field("received_on", DATE, "the day the fund received the payment"),
                Field("amount", POSITIVE_AMOUNT, "the amount paid")),
        label="a payment", build=Payment),
    label="a list of payments",
)


def parse_quarter(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, 2, 3, 4):
        raise InvalidInput(field, f"must be 1, 2, 3 or 4, got {value!r}")
    return value


QUARTER = Value("a quarter: 1, 2, 3 or 4", parse_quarter, {"type": "integer", "minimum": 1, "maximum": 4})
# The input of `correspondence decide surcharges`, declared once: read, explained and printed from here.
INPUT = Obj(
    fields=(
        Field("contribution", Obj(fields=(
            Field("year", YEAR, "the contribution's year"),
            Field("quarter", QUARTER, "the contribution's quarter"),
            Field("amount", AMOUNT, "the contribution claimed"),
            Field("due_date", DATE, "the day it was due; absent or null: the quarter's last day",
                  required=False, nullable=True),
        )), "the contribution paid late"),
        Field("payments", PAYMENTS,
              "the payments received for it, in any order; those after as_of do not count"),
        Field("as_of", DATE, "the day up to which surcharges are counted (that day included)"),
        Field("judicial_collection_on", DATE, "the day of the summons or enforcement order: no 3 % from its "
                                              "quarter on", required=False, nullable=True),
    ),
    description="The surcharges on a contribution paid late (3 % at the end of each quarter, 7 % once on "
                "1 January) up to a day. Answers surcharges (date, rate, base, amount), total and unpaid.",
    examples=({"contribution": {"year": 2026, "quarter": 1, "amount": "1000.00", "due_date": "2026-03-31"},
               "payments": [{"received_on": "2026-05-10", "amount": "400.00"}], "as_of": "2027-03-31"},),
)
