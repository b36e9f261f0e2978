"""The yearly company contribution: its amount, its due date and the late-payment interest on it.

Figures come from rules/parameters/company_contribution.toml by contribution year; `decide` is the JSON face.

How this module reads the rules (for the README):
- Low amount if the balance-sheet total of year N-2 is at most the threshold, high amount above it. The
  caller supplies that total; which figure applies to a company without a year N-2 balance sheet is the
  caller's decision [confirm].
- Due on 31 December of the contribution year; a company incorporated in October-December of that year pays
  by the last day of the third month after the month of incorporation (November -> 28/29 February).
- A company incorporated after the contribution year owes nothing for it: `InvalidInput("incorporated_on")`,
  so a wrong pairing of company and year can never produce a claim.
- 2024: the threshold is not known, so 2024 fails naming `balance_sheet_threshold` (never a guess);
  2026: the 2025 figures carried forward, flagged [confirm] in the parameter file.
- Late interest: 1 % per month, counted per *started* month after the due date. Month k begins the day
  after the due date moved k-1 months on (month ends stay month ends: due 31/12 -> months begin 1/1, 1/2,
  1/3 ...). Each started month costs the rate on the part unpaid at the end of the day before it begins, so
  a payment on the due date is on time and a payment on 2 January still owes January [confirm]. Interest is
  on the contribution only (not compounded), each month rounded half-up, dated on the month's first day.
  Court proceedings, which stop the interest, are not modelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rules.calendar import add_months, month_end
from rules.errors import InvalidInput
from rules.input_schema import Field, Obj, RequiredWhen, read_input
from rules.inputs import AMOUNT, DATE, YEAR
from rules.money import cents, fmt
from rules.params import Parameters
from rules.surcharges import PAYMENTS, Payment, Surcharge, unpaid_on

NAME = "company_contribution"
# Months in which incorporation moves the due date into the next year (October-December).
LATE_INCORPORATION_MONTHS = (10, 11, 12)


@dataclass(frozen=True)
class CompanyContribution:
    year: int
    amount: Decimal
    rate: str  # low | high
    due_date: date


@dataclass(frozen=True)
class InterestStatement:
    months: tuple[Surcharge, ...]  # one entry per started month: date, rate, base, amount
    total: Decimal
    unpaid: Decimal  # the contribution still unpaid at the end of `as_of`


def company_contribution(
    year: int, balance_sheet_total: Decimal, incorporated_on: date, params: Parameters | None = None
) -> CompanyContribution:
    if incorporated_on.year > year:
        raise InvalidInput(
            "incorporated_on",
            f"{incorporated_on} is after {year}: the company owes no contribution for {year}",
        )
    params = params or Parameters()
    day = date(year, 1, 1)
    threshold = params.decimal(NAME, day, "balance_sheet_threshold")
    rate = "low" if balance_sheet_total <= threshold else "high"
    return CompanyContribution(year, params.decimal(NAME, day, rate), rate, due_date(year, incorporated_on))


def due_date(year: int, incorporated_on: date) -> date:
    if incorporated_on.year == year and incorporated_on.month in LATE_INCORPORATION_MONTHS:
        return month_end(*add_months(year, incorporated_on.month, 3))
    return date(year, 12, 31)


def late_interest(
    amount: Decimal,
    due_date: date,
    payments: Iterable[Payment],
    as_of: date,
    params: Parameters | None = None,
) -> InterestStatement:
    """Interest for every month started after `due_date` up to and including `as_of`."""
    params = params or Parameters()
    counted = tuple(p for p in payments if p.received_on <= as_of)
    months: list[Surcharge] = []
    rate: Decimal | None = None
    elapsed = 0
    while True:
        last_day_before = _months_after(due_date, elapsed)
        begins = last_day_before + timedelta(1)
        if begins > as_of:
            break
        base = unpaid_on(amount, counted, last_day_before)
        if base == 0:
            break  # paid in full: later months cannot add anything
        if rate is None:  # looked up only once interest is owed, so a paid claim never needs it
            rate = params.decimal(NAME, due_date, "monthly_interest_rate")
        months.append(Surcharge(date=begins, rate=rate, base=base, amount=cents(base * rate)))
        elapsed += 1
    total = sum((m.amount for m in months), Decimal(0))
    return InterestStatement(tuple(months), total, unpaid_on(amount, counted, as_of))


def _months_after(day: date, n: int) -> date:
    """`day` moved `n` months on; a month end stays a month end, another day is clipped to the month."""
    year, month = add_months(day.year, day.month, n)
    end = month_end(year, month)
    if day == month_end(day.year, day.month):
        return end
    return date(year, month, min(day.day, end.day))


def decide(payload: Mapping[str, Any]) -> dict[str, Any]:
    """`{"year", "balance_sheet_total", "incorporated_on"}` -> `{"amount", "due_date"}`.

    With the optional `as_of` (and `payments`), also the late interest up to that day: `late_interest`
    (one entry per started month), `interest_total` and `unpaid`.
    """
    data = read_input(INPUT, payload)
    result = company_contribution(
        year=data["year"],
        balance_sheet_total=data["balance_sheet_total"],
        incorporated_on=data["incorporated_on"],
    )
    out: dict[str, Any] = {"amount": fmt(result.amount), "due_date": result.due_date.isoformat()}
    if data["as_of"] is not None:
        statement = late_interest(result.amount, result.due_date, data["payments"] or (), data["as_of"])
        out["late_interest"] = [
            {"date": m.date.isoformat(), "rate": str(m.rate), "base": fmt(m.base), "amount": fmt(m.amount)}
            for m in statement.months
        ]
        out["interest_total"] = fmt(statement.total)
        out["unpaid"] = fmt(statement.unpaid)
    return out


# The input of `correspondence decide company_contribution`, declared once: read, explained and printed from
# here.
INPUT = Obj(
    fields=(
        Field("year", YEAR, "the contribution year"),
        Field("balance_sheet_total", AMOUNT,
              "the company's balance-sheet total of the year two years before"),
        Field("incorporated_on", DATE,
              "the day the company was incorporated (not after the contribution year)"),
        Field("as_of", DATE, "the day up to which the late interest is counted; absent: no interest asked",
              required=False),
        Field("payments", PAYMENTS, "the payments received for the contribution, in any order",
              required=False),
    ),
    required_when=(RequiredWhen("as_of", when="payments", because="when payments are given"),),
    description="The yearly company contribution and its due date; with as_of, also the late interest up to "
                "that day. Answers amount and due_date (with as_of: late_interest, interest_total and "
                "unpaid).",
    examples=({"year": 2025, "balance_sheet_total": "900000.00", "incorporated_on": "2019-05-02"},
              {"year": 2025, "balance_sheet_total": "900000.00", "incorporated_on": "2019-05-02",
               "as_of": "2026-03-15", "payments": [{"received_on": "2026-02-10", "amount": "500.00"}]}),
)
