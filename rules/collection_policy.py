"""The fund's collection policy (delays of reminders, formal notices, call list; statement and certificate
dates) read from rules/parameters/collection_policy.toml, with the date arithmetic the triggers need.

The formal notice has one deadline, the law's (Royal Decree 19.12.1967 art. 46): one month, counted from the
day the registered letter counts as received (Judicial Code art. 53bis: the third working day after it was
handed to the postal service), to pay, contest the sums or ask for payment terms by registered letter; no
judicial collection before it. The engine takes the letter's date as the day it is handed to the post.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from rules.calendar import add_months, month_end
from rules.errors import RuleError
from rules.params import Parameters
from rules.working_days import on_or_next_working_day, working_days_after

NAME = "collection_policy"
_DAY_KEYS = (
    "reminder_after_due_days",
    "reminder_payment_days",
    "formal_notice_after_reminder_days",
    "formal_notice_contest_months",
    "notice_received_working_days",
    "call_list_after_formal_notice_days",
    "company_contribution_reminder_days",
    "contest_months",
)
_KEYS = (*_DAY_KEYS, "account_statement_dates", "fiscal_certificate_date")
_MONTH_DAY = re.compile(r"([0-9]{2})-([0-9]{2})")


@dataclass(frozen=True)
class CollectionPolicy:
    reminder_after_due_days: int
    reminder_payment_days: int
    formal_notice_after_reminder_days: int
    formal_notice_contest_months: int
    notice_received_working_days: int
    call_list_after_formal_notice_days: int
    company_contribution_reminder_days: int
    contest_months: int
    account_statement_dates: tuple[tuple[int, int], ...]  # (month, day), in calendar order
    fiscal_certificate_date: tuple[int, int]  # (month, day)

    def reminder_on(self, due_date: date) -> date:
        return due_date + timedelta(self.reminder_after_due_days)

    def reminder_pay_by(self, reminder_sent_on: date) -> date:
        """The date a reminder asks payment by; the formal notice comes only after it."""
        return reminder_sent_on + timedelta(self.reminder_payment_days)

    def formal_notice_on(self, reminder_sent_on: date) -> date:
        return reminder_sent_on + timedelta(self.formal_notice_after_reminder_days)

    def notice_received_on(self, sent_on: date, params: Parameters | None = None) -> date:
        """The day a registered letter handed to the post on `sent_on` counts as received (art. 53bis)."""
        return working_days_after(sent_on, self.notice_received_working_days, params)

    def formal_notice_deadline(self, notice_sent_on: date, params: Parameters | None = None) -> date:
        """The formal notice's one deadline: `formal_notice_contest_months` from the day it counts as
        received, to the same day of the month (clipped to the month's end), moved to the next working day
        when it is none (Judicial Code art. 53, 54)."""
        received = self.notice_received_on(notice_sent_on, params)
        year, month = add_months(received.year, received.month, self.formal_notice_contest_months)
        return on_or_next_working_day(date(year, month, min(received.day, month_end(year, month).day)), params)

    def contest_until(self, letter_date: date, params: Parameters | None = None) -> date:
        """The last day to contest with the fund the amount a money letter states: `contest_months` later
        (clipped to the month's end), moved to the next working day when it is none, as the formal notice's
        deadline is (Judicial Code art. 54)."""
        year, month = add_months(letter_date.year, letter_date.month, self.contest_months)
        return on_or_next_working_day(date(year, month, min(letter_date.day, month_end(year, month).day)), params)

    def call_list_on(self, notice_sent_on: date, params: Parameters | None = None) -> date:
        deadline = self.formal_notice_deadline(notice_sent_on, params)
        return deadline + timedelta(self.call_list_after_formal_notice_days)

    def company_contribution_reminder_on(self, due_date: date) -> date:
        return due_date + timedelta(self.company_contribution_reminder_days)

    def account_statement_days(self, year: int) -> tuple[date, ...]:
        return tuple(date(year, month, day) for month, day in self.account_statement_dates)

    def fiscal_certificate_day(self, year: int) -> date:
        """The day in `year` the certificate for `year - 1` is sent."""
        return date(year, *self.fiscal_certificate_date)


def collection_policy(day: date, params: Parameters | None = None) -> CollectionPolicy:
    """The policy in force on `day`; a missing, unknown or malformed value is a RuleError naming the key."""
    period = (params or Parameters()).period(NAME, day)
    unknown = set(period.values) - set(_KEYS)
    if unknown:
        raise RuleError(f"rules/parameters/{NAME}.toml {period.valid_from}: unknown key(s) {sorted(unknown)}")
    days = {key: _count(period.get(key), key, period.valid_from) for key in _DAY_KEYS}
    if days["reminder_payment_days"] >= days["formal_notice_after_reminder_days"]:
        raise RuleError(f"rules/parameters/{NAME}.toml {period.valid_from}: reminder_payment_days must end "
                        "before formal_notice_after_reminder_days (the formal notice follows the reminder's date)")
    statements = period.get("account_statement_dates")
    if not isinstance(statements, list) or len(statements) < 2:
        # The charter promises an account statement at least twice a year.
        raise RuleError(f"rules/parameters/{NAME}.toml {period.valid_from}: account_statement_dates needs "
                        f"at least two dates, got {statements!r}")
    return CollectionPolicy(
        **days,
        account_statement_dates=tuple(sorted(_month_day(v, "account_statement_dates", period.valid_from)
                                             for v in statements)),
        fiscal_certificate_date=_month_day(period.get("fiscal_certificate_date"), "fiscal_certificate_date",
                                           period.valid_from),
    )


def _count(value: object, key: str, valid_from: date) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuleError(f"rules/parameters/{NAME}.toml {valid_from}: {key} must be a whole number >= 0, "
                        f"got {value!r}")
    return value


def _month_day(value: object, key: str, valid_from: date) -> tuple[int, int]:
    """"MM-DD" as (month, day); 29 February is refused because most years lack it."""
    match = _MONTH_DAY.fullmatch(value) if isinstance(value, str) else None
    try:
        if match is None:
            raise ValueError
        month, day = int(match[1]), int(match[2])
        date(2023, month, day)
    except ValueError:
        raise RuleError(f"rules/parameters/{NAME}.toml {valid_from}: {key} must be a month-day like "
                        f"\"03-15\" that every year has, got {value!r}") from None
    return month, day
