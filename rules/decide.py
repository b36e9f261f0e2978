"""`correspondence decide KIND` dispatch: each kind is a rule module exposing `decide(payload) -> dict`.

JSON in, JSON out; invalid input raises `InvalidInput` naming the field.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from rules.errors import RuleError

KINDS = {
    "contribution": "rules.contributions",
    "surcharges": "rules.surcharges",
    "company_contribution": "rules.company_contribution",
    "mantelzorg": "rules.mantelzorg",
}


def decide(kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    if kind not in KINDS:
        raise RuleError(f"unknown kind '{kind}': choose one of {', '.join(sorted(KINDS))}")
    return importlib.import_module(KINDS[kind]).decide(payload)
