"""The regularisation notice: the difference between the provisional contributions and those due on the real
income — an extra amount to pay by its due date (with how to pay), or a refund."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from correspondence.compose.common import payment_block
from rules.money import fmt
from rules.payment_reference import structured_reference


def compose(event: Any, recipient: dict[str, Any], env: Any, language: str) -> dict[str, Any]:
    facts = event.facts
    total = Decimal(facts["total"])
    refund = total < 0
    payment = None
    if not refund:
        reference = structured_reference(event.recipient_id, facts["year"], "regularisation")
        payment = payment_block(env.fund, language, fmt(total), reference)
    return {
        "regularisation": {
            "year": facts["year"],
            "amount": fmt(abs(Decimal(facts["amount"]))),
            "fee": fmt(abs(Decimal(facts["fee"]))),
            "total": fmt(abs(total)),
            "refund": refund,
            "due_date": facts["due_date"],
        },
        "payment": payment,
    }
