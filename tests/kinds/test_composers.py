"""Every composer, through `compose()` as the night calls it, on the event its trigger found in the in-memory
fund: the letter's own part of the context, and the failures that become quarantine values. No rendering."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from correspondence.config import DEFAULT_FUND, TEMPLATES_DIR, load_fund
from correspondence.kinds import mantelzorg
from correspondence.kinds.letter import ComposeEnv, Event, Letter, compose
from correspondence.kinds.registry import by_name
from correspondence.quarantine import Quarantine
from correspondence.templates import catalog
from rules.params import Parameters
from tests.kinds.scenarios import SCENARIOS

PARAMS = Parameters()
FUND = load_fund(DEFAULT_FUND)
TYPES = catalog.load(TEMPLATES_DIR)


def event_of(name: str) -> tuple[Event, dict[str, Any], ComposeEnv]:
    """The kind's event in its scenario, its recipient's row, and the night's composing environment."""
    make, day = SCENARIOS[name]
    fund = make()
    [event] = [e for e in by_name()[name].trigger(fund, day, PARAMS) if getattr(e, "letter_type", "") == name]
    recipient = fund.recipients(event.recipient_type, [event.recipient_id])[event.recipient_id]
    return event, recipient, ComposeEnv(day, FUND, TYPES, PARAMS)


def letter_of(name: str) -> Letter:
    event, recipient, env = event_of(name)
    return compose(by_name()[name], event, recipient, env, "20260101-000001")


def _account(due: str, notice: bool, payments: tuple[str, ...] = ()) -> Callable[[dict[str, Any]], None]:
    def check(context: dict[str, Any]) -> None:
        assert context["account"]["due"] == due
        assert context["payment"]["amount"] == due and context["payment"]["reference"].startswith("+++")
        assert ("notice" in context) is notice
        assert tuple(p["received_on"] for p in context["account"]["payments"]) == payments
    return check


def _company(interest: bool, notice: bool) -> Callable[[dict[str, Any]], None]:
    def check(context: dict[str, Any]) -> None:
        assert context["company"] == {"enterprise_number": "0417.497.106"}
        owed = context["company_contribution"]
        assert owed["amount"] == "998.47" and owed["due"] == context["payment"]["amount"]
        assert Decimal(owed["due"]) == Decimal(owed["amount"]) + Decimal(owed["interest_total"])
        assert bool(owed["interest"]) is interest
        assert "notice" not in owed and ("notice" in context) is notice
    return check


def _decision(outcome: str) -> Callable[[dict[str, Any]], None]:
    def check(context: dict[str, Any]) -> None:
        assert context["decision"]["outcome"] == outcome and context["decision"]["reference"] == "K1"
        assert context["court"]["name"] == "Arbeidsrechtbank Antwerpen"  # every decision names its court
        assert context["claim"]["id"] == "K1"
    return check


def _recovery(context: dict[str, Any]) -> None:
    _decision("recovery")(context)
    recovery, payment = context["recovery"], context["payment"]
    assert [(m["label"], m["paid_on"], m["amount"]) for m in recovery["undue"]] == [("2026-09", "2026-09-30", "1638.26")]
    assert recovery["cancelled"] == [] and [m["label"] for m in recovery["withdrawn"]] == ["2026-09"]
    # September was the 3rd granted month: 2026-Q3's exemption rested on it
    assert [(q["label"], q["month"]["label"], q["ordinal"]) for q in recovery["exemption_lost"]] == [("2026-Q3", "2026-09", 3)]
    assert (recovery["reported_on"], recovery["repay_by"]) == ("2026-09-20", "2026-12-14")  # 10 Oct + 3 working days + 2 months
    assert recovery["prescription"]["years"] == 10 and "2262bis" in recovery["prescription"]["source"]
    # its own structured communication (affiliate 1, break year 26, code 7), the amount claimed back
    assert (payment["reference"], payment["amount"], payment["whole_account"]) == ("+++000/0001/26706+++", "1638.26",
                                                                                    False)


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {  # letter kind: what its own part of the context holds
    "due_notice": lambda c: (c["contribution"] == {"year": 2026, "quarter": 2, "period": "2026-Q2", "amount": "890.42",
                                                   "fee": "27.16", "total": "917.58", "received": "0.00",
                                                   "rest": "917.58", "partly_paid": False, "due_date": "2026-06-30"}
                             and c["payment"]["amount"] == "917.58") or pytest.fail(str(c["contribution"])),
    "regularisation": lambda c: (c["regularisation"]["total"] == "1241.63" and not c["regularisation"]["refund"]
                                 and c["payment"]["amount"] == "1241.63") or pytest.fail(str(c["regularisation"])),
    "reminder": _account("945.11", notice=False),  # 917.58 and the 3 % surcharge of 1 April
    "formal_notice": _account("945.11", notice=True),
    # and the surcharge of 1 July; the payments of the year before the statement
    "account_statement": _account("972.64", notice=False, payments=("2025-09-30", "2025-12-31")),
    # 4 x 917.58 received in 2025: the contributions and the fund's fee apart, both deductible [confirm]
    "fiscal_certificate": lambda c: (c["certificate"]["contributions"] == "3561.68" and c["certificate"]["fee"] == "108.64"
                                     and c["certificate"]["deductible"] == "3670.32"
                                     and len(c["certificate"]["periods"]) == 4 and "payment" not in c)
                                    or pytest.fail(str(c["certificate"])),
    "company_due_notice": _company(interest=False, notice=False),
    "company_reminder": _company(interest=True, notice=False),
    "company_formal_notice": _company(interest=True, notice=True),
    "mantelzorg_granted": _decision("granted"),
    "mantelzorg_refused": _decision("refused"),
    "mantelzorg_incomplete": _decision("incomplete"),
    "mantelzorg_recovery": _recovery,
}


