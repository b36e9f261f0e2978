"""Interlocks (issue 16, item 2) and plausibility holds (item 7) through the in-memory fund: nothing is
addressed to a deceased affiliate after the death (what is due is on the heirs' list, the fiscal certificate
goes to the heirs), a bankrupt affiliate's claims are held for a case handler, and implausible facts (above
the legal maximum, negative, dated after the night) are held naming the record and field, never printed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from correspondence.config import DEFAULT_FUND, TEMPLATES_DIR, load_fund
from correspondence.kinds import collection, due_notice, regularisation, statements
from correspondence.kinds.collection_lists import heirs_list
from correspondence.kinds.letter import ComposeEnv, Event, Held, compose
from correspondence.kinds.memory import MemoryFund
from correspondence.kinds.registry import by_name
from correspondence.templates import catalog
from rules.params import Parameters
from tests.kinds.fund_rows import affiliate, quarter
from tests.kinds.scenarios import SCENARIOS, A, reminded, unpaid_q1

PARAMS = Parameters()
JEF_DIED = date(2026, 6, 8)  # the deceased affiliate: a due notice for 2026-Q4 reached him


def found(trigger: Callable, fund: MemoryFund, day: date) -> list[tuple[str, str]]:
    return [(e.key, e.letter_type) if isinstance(e, Event) else (e.key, f"held: {e.quarantine.field}")
            for e in trigger(fund, day, PARAMS)]


def q4(amount: str = "890.42", fee: str = "27.16") -> MemoryFund:
    return MemoryFund(affiliate_rows=[affiliate(A)], contributions=[quarter(A, 2026, 4, amount, fee)])


def suspended(kind: str, since: date, until: date | None = None) -> Callable[[MemoryFund], MemoryFund]:
    def change(fund: MemoryFund) -> MemoryFund:
        fund.suspensions.append({"affiliate_id": A, "kind": kind, "valid_from": since, "valid_until": until})
        return fund
    return change


def same(fund: MemoryFund) -> MemoryFund:
    return fund


def contribution_2025q2(amount: str, fee: str = "27.16") -> Callable[[MemoryFund], MemoryFund]:
    """2025-Q2 (paid in 2025) recorded with another amount: the account of the letters on 2026-Q1 shows it."""
    def change(fund: MemoryFund) -> MemoryFund:
        fund.contributions = [quarter(A, 2025, 2, amount, fee) if c["year"] == 2025 and c["quarter"] == 2 else c
                              for c in fund.contributions]
        return fund
    return change


def next_quarter(amount: str) -> Callable[[MemoryFund], MemoryFund]:
    """2026-Q2 charged too, not yet due on the night."""
    def change(fund: MemoryFund) -> MemoryFund:
        fund.contributions.append(quarter(A, 2026, 2, amount))
        return fund
    return change


DUE = f"due_notice:{A}:2026-Q4"
REG = f"regularisation:C{A}-2024Q4R"
CERT = f"fiscal_certificate:{A}:2025"
OCT = date(2026, 10, 1)

CASES = [  # (case, trigger, fund, change, night, expected)
    ("due notice: the issue's case, died in June, no Q4 notice", due_notice.due_notices, q4,
     suspended("death", JEF_DIED), OCT, []),
    ("due notice: died during the quarter, after its notice night", due_notice.due_notices, q4,
     suspended("death", date(2026, 10, 5)), date(2026, 10, 6), []),
    ("due notice: a date of death after the night is held", due_notice.due_notices, q4,
     suspended("death", date(2026, 10, 20)), OCT, [(DUE, "held: date_of_death")]),
    ("due notice: bankruptcy holds it for a case handler", due_notice.due_notices, q4,
     suspended("bankruptcy", date(2026, 3, 1)), OCT, [(DUE, "held: suspension")]),
    ("due notice: a bankruptcy that ended holds nothing", due_notice.due_notices, q4,
     suspended("bankruptcy", date(2025, 3, 1), date(2026, 3, 1)), OCT, [(DUE, "due_notice")]),
    ("due notice: other suspensions do not stop it", due_notice.due_notices, q4,
     suspended("appeal", date(2026, 9, 1)), OCT, [(DUE, "due_notice")]),
    ("due notice: the issue's 6,631.09 above the maximum 5,103.05", due_notice.due_notices,
     lambda: q4("6631.09", "202.25"), same, OCT, [(DUE, "held: amount")]),
    ("due notice: the maximum itself goes out", due_notice.due_notices, lambda: q4("5103.05", "155.64"), same, OCT,
     [(DUE, "due_notice")]),
    ("due notice: a negative fee", due_notice.due_notices, lambda: q4("890.42", "-27.16"), same, OCT,
     [(DUE, "held: fee")]),
    ("due notice: a negative contribution the fee makes positive", due_notice.due_notices,
     lambda: q4("-10.00", "27.16"), same, OCT, [(DUE, "held: amount")]),
    ("due notice: a negative amount that nets to zero is still held", due_notice.due_notices,
     lambda: q4("-27.16", "27.16"), same, OCT, [(DUE, "held: amount")]),
    ("due notice: a deceased affiliate's implausible amount is not a letter", due_notice.due_notices,
     lambda: q4("6631.09", "202.25"), suspended("death", JEF_DIED), OCT, []),
    ("regularisation: deceased", regularisation.regularisation_notices, SCENARIOS["regularisation"][0],
     suspended("death", JEF_DIED), date(2026, 7, 1), []),
    ("regularisation: bankruptcy holds it", regularisation.regularisation_notices, SCENARIOS["regularisation"][0],
     suspended("bankruptcy", date(2026, 3, 1)), date(2026, 7, 1), [(REG, "held: suspension")]),
    ("regularisation: a death dated after the night is held", regularisation.regularisation_notices,
     SCENARIOS["regularisation"][0], suspended("death", date(2026, 8, 1)), date(2026, 7, 1),
     [(REG, "held: date_of_death")]),
    ("statement: bankruptcy holds it", statements.account_statements, unpaid_q1,
     suspended("bankruptcy", date(2026, 3, 1)), date(2026, 9, 15), [(f"statement:{A}:2026-09-15", "held: suspension")]),
    ("statement: deceased, none (the heirs' list)", statements.account_statements, unpaid_q1,
     suspended("death", JEF_DIED), date(2026, 9, 15), []),
    # a letter printing the account holds while a contribution in it is implausible, as a due notice does
    ("reminder: a negative contribution in the account is held", collection.payment_reminders, unpaid_q1,
     next_quarter("-100.00"), date(2026, 4, 16), [(f"reminder:{A}:2026-Q1", "held: amount")]),
    ("formal notice: a negative fee in the account is held", collection.formal_notices, reminded,
     contribution_2025q2("890.42", "-27.16"), date(2026, 5, 16), [(f"formal_notice:{A}:2026-Q1", "held: fee")]),
    ("statement: a contribution above the maximum is held", statements.account_statements, unpaid_q1,
     contribution_2025q2("6631.09", "202.25"), date(2026, 9, 15), [(f"statement:{A}:2026-09-15", "held: amount")]),
    ("fiscal certificate: deceased, it goes to the heirs", statements.fiscal_certificates, unpaid_q1,
     suspended("death", date(2026, 1, 10)), date(2026, 3, 1), [(CERT, "fiscal_certificate")]),
    ("fiscal certificate: bankrupt, it still goes (it claims nothing)", statements.fiscal_certificates, unpaid_q1,
     suspended("bankruptcy", date(2025, 6, 1)), date(2026, 3, 1), [(CERT, "fiscal_certificate")]),
    ("fiscal certificate: a death dated after the night is held", statements.fiscal_certificates, unpaid_q1,
     suspended("death", date(2026, 4, 1)), date(2026, 3, 1), [(CERT, "held: date_of_death")]),
]


@pytest.mark.parametrize(("trigger", "fund", "change", "day", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_interlock(trigger: Callable, fund: Callable[[], MemoryFund], change: Callable[[MemoryFund], MemoryFund],
                   day: date, expected: list[tuple[str, str]]) -> None:
    assert found(trigger, change(fund()), day) == expected


def test_a_held_event_names_the_record_the_field_and_what_to_do() -> None:
    [bankrupt] = due_notice.due_notices(suspended("bankruptcy", date(2026, 3, 1))(q4()), OCT, PARAMS)
    assert isinstance(bankrupt, Held) and bankrupt.quarantine.record == f"affiliate {A}"
    assert "bankruptcy" in bankrupt.quarantine.reason and "case handler" in bankrupt.quarantine.action
    [above] = due_notice.due_notices(q4("6631.09", "202.25"), OCT, PARAMS)
    assert isinstance(above, Held) and "5103.05" in above.quarantine.reason
    assert "A0000001" not in above.quarantine.reason  # the record names the affiliate, the reason the fact


def _certificate_letter(dead: bool) -> dict:
    fund = unpaid_q1()
    if dead:
        suspended("death", date(2026, 1, 10))(fund)
    day = date(2026, 3, 1)
    [event] = statements.fiscal_certificates(fund, day, PARAMS)
    env = ComposeEnv(day, load_fund(DEFAULT_FUND), catalog.load(TEMPLATES_DIR), PARAMS)
    recipient = fund.recipients("affiliate", [A])[A]
    return compose(by_name()["fiscal_certificate"], event, recipient, env, "20260301-000001").context


@pytest.mark.parametrize("dead", [False, True])
def test_the_certificate_of_a_deceased_affiliate_is_addressed_to_the_heirs(dead: bool) -> None:
    context = _certificate_letter(dead)
    assert context["recipient"].get("estate", False) is dead
    assert context["recipient"]["address_lines"][0] == "Jan Peeters01"  # the deceased's name, last known address
    assert "estate" not in context["certificate"]


def test_what_is_due_after_the_death_is_on_the_heirs_list() -> None:
    """The Q4 notice is not sent; the heirs' list carries its amount with the rest of the account."""
    fund = suspended("death", JEF_DIED)(q4())
    assert list(due_notice.due_notices(fund, OCT, PARAMS)) == []
    [entry] = heirs_list(fund, OCT, PARAMS)
    assert entry.row["periods_unpaid"] == "2026-Q4" and entry.row["balance"] == "917.58"


def test_a_quarter_charged_after_the_heirs_entry_brings_a_new_one() -> None:
    fund = suspended("death", JEF_DIED)(unpaid_q1())
    [july] = heirs_list(fund, date(2026, 7, 1), PARAMS)
    fund.contributions.append(quarter(A, 2026, 4))
    [october] = heirs_list(fund, OCT, PARAMS)
    assert (july.key, october.key) == (f"heirs:{A}:2026-Q1", f"heirs:{A}:2026-Q4")
    assert october.row["periods_unpaid"] == "2026-Q1 2026-Q4"


def test_an_account_letter_held_names_the_contribution() -> None:
    [held] = statements.account_statements(contribution_2025q2("-100.00")(unpaid_q1()), date(2026, 9, 15), PARAMS)
    assert isinstance(held, Held) and held.quarantine.record == f"contribution C{A}-2025Q2"
    assert held.quarantine.reason == "implausible: is negative (-100.00)"
