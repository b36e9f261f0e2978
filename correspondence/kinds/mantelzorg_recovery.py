"""A granted mantelzorg claim whose cared-for person died: the decision that takes back the months after the
right ended (rules/mantelzorg_recovery.py), its facts, the row it leaves in `decisions` and its letter's part.

Two outcomes, one letter type (`mantelzorg_recovery`, registered mail):
- `recovery` (key `decision:mantelzorg:<claim>:recovery`): the fund paid for months without a right
  (benefit_payments.csv); the letter claims back exactly what was paid, with a structured communication of its
  own (rules/payment_reference.py, code 7: the affiliate's number, the year of the break's first day), the EPC
  QR code and a date to repay by, and carries the six mentions of Charter art. 15.
- `ended` (key `decision:mantelzorg:<claim>:ended`): nothing was paid for those months yet; the letter cancels
  them and claims nothing — no amount, no communication, no QR code, no art. 15 mentions (nothing is claimed
  back), the art. 14 mentions as every decision.
Both state the exempt quarters that lost their basis and that the career counters no longer count what was
taken back; the rows they leave make the next claims count it so (kinds/mantelzorg.py `_add_history`). A payment
recorded after an earlier decision of the claim (a cancelled month paid after all) brings a later claim-back,
keyed `…:recovery:<first 12 hex of sha256 of its payments>`, stating only what is new.

The decision waits for the day the fund learnt of the death (claims.csv `death_reported_on`): before it, the
night does not know the death; without it, the decision is held, naming the field, because the letter must
name that day. A death dated after the night is held as implausible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from correspondence.kinds.blocks import payment_block
from correspondence.kinds.fund import Fund
from correspondence.quarantine import Quarantine
from rules.calendar import quarter_label
from rules.errors import RuleError
from rules.mantelzorg_months import conditions
from rules.mantelzorg_recovery import BenefitPayment, recover, terms
from rules.money import fmt
from rules.params import Parameters
from rules.payment_reference import structured_reference

OUTCOMES = ("recovery", "ended")


@dataclass(frozen=True)
class RecoveryFacts:
    """What a recovery or cancellation decision states; dates ISO, amounts as text."""

    outcome: str  # recovery | ended
    decided_on: str  # the granting decision's date
    died_on: str
    reported_on: str  # the day the fund learnt of the death
    last_month: str  # the last month with a right (YYYY-MM)
    undue: tuple[dict[str, str], ...]  # month, paid_on, amount: the payments claimed back
    cancelled: tuple[str, ...]  # granted months not paid that will not be paid
    withdrawn: tuple[str, ...]  # the months this decision takes away (claimed back or cancelled)
    exemption_lost: tuple[dict[str, Any], ...]  # quarter, month, ordinal
    exemption_kept: tuple[str, ...]
    total: str
    communication: str | None = None  # +++DDD/DDDD/DDDDD+++ when something is claimed back
    repay_by: str | None = None
    prescription_years: int | None = None
    prescription_source: dict[str, str] | None = None
    career_max_months: int = 12
    career_max_exempt_quarters: int = 4


def find(
    fund: Fund,
    day: date,
    params: Parameters,
    claim: dict[str, Any],
    granted: dict[str, Any],
    decided_on: str,
    earlier: list[dict[str, Any]],
    others: Iterable[dict[str, Any]],
) -> tuple[str, RecoveryFacts] | Quarantine | None:
    """The key suffix and facts of the decision owed tonight on a granted claim, a Quarantine when its data
    cannot be used, or None.

    `granted` is the granting decision's result, `earlier` the results of the claim's recovery and cancellation
    decisions, `others` the results of the affiliate's other claims' decisions (a communication is never given
    twice)."""
    died: date | None = claim["care_recipient_died_on"]
    reported: date | None = claim.get("death_reported_on")
    if died is None or (reported is not None and reported > day):
        return None  # no death, or not yet known to the fund on this night
    record = f"claim {claim['claim_id']}"
    cond = conditions(params, claim["break_start"])
    payments = [
        BenefitPayment(p["month"], p["paid_on"], Decimal(p["amount"]))
        for p in fund.benefit_payments(claim["claim_id"])
    ]
    claimed, withdrawn, lost = _before(earlier, payments)
    try:
        found = recover(
            granted["months"],
            granted["exempt_quarters"],
            died,
            cond.months_kept_after_death_month,
            payments,
            day,
            claimed_before=claimed,
            withdrawn_before=withdrawn,
            lost_before=lost,
        )
    except RuleError as exc:
        return Quarantine(
            record, getattr(exc, "field", "claim"), str(exc), "correct the claim in the core system"
        )
    if found is None:
        return None
    if reported is None:
        return Quarantine(
            record,
            "death_reported_on",
            "is not given: the decision must name the day the fund learnt of the death",
            "add death_reported_on to the claim in claims.csv",
        )
    facts = RecoveryFacts(
        outcome="recovery" if found.undue else "ended",
        decided_on=decided_on,
        died_on=died.isoformat(),
        reported_on=reported.isoformat(),
        last_month=found.last_month,
        undue=tuple(
            {"month": p.month, "paid_on": p.paid_on.isoformat(), "amount": fmt(p.amount)} for p in found.undue
        ),
        cancelled=found.cancelled,
        withdrawn=found.withdrawn,
        exemption_lost=tuple(
            {"quarter": e.quarter, "month": e.month, "ordinal": e.ordinal} for e in found.exemption_lost
        ),
        exemption_kept=found.exemption_kept,
        total=fmt(found.total),
        career_max_months=cond.career_max_months,
        career_max_exempt_quarters=cond.career_max_exempt_quarters,
    )
    if not found.undue:
        return ("ended" if not earlier else f"ended:{_digest(found.cancelled)}"), facts
    communication = structured_reference(claim["affiliate_id"], claim["break_start"].year, "recovery")
    if any(r.get("communication") == communication for r in others):
        return Quarantine(
            record,
            "communication",
            f"{communication} is already that of another claim's recovery "
            "(a second break started the same year)",
            "a case handler sends this recovery by hand",
        )
    try:
        agreed = terms(day, params)
    except RuleError as exc:
        return Quarantine(record, getattr(exc, "field", "rule"), str(exc), "complete the rule parameters")
    claims_before = any(r.get("claimed") or r["outcome"] == "recovery" for r in earlier)
    key = (
        f"recovery:{_digest(f'{p.month}@{p.paid_on}' for p in found.undue)}" if claims_before else "recovery"
    )
    return key, RecoveryFacts(
        **{
            **facts.__dict__,
            "communication": communication,
            "repay_by": agreed.repay_by.isoformat(),
            "prescription_years": agreed.prescription_years,
            "prescription_source": dict(agreed.prescription_source),
        }
    )


def _before(
    earlier: list[dict[str, Any]], payments: list[BenefitPayment]
) -> tuple[set[tuple[str, date]], set[str], set[str]]:
    """What the claim's earlier recovery and cancellation decisions claimed (month, paid_on), withdrew and
    said lost. A recovery recorded before payments were imported claimed every payment of the months it
    withdrew."""
    claimed: set[tuple[str, date]] = set()
    withdrawn: set[str] = set()
    lost: set[str] = set()
    for result in earlier:
        withdrawn.update(result["withdrawn"])
        lost.update(result.get("exemption_lost", ()))
        if "claimed" in result:
            claimed.update((month, date.fromisoformat(on)) for month, on in result["claimed"])
        elif result["outcome"] == "recovery":
            claimed.update((p.month, p.paid_on) for p in payments if p.month in result["withdrawn"])
    return claimed, withdrawn, lost


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256(";".join(parts).encode()).hexdigest()[:12]


def result(facts: RecoveryFacts) -> dict[str, Any]:
    """The row's result: what the next claims' history and a later decision of this claim read."""
    return {
        "outcome": facts.outcome,
        "withdrawn": list(facts.withdrawn),
        "claimed": [[p["month"], p["paid_on"]] for p in facts.undue],
        "total": facts.total,
        "died_on": facts.died_on,
        "exemption_lost": [e["quarter"] for e in facts.exemption_lost],
        "communication": facts.communication,
    }


def context(facts: RecoveryFacts, fund: dict[str, Any], language: str) -> dict[str, Any]:
    """The letter's `recovery` part and, when it claims money back, its `payment` (the slip and the QR code)."""
    own: dict[str, Any] = {
        "recovery": {
            "outcome": facts.outcome,
            "decided_on": facts.decided_on,
            "died_on": facts.died_on,
            "reported_on": facts.reported_on,
            "last_month": _month(facts.last_month),
            "undue": [
                {**_month(p["month"]), "paid_on": p["paid_on"], "amount": p["amount"]} for p in facts.undue
            ],
            "total": facts.total,
            "cancelled": [_month(m) for m in facts.cancelled],
            "withdrawn": [_month(m) for m in facts.withdrawn],
            "exemption_lost": [
                {**_quarter(e["quarter"]), "month": _month(e["month"]), "ordinal": e["ordinal"]}
                for e in facts.exemption_lost
            ],
            "exemption_kept": [_quarter(q) for q in facts.exemption_kept],
            "career_max_months": facts.career_max_months,
            "career_max_exempt_quarters": facts.career_max_exempt_quarters,
            "repay_by": facts.repay_by,
            "prescription": None
            if facts.prescription_years is None
            else {"years": facts.prescription_years, "source": (facts.prescription_source or {})[language]},
        }
    }
    if facts.communication is not None:
        own["payment"] = payment_block(fund, language, facts.total, facts.communication)
    return own


def _month(label: str) -> dict[str, str]:
    return {"label": label, "first_day": f"{label}-01"}


def _quarter(label: str) -> dict[str, Any]:
    year, quarter = int(label[:4]), int(label[-1])
    return {"label": quarter_label(year, quarter), "year": year, "quarter": quarter}
