"""The facts a mantelzorg decision is taken on, and their strict reading from a JSON payload.

Every unusable value raises `InvalidInput` naming its dotted field; facts that are merely unfavourable (a
cared-for person outside the list, six-plus months asked) are left for the rule to refuse with a ground.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from rules.errors import InvalidInput
from rules.inputs import parse_choice, parse_date, read_fields
from rules.money import parse_amount

STATUSES = ("main", "secondary", "helper_main", "spouse_maxi", "spouse_mini", "pensioner", "art37")
QUARTER_STATES = ("paid", "unpaid", "not_affiliated")
MODES = ("full", "partial")
DOCUMENTS = ("medical_certificate", "sworn_statement")
CARE_RECIPIENTS = ("spouse", "legal_cohabitant", "relative", "housemate", "disabled_child")
# The other benefits that cannot be cumulated with mantelzorg (domain/mantelzorg.md §1 OTHER_BENEFIT): another
# benefit of the self-employed scheme, or a career-break benefit for care of the national employment office.
# The codes a claim may name (claims.csv other_benefit_kind); the letters print them in words
# (letter_templates/partials/<lang>/labels.toml [benefits]). Which benefits exactly exclude mantelzorg [confirm].
OTHER_BENEFITS = ("incapacity", "maternity", "birth_leave", "adoption_leave", "bridging_right", "career_break_care")

_APPLICANT_FIELDS = (
    "status",
    "provisional_quarterly_contribution",
    "quarters",
    "months_already_received",
    "exempt_quarters_already_used",
    "other_benefit",
)
_REQUEST_FIELDS = (
    "received_on",
    "break_start",
    "months",
    "mode",
    "care_recipient",
    "relative_degree",
    "child_age",
    "documents",
    "care_recipient_died_on",
)
# Optional: the day the request became complete (the last required document received), when that was after
# `received_on` (domain/mantelzorg.md §6: the first payment counts from it). Absent or null: `received_on`.
_OPTIONAL_REQUEST_FIELDS = ("completed_on",)
_QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")
# Dates outside these years are typing errors; the bound also keeps month arithmetic inside `date`.


@dataclass(frozen=True)
class Applicant:
    status: str
    provisional_quarterly_contribution: Decimal
    quarters: Mapping[str, str]  # "2025-Q3" -> paid | unpaid | not_affiliated; read-only
    months_already_received: int
    exempt_quarters_already_used: int
    other_benefit: bool

    def quarter_state(self, label: str) -> str:
        # A quarter the fund has no record of was not an affiliated quarter (domain/mantelzorg.md, brief).
        return self.quarters.get(label, "not_affiliated")


@dataclass(frozen=True)
class Request:
    received_on: date
    break_start: date
    months: int  # as asked; outside 1..6 is a refusal ground, not an input error
    mode: str
    care_recipient: str  # as written; anything outside CARE_RECIPIENTS is refused, not rejected
    relative_degree: int | None
    child_age: int | None
    documents: frozenset[str]
    care_recipient_died_on: date | None
    completed_on: date | None = None  # the complete request's day when after received_on (§6); None: received_on

    @property
    def complete_on(self) -> date:
        """The day the complete request (form and physician's certificate) was received (§6)."""
        return self.completed_on or self.received_on


def parse_payload(payload: object) -> tuple[Applicant, Request]:
    """Read `{"applicant": {...}, "request": {...}}`; unknown or missing fields are input errors.

    (fund policy) `months` must be a JSON integer: 2.5, 3.0 or "3" are input errors, an integer outside 1..6
    is the refusal ground REQUEST_LENGTH_INVALID. A relative without `relative_degree`, or a disabled child
    without `child_age`, is an input error: eligibility cannot be judged without it.
    """
    top = read_fields(payload, "payload", ("applicant", "request"))
    return _applicant(top["applicant"]), _request(top["request"])


def _applicant(raw: object) -> Applicant:
    data = read_fields(raw, "applicant", _APPLICANT_FIELDS)
    return Applicant(
        status=parse_choice(data["status"], "applicant.status", STATUSES),
        provisional_quarterly_contribution=parse_amount(
            data["provisional_quarterly_contribution"], "applicant.provisional_quarterly_contribution"
        ),
        quarters=_quarters(data["quarters"]),
        months_already_received=_count(data["months_already_received"], "applicant.months_already_received"),
        exempt_quarters_already_used=_count(
            data["exempt_quarters_already_used"], "applicant.exempt_quarters_already_used"
        ),
        other_benefit=_flag(data["other_benefit"], "applicant.other_benefit"),
    )


def _request(raw: object) -> Request:
    data = read_fields(raw, "request", _REQUEST_FIELDS, _OPTIONAL_REQUEST_FIELDS)
    recipient = data["care_recipient"]
    if not isinstance(recipient, str):
        raise InvalidInput("request.care_recipient", f"must be text, got {_kind(recipient)}")
    degree = _optional_int(data["relative_degree"], "request.relative_degree", minimum=1)
    age = _optional_int(data["child_age"], "request.child_age", minimum=0)
    # Eligibility hangs on these two facts: without them the rule would have to guess.
    if recipient == "relative" and degree is None:
        raise InvalidInput("request.relative_degree", "is required when care_recipient is 'relative'")
    if recipient == "disabled_child" and age is None:
        raise InvalidInput("request.child_age", "is required when care_recipient is 'disabled_child'")
    months = data["months"]
    if isinstance(months, bool) or not isinstance(months, int):
        raise InvalidInput("request.months", f"must be a whole number of months, got {months!r}")
    died = data["care_recipient_died_on"]
    received_on = parse_date(data["received_on"], "request.received_on")
    completed = data.get("completed_on")
    completed_on = None if completed is None else parse_date(completed, "request.completed_on")
    if completed_on is not None and completed_on < received_on:
        raise InvalidInput("request.completed_on", f"{completed_on.isoformat()} is before the request was received "
                                                   f"({received_on.isoformat()})")
    return Request(
        received_on=received_on,
        break_start=parse_date(data["break_start"], "request.break_start"),
        months=months,
        mode=parse_choice(data["mode"], "request.mode", MODES),
        care_recipient=recipient,
        relative_degree=degree,
        child_age=age,
        documents=_documents(data["documents"]),
        care_recipient_died_on=None if died is None else parse_date(died, "request.care_recipient_died_on"),
        completed_on=completed_on,
    )








def _count(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(field, f"must be a whole number from 0, got {value!r}")
    return value


def _optional_int(value: object, field: str, *, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(field, f"must be null or a whole number from {minimum}, got {value!r}")
    return value


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(field, f"must be true or false, got {value!r}")
    return value


def _quarters(value: object) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidInput(
            "applicant.quarters", f'must be an object like {{"2025-Q3": "paid"}}, got {_kind(value)}'
        )
    for label, state in value.items():
        if not isinstance(label, str) or not _QUARTER.fullmatch(label):
            raise InvalidInput(f"applicant.quarters.{label}", "is not a quarter written YYYY-Qn")
        parse_choice(state, f"applicant.quarters.{label}", QUARTER_STATES)
    return MappingProxyType(dict(value))


def _documents(value: object) -> frozenset[str]:
    if not isinstance(value, list):
        raise InvalidInput("request.documents", f"must be a list of document names, got {_kind(value)}")
    for index, name in enumerate(value):
        parse_choice(name, f"request.documents[{index}]", DOCUMENTS)
    return frozenset(value)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
