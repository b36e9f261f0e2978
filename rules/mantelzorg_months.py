"""Mantelzorg benefit months: which months are paid, how much, which quarters are exempt, and when paid.

Sections 3 to 6 of domain/mantelzorg.md; the conditions (career cap, request length, look-back) come from
rules/parameters/mantelzorg.toml like the amounts, so a change of the Royal Decree is a data change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from rules.calendar import add_months, month_end, quarter_label, quarter_of
from rules.errors import MissingParameter, RuleError
from rules.mantelzorg_input import Applicant, Request
from rules.money import cents, fmt
from rules.params import Parameters

PARAMETERS = "mantelzorg"


@dataclass(frozen=True)
class Ground:
    """One reason for a refusal or a limitation, with the facts of this file the letter states."""

    code: str
    facts: Mapping[str, Any]  # read-only; values are JSON-ready (text, numbers, tuples of text)

    @staticmethod
    def of(code: str, **facts: Any) -> Ground:
        return Ground(code, MappingProxyType(facts))


@dataclass(frozen=True)
class BenefitMonth:
    month: date  # first day of the month the benefit is for
    amount: Decimal

    @property
    def label(self) -> str:
        return month_label(self.month)


@dataclass(frozen=True)
class Conditions:
    """The Royal Decree's limits in force on the first day of the break."""

    career_max_months: int
    request_min_months: int
    request_max_months: int
    career_max_exempt_quarters: int
    max_relative_degree: int
    disabled_child_age_below: int
    late_request_months_back: int
    months_kept_after_death_month: int


def conditions(params: Parameters, day: date) -> Conditions:
    period = params.period(PARAMETERS, day, "career_max_months")
    values = {}
    for item in fields(Conditions):
        value = period.get(item.name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise RuleError(f"rules/parameters/{PARAMETERS}.toml: '{item.name}' must be a whole number")
        values[item.name] = value
    return Conditions(**values)


def month_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def _shift(month: date, n: int) -> date:
    year, number = add_months(month.year, month.month, n)
    return date(year, number, 1)


def first_month(break_start: date) -> date:
    """The break's own month if it starts on the 1st, else the next month (RD 27.9.2015; seed 004)."""
    month = break_start.replace(day=1)
    return month if break_start.day == 1 else _shift(month, 1)


def benefit_months(
    applicant: Applicant, request: Request, cond: Conditions
) -> tuple[list[date], list[Ground]]:
    """The asked months minus those lost to a late request, a death and the career cap, with a ground each.

    The limits are applied in that order and each ground names only the months it removed itself, so a
    letter motivates every month asked and not granted exactly once.
    """
    start = first_month(request.break_start)
    months = [_shift(start, n) for n in range(request.months)]
    grounds: list[Ground] = []

    if request.received_on > request.break_start:
        # (fund policy) "maximum 1 maand teruggaan": the month before the month of receipt is the earliest
        # month paid; earlier months are lost, the period is not shifted.
        earliest = _shift(request.received_on.replace(day=1), -cond.late_request_months_back)
        dropped = [m for m in months if m < earliest]
        if dropped:
            months = [m for m in months if m >= earliest]
            grounds.append(
                Ground.of(
                    "LATE_REQUEST_LIMITS",
                    received_on=request.received_on.isoformat(),
                    break_start=request.break_start.isoformat(),
                    earliest_month=month_label(earliest),
                    months_dropped=_labels(dropped),
                )
            )

    died = request.care_recipient_died_on
    if died is not None:
        last = _shift(died.replace(day=1), cond.months_kept_after_death_month)
        dropped = [m for m in months if m > last]
        if dropped:
            months = [m for m in months if m <= last]
            grounds.append(
                Ground.of(
                    "RECIPIENT_DIED_LIMITS",
                    died_on=died.isoformat(),
                    last_month=month_label(last),
                    months_dropped=_labels(dropped),
                )
            )

    room = max(0, cond.career_max_months - applicant.months_already_received)
    if len(months) > room:
        dropped, months = months[room:], months[:room]
        grounds.append(
            Ground.of(
                "CAREER_CAP_LIMITS",
                months_already_received=applicant.months_already_received,
                career_maximum=cond.career_max_months,
                months_dropped=_labels(dropped),
            )
        )
    return months, grounds


def monthly_amounts(months: Sequence[date], mode: str, params: Parameters) -> tuple[BenefitMonth, ...]:
    """The amount of each month from the table in force in that month; a month without one is an error."""
    key = "monthly_full" if mode == "full" else "monthly_partial"
    result = []
    for month in months:
        try:
            period = params.period(PARAMETERS, month, key)
        except MissingParameter:
            raise MissingParameter(PARAMETERS, key, month_label(month)) from None
        full, amount = period.decimal("monthly_full"), period.decimal(key)
        # The partial amount is by law half the full one; a table that disagrees is a typo, not a choice.
        if mode == "partial" and amount != cents(full / 2):
            raise RuleError(
                f"rules/parameters/{PARAMETERS}.toml from {period.valid_from}: monthly_partial {amount} "
                f"is not half of monthly_full {full} rounded half-up ({fmt(full / 2)})"
            )
        result.append(BenefitMonth(month, amount))
    return tuple(result)


def exempt_quarters(
    months: Sequence[date], mode: str, used: int, cond: Conditions
) -> tuple[tuple[str, ...], list[Ground]]:
    """Quarters holding the 3rd and 6th granted month of a full break, within the career's 4 quarters."""
    if mode != "full":
        return (), []
    quarters: list[str] = []
    for month in months[2::3]:  # the 3rd and the 6th granted month of this request
        label = quarter_label(month.year, quarter_of(month))
        if label not in quarters:
            quarters.append(label)
    room = max(0, cond.career_max_exempt_quarters - used)
    if len(quarters) <= room:
        return tuple(quarters), []
    # (fund policy) not named in the texts' list of codes, but a quarter that would have been exempt and is
    # not must be motivated in the letter like any other limitation.
    ground = Ground.of(
        "EXEMPTION_CAP_LIMITS",
        exempt_quarters_already_used=used,
        career_maximum=cond.career_max_exempt_quarters,
        quarters_not_exempt=tuple(quarters[room:]),
    )
    return tuple(quarters[:room]), [ground]


def first_payment_on(months: Sequence[date], complete_on: date) -> date:
    """End of the later of the first granted month and the month after the complete request's receipt (§6).

    `complete_on` is the request's `completed_on` (the last required document received) when given, else
    `received_on`: a decision is only granted once nothing is missing.
    """
    after_receipt = _shift(complete_on.replace(day=1), 1)
    first = max(months[0], after_receipt)
    return month_end(first.year, first.month)


def _labels(months: Sequence[date]) -> tuple[str, ...]:
    return tuple(month_label(m) for m in months)
