"""The quarterly due notice: the quarter's provisional contribution, the fee, the due date, how to pay."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from correspondence.compose.common import payment_block
from rules.money import fmt
from rules.payment_reference import structured_reference


def compose(event: Any, recipient: dict[str, Any], env: Any, language: str) -> dict[str, Any]:
    facts = event.facts
    amount, fee = Decimal(facts["amount"]), Decimal(facts["fee"])
    total = fmt(amount + fee)
    reference = structured_reference(event.recipient_id, facts["year"], f"Q{facts['quarter']}")
    return {
        "contribution": {
            "year": facts["year"],
            "quarter": facts["quarter"],
            "period": f"{facts['year']}-Q{facts['quarter']}",
            "amount": fmt(amount),
            "fee": fmt(fee),
            "total": total,
            "due_date": facts["due_date"],
        },
        "payment": payment_block(env.fund, language, total, reference),
    }
