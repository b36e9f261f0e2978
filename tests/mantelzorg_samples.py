"""The mantelzorg decisions' samples, taken by the engine itself: each case is a claim in a small in-memory fund,
decided night after night by the trigger of correspondence/kinds/mantelzorg.py and composed as the night composes
it, so a sample is exactly a letter the engine can write. `python -m tests.mantelzorg_samples` rewrites
letter_templates/mantelzorg_{granted,refused,incomplete,recovery}/samples/.

Every outcome in every language, with a death during the break, a late request, the career cap and the
exemption cap (one letter with all four limits), an incomplete file completed later, a refusal with five
grounds, a death before the break, documents that never came, and a letter asking for documents with and
without the appeal block (the fund profile's choice); after a death during the break, a recovery of a paid
month with the exemption it takes away, and a cancellation of months not yet paid.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from correspondence.config import DEFAULT_FUND, TEMPLATES_DIR, load_fund
from correspondence.kinds import mantelzorg
from correspondence.kinds.letter import ComposeEnv, Event, compose
from correspondence.kinds.memory import MemoryFund
from correspondence.kinds.registry import by_name
from correspondence.templates import catalog
from rules.calendar import month_end
from rules.params import Parameters
from tests.kinds.fund_rows import affiliate, benefit_paid, claim, paid, quarter

A = "A0001234"
DAY = date(2026, 11, 22)
PEOPLE = {  # the applicant in each language: a Flemish, a Walloon and a German-speaking affiliate
    "nl": {
        "first_name": "Marleen",
        "last_name": "Van den Broeck",
        "street": "Kerkstraat",
        "house_number": "14",
        "box": "2",
        "postcode": "9000",
        "city": "Gent",
        "language": "nl",
    },
    "fr": {
        "first_name": "Françoise",
        "last_name": "Dupont",
        "street": "Rue de Namur",
        "house_number": "27",
        "postcode": "5000",
        "city": "Namur",
        "language": "fr",
    },
    "de": {
        "first_name": "Jürgen",
        "last_name": "Schmitz",
        "street": "Klötzerbahn",
        "house_number": "8",
        "postcode": "4700",
        "city": "Eupen",
        "language": "de",
    },
}


@dataclass(frozen=True)
class Case:
    """A claim (changes to tests/kinds/fund_rows.claim) decided on `nights`; `later` changes the claim before
    the last night (documents that arrive, a death reported); the letter is the last night's decision."""

    letter_type: str
    claim: dict[str, Any]
    nights: tuple[date, ...] = (DAY,)
    later: dict[str, Any] = field(default_factory=dict)
    applicant: dict[str, Any] = field(default_factory=dict)  # changes to the affiliate row
    unpaid: tuple[str, ...] = ()  # quarters charged and not paid ("2026-Q2")
    contribution: str = "890.42"  # the provisional quarterly contribution charged
    appeal: bool = True  # the fund profile's [mantelzorg] incomplete_appeal
    paid: tuple[str, ...] = ()  # benefit months paid at their month's end (benefit_payments.csv), "2026-07"


D = date
CASES: dict[str, Case] = {
    # granted
    "granted/simple": Case(
        "mantelzorg_granted", {"received_on": D(2026, 9, 20), "break_start": D(2026, 10, 1)}
    ),
    # a late request, a death during the break, the career cap and the exemption cap, each motivated
    "granted/limits": Case(
        "mantelzorg_granted",
        {
            "received_on": D(2026, 8, 20),
            "break_start": D(2026, 6, 1),
            "months": 6,
            "care_recipient_died_on": D(2026, 9, 14),
            "months_before_engine": 9,
            "exempt_quarters_before_engine": 4,
        },
    ),
    "granted/death": Case(
        "mantelzorg_granted",
        {
            "received_on": D(2026, 6, 24),
            "break_start": D(2026, 7, 1),
            "months": 6,
            "care_recipient_died_on": D(2026, 9, 14),
        },
    ),
    # a partial break for a relative whose sworn statement came after the request: decided again once complete
    "granted/completed": Case(
        "mantelzorg_granted",
        {
            "received_on": D(2026, 6, 25),
            "break_start": D(2026, 7, 1),
            "months": 4,
            "mode": "partial",
            "care_recipient": "relative",
            "relative_degree": 2,
            "documents": "medical_certificate",
        },
        nights=(D(2026, 7, 10), D(2026, 8, 5)),
        later={"documents": "medical_certificate;sworn_statement", "completed_on": D(2026, 8, 3)},
    ),
    "granted/child": Case(
        "mantelzorg_granted",
        {
            "received_on": D(2026, 6, 15),
            "break_start": D(2026, 7, 1),
            "months": 6,
            "care_recipient": "disabled_child",
            "child_age": 12,
            "documents": "",
        },
    ),
    # refused
    "refused/grounds": Case(
        "mantelzorg_refused",
        {
            "received_on": D(2026, 6, 20),
            "break_start": D(2026, 7, 1),
            "months": 8,
            "care_recipient": "relative",
            "relative_degree": 3,
            "other_benefit": True,
            "other_benefit_kind": "career_break_care",
        },
        applicant={"status": "secondary"},
        unpaid=("2026-Q2",),
        contribution="512.30",
    ),
    "refused/status": Case(
        "mantelzorg_refused",
        {
            "received_on": D(2026, 10, 5),
            "break_start": D(2026, 11, 1),
            "care_recipient": "neighbour",
            "months_before_engine": 12,
        },
        applicant={"status": "spouse_mini"},
    ),
    "refused/death": Case(
        "mantelzorg_refused",
        {
            "received_on": D(2026, 10, 12),
            "break_start": D(2026, 11, 1),
            "care_recipient": "disabled_child",
            "child_age": 26,
            "documents": "",
            "care_recipient_died_on": D(2026, 10, 28),
        },
    ),
    "refused/documents": Case(
        "mantelzorg_refused",
        {"received_on": D(2026, 9, 25), "break_start": D(2026, 10, 1), "mode": "partial", "documents": ""},
        nights=(D(2026, 9, 28), DAY),
    ),
    # incomplete: a request for documents
    "incomplete/statement": Case(
        "mantelzorg_incomplete",
        {"received_on": D(2026, 11, 16), "break_start": D(2026, 12, 1), "mode": "partial"},
    ),
    "incomplete/both": Case(
        "mantelzorg_incomplete",
        {"received_on": D(2026, 11, 16), "break_start": D(2026, 12, 1), "mode": "partial", "documents": ""},
    ),
    "incomplete/no-appeal": Case(
        "mantelzorg_incomplete",
        {"received_on": D(2026, 11, 16), "break_start": D(2026, 12, 1), "documents": ""},
        appeal=False,
    ),
    # after a death during the break: October paid without a right, November and December cancelled, the
    # exemption of 2026-Q4 (on December) lost; the fund learnt of the death on 18 November
    "recovery/undue": Case(
        "mantelzorg_recovery",
        {"received_on": D(2026, 6, 20), "break_start": D(2026, 7, 1), "months": 6},
        nights=(D(2026, 6, 26), DAY),
        later={"care_recipient_died_on": D(2026, 8, 14), "death_reported_on": D(2026, 11, 18)},
        paid=("2026-07", "2026-08", "2026-09", "2026-10"),
    ),
    # nothing paid without a right: the months after the right are cancelled, nothing is claimed back
    "recovery/ended": Case(
        "mantelzorg_recovery",
        {"received_on": D(2026, 9, 10), "break_start": D(2026, 10, 1), "months": 6},
        nights=(D(2026, 9, 14), DAY),
        later={"care_recipient_died_on": D(2026, 10, 5), "death_reported_on": D(2026, 11, 20)},
        paid=("2026-10",),
    ),
}
LANGUAGES = {  # which cases are written in which language: every case in each of them
    "nl": tuple(CASES),
    "fr": tuple(c for c in CASES if c != "incomplete/no-appeal"),
    "de": tuple(c for c in CASES if c != "incomplete/no-appeal"),
}


