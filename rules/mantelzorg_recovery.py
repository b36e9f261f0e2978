"""The claim-back of a mantelzorg benefit after the cared-for person's death: what was paid for months without
a right, which granted months are no longer paid, which exempt quarters lost their basis, and the terms.

The benefit is kept for the month of the death and `months_kept_after_death_month` after it
(domain/mantelzorg.md §3.4); a month after that has no right. What is claimed back is what the fund *paid*
for such months (benefit_payments.csv: one row per payment, so a month paid twice is claimed twice), never
what the schedule said it would pay. A granted month after the last one kept that was not paid is cancelled.
A quarter exempt from contributions because it held the 3rd or the 6th granted month (§5) loses its basis
when that month is no longer due: the quarter stops counting among the career's exempt quarters and its
contribution is due.

A claim may see more than one such decision: an earlier one (a cancellation, when nothing had been paid yet, or
a claim-back) is passed in as what it already claimed, withdrew and stated lost, so a later one states only
what is new — a payment recorded after the cancellation was sent, say.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from rules.calendar import add_months, month_end, quarter_label
from rules.collection_policy import collection_policy
from rules.errors import InvalidInput, RuleError
from rules.language import LANGUAGES
from rules.params import Parameters
from rules.working_days import on_or_next_working_day

PARAMETERS = "mantelzorg_recovery"
EXEMPTION_ORDINALS = (3, 6)  # the granted months whose quarter is exempt (domain/mantelzorg.md §5)


@dataclass(frozen=True)
class BenefitPayment:
    """One payment of the benefit, as the fund's payment system made it."""

    month: str  # the month the benefit is for, YYYY-MM
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class LostExemption:
    quarter: str  # 2026-Q4
    month: str  # the granted month the exemption rested on, YYYY-MM
    ordinal: int  # its place among the granted months: 3 or 6


@dataclass(frozen=True)
class Recovery:
    last_month: str  # the last month with a right, YYYY-MM
    undue: tuple[BenefitPayment, ...]  # paid for months after last_month, not claimed before: claimed back
    cancelled: tuple[str, ...]  # granted months after last_month, not paid and not withdrawn before
    exemption_lost: tuple[LostExemption, ...]  # not stated before
    exemption_kept: tuple[str, ...]  # exempt quarters whose month is still due

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.undue), Decimal(0))

    @property
    def withdrawn(self) -> tuple[str, ...]:
        """The months this decision takes away: those claimed back and those cancelled."""
        return tuple(sorted({p.month for p in self.undue} | set(self.cancelled)))


@dataclass(frozen=True)
class Terms:
    """What the recovery letter states besides the facts: the date to repay by and the prescription."""

    repay_by: date
    prescription_years: int
    prescription_source: Mapping[str, str]  # per letter language


def last_month_kept(died_on: date, months_kept_after_death_month: int) -> str:
    year, month = add_months(died_on.year, died_on.month, months_kept_after_death_month)
    return f"{year:04d}-{month:02d}"


def recover(
    granted_months: Sequence[str],
    exempt_quarters: Collection[str],
    died_on: date,
    months_kept_after_death_month: int,
    payments: Sequence[BenefitPayment],
    day: date,
    *,
    claimed_before: Collection[tuple[str, date]] = (),
    withdrawn_before: Collection[str] = (),
    lost_before: Collection[str] = (),
) -> Recovery | None:
    """The decision owed on `day` for a granted claim whose cared-for person died on `died_on`, or None when
    nothing is new: no payment to claim back, no granted month to cancel.

    `granted_months` (YYYY-MM, in order) and `exempt_quarters` are the granting decision's; `payments` every
    payment recorded for the claim (one dated after `day` waits for its day); `claimed_before` the (month,
    paid_on) of payments earlier decisions claimed, `withdrawn_before` the months they took away,
    `lost_before` the quarters they said lost their exemption.
    """
    if died_on > day:
        raise InvalidInput("care_recipient_died_on", f"{died_on.isoformat()} is after the letter's date")
    last = last_month_kept(died_on, months_kept_after_death_month)
    claimed = set(claimed_before)
    undue = tuple(
        sorted(
            (
                p
                for p in payments
                if p.month > last and p.paid_on <= day and (p.month, p.paid_on) not in claimed
            ),
            key=lambda p: (p.month, p.paid_on),
        )
    )
    paid = {p.month for p in payments if p.paid_on <= day}
    cancelled = tuple(m for m in granted_months if m > last and m not in paid and m not in withdrawn_before)
    if not undue and not cancelled:
        return None
    lost, kept = exemptions(granted_months, exempt_quarters, last)
    return Recovery(last, undue, cancelled, tuple(e for e in lost if e.quarter not in lost_before), kept)


def exemptions(
    granted_months: Sequence[str], exempt_quarters: Collection[str], last: str
) -> tuple[tuple[LostExemption, ...], tuple[str, ...]]:
    """The exempt quarters whose 3rd or 6th granted month lies after `last` (lost), and the others (kept)."""
    lost = []
    for ordinal in EXEMPTION_ORDINALS:
        if ordinal > len(granted_months):
            break
        month = granted_months[ordinal - 1]
        quarter = quarter_label(int(month[:4]), (int(month[5:]) - 1) // 3 + 1)
        if quarter in exempt_quarters and month > last:
            lost.append(LostExemption(quarter, month, ordinal))
    gone = {e.quarter for e in lost}
    return tuple(lost), tuple(q for q in exempt_quarters if q not in gone)


def terms(day: date, params: Parameters) -> Terms:
    """The terms in force on the letter's date; a missing or malformed value is a RuleError naming it."""
    period = params.period(PARAMETERS, day, "repayment_months")
    months = period.get("repayment_months")
    years = period.get("prescription_years")
    for key, value in (("repayment_months", months), ("prescription_years", years)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise RuleError(
                f"rules/parameters/{PARAMETERS}.toml {period.valid_from}: {key} must be a whole "
                f"number >= 1, got {value!r}"
            )
    source: Any = period.get("prescription_source")
    if not isinstance(source, dict) or any(
        not isinstance(source.get(lang), str) or not source[lang].strip() for lang in LANGUAGES
    ):
        raise RuleError(
            f"rules/parameters/{PARAMETERS}.toml {period.valid_from}: prescription_source needs a "
            f"text for each of {', '.join(LANGUAGES)}"
        )
    return Terms(repay_by(day, months, params), years, {lang: source[lang] for lang in LANGUAGES})


def repay_by(day: date, months: int, params: Parameters) -> date:
    """`months` after the day a registered letter dated `day` counts as received (art. 53bis), to the same day
    of the month (clipped to its end), moved to the next working day when it is none (art. 53)."""
    received = collection_policy(day, params).notice_received_on(day, params)
    year, month = add_months(received.year, received.month, months)
    return on_or_next_working_day(date(year, month, min(received.day, month_end(year, month).day)), params)
