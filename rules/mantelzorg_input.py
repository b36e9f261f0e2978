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
from rules.input_schema import Field, ListOf, MapOf, Obj, RequiredWhen, Value, read_input
from rules.inputs import AMOUNT, COUNT, DATE, FLAG, TEXT, choice, whole

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

_QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")


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
    """Read `{"applicant": {...}, "request": {...}}`; unknown or missing fields are input errors, all of them.

    (fund policy) `months` must be a JSON integer: 2.5, 3.0 or "3" are input errors, an integer outside 1..6
    is the refusal ground REQUEST_LENGTH_INVALID. A relative without `relative_degree`, or a disabled child
    without `child_age`, is an input error: eligibility cannot be judged without it.
    """
    top = read_input(INPUT, payload)
    return top["applicant"], top["request"]


def parse_quarter_label(value: object, field: str) -> str:
    if not isinstance(value, str) or not _QUARTER.fullmatch(value):
        raise InvalidInput(field, "is not a quarter written YYYY-Qn")
    return value


def _completed_after_received(request: Mapping[str, object]) -> list[tuple[str, str]]:
    received, completed = request.get("received_on"), request.get("completed_on")
    if isinstance(received, date) and isinstance(completed, date) and completed < received:
        return [("completed_on", f"{completed.isoformat()} is before the request was received "
                                 f"({received.isoformat()})")]
    return []


QUARTERS = MapOf(
    Value("a quarter written YYYY-Qn", parse_quarter_label,
          {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"}),
    choice(QUARTER_STATES),
    f"an object from quarter to {', '.join(QUARTER_STATES)}, " + 'e.g. {"2025-Q3": "paid"}',
    build=lambda entries: MappingProxyType(dict(entries)),
)
APPLICANT = Obj(
    fields=(
        Field("status", choice(STATUSES), "the applicant's status as a self-employed person"),
        Field("provisional_quarterly_contribution", AMOUNT,
              "the provisional quarterly contribution the applicant pays"),
        Field("quarters", QUARTERS,
              "the state of the quarters the fund knows (a quarter not given: not_affiliated)"),
        Field("months_already_received", COUNT, "the months of mantelzorg already received in the career"),
        Field("exempt_quarters_already_used", COUNT, "the quarters of contribution exemption already used"),
        Field("other_benefit", FLAG, "whether the applicant receives a benefit that excludes mantelzorg"),
    ),
    build=Applicant,
)
REQUEST = Obj(
    fields=(
        Field("received_on", DATE, "the day the fund received the request"),
        Field("break_start", DATE, "the first day of the break"),
        Field("months", whole(what="a whole number of months"), "the months asked (outside 1 to 6: refused)"),
        Field("mode", choice(MODES), "a full or a partial break"),
        Field("care_recipient", TEXT,
              f"the person cared for: {', '.join(CARE_RECIPIENTS)} (another: refused)"),
        Field("relative_degree", whole(1), "the degree of kinship of a relative", nullable=True),
        Field("child_age", whole(0), "the age of a disabled child", nullable=True),
        Field("documents", ListOf(choice(DOCUMENTS), f"a list of {', '.join(DOCUMENTS)}", build=frozenset),
              "the documents received"),
        Field("care_recipient_died_on", DATE, "the day the person cared for died", nullable=True),
        # The day the request became complete (the last required document received), when that was after
        # `received_on` (domain/mantelzorg.md §6: the first payment counts from it). Absent or null:
        # `received_on`.
        Field("completed_on", DATE, "the day the request became complete, when after received_on; absent or "
                                    "null: received_on", required=False, nullable=True),
    ),
    required_when=(
        # Eligibility hangs on these two facts: without them the rule would have to guess.
        RequiredWhen("relative_degree", when="care_recipient", equals="relative"),
        RequiredWhen("child_age", when="care_recipient", equals="disabled_child"),
    ),
    checks=(_completed_after_received,),
    build=Request,
)
# The input of `correspondence decide mantelzorg`, declared once: read, explained and printed from here.
INPUT = Obj(
    fields=(Field("applicant", APPLICANT, "the self-employed person asking"),
            Field("request", REQUEST, "the request for a mantelzorg break")),
    description="The mantelzorg (caregiver leave) decision: refused, incomplete or granted, with every "
                "ground and its facts. Answers outcome, grounds, months, amounts, total, exempt_quarters, "
                "first_payment_on and missing_documents.",
    examples=({
        "applicant": {"status": "main", "provisional_quarterly_contribution": "890.42",
                      "quarters": {"2025-Q3": "paid", "2025-Q4": "paid"}, "months_already_received": 0,
                      "exempt_quarters_already_used": 0, "other_benefit": False},
        "request": {"received_on": "2026-02-20", "break_start": "2026-03-01", "months": 3, "mode": "full",
                    "care_recipient": "spouse", "relative_degree": None, "child_age": None,
                    "documents": ["medical_certificate"], "care_recipient_died_on": None},
    },),
)
