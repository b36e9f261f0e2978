"""The company contribution's letters: due notice, reminder and registered formal notice. Each names the
company's enterprise number and asks for the year's contribution with late interest so far, with the
year's structured communication (period code 6); the letters explain the directors' joint liability."""

from __future__ import annotations

from typing import Any

from correspondence.compose.common import payment_block
from rules.errors import RuleError
from rules.payment_reference import structured_reference


def compose(event: Any, recipient: dict[str, Any], env: Any, language: str) -> dict[str, Any]:
    facts = dict(event.facts)
    if "error" in facts:
        raise RuleError(facts["error"])
    notice = {k: facts.pop(k) for k in ("pay_by", "dispute_until") if k in facts}
    number = recipient["enterprise_number"]
    reference = structured_reference(event.recipient_id, facts["year"], "company")
    out: dict[str, Any] = {
        "company": {"enterprise_number": f"{number[:4]}.{number[4:7]}.{number[7:]}"},
        "company_contribution": facts,
        "payment": payment_block(env.fund, language, facts["due"], reference),
    }
    if event.letter_type == "company_formal_notice":
        out["notice"] = notice
    return out
