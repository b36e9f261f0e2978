"""For every letter kind, a small in-memory fund and a night on which its trigger yields that kind's letter
to A0000001 (or company C0000007): the cases the trigger and composer tables of tests/kinds/ start from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from correspondence.kinds import mantelzorg
from correspondence.kinds.letter import Event
from correspondence.kinds.memory import MemoryFund
from rules.params import Parameters
from tests.kinds.fund_rows import (
    affiliate,
    benefit_paid,
    claim,
    company,
    letter,
    paid,
    paying_affiliate,
    quarter,
)

A, C = "A0000001", "C0000007"


def unpaid_q1() -> MemoryFund:
    """2026-Q1 charged and unpaid (due 31 March), 2025 paid in full during 2025."""
    return MemoryFund(affiliate_rows=[affiliate(A)],
                      contributions=[quarter(A, 2025, q) for q in (1, 2, 3, 4)] + [quarter(A, 2026, 1)],
                      payments=[paid(A, 2025, q, quarter(A, 2025, q)["due_date"]) for q in (1, 2, 3, 4)])


def reminded() -> MemoryFund:
    fund = unpaid_q1()
    fund.letters.append(letter("reminder", f"reminder:{A}:2026-Q1", A, date(2026, 4, 16)))
    return fund


def regularisation() -> MemoryFund:
    return MemoryFund(affiliate_rows=[affiliate(A)],
                      contributions=[quarter(A, 2024, 4, "1204.88", "36.75", "regularisation", date(2026, 9, 30))])


def one_company(**changes: object) -> MemoryFund:
    return MemoryFund(company_rows=[company(C, **changes)])


def company_reminded() -> MemoryFund:
    fund = one_company()
    fund.letters.append(letter("company_reminder", f"company_reminder:{C}:2025", C, date(2026, 1, 31)))
    return fund


def claims(*rows: dict) -> Callable[[], MemoryFund]:
    def fund() -> MemoryFund:
        made = paying_affiliate(A)
        made.claims.extend(rows)
        return made
    return fund


def granted_then_died(reported_on: date = date(2026, 9, 20), paid: tuple[str, ...] = ("2026-07", "2026-08", "2026-09"),
                      ) -> MemoryFund:
    """K1 granted on 2026-07-10 for July-September (2026-Q3 exempt, on September); the cared-for spouse died on
    15 July, which the fund learnt on `reported_on`; the months `paid` were paid at their month's end, so August
    is the last month with a right and a paid September is claimed back."""
    fund = claims(claim("K1", A))()
    [event] = mantelzorg.mantelzorg_decisions(fund, date(2026, 7, 10), Parameters())
    assert isinstance(event, Event)
    fund.decisions.extend(mantelzorg.record(event, date(2026, 7, 10)))
    fund.claims[0] = {**fund.claims[0], "care_recipient_died_on": date(2026, 7, 15), "death_reported_on": reported_on}
    ends = {"2026-07": date(2026, 7, 31), "2026-08": date(2026, 8, 31), "2026-09": date(2026, 9, 30)}
    fund.benefit_payment_rows.extend(benefit_paid("K1", month, ends[month]) for month in paid)
    return fund


# letter kind: (the fund, the night) on which its trigger yields that kind's letter
SCENARIOS: dict[str, tuple[Callable[[], MemoryFund], date]] = {
    "due_notice": (lambda: MemoryFund(affiliate_rows=[affiliate(A)], contributions=[quarter(A, 2026, 2)]),
                   date(2026, 4, 1)),
    "regularisation": (regularisation, date(2026, 5, 1)),
    "reminder": (unpaid_q1, date(2026, 4, 16)),
    "formal_notice": (reminded, date(2026, 5, 16)),
    "account_statement": (unpaid_q1, date(2026, 9, 15)),
    "fiscal_certificate": (unpaid_q1, date(2026, 3, 1)),
    "company_due_notice": (one_company, date(2025, 10, 15)),
    "company_reminder": (one_company, date(2026, 1, 31)),
    "company_formal_notice": (company_reminded, date(2026, 3, 2)),
    "mantelzorg_granted": (claims(claim("K1", A)), date(2026, 7, 10)),
    "mantelzorg_refused": (claims(claim("K1", A, care_recipient="relative", relative_degree=3, other_benefit=True,
                                           other_benefit_kind="career_break_care")),
                           date(2026, 7, 10)),
    "mantelzorg_incomplete": (claims(claim("K1", A, mode="partial", care_recipient="housemate")), date(2026, 7, 10)),
    "mantelzorg_recovery": (granted_then_died, date(2026, 10, 10)),
}
