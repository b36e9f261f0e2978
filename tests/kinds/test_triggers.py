"""Every trigger over the in-memory fund: which letters a night finds, and which it holds, for which rows.

No database, no rendering: a case is rows in, events (or held values) out, in a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from correspondence.kinds import collection, company, due_notice, mantelzorg, regularisation, statements
from correspondence.kinds.letter import Event, Held
from correspondence.kinds.memory import MemoryFund
from correspondence.kinds.registry import KINDS, by_name
from rules.params import Parameters
from tests.kinds.fund_rows import affiliate, claim, letter, paid, quarter
from tests.kinds.scenarios import SCENARIOS, A, C, claims, granted_then_died, one_company, reminded, unpaid_q1

PARAMS = Parameters()


def found(trigger: Callable, fund: MemoryFund, day: date) -> list[tuple[str, str]]:
    """(key, letter type) of each event; (key, "held: <field>") of each held value."""
    return [(e.key, e.letter_type) if isinstance(e, Event) else (e.key, f"held: {e.quarantine.field}")
            for e in trigger(fund, day, PARAMS)]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_kind_s_trigger_finds_its_letter(name: str) -> None:
    fund, day = SCENARIOS[name]
    events = found(by_name()[name].trigger, fund(), day)
    assert name in [letter_type for _, letter_type in events], events


def test_every_kind_has_a_scenario() -> None:
    assert set(SCENARIOS) == {kind.name for kind in KINDS}


def _dead(fund: MemoryFund) -> MemoryFund:
    fund.suspensions.append({"affiliate_id": A, "kind": "death", "valid_from": date(2026, 1, 10), "valid_until": None})
    return fund


def _held(kind: str) -> Callable[[MemoryFund], MemoryFund]:
    def hold(fund: MemoryFund) -> MemoryFund:
        rows = fund.payment_plans if kind == "payment_plan" else fund.suspensions
        rows.append({"affiliate_id": A, "kind": kind, "valid_from": date(2026, 4, 1), "valid_until": None})
        return fund
    return hold


def _same(fund: MemoryFund) -> MemoryFund:
    return fund


def _nothing_to_pay(fund: MemoryFund) -> MemoryFund:
    fund.contributions = [quarter(A, 2026, 2, "0.00", "0.00")]
    return fund


def _paid_q1(fund: MemoryFund) -> MemoryFund:
    fund.payments.append(paid(A, 2026, 1, date(2026, 3, 31)))
    return fund


def _already_reminded(fund: MemoryFund) -> MemoryFund:
    fund.letters.append(letter("reminder", f"reminder:{A}:2026-Q1", A, date(2026, 4, 16)))
    return fund


def _already_noticed(fund: MemoryFund) -> MemoryFund:
    fund.letters.append(letter("formal_notice", f"formal_notice:{A}:2026-Q1", A, date(2026, 5, 16)))
    return fund


def _q2_unpaid(noticed_on: date | None = None) -> Callable[[MemoryFund], MemoryFund]:
    """2026-Q2 charged and unpaid too (due 30 June); the formal notice of Q1 sent on `noticed_on`, if given."""
    def change(fund: MemoryFund) -> MemoryFund:
        fund.contributions.append(quarter(A, 2026, 2))
        if noticed_on is not None:
            fund.letters.append(letter("formal_notice", f"formal_notice:{A}:2026-Q1", A, noticed_on))
        return fund
    return change


def quarter_due() -> MemoryFund:
    return MemoryFund(affiliate_rows=[affiliate(A)], contributions=[quarter(A, 2026, 2)])

CASES = [  # (case, trigger, fund, change to it, night, expected (key, letter type or held: field))
    ("due notice from the quarter's first day", due_notice.due_notices, quarter_due, _same, date(2026, 4, 1),
     [(f"due_notice:{A}:2026-Q2", "due_notice")]),
    ("due notice: not before the quarter", due_notice.due_notices, quarter_due, _same, date(2026, 3, 31), []),
    ("due notice: nothing to pay, no notice", due_notice.due_notices, quarter_due, _nothing_to_pay, date(2026, 4, 1), []),
    ("regularisation in its window", regularisation.regularisation_notices, SCENARIOS["regularisation"][0], _same,
     date(2026, 9, 30), [(f"regularisation:C{A}-2024Q4R", "regularisation")]),
    ("regularisation: before it was charged", regularisation.regularisation_notices, SCENARIOS["regularisation"][0],
     _same, date(2026, 3, 31), []),
    ("regularisation: after its due date", regularisation.regularisation_notices, SCENARIOS["regularisation"][0],
     _same, date(2026, 10, 1), []),
    ("regularisation: deceased", regularisation.regularisation_notices, SCENARIOS["regularisation"][0], _dead,
     date(2026, 5, 1), []),
    ("reminder after the policy's delay", collection.payment_reminders, unpaid_q1, _same, date(2026, 4, 16),
     [(f"reminder:{A}:2026-Q1", "reminder")]),
    ("reminder: not before the delay", collection.payment_reminders, unpaid_q1, _same, date(2026, 4, 14), []),
    ("reminder: paid on time", collection.payment_reminders, unpaid_q1, _paid_q1, date(2026, 4, 16), []),
    ("reminder: never twice for a period", collection.payment_reminders, unpaid_q1, _already_reminded,
     date(2026, 5, 1), []),
    ("reminder: an appeal holds collection", collection.payment_reminders, unpaid_q1, _held("appeal"),
     date(2026, 4, 16), []),
    ("reminder: a payment plan holds collection", collection.payment_reminders, unpaid_q1, _held("payment_plan"),
     date(2026, 4, 16), []),
    ("reminder: a suspension that does not hold", collection.payment_reminders, unpaid_q1, _held("illness"),
     date(2026, 4, 16), [(f"reminder:{A}:2026-Q1", "reminder")]),
    # Q1 reminded on 16 April, its formal notice not yet sent on 16 July (a catch-up night), when Q2's reminder is
    # due too: the formal notice goes, listing Q1 and Q2, and no reminder beside it
    ("reminder: not on the night of a formal notice", collection.payment_reminders, reminded, _q2_unpaid(),
     date(2026, 7, 16), []),
    ("formal notice: on a night a reminder was due too", collection.formal_notices, reminded, _q2_unpaid(),
     date(2026, 7, 16), [(f"formal_notice:{A}:2026-Q1", "formal_notice")]),
    ("reminder: not for a period a formal notice listed", collection.payment_reminders, reminded,
     _q2_unpaid(date(2026, 7, 16)), date(2026, 7, 17), []),
    ("reminder: for a period due after the formal notice", collection.payment_reminders, reminded,
     _q2_unpaid(date(2026, 5, 16)), date(2026, 7, 16), [(f"reminder:{A}:2026-Q2", "reminder")]),
    ("formal notice after the reminder's delay", collection.formal_notices, reminded, _same, date(2026, 5, 16),
     [(f"formal_notice:{A}:2026-Q1", "formal_notice")]),
    ("formal notice: not before the delay", collection.formal_notices, reminded, _same, date(2026, 5, 15), []),
    ("formal notice: never without a reminder", collection.formal_notices, unpaid_q1, _same, date(2026, 6, 1), []),
    ("formal notice: never twice", collection.formal_notices, reminded, _already_noticed, date(2026, 6, 1), []),
    ("formal notice: paid on time", collection.formal_notices, reminded, _paid_q1, date(2026, 5, 16), []),
    ("statement on its date", statements.account_statements, unpaid_q1, _same, date(2026, 9, 15),
     [(f"statement:{A}:2026-09-15", "account_statement")]),
    ("statement caught up within 30 days", statements.account_statements, unpaid_q1, _same, date(2026, 10, 15),
     [(f"statement:{A}:2026-09-15", "account_statement")]),
    ("statement: stale after 30 days", statements.account_statements, unpaid_q1, _same, date(2026, 10, 16), []),
    ("statement: square account", statements.account_statements, unpaid_q1, _paid_q1, date(2026, 9, 15), []),
    ("statement: deceased", statements.account_statements, unpaid_q1, _dead, date(2026, 9, 15), []),
    ("fiscal certificate from its date", statements.fiscal_certificates, unpaid_q1, _same, date(2026, 3, 1),
     [(f"fiscal_certificate:{A}:2025", "fiscal_certificate")]),
    ("fiscal certificate: not before its date", statements.fiscal_certificates, unpaid_q1, _same,
     date(2026, 2, 28), []),
    ("fiscal certificate: nothing received in the year", statements.fiscal_certificates, unpaid_q1, _same,
     date(2027, 3, 1), []),
    ("company due notice in the due date's quarter", company.company_letters, one_company, _same,
     date(2025, 10, 1), [(f"company_due:{C}:2025", "company_due_notice")]),
    ("company reminder after the policy's delay", company.company_letters, one_company, _same, date(2026, 1, 30),
     [(f"company_reminder:{C}:2025", "company_reminder")]),
    ("company: nothing yet before the reminder", company.company_letters, one_company, _same, date(2026, 1, 29), []),
    ("company: a year the rules cannot price is held", company.company_letters, one_company, _same,
     date(2024, 10, 15), [(f"company_due:{C}:2024", "held: rule"), (f"company_reminder:{C}:2023", "company_reminder")]),
    ("mantelzorg: decided once received", mantelzorg.mantelzorg_decisions, claims(claim("K1", A)), _same,
     date(2026, 7, 10), [("decision:mantelzorg:K1", "mantelzorg_granted")]),
    ("mantelzorg: not before it is received", mantelzorg.mantelzorg_decisions, claims(claim("K1", A)), _same,
     date(2026, 6, 24), []),
    ("mantelzorg: one new decision per affiliate a night", mantelzorg.mantelzorg_decisions,
     claims(claim("K1", A), claim("K2", A, received_on=date(2026, 6, 26))), _same, date(2026, 7, 10),
     [("decision:mantelzorg:K1", "mantelzorg_granted")]),
    ("mantelzorg: a claim the rule cannot read is held, naming the field", mantelzorg.mantelzorg_decisions,
     claims(claim("K1", A, mode="sometimes")), _same, date(2026, 7, 10),
     [("decision:mantelzorg:K1", "held: request.mode")]),
    ("mantelzorg: an applicant not in the fund is held", mantelzorg.mantelzorg_decisions,
     claims(claim("K1", "A0000009")), _same, date(2026, 7, 10), [("decision:mantelzorg:K1", "held: recipient_id")]),
    ("mantelzorg: recovery once a month after the death was paid", mantelzorg.mantelzorg_decisions,
     SCENARIOS["mantelzorg_recovery"][0], _same, date(2026, 10, 10),
     [("decision:mantelzorg:K1:recovery", "mantelzorg_recovery")]),
    ("mantelzorg: nothing paid after the death yet: the months are cancelled, nothing claimed back",
     mantelzorg.mantelzorg_decisions, lambda: granted_then_died(paid=("2026-07", "2026-08")), _same,
     date(2026, 9, 29), [("decision:mantelzorg:K1:ended", "mantelzorg_recovery")]),
    ("mantelzorg: the claim-back follows what was paid, not the schedule", mantelzorg.mantelzorg_decisions,
     lambda: granted_then_died(paid=("2026-07", "2026-08")), _same, date(2026, 10, 10),
     [("decision:mantelzorg:K1:ended", "mantelzorg_recovery")]),
    ("mantelzorg: a payment dated after the night waits for its day", mantelzorg.mantelzorg_decisions,
     SCENARIOS["mantelzorg_recovery"][0], _same, date(2026, 9, 29),
     [("decision:mantelzorg:K1:ended", "mantelzorg_recovery")]),
    ("mantelzorg: nothing before the fund learns of the death", mantelzorg.mantelzorg_decisions,
     lambda: granted_then_died(reported_on=date(2026, 10, 11)), _same, date(2026, 10, 10), []),
    ("mantelzorg: a death whose report date is not given is held, naming the field",
     mantelzorg.mantelzorg_decisions, lambda: granted_then_died(reported_on=None), _same, date(2026, 10, 10),
     [("decision:mantelzorg:K1:recovery", "held: death_reported_on")]),
    ("mantelzorg: a death after the night is held as implausible", mantelzorg.mantelzorg_decisions,
     lambda: _died_on(granted_then_died(), date(2026, 10, 12)), _same, date(2026, 10, 10),
     [("decision:mantelzorg:K1:recovery", "held: care_recipient_died_on")]),
    ("mantelzorg: every granted month within the right: nothing to decide", mantelzorg.mantelzorg_decisions,
     lambda: _died_on(granted_then_died(), date(2026, 9, 2)), _same, date(2026, 10, 10), []),
]


def _died_on(fund: MemoryFund, died: date) -> MemoryFund:
    fund.claims[0] = {**fund.claims[0], "care_recipient_died_on": died}
    return fund


@pytest.mark.parametrize(("trigger", "fund", "change", "day", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_trigger(trigger: Callable, fund: Callable[[], MemoryFund], change: Callable[[MemoryFund], MemoryFund],
                 day: date, expected: list[tuple[str, str]]) -> None:
    assert found(trigger, change(fund()), day) == expected


def test_a_decision_taken_is_the_basis_of_the_next_claim() -> None:
    """K1's three months, recorded from its event's facts, count for K2 the night after."""
    fund = claims(claim("K1", A), claim("K2", A, received_on=date(2026, 6, 26),
                                        break_start=date(2026, 10, 1)))()
    [first] = mantelzorg.mantelzorg_decisions(fund, date(2026, 7, 10), PARAMS)
    fund.decisions.extend(mantelzorg.record(first, date(2026, 7, 10)))
    [second] = mantelzorg.mantelzorg_decisions(fund, date(2026, 7, 11), PARAMS)
    assert second.key == "decision:mantelzorg:K2"
    assert second.facts.history == mantelzorg.History(months_already_received=3, exempt_quarters_already_used=1)


def test_the_facts_travel_typed() -> None:
    [notice] = collection.formal_notices(reminded(), date(2026, 5, 16), PARAMS)
    # dated Saturday 16 May: received Wednesday 20 May (third working day), one month later is Saturday 20 June
    assert notice.facts.notice == collection.Notice(deadline="2026-06-22", received_on="2026-05-20")
    assert [p["period"] for p in notice.facts.periods] == ["2026-Q1"] and notice.facts.due == "945.11"  # with the surcharge
    [held, _] = company.company_letters(one_company(), date(2024, 10, 15), PARAMS)
    assert isinstance(held, Held) and "balance_sheet_threshold" in held.quarantine.reason
    assert held.quarantine.record == f"company {C}"
