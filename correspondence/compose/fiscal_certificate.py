"""The fiscal certificate: contributions received in a calendar year (cash basis), refunds, and the total the
affiliate may deduct as professional costs; surcharges are never in it (not deductible since 2020)."""

from __future__ import annotations

from typing import Any


def compose(event: Any, recipient: dict[str, Any], env: Any, language: str) -> dict[str, Any]:
    return {"certificate": dict(event.facts)}
