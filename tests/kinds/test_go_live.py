"""Go-live through the in-memory fund: the day each event first became due (`Event.due_on`), which events a
cut-over leaves to the former system, and the collection cycle resuming after the former system's letters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from correspondence.kinds import collection, company
from correspondence.kinds.letter import Event, Held, left_to_former_system
from correspondence.kinds.memory import MemoryFund
from correspondence.kinds.registry import by_name
from correspondence.quarantine import Quarantine
from rules.collection_policy import collection_policy
from rules.params import Parameters
from tests.kinds.scenarios import SCENARIOS, A, C, one_company, unpaid_q1

POLICY = collection_policy(date(2026, 1, 1))
COMPANY_DUE_2025 = date(2025, 12, 31)  # tests/kinds/scenarios.py's company: its 2025 contribution's due date

# letter kind (its scenario of tests/kinds/scenarios.py): the day its event first became due
DUE_ON: dict[str, date | None] = {
    "due_notice": date(2026, 4, 1),  # its quarter's first day
    "regularisation": date(2026, 4, 1),  # charged on the first day of the quarter before the one it is due in
    "reminder": POLICY.reminder_on(date(2026, 3, 31)),  # the newest period's due date + the policy's delay
    "formal_notice": POLICY.formal_notice_on(date(2026, 4, 16)),  # the reminder's day + the policy's delay
    "account_statement": date(2026, 9, 15),  # its statement date
    "fiscal_certificate": POLICY.fiscal_certificate_day(2026),  # the policy's certificate date
    "company_due_notice": date(2025, 10, 1),  # the due date's quarter's first day
    "company_reminder": POLICY.company_contribution_reminder_on(COMPANY_DUE_2025),
    "company_formal_notice": POLICY.formal_notice_on(date(2026, 1, 31)),
    # a decision on a claim is owed whatever its date: never left to the former system
    "mantelzorg_granted": None, "mantelzorg_refused": None, "mantelzorg_incomplete": None, "mantelzorg_recovery": None,
}


def _events(name: str, fund: MemoryFund, day: date) -> list[Event]:
    return [e for e in by_name()[name].trigger(fund, day, _params()) if isinstance(e, Event) and e.letter_type == name]


def _params() -> Parameters:
    return Parameters()


def test_every_kind_has_its_due_day() -> None:
    assert set(DUE_ON) == set(SCENARIOS)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_event_carries_the_day_it_first_became_due(name: str) -> None:
    make, day = SCENARIOS[name]
    [event, *_] = _events(name, make(), day)
    assert event.due_on == DUE_ON[name]
    assert event.due_on is None or event.due_on <= day  # nothing is found before it is due


def _event(due_on: date | None) -> Event:
    return Event("due_notice:A0000001:2026-Q4", "due_notice", "affiliate", A, None, due_on=due_on)


@pytest.mark.parametrize(("due_on", "go_live", "left"), [
    (date(2026, 10, 1), None, False),  # no cut-over: every event is the engine's
    (date(2026, 10, 1), date(2026, 12, 1), True),  # due before go-live: the former system's
    (date(2026, 11, 30), date(2026, 12, 1), True),
    (date(2026, 12, 1), date(2026, 12, 1), False),  # due on go-live day: the engine's
    (date(2027, 1, 1), date(2026, 12, 1), False),
    (None, date(2026, 12, 1), False),  # a decision: owed whatever the date
])
def test_an_event_due_before_go_live_is_left_to_the_former_system(due_on: date | None, go_live: date | None,
                                                                   left: bool) -> None:
    assert left_to_former_system(_event(due_on), go_live) is left
    held = Held("due_notice:A0000001:2026-Q4", Quarantine(f"affiliate {A}", "suspension", "bankrupt", "a case handler"),
                due_on=due_on)
    assert left_to_former_system(held, go_live) is left  # held before go-live: the former system's, no quarantine


def test_a_held_due_notice_carries_the_day_it_first_became_due() -> None:
    make, day = SCENARIOS["due_notice"]
    fund = make()
    fund.suspensions.append({"affiliate_id": A, "kind": "bankruptcy", "valid_from": date(2026, 1, 1),
                             "valid_until": None})
    held = [e for e in by_name()["due_notice"].trigger(fund, day, _params()) if isinstance(e, Held)]
    assert held and all(h.due_on == DUE_ON["due_notice"] for h in held)


def _former_reminder(fund: MemoryFund, table: str, on: date, recipient: str = A, letter_type: str = "reminder",
                     label: str = "2026-Q1") -> MemoryFund:
    prefix = {"reminder": "reminder", "company_reminder": "company_reminder"}[letter_type]
    row = {"letter_type": letter_type, "recipient_id": recipient, "event_key": f"{prefix}:{recipient}:{label}"}
    if table == "letters_sent":
        fund.letters_sent.append({**row, "sent_on": on})
    else:
        fund.former_letters.append({**row, "due_on": on})
    return fund


@pytest.mark.parametrize("table", ["letters_sent", "former_letters"])
def test_the_former_system_s_reminder_counts_as_sent(table: str) -> None:
    # reminded by the former system on 20 April: no second reminder; the formal notice follows on its own date
    fund = _former_reminder(unpaid_q1(), table, date(2026, 4, 20))
    assert list(collection.payment_reminders(fund, date(2026, 4, 25), _params())) == []
    due = POLICY.formal_notice_on(date(2026, 4, 20))
    assert list(collection.formal_notices(fund, due - timedelta(1), _params())) == []
    [notice] = collection.formal_notices(fund, due, _params())
    assert (notice.key, notice.due_on) == (f"formal_notice:{A}:2026-Q1", due)
    assert notice.facts.notice.after_former  # worded for what came before


def test_a_formal_notice_after_the_engine_s_own_reminder_is_worded_as_usual() -> None:
    make, day = SCENARIOS["formal_notice"]
    [notice] = collection.formal_notices(make(), day, _params())
    assert not notice.facts.notice.after_former


@pytest.mark.parametrize(("fund", "after_former"), [
    (lambda: _former_reminder(one_company(), "letters_sent", date(2026, 1, 31), C, "company_reminder", "2025"), True),
    (SCENARIOS["company_formal_notice"][0], False),
])
def test_the_company_formal_notice_follows_the_former_system_s_reminder(fund: Callable[[], MemoryFund],
                                                                         after_former: bool) -> None:
    events = [e for e in company.company_letters(fund(), date(2026, 3, 2), _params())
              if isinstance(e, Event) and e.letter_type == "company_formal_notice"]
    assert [e.facts.notice.after_former for e in events] == [after_former]
