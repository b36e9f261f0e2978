"""Mantelzorg decision letters (granted, refused, incomplete, recovery): the claim, the rule's decision, the schedule.

The decision itself comes with the event (scheduler/triggers/claims.py took it with rules.mantelzorg); this
module only shapes it for the Word templates. The court and language are added for every decision by
correspondence/compose/__init__.py.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from rules.calendar import month_end
from rules.errors import InvalidInput
from rules.money import fmt

LETTER_TYPES = ("mantelzorg_granted", "mantelzorg_refused", "mantelzorg_incomplete", "mantelzorg_recovery")


def reference(claim_id: str) -> str:
    """The file reference printed on the letter and in the appeal block."""
    return f"MZ-{claim_id}"


def compose(event: Any, recipient: dict[str, Any], env: Any, language: str) -> dict[str, Any]:
    facts = event.facts
    if "invalid" in facts:  # the claim's data could not be read by the rule: quarantined with the field
        raise InvalidInput(facts["invalid"]["field"], facts["invalid"]["reason"])
    claim, result = facts["claim"], facts["decision"]
    first_payment = result["first_payment_on"]
    months = [_month(label, result["amounts"][label]) for label in result["months"]]
    context: dict[str, Any] = {
        "claim": {
            "id": claim["claim_id"],
            "received_on": claim["received_on"],
            "break_start": claim["break_start"],
            "months_asked": claim["months"],
            "mode": claim["mode"],
            "care_recipient": claim["care_recipient"],
            "relative_degree": claim["relative_degree"],
            "child_age": claim["child_age"],
            "documents": list(claim["documents"]),
        },
        "decision": {
            "reference": reference(claim["claim_id"]),
            "outcome": result["outcome"] if event.letter_type != "mantelzorg_recovery" else "recovery",
            "grounds": result["grounds"],
            "months": months,
            "total": result["total"],
            "exempt_quarters": result["exempt_quarters"],
            "first_payment_on": first_payment,
            "payments": payment_schedule(months, first_payment),
            "missing_documents": result["missing_documents"],
            "months_already_received": facts["history"]["months_already_received"],
            "exempt_quarters_already_used": facts["history"]["exempt_quarters_already_used"],
        },
    }
    if event.letter_type == "mantelzorg_recovery":
        recovery = facts["recovery"]
        fund = env.fund["fund"]
        context["recovery"] = {
            "decided_on": recovery["decided_on"],
            "died_on": recovery["died_on"],
            "last_month": recovery["last_month"],
            "undue": [{**_month(m["label"], m["amount"]), "paid_on": m["paid_on"]} for m in recovery["undue"]],
            "total": recovery["total"],
            "cancelled": recovery["cancelled"],
            "iban": fund["iban"],
            "bic": fund["bic"],
            "beneficiary": fund["name"][language] if isinstance(fund["name"], dict) else fund["name"],
            "communication": reference(claim["claim_id"]),
        }
    return context


def payment_schedule(months: list[dict[str, str]], first_payment_on: str | None) -> list[dict[str, Any]]:
    """Each month is paid at its end, but never before the first payment day: months due by then go together."""
    if first_payment_on is None:
        return []
    first = date.fromisoformat(first_payment_on)
    by_day: dict[date, list[dict[str, str]]] = defaultdict(list)
    for month in months:
        by_day[max(first, month_end(*_year_month(month["label"])))].append(month)
    return [
        {"on": day.isoformat(), "months": [m["label"] for m in group],
         "amount": fmt(sum((Decimal(m["amount"]) for m in group), Decimal(0)))}
        for day, group in sorted(by_day.items())
    ]


def _month(label: str, amount: str) -> dict[str, str]:
    return {"label": label, "first_day": f"{label}-01", "amount": amount}


def _year_month(label: str) -> tuple[int, int]:
    year, month = label.split("-")
    return int(year), int(month)
