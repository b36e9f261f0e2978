"""The mantelzorg (caregiver leave) decision: refused, incomplete or granted, with every ground motivated.

The exact procedure of domain/mantelzorg.md (Royal Decree of 27 September 2015); `decide(payload)` is the
JSON face used by `correspondence decide mantelzorg`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from rules.calendar import quarter_label, quarter_of
from rules.mantelzorg_input import INPUT as INPUT  # the declaration of the input `decide` reads
from rules.mantelzorg_input import Applicant, Request, parse_payload
from rules.mantelzorg_months import (
    BenefitMonth,
    Conditions,
    Ground,
    benefit_months,
    conditions,
    exempt_quarters,
    first_payment_on,
    monthly_amounts,
)
from rules.money import fmt
from rules.params import Parameters

# Statuses that must pay at least the main-profession minimum to qualify (RD 27.9.2015; seed 004).
_MINIMUM_CONTRIBUTION_STATUSES = ("secondary", "pensioner", "art37")
_ELIGIBLE_STATUSES = ("main", "helper_main", "spouse_maxi") + _MINIMUM_CONTRIBUTION_STATUSES
_ALWAYS_ELIGIBLE_RECIPIENTS = ("spouse", "legal_cohabitant", "housemate")
# Every ground a decision can give: the refusal grounds (§1, and a death before the break), the limits of §3 and
# §5, and a request whose documents never came. Each has its legal source in mantelzorg_sources.toml and its
# wording in letter_templates/partials/<lang>/grounds.docx (tests check both).
GROUND_CODES = (
    "STATUS_NOT_ELIGIBLE", "CONTRIBUTION_BELOW_MAIN_MINIMUM", "PRIOR_QUARTERS_NOT_PAID", "RECIPIENT_NOT_ELIGIBLE",
    "REQUEST_LENGTH_INVALID", "RECIPIENT_DIED_BEFORE_BREAK", "OTHER_BENEFIT", "CAREER_CAP_REACHED",
    "LATE_REQUEST_LIMITS", "RECIPIENT_DIED_LIMITS", "CAREER_CAP_LIMITS", "EXEMPTION_CAP_LIMITS",
    "DOCUMENTS_NOT_RECEIVED",
)


@dataclass(frozen=True)
class Decision:
    outcome: str  # granted | refused | incomplete
    grounds: tuple[Ground, ...]
    months: tuple[BenefitMonth, ...]
    exempt_quarters: tuple[str, ...]
    first_payment_on: date | None
    missing_documents: tuple[str, ...]

    @property
    def total(self) -> Decimal:
        return sum((m.amount for m in self.months), Decimal(0))

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "grounds": [{"code": g.code, "facts": _plain(g.facts)} for g in self.grounds],
            "months": [m.label for m in self.months],
            "amounts": {m.label: fmt(m.amount) for m in self.months},
            "total": fmt(self.total),
            "exempt_quarters": list(self.exempt_quarters),
            "first_payment_on": None if self.first_payment_on is None else self.first_payment_on.isoformat(),
            "missing_documents": list(self.missing_documents),
        }


def decide(payload: Mapping[str, Any], params: Parameters | None = None) -> dict[str, Any]:
    """JSON in, JSON out; `InvalidInput` names the dotted field of a bad value."""
    applicant, request = parse_payload(payload)
    return decide_mantelzorg(applicant, request, params or Parameters()).to_json()


def decide_mantelzorg(applicant: Applicant, request: Request, params: Parameters) -> Decision:
    """Refusal grounds (all of them), then the months left, then the documents, then amounts and exemption.

    (fund policy) A request that can yield no month (a late request, a death) is refused at once rather than
    asked for paper first: no document could change the outcome, as for the refusal grounds of §1.
    """
    cond = conditions(params, request.break_start)
    refusals = refusal_grounds(applicant, request, cond, params)
    if refusals:
        return _without_months("refused", refusals)
    months, limits = benefit_months(applicant, request, cond)
    if not months:
        return _without_months("refused", limits)
    missing = missing_documents(request)
    if missing:
        # Not yet a decision: the limits are motivated in the decision once the file is complete.
        return _without_months("incomplete", [], missing)
    exempt, exemption_limits = exempt_quarters(
        months, request.mode, applicant.exempt_quarters_already_used, cond
    )
    return Decision(
        outcome="granted",
        grounds=tuple(limits + exemption_limits),
        months=monthly_amounts(months, request.mode, params),
        exempt_quarters=exempt,
        first_payment_on=first_payment_on(months, request.complete_on),
        missing_documents=(),
    )


def refusal_grounds(
    applicant: Applicant, request: Request, cond: Conditions, params: Parameters
) -> list[Ground]:
    """Every refusal ground of §1 that applies, in the order of the table, each with its facts."""
    grounds = []
    if applicant.status not in _ELIGIBLE_STATUSES:
        grounds.append(Ground.of("STATUS_NOT_ELIGIBLE", status=applicant.status))
    if applicant.status in _MINIMUM_CONTRIBUTION_STATUSES:
        year = request.break_start.year
        minimum = params.decimal("contributions", date(year, 1, 1), "minimum_quarterly_main")
        if applicant.provisional_quarterly_contribution < minimum:
            grounds.append(
                Ground.of(
                    "CONTRIBUTION_BELOW_MAIN_MINIMUM",
                    status=applicant.status,
                    quarter=_quarter(request.break_start, 0),
                    provisional_quarterly_contribution=fmt(applicant.provisional_quarterly_contribution),
                    minimum_quarterly_main=fmt(minimum),
                    year=year,
                )
            )
    labels = (_quarter(request.break_start, -2), _quarter(request.break_start, -1))
    prior = {label: applicant.quarter_state(label) for label in labels}
    if any(state != "paid" for state in prior.values()):
        grounds.append(
            Ground.of(
                "PRIOR_QUARTERS_NOT_PAID",
                break_quarter=_quarter(request.break_start, 0),
                quarters=MappingProxyType(prior),
                not_paid=tuple(label for label, state in prior.items() if state != "paid"),
            )
        )
    if not recipient_eligible(request, cond):
        grounds.append(
            Ground.of(
                "RECIPIENT_NOT_ELIGIBLE",
                care_recipient=request.care_recipient,
                relative_degree=request.relative_degree,
                child_age=request.child_age,
                max_relative_degree=cond.max_relative_degree,
                child_age_below=cond.disabled_child_age_below,
            )
        )
    if not cond.request_min_months <= request.months <= cond.request_max_months:
        grounds.append(
            Ground.of(
                "REQUEST_LENGTH_INVALID",
                months_asked=request.months,
                minimum=cond.request_min_months,
                maximum=cond.request_max_months,
            )
        )
    died = request.care_recipient_died_on
    if died is not None and died < request.break_start:
        # (fund policy [confirm]) The benefit is for care given during the break; the month of a death and the
        # month after are kept only for a death during it (§3.4): a death before the break leaves no care.
        grounds.append(Ground.of("RECIPIENT_DIED_BEFORE_BREAK", died_on=died.isoformat(),
                                 break_start=request.break_start.isoformat()))
    if applicant.other_benefit:
        grounds.append(Ground.of("OTHER_BENEFIT", other_benefit=True))
    if applicant.months_already_received >= cond.career_max_months:
        grounds.append(
            Ground.of(
                "CAREER_CAP_REACHED",
                months_already_received=applicant.months_already_received,
                career_maximum=cond.career_max_months,
            )
        )
    return grounds


def documents_not_received(missing: tuple[str, ...], asked_on: date, deadline: date) -> Decision:
    """The refusal of a request whose missing documents (§2) did not arrive by the date the fund asked them for
    (fund policy [confirm]: rules/parameters/mantelzorg_policy.toml), naming them, the request and the date."""
    ground = Ground.of("DOCUMENTS_NOT_RECEIVED", asked_on=asked_on.isoformat(), deadline=deadline.isoformat(),
                       missing_documents=tuple(missing))
    return _without_months("refused", [ground])


def recipient_eligible(request: Request, cond: Conditions) -> bool:
    if request.care_recipient in _ALWAYS_ELIGIBLE_RECIPIENTS:
        return True
    if request.care_recipient == "relative":
        return request.relative_degree is not None and request.relative_degree <= cond.max_relative_degree
    if request.care_recipient == "disabled_child":
        return request.child_age is not None and request.child_age < cond.disabled_child_age_below
    return False  # any other person the form names is outside the Royal Decree's list


def missing_documents(request: Request) -> tuple[str, ...]:
    """The physician's certificate (not for a disabled child); for a partial break, the sworn statement."""
    required = []
    if request.care_recipient != "disabled_child":
        required.append("medical_certificate")
    if request.mode == "partial":
        required.append("sworn_statement")
    return tuple(name for name in required if name not in request.documents)


def _without_months(outcome: str, grounds: list[Ground], missing: tuple[str, ...] = ()) -> Decision:
    return Decision(outcome, tuple(grounds), (), (), None, missing)


def _quarter(day: date, offset: int) -> str:
    index = day.year * 4 + quarter_of(day) - 1 + offset
    return quarter_label(index // 4, index % 4 + 1)


def _plain(value: Any) -> Any:
    """Facts as JSON values: read-only mappings and tuples become dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value
