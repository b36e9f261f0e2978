"""Plausibility checks (issue 16, item 7): facts no letter may print. A contribution above the legal maximum
quarterly contribution, a negative contribution or fee, a date of death or any other fact dated after the
letter's date — the letter is held for a case handler, naming the field and why, and never printed.

Pure: each check returns the problems it found, empty when the facts are plausible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rules import contributions
from rules.contributions import NAME as CONTRIBUTIONS
from rules.errors import MissingParameter, RuleError
from rules.params import Parameters

ZERO = Decimal(0)


@dataclass(frozen=True)
class Implausible:
    field: str
    reason: str


def maximum_quarterly(year: int, params: Parameters) -> Decimal | None:
    """The legal maximum quarterly contribution of `year` (fund fee excluded); None when the rules have none."""
    try:
        return params.decimal(CONTRIBUTIONS, date(year, 1, 1), "maximum_quarterly")
    except MissingParameter:
        return None


def quarterly_contribution(year: int, amount: Decimal, fee: Decimal, params: Parameters) -> list[Implausible]:
    """A provisional quarterly contribution (fee apart): never negative, never above the year's maximum."""
    problems = [Implausible(field, f"is negative ({value})") for field, value in (("amount", amount), ("fee", fee))
                if value < ZERO]
    highest = maximum_quarterly(year, params)
    if highest is not None and amount > highest:
        problems.append(Implausible("amount", f"{amount} is above the legal maximum quarterly contribution of {year} "
                                              f"({highest}, fee excluded)"))
    return problems


def dated_after(facts: dict[str, date | None], day: date) -> list[Implausible]:
    """Facts (field: date) that cannot be known on the letter's date `day` because they lie after it."""
    return [Implausible(field, f"is {on.isoformat()}, after the letter's date {day.isoformat()}")
            for field, on in facts.items() if on is not None and on > day]


def regularisation_income(year: int, status: str, income: Decimal, quarters: int, final_total: Decimal,
                          params: Parameters) -> list[Implausible]:
    """The final contribution the rule computes on `income` for `status` — its quarterly amount for each of
    the `quarters` charged provisionally — against the final total the regularisation makes (provisional +
    difference, fee apart). RuleError when it cannot be computed (a status or year without figures, no quarter)."""
    if quarters < 1:
        raise RuleError(f"no provisional quarter of {year} is recorded: the final contribution per quarter "
                        "cannot be compared")
    quarterly = contributions.quarterly_contribution(year, status, income, ZERO, params).quarterly
    if quarterly * quarters == final_total:
        return []
    return [Implausible("income", f"{income} gives a final contribution of {quarterly} a quarter ({status}, {year}), "
                                  f"{quarterly * quarters} for {quarters} quarter(s), but the regularisation makes "
                                  f"{final_total} (provisional + difference, fee excluded)")]