def _fund(case: Case, language: str) -> MemoryFund:
    person = {**affiliate(A), "box": "", **PEOPLE[language], **case.applicant}
    quarters = [(y, q) for y in (2025, 2026) for q in (1, 2, 3, 4)]
    contributions = [quarter(A, y, q, case.contribution) for y, q in quarters]
    payments = [
        paid(A, y, q, quarter(A, y, q)["due_date"], str(Decimal(case.contribution) + Decimal("27.16")))
        for y, q in quarters
        if f"{y}-Q{q}" not in case.unpaid
    ]
    return MemoryFund(
        affiliate_rows=[person],
        contributions=contributions,
        payments=payments,
        claims=[claim(_claim_id(case), A, **_csv(case.claim))],
        benefit_payment_rows=[benefit_paid(_claim_id(case), month, month_end(*map(int, month.split("-"))))
                              for month in case.paid],
    )


def _claim_id(case: Case) -> str:
    return f"MZ26{_number(case)}"


def _number(case: Case) -> str:
    return f"{list(CASES.values()).index(case) + 1:04d}"


def _csv(changes: dict[str, Any]) -> dict[str, Any]:
    return {"documents": "medical_certificate", **changes}


def context(name: str, language: str, load: Callable[[Path], dict[str, Any]] = load_fund) -> dict[str, Any]:
    """The letter context of case `name` in `language`, as the night would journal it."""
    case = CASES[name]
    fund, params = _fund(case, language), Parameters()
    profile = load(DEFAULT_FUND)
    profile["mantelzorg"] = {**profile["mantelzorg"], "incomplete_appeal": case.appeal}
    event = None
    for number, night in enumerate(case.nights):
        if number == len(case.nights) - 1 and case.later:
            fund.claims[0] = {**fund.claims[0], **case.later}
        [event] = mantelzorg.mantelzorg_decisions(fund, night, params)
        assert isinstance(event, Event), event
        fund.decisions.extend(mantelzorg.record(event, night))
    assert event is not None and event.letter_type == case.letter_type, (name, event)
    env = ComposeEnv(case.nights[-1], profile, catalog.load(TEMPLATES_DIR), params)
    recipient = fund.recipients("affiliate", [A])[A]
    letter = compose(
        by_name()[event.letter_type],
        event,
        recipient,
        env,
        f"{case.nights[-1]:%Y%m%d}-{int(_number(case)):06d}",
    )
    assert letter.language == language, (name, letter.language)
    return json.loads(json.dumps(letter.context, default=str))


def samples() -> dict[tuple[str, str], dict[str, Any]]:
    """(letter type, sample file name) → context, for every case and language."""
    found = {}
    for language, names in LANGUAGES.items():
        for name in names:
            found[CASES[name].letter_type, f"{language}-{name.split('/')[1]}"] = context(name, language)
    return found


def main() -> None:
    written = samples()
    for letter_type in {t for t, _ in written}:
        for old in (TEMPLATES_DIR / letter_type / "samples").glob("*.json"):
            old.unlink()
    for (letter_type, sample), data in sorted(written.items()):
        path = TEMPLATES_DIR / letter_type / "samples" / f"{sample}.json"
        path.write_text(
            json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
        )
        print(path.relative_to(TEMPLATES_DIR.parent))


if __name__ == "__main__":
    main()