def test_every_kind_has_a_composer_case() -> None:
    assert set(CHECKS) == set(by_name())


@pytest.mark.parametrize("name", list(CHECKS))
def test_composer(name: str) -> None:
    letter = letter_of(name)
    assert (letter.letter_type, letter.language, letter.context["letter"]["type"]) == (name, "nl", name)
    assert letter.mail_class == TYPES[name].mail_class
    CHECKS[name](letter.context)
    phone = letter.context["service"]["phone"]  # never broken over two lines: "+32 2 555 01" / "60"
    assert " " not in phone and phone.replace("\u00a0", " ") in json.dumps(load_fund(DEFAULT_FUND)["services"])


def _no_kind(event: Event, recipient: dict, env: ComposeEnv) -> tuple:
    return None, event, recipient, env


def _no_recipient(event: Event, recipient: dict, env: ComposeEnv) -> tuple:
    return by_name()[event.letter_type], event, None, env


def _returned(event: Event, recipient: dict, env: ComposeEnv) -> tuple:
    return by_name()[event.letter_type], event, {**recipient, "address_unreliable_since": date(2026, 1, 5)}, env


def _no_folder(event: Event, recipient: dict, env: ComposeEnv) -> tuple:
    types = {k: v for k, v in env.types.items() if k != event.letter_type}
    return by_name()[event.letter_type], event, recipient, ComposeEnv(env.day, env.fund, types, env.params)


def _no_payer_number(event: Event, recipient: dict, env: ComposeEnv) -> tuple:
    odd = Event(event.key, event.letter_type, event.recipient_type, "AX", event.facts)
    return by_name()[event.letter_type], odd, {**recipient, "affiliate_id": "AX"}, env


def _abroad(event: Event, recipient: dict, env: ComposeEnv) -> tuple:
    return by_name()[event.letter_type], event, {**recipient, "country": "FR", "postcode": "75001"}, env


FAILURES = [  # (case, kind whose event is composed, what goes wrong, the quarantined field)
    ("no registered kind", "due_notice", _no_kind, "letter_type"),
    ("recipient not in the fund", "reminder", _no_recipient, "recipient_id"),
    ("address known to be wrong", "regularisation", _returned, "address"),
    ("no folder for the letter type", "fiscal_certificate", _no_folder, "letter_type"),
    ("an id without a payer number", "due_notice", _no_payer_number, "payer_id"),
    ("no competent court abroad", "mantelzorg_granted", _abroad, "court"),
]


@pytest.mark.parametrize(("name", "spoil", "field"), [c[1:] for c in FAILURES], ids=[c[0] for c in FAILURES])
def test_what_cannot_be_sent_is_quarantined_naming_the_field(name: str, spoil: Callable, field: str) -> None:
    kind, event, recipient, env = spoil(*event_of(name))
    with pytest.raises(Quarantine) as caught:
        compose(kind, event, recipient, env, "20260101-000001")
    assert caught.value.field == field
    assert caught.value.record == f"{event.recipient_type} {event.recipient_id}" and caught.value.action


def test_a_decision_is_recorded_from_its_facts() -> None:
    event, _, env = event_of("mantelzorg_granted")
    [row] = mantelzorg.record(event, env.day)
    assert (row["event_key"], row["claim_id"], row["decided_on"], row["outcome"]) == (
        "decision:mantelzorg:K1", "K1", env.day, "granted")
    recovery, _, env = event_of("mantelzorg_recovery")
    [row] = mantelzorg.record(recovery, env.day)
    result = json.loads(row["result"])
    assert (row["outcome"], result["withdrawn"], result["claimed"], result["exemption_lost"]) == (
        "recovery", ["2026-09"], [["2026-09", "2026-09-30"]], ["2026-Q3"])


def test_no_decision_record_for_letters_that_are_not_decisions() -> None:
    assert {k.name for k in by_name().values() if k.record} == {
        "mantelzorg_granted", "mantelzorg_refused", "mantelzorg_incomplete", "mantelzorg_recovery"}


def test_a_preference_against_the_language_area_is_a_note_not_a_failure() -> None:
    event, recipient, env = event_of("due_notice")
    letter = compose(by_name()["due_notice"], event, {**recipient, "language": "fr"}, env, "20260101-000001")
    assert letter.language == "nl" and [kind for kind, _ in letter.notes] == ["language"]
