"""The call list and the hand-over wait for EVERY formal notice's deadline (the newest governs, whoever sent it,
tonight's included: each promises no judicial collection before its date), and say who sent the notice an
entry rests on: a notice only assumed sent by the former system at go-live is to be checked before a summons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from correspondence.kinds.collection_lists import collection_lists
from correspondence.kinds.memory import MemoryFund
from rules.collection_policy import collection_policy
from rules.params import Parameters
from tests.kinds.fund_rows import letter, quarter
from tests.kinds.scenarios import A, unpaid_q1

PARAMS = Parameters()
FIRST = date(2026, 5, 16)  # the formal notice for 2026-Q1
SECOND = date(2026, 8, 17)  # a newer one, for 2026-Q2


def call_on(sent_on: date) -> date:
    return collection_policy(sent_on, PARAMS).call_list_on(sent_on, PARAMS)


def engine(fund: MemoryFund, label: str = "2026-Q1", on: date = FIRST) -> MemoryFund:
    fund.letters.append(letter("formal_notice", f"formal_notice:{A}:{label}", A, on))
    return fund


def with_q2(fund: MemoryFund) -> MemoryFund:
    fund.contributions.append(quarter(A, 2026, 2))
    return fund


def stated(fund: MemoryFund) -> MemoryFund:
    fund.letters_sent.append({"letter_type": "formal_notice", "recipient_id": A,
                              "event_key": f"formal_notice:{A}:2026-Q1", "sent_on": FIRST})
    return fund


def assumed(fund: MemoryFund) -> MemoryFund:
    fund.former_letters.append({"letter_type": "formal_notice", "recipient_id": A,
                                "event_key": f"formal_notice:{A}:2026-Q1", "due_on": FIRST})
    return fund


def called(on: date) -> Callable[[MemoryFund], MemoryFund]:
    def change(fund: MemoryFund) -> MemoryFund:
        fund.case_list_entries.append({"key": f"call_list:{A}:2026-Q1", "list": "call_list", "run_date": on})
        return fund
    return change


def newer(on: date) -> Callable[[MemoryFund], MemoryFund]:
    return lambda fund: engine(with_q2(fund), "2026-Q2", on)


CASES = [
    # (changes, night, expected (key, formal_notice_by))
    ((engine,), call_on(FIRST) - timedelta(1), []),
    ((engine,), call_on(FIRST), [(f"call_list:{A}:2026-Q1", "engine")]),
    ((stated,), call_on(FIRST), [(f"call_list:{A}:2026-Q1", "former_stated")]),
    ((assumed,), call_on(FIRST), [(f"call_list:{A}:2026-Q1", "assumed")]),
    # A newer formal notice, sent before the first one's list day or that very night: no list before its own.
    ((engine, newer(SECOND)), call_on(FIRST) + timedelta(90), []),
    ((engine, newer(call_on(FIRST))), call_on(FIRST), []),
    ((engine, newer(SECOND)), call_on(SECOND), [(f"call_list:{A}:2026-Q2", "engine")]),
    # On the call list already; a newer formal notice holds the hand-over back until its own term has run.
    ((engine, called(call_on(FIRST)), newer(call_on(FIRST) + timedelta(1))), call_on(FIRST) + timedelta(30), []),
    ((engine, called(call_on(FIRST)), newer(call_on(FIRST) + timedelta(1))), call_on(call_on(FIRST) + timedelta(1)),
     [(f"handover:{A}:2026-Q1", "engine"), (f"call_list:{A}:2026-Q2", "engine")]),
]


@pytest.mark.parametrize(("changes", "night", "expected"), CASES)
def test_the_lists_wait_for_every_formal_notice(changes: tuple, night: date, expected: list) -> None:
    fund = unpaid_q1()
    for change in changes:
        fund = change(fund)
    entries = list(collection_lists(fund, night, PARAMS))
    assert [(e.key, e.row["formal_notice_by"]) for e in entries] == expected
