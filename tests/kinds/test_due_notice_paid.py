"""A due notice is not sent for a quarter already paid in full by the night, and a partly paid quarter's notice
asks only the rest: what is paid is what the account counts on the quarter (rules/account.py `allocate`), so
the notice never disagrees with a later reminder or statement. The database reads it as the memory does."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import Connection

from correspondence.kinds import due_notice
from correspondence.kinds.fund import FundView
from correspondence.kinds.letter import Event
from correspondence.kinds.memory import MemoryFund
from correspondence.kinds.registry import by_name
from rules.params import Parameters
from tests.kinds.fund_rows import affiliate, paid, quarter
from tests.kinds.scenarios import A
from tests.kinds.test_composers import event_of
from tests.kinds.test_fund_view import _store, connection  # noqa: F401 (fixture)

PARAMS = Parameters()
NIGHT = date(2026, 10, 5)  # a catch-up night in Q4 2026; Q4's charge is 917.58, due 31 December
Q3_PAID = paid(A, 2026, 3, date(2026, 9, 30))

# case: (payments, what the notice says received, or None when no notice goes out)
CASES = {
    "nothing paid: the whole quarter": ([Q3_PAID], "0.00"),
    "paid in full with Q4's communication before the night: no notice": (
        [Q3_PAID, paid(A, 2026, 4, date(2026, 10, 2))], None),
    "paid in full on the night itself: no notice": ([Q3_PAID, paid(A, 2026, 4, NIGHT)], None),
    "paid after the night: not counted": ([Q3_PAID, paid(A, 2026, 4, date(2026, 10, 6))], "0.00"),
    "partly paid: what was received, the rest asked": ([Q3_PAID, paid(A, 2026, 4, date(2026, 10, 1), "400.00")],
                                                        "400.00"),
    "paid twice under Q3: the second pays the oldest open quarter, Q4": (
        [Q3_PAID, paid(A, 2026, 3, date(2026, 10, 1)) | {"payment_id": "P2"}], None),
    "Q4's communication while Q3 is unpaid: it pays Q4 first": ([paid(A, 2026, 4, date(2026, 10, 1))], None),
    "no communication while Q3 is unpaid: it pays Q3, Q4 is asked in full": (
        [paid(A, 2026, 4, date(2026, 10, 1)) | {"structured_reference": ""}], "0.00"),
}


def _fund(payments: list[dict]) -> MemoryFund:
    return MemoryFund(affiliate_rows=[affiliate(A)], contributions=[quarter(A, 2026, 3), quarter(A, 2026, 4)],
                      payments=payments)


@pytest.mark.parametrize("name", list(CASES))
def test_a_due_notice_asks_only_what_the_account_leaves_unpaid(name: str) -> None:
    payments, received = CASES[name]
    events = [e for e in due_notice.due_notices(_fund(payments), NIGHT, PARAMS) if isinstance(e, Event)]
    if received is None:
        assert events == []
    else:
        [event] = events
        assert event.key == f"due_notice:{A}:2026-Q4" and event.facts.received == received


@pytest.mark.parametrize("name", list(CASES))
def test_the_database_counts_the_quarter_s_payments_as_the_memory(connection: Connection, name: str) -> None:  # noqa: F811
    memory = _fund(CASES[name][0])
    _store(connection, memory)
    assert FundView(connection).paid_to_quarter(2026, 4, NIGHT) == memory.paid_to_quarter(2026, 4, NIGHT)
    assert list(due_notice.due_notices(FundView(connection), NIGHT, PARAMS)) == \
        list(due_notice.due_notices(memory, NIGHT, PARAMS))


def test_a_partly_paid_notice_shows_received_and_asks_the_rest_on_its_slip() -> None:
    event, recipient, env = event_of("due_notice")
    event = replace(event, facts=replace(event.facts, received="400.00"))
    context = by_name()["due_notice"].compose(event, recipient, env, "nl")
    assert context["contribution"]["total"] == "917.58" and context["contribution"]["received"] == "400.00"
    assert context["contribution"]["rest"] == "517.58" and context["contribution"]["partly_paid"]
    assert context["payment"]["amount"] == "517.58"
