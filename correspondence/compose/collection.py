"""The affiliate's open account in a letter: payment reminder, registered formal notice, account statement.

All three print the account the trigger computed (rules/account.py) and, when something is due, ask for it
with the structured communication of the whole account (period code 9 of rules/payment_reference.py), so a
payment pays the oldest debt first.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from correspondence.compose.common import payment_block
from rules.payment_reference import structured_reference


def compose(event: Any, recipient: dict[str, Any], env: Any, language: str) -> dict[str, Any]:
    facts = dict(event.facts)
    notice = {k: facts.pop(k) for k in ("pay_by", "dispute_until") if k in facts}
    facts.setdefault("payments", [])
    payment = None
    if Decimal(facts["due"]) > 0:
        reference = structured_reference(event.recipient_id, env.day.year, "account")
        payment = payment_block(env.fund, language, facts["due"], reference)
    out: dict[str, Any] = {"account": facts, "payment": payment}
    if event.letter_type == "formal_notice":
        out["notice"] = notice
    return out
