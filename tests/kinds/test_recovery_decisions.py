"""The decision after a cared-for person's death over an in-memory fund: the career counters of the next claims
stop counting what it took back, a cancelled month paid after all is claimed back by a later decision stating
only that payment, and a structured communication is never given to two claims."""

from __future__ import annotations

import json
from datetime import date

from correspondence.kinds import mantelzorg
from correspondence.kinds.letter import Event, Held
from correspondence.kinds.memory import MemoryFund
from rules.params import Parameters
from tests.kinds.fund_rows import benefit_paid, claim
from tests.kinds.scenarios import A, granted_then_died

PARAMS = Parameters()


def _decide(fund: MemoryFund, day: date) -> list[Event | Held]:
    found = list(mantelzorg.mantelzorg_decisions(fund, day, PARAMS))
    for event in found:
        if isinstance(event, Event):
            fund.decisions.extend(mantelzorg.record(event, day))
    return found


def test_the_career_counters_stop_counting_what_a_recovery_took_back() -> None:
    """K1 granted July-September with 2026-Q3 exempt (on September); the death in July takes September back and
    the exemption with it. K2, received after, is decided on 2 months and 0 exempt quarters, not 3 and 1."""
    fund = granted_then_died()
    [recovery] = _decide(fund, date(2026, 10, 10))
    assert isinstance(recovery, Event) and recovery.key == "decision:mantelzorg:K1:recovery"
    fund.claims.append(claim("K2", A, received_on=date(2026, 10, 11), break_start=date(2027, 1, 1)))
    [second] = _decide(fund, date(2026, 10, 12))
    assert isinstance(second, Event) and second.key == "decision:mantelzorg:K2"
    assert second.facts.history == mantelzorg.History(months_already_received=2, exempt_quarters_already_used=0)


def test_a_cancellation_is_counted_the_same_way() -> None:
    fund = granted_then_died(paid=("2026-07", "2026-08"))
    [ended] = _decide(fund, date(2026, 9, 25))
    assert isinstance(ended, Event) and ended.key == "decision:mantelzorg:K1:ended"
    assert ended.facts.recovery.outcome == "ended" and ended.facts.recovery.total == "0.00"
    fund.claims.append(claim("K2", A, received_on=date(2026, 9, 26), break_start=date(2027, 1, 1)))
    [second] = _decide(fund, date(2026, 9, 27))
    assert second.facts.history == mantelzorg.History(months_already_received=2, exempt_quarters_already_used=0)


def test_a_cancelled_month_paid_after_all_is_claimed_back_once_by_a_later_decision() -> None:
    fund = granted_then_died(paid=("2026-07", "2026-08"))
    [ended] = _decide(fund, date(2026, 9, 25))
    assert [m for m in ended.facts.recovery.cancelled] == ["2026-09"]
    fund.benefit_payment_rows.append(benefit_paid("K1", "2026-09", date(2026, 9, 30)))  # the payment run went on
    [later] = _decide(fund, date(2026, 10, 2))
    assert isinstance(later, Event) and later.key == "decision:mantelzorg:K1:recovery"
    facts = later.facts.recovery
    assert [p["month"] for p in facts.undue] == ["2026-09"] and facts.cancelled == () and facts.exemption_lost == ()
    assert _decide(fund, date(2026, 10, 3)) == []  # claimed once
    fund.benefit_payment_rows.append(benefit_paid("K1", "2026-09", date(2026, 10, 5), "10.00"))  # and a correction
    [third] = _decide(fund, date(2026, 10, 6))
    assert third.key.startswith("decision:mantelzorg:K1:recovery:") and third.facts.recovery.total == "10.00"


def test_a_communication_already_given_to_another_claim_is_held_for_a_case_handler() -> None:
    fund = granted_then_died()
    _decide(fund, date(2026, 10, 10))
    communication = json.loads(fund.decisions[-1]["result"])["communication"]
    assert communication == "+++000/0001/26706+++"
    # K3: another break started in 2026, November to January; the cared-for person dies in November, January paid
    fund.claims.append(claim("K3", A, received_on=date(2026, 10, 11), break_start=date(2026, 11, 1)))
    [granted] = _decide(fund, date(2026, 10, 12))
    assert isinstance(granted, Event) and granted.letter_type == "mantelzorg_granted"
    fund.claims[-1] = {**fund.claims[-1], "care_recipient_died_on": date(2026, 11, 10),
                       "death_reported_on": date(2026, 11, 20)}
    fund.benefit_payment_rows.append(benefit_paid("K3", "2027-01", date(2027, 1, 29)))
    [held] = _decide(fund, date(2027, 2, 1))
    assert isinstance(held, Held) and held.quarantine.field == "communication"
    assert "+++000/0001/26706+++" in held.quarantine.reason
