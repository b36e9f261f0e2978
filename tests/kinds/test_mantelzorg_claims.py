"""Issue 17, items 3 and 4: a claim's dates against the night, the letter asking for documents and what follows
it (the documents arrive and the request is decided from the day it became complete, or they never arrive and
the request is refused), and the other benefit named — through the trigger and composer of
correspondence/kinds/mantelzorg.py over the in-memory fund."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from correspondence.config import DEFAULT_FUND, TEMPLATES_DIR, load_fund
from correspondence.kinds import mantelzorg
from correspondence.kinds.letter import ComposeEnv, Event, Held, compose
from correspondence.kinds.memory import MemoryFund
from correspondence.kinds.registry import by_name
from correspondence.templates import catalog
from rules.params import Parameters
from tests.kinds.fund_rows import claim, paying_affiliate

A = "A0000001"
ASKED = date(2026, 7, 10)  # the night the documents are asked for: deadline 30 days later, 10 August (Monday)
PARAMS = Parameters()


def night(fund: MemoryFund, day: date) -> list[Event | Held]:
    """One night of the trigger, its decisions recorded as the night records them."""
    found = list(mantelzorg.mantelzorg_decisions(fund, day, PARAMS))
    for event in found:
        if isinstance(event, Event):
            fund.decisions.extend(mantelzorg.record(event, day))
    return found


def outcome(found: list[Event | Held]) -> list[tuple[str, str]]:
    return [
        (
            e.key.removeprefix("decision:mantelzorg:"),
            e.letter_type if isinstance(e, Event) else f"held: {e.quarantine.field}",
        )
        for e in found
    ]


def partial_claim(**changes: Any) -> MemoryFund:
    fund = paying_affiliate(A)
    fund.claims.append(claim("K1", A, mode="partial", **changes))  # the sworn statement is missing
    return fund


@pytest.mark.parametrize(
    ("changes", "day", "expected"),
    [
        ({}, date(2026, 7, 10), [("K1", "mantelzorg_granted")]),
        # a fact dated after the night: held as implausible, naming the field, never printed
        (
            {"care_recipient_died_on": date(2026, 7, 11)},
            date(2026, 7, 10),
            [("K1", "held: care_recipient_died_on")],
        ),
        ({"completed_on": date(2026, 7, 11)}, date(2026, 7, 10), [("K1", "held: completed_on")]),
        # a death before the break started: refused with its own ground
        ({"care_recipient_died_on": date(2026, 6, 30)}, date(2026, 7, 10), [("K1", "mantelzorg_refused")]),
        # another benefit the claim does not name: a refusal must name it
        ({"other_benefit": True}, date(2026, 7, 10), [("K1", "held: other_benefit_kind")]),
        (
            {"other_benefit": True, "other_benefit_kind": "incapacity"},
            date(2026, 7, 10),
            [("K1", "mantelzorg_refused")],
        ),
        # a request received after the night waits for its day (a catch-up night decides what had arrived by then)
        ({"received_on": date(2026, 7, 11)}, date(2026, 7, 10), []),
    ],
)
def test_a_claim_s_dates_and_facts_against_the_night(changes: dict, day: date, expected: list) -> None:
    fund = paying_affiliate(A)
    fund.claims.append(claim("K1", A, **changes))
    assert outcome(night(fund, day)) == expected


def test_a_death_after_the_night_holds_the_recovery_too() -> None:
    fund = paying_affiliate(A)
    fund.claims.append(claim("K1", A))
    night(fund, date(2026, 7, 10))
    fund.claims[0] = {**fund.claims[0], "care_recipient_died_on": date(2026, 10, 20)}
    [held] = night(fund, date(2026, 10, 10))
    assert isinstance(held, Held) and held.key == "decision:mantelzorg:K1:recovery"
    assert "after the letter's date 2026-10-10" in held.quarantine.reason


@pytest.mark.parametrize(
    ("later", "day", "expected", "first_payment", "noted"),
    [
        # the sworn statement arrives on 3 August: paid from the end of September (§6), not of August
        (
            {"documents": "medical_certificate;sworn_statement", "completed_on": date(2026, 8, 3)},
            date(2026, 8, 5),
            "mantelzorg_granted",
            "2026-09-30",
            False,
        ),
        # the claim does not say when: the night that finds the documents counts, and the report says so
        (
            {"documents": "medical_certificate;sworn_statement"},
            date(2026, 8, 5),
            "mantelzorg_granted",
            "2026-09-30",
            True,
        ),
        # nothing arrives: refused the night after the deadline, not on it
        ({}, date(2026, 8, 10), None, None, False),
        ({}, date(2026, 8, 11), "mantelzorg_refused", None, False),
    ],
)
def test_what_follows_a_letter_asking_for_documents(
    later: dict, day: date, expected: str | None, first_payment: str | None, noted: bool
) -> None:
    fund = partial_claim(received_on=date(2026, 6, 25))
    [asked] = night(fund, ASKED)
    assert isinstance(asked, Event) and asked.letter_type == "mantelzorg_incomplete"
    assert asked.facts.deadline == "2026-08-10" and asked.facts.decision["missing_documents"] == [
        "sworn_statement"
    ]
    fund.claims[0] = {**fund.claims[0], **later}
    found = night(fund, day)
    assert [e.letter_type for e in found if isinstance(e, Event)] == ([expected] if expected else [])
    if expected == "mantelzorg_granted":
        decision = found[0].facts.decision
        assert decision["first_payment_on"] == first_payment
        assert found[0].facts.claim["completed_on"] == (later.get("completed_on") or day).isoformat()
        assert bool(found[0].facts.notes) is noted
    if expected == "mantelzorg_refused":
        assert found[0].key == "decision:mantelzorg:K1:no-documents"
        assert found[0].facts.decision["grounds"] == [
            {
                "code": "DOCUMENTS_NOT_RECEIVED",
                "facts": {
                    "asked_on": "2026-07-10",
                    "deadline": "2026-08-10",
                    "missing_documents": ["sworn_statement"],
                },
            }
        ]
        fund.claims[0] = {**fund.claims[0], "documents": "medical_certificate;sworn_statement"}
        assert night(fund, date(2026, 8, 20)) == []  # refused: a new request, not this one, is decided next


def _letter(fund: MemoryFund, day: date, profile: dict[str, Any] | None = None) -> dict[str, Any]:
    [event] = night(fund, day)
    assert isinstance(event, Event)
    env = ComposeEnv(day, profile or load_fund(DEFAULT_FUND), catalog.load(TEMPLATES_DIR), PARAMS)
    recipient = fund.recipients("affiliate", [A])[A]
    return compose(by_name()[event.letter_type], event, recipient, env, "20260710-000001").context


@pytest.mark.parametrize("appeal", [True, False])
def test_the_letter_asking_for_documents_names_its_date_its_form_and_the_fund_s_appeal_choice(
    appeal: bool,
) -> None:
    profile = load_fund(DEFAULT_FUND)
    profile["mantelzorg"] = {**profile["mantelzorg"], "incomplete_appeal": appeal}
    context = _letter(partial_claim(), ASKED, profile)
    assert context["request"] == {
        "deadline": "2026-08-10",
        "form": profile["mantelzorg"]["form"]["nl"],
        "form_url": profile["mantelzorg"]["form_url"]["nl"],
        "appeal": appeal,
    }
    assert context["decision"]["reference"] == "K1"  # the claim's number as it is, never prefixed again


def test_every_decision_cites_the_source_of_each_ground_and_rule() -> None:
    fund = paying_affiliate(A)
    fund.claims.append(claim("K1", A, received_on=date(2026, 9, 10)))  # a break since 1 July: July is lost
    context = _letter(fund, date(2026, 9, 15))
    assert [g["code"] for g in context["decision"]["grounds"]] == ["LATE_REQUEST_LIMITS"]
    sources = context["decision"]["sources"]
    assert (
        sources["LATE_REQUEST_LIMITS"]
        == "koninklijk besluit van 27 september 2015, bepaling over de aanvraag"
    )
    assert (
        sources["STATUS_NOT_ELIGIBLE"]
        == "koninklijk besluit van 27 september 2015, artikel 1, eerste lid, a)"
    )
    assert sources["EXEMPTION"].startswith("koninklijk besluit van 19 december 1967")
    assert "beleid" not in " ".join(sources.values())  # no ground rests on the fund's policy


@pytest.mark.parametrize(
    ("first", "decided", "expected"),
    [
        # decided before the first payment day: each month at its end, never before the first payment day (§6)
        (
            "2026-08-31",
            date(2026, 7, 20),
            [("2026-08-31", ["2026-07", "2026-08"], False), ("2026-09-30", ["2026-09"], False)],
        ),
        # decided after payment days went by: those months together at the end of the decision's month, said so
        ("2026-08-31", date(2026, 9, 12), [("2026-09-30", ["2026-07", "2026-08", "2026-09"], True)]),
        ("2026-08-31", date(2026, 10, 2), [("2026-10-31", ["2026-07", "2026-08", "2026-09"], True)]),
        # the decision on a month's last day: that day is not past
        (
            "2026-08-31",
            date(2026, 8, 31),
            [("2026-08-31", ["2026-07", "2026-08"], False), ("2026-09-30", ["2026-09"], False)],
        ),
    ],
)
def test_nothing_is_paid_before_the_decision(first: str, decided: date, expected: list) -> None:
    months = [
        {"label": m, "first_day": f"{m}-01", "amount": "819.13"} for m in ("2026-07", "2026-08", "2026-09")
    ]
    schedule = mantelzorg.payment_schedule(months, first, decided)
    assert [(p["on"], p["months"], p["catch_up"]) for p in schedule] == expected
