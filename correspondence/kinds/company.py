"""The company contribution's due notice, reminder and registered formal notice, for every company.

Years considered on a night: the current one and the one before (older unpaid years are the lawyers'
business). The due notice goes out from the first day of the quarter holding the due date up to that date
(`company_due:<company>:<year>`); the reminder from the policy's delay after the due date while unpaid
(`company_reminder:…`); the formal notice the policy's delay after the reminder while still unpaid
(`company_formal_notice:…`). Payments carrying the year's structured communication pay that year, others
the oldest year first (rules/account.py). A year the rules cannot price (2024: threshold unknown) is held
under its due notice's key, naming the missing figure — never a guess.

Each letter names the company's enterprise number and asks for the year's contribution with late interest
so far, with the year's structured communication (period code 6); the letters explain the directors' joint
liability.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from correspondence.kinds.blocks import payment_block
from correspondence.kinds.collection import Notice, notice_terms
from correspondence.kinds.fund import Fund
from correspondence.kinds.ledgers import reference
from correspondence.kinds.letter import ComposeEnv, Event, Held
from correspondence.quarantine import Quarantine
from rules.account import Charge, allocate
from rules.calendar import quarter_of, quarter_start
from rules.collection_policy import collection_policy
from rules.company_contribution import company_contribution, late_interest
from rules.errors import RuleError
from rules.money import fmt
from rules.params import Parameters
from rules.payment_reference import structured_reference


@dataclass(frozen=True)
class CompanyContribution:
    """A year's company contribution as the letters print it: money as text, dates ISO."""

    year: int
    amount: str
    rate: str  # low | high
    due_date: str
    paid: str
    unpaid: str
    interest: tuple[dict[str, str], ...]  # month, base, amount of each started month's late interest
    interest_total: str
    due: str  # amount - paid + interest_total: what the letter's table adds up to
    notice: Notice | None = None
    pay_by: str | None = None  # a reminder's date to pay by


def _years(company: dict[str, Any], day: date) -> list[int]:
    return [y for y in (day.year - 1, day.year) if y >= company["incorporated_on"].year]


def company_letters(fund: Fund, day: date, params: Parameters) -> Iterator[Event | Held]:
    policy = collection_policy(day, params)
    reminded, former = fund.sent("company_reminder"), fund.former("company_reminder")
    for company, received in fund.companies():
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
                yield Held(f"company_due:{cid}:{year}", Quarantine(
                    f"company {cid}", "rule", reason, "complete the rule parameters or the data"))
        for contribution, charge in charges:
            year = contribution.year
            interest = late_interest(contribution.amount, contribution.due_date, paid[str(year)], day, params)
            facts = CompanyContribution(
                year=year, amount=fmt(contribution.amount), rate=contribution.rate,
                due_date=contribution.due_date.isoformat(),
                paid=fmt(contribution.amount - interest.unpaid), unpaid=fmt(interest.unpaid),
                interest=tuple({"month": m.date.isoformat(), "base": fmt(m.base), "amount": fmt(m.amount)}
                               for m in interest.months),
                interest_total=fmt(interest.total), due=fmt(interest.unpaid + interest.total),
            )
            due = contribution.due_date
            if quarter_start(due.year, quarter_of(due)) <= day <= due and interest.unpaid > 0:
                yield Event(f"company_due:{cid}:{year}", "company_due_notice", "company", cid, facts,
                            due_on=quarter_start(due.year, quarter_of(due)))
            if interest.unpaid <= 0:
                continue
            if policy.company_contribution_reminder_on(due) <= day:
                yield Event(f"company_reminder:{cid}:{year}", "company_reminder", "company", cid,
                            replace(facts, pay_by=policy.reminder_pay_by(day).isoformat()),
                            due_on=policy.company_contribution_reminder_on(due))
            on = dict(reminded.get(cid, [])).get(str(year))
            if on is not None and policy.formal_notice_on(on) <= day:
                notice = notice_terms(day, params, after_former=str(year) in former.get(cid, set()))
                yield Event(f"company_formal_notice:{cid}:{year}", "company_formal_notice", "company", cid,
                            replace(facts, notice=notice), due_on=policy.formal_notice_on(on))


def compose(event: Event, recipient: dict[str, Any], env: ComposeEnv, language: str) -> dict[str, Any]:
    facts: CompanyContribution = event.facts
    number = recipient["enterprise_number"]
    reference = structured_reference(event.recipient_id, facts.year, "company")
    contribution = asdict(replace(facts, notice=None, pay_by=None))
    del contribution["notice"], contribution["pay_by"]
    contribution["interest"] = list(contribution["interest"])
    out: dict[str, Any] = {
        "company": {"enterprise_number": f"{number[:4]}.{number[4:7]}.{number[7:]}"},
        "company_contribution": contribution,
        "payment": payment_block(env.fund, language, facts.due, reference),
    }
    if facts.notice is not None:
        out["notice"] = asdict(facts.notice)
    if facts.pay_by is not None:
        out["reminder"] = {"pay_by": facts.pay_by}
    return out
