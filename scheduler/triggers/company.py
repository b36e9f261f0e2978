"""The company contribution's due notice, reminder and registered formal notice, for every company.

Years considered on a night: the current one and the one before (older unpaid years are the lawyers'
business). The due notice goes out from the first day of the quarter holding the due date up to that date
(`company_due:<company>:<year>`); the reminder from the policy's delay after the due date while unpaid
(`company_reminder:…`); the formal notice the policy's delay after the reminder while still unpaid
(`company_formal_notice:…`). Payments carrying the year's structured communication pay that year, others
the oldest year first (rules/account.py). A year the rules cannot price (2024: threshold unknown) yields a
due notice the night quarantines, naming the missing figure — never a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from correspondence.compose import Event
from rules.account import Charge, allocate
from rules.calendar import quarter_of, quarter_start
from rules.collection_policy import collection_policy
from rules.company_contribution import company_contribution, late_interest
from rules.errors import RuleError
from rules.money import fmt
from rules.params import Parameters
from scheduler.fund import FundView
from scheduler.ledgers import companies, reference, sent


def _years(company: dict[str, Any], day: date) -> list[int]:
    return [y for y in (day.year - 1, day.year) if y >= company["incorporated_on"].year]


def company_letters(fund: FundView, day: date, params: Parameters) -> Iterator[Event]:
    policy = collection_policy(day, params)
    reminded = sent(fund, "company_reminder")
    for company, received in companies(fund):
        cid = company["company_id"]
        charges, failed = [], {}
        for year in _years(company, day):
            try:
                c = company_contribution(year, company["balance_sheet_total"] or 0, company["incorporated_on"], params)
            except RuleError as exc:
                failed[year] = str(exc)
                continue
            charges.append((c, Charge(str(year), c.due_date, c.amount, reference(cid, year, "company"))))
        paid, _ = allocate([charge for _, charge in charges], received)
        for year, reason in failed.items():
            if date(year, 10, 1) <= day <= date(year, 12, 31):
                yield Event(f"company_due:{cid}:{year}", "company_due_notice", "company", cid,
                            {"year": year, "error": reason})
        for contribution, charge in charges:
            year = contribution.year
            interest = late_interest(contribution.amount, contribution.due_date, paid[str(year)], day, params)
            facts = {
                "year": year, "amount": fmt(contribution.amount), "rate": contribution.rate,
                "due_date": contribution.due_date.isoformat(),
                "paid": fmt(contribution.amount - interest.unpaid), "unpaid": fmt(interest.unpaid),
                "interest": [{"month": m.date.isoformat(), "base": fmt(m.base), "amount": fmt(m.amount)}
                             for m in interest.months],
                "interest_total": fmt(interest.total), "due": fmt(interest.unpaid + interest.total),
            }
            due = contribution.due_date
            if quarter_start(due.year, quarter_of(due)) <= day <= due and interest.unpaid > 0:
                yield Event(f"company_due:{cid}:{year}", "company_due_notice", "company", cid, facts)
            if interest.unpaid <= 0:
                continue
            if policy.company_contribution_reminder_on(due) <= day:
                yield Event(f"company_reminder:{cid}:{year}", "company_reminder", "company", cid, facts)
            on = dict(reminded.get(cid, [])).get(str(year))
            if on is not None and policy.formal_notice_on(on) <= day:
                notice = dict(facts, pay_by=policy.formal_notice_expires_on(day).isoformat(),
                              dispute_until=policy.dispute_until(day).isoformat())
                yield Event(f"company_formal_notice:{cid}:{year}", "company_formal_notice", "company", cid, notice)
