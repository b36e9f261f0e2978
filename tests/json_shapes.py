"""The documented JSON shapes of the command line's `--json` outputs (scheduler/cli/shapes/*.schema.json, a
contract for scripts; README, Commands): `validate("letters", data)` checks one command's output against its
shape, with every difference named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

SHAPES = Path(__file__).resolve().parent.parent / "scheduler" / "cli" / "shapes"


def shape(name: str) -> dict[str, Any]:
    """The JSON Schema of a command's output: "letters", "runs", "mailroom-list", "templates-check" …"""
    return json.loads((SHAPES / f"{name}.schema.json").read_text(encoding="utf-8"))


def validate(name: str, data: Any) -> None:
    schema = shape(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errors)
