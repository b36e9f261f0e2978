"""`correspondence decide KIND` dispatch: each kind is a rule module exposing `decide(payload) -> dict` and
the declaration of its input, `INPUT` (rules/input_schema.py), from which the input is read, explained in
`decide KIND --help` and printed as JSON Schema by `decide KIND --schema`.

JSON in, JSON out; invalid input raises `InvalidInput` (every problem of the input at once) naming the fields.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from rules.errors import RuleError
from rules.input_schema import Obj, json_schema

KINDS = {
    "contribution": "rules.contributions",
    "surcharges": "rules.surcharges",
    "company_contribution": "rules.company_contribution",
    "mantelzorg": "rules.mantelzorg",
}


def unknown_kind(kind: str) -> str:
    """The one line for a kind that is not one, with the nearest kind when it looks like a typing error."""
    near = difflib.get_close_matches(kind, KINDS, n=1)
    hint = f" (did you mean '{near[0]}'?)" if near else ""
    return f"unknown kind '{kind}'{hint}: choose one of {', '.join(sorted(KINDS))}"


def _rule(kind: str) -> ModuleType:
    if kind not in KINDS:
        raise RuleError(unknown_kind(kind))
    return importlib.import_module(KINDS[kind])


def input_of(kind: str) -> Obj:
    """The declaration of a kind's input: its fields, their values, required or not, a line each."""
    declared: Obj = _rule(kind).INPUT
    return declared


def schema(kind: str) -> dict[str, Any]:
    """A kind's input as JSON Schema (draft 2020-12)."""
    return json_schema(input_of(kind), f"correspondence decide {kind}: input")


def decide(kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = _rule(kind).decide(payload)
    return result
