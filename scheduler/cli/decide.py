"""`correspondence decide KIND FILE`: apply one rule, JSON in, JSON out (exit 2 with the field on bad input)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from correspondence.config import Settings
from rules.decide import KINDS
from rules.decide import decide as apply_rule
from rules.errors import InvalidInput, RuleError
from scheduler.cli.base import Command, argument, pass_settings


@click.command("decide", cls=Command)
@argument("kind", f"the rule to apply: {', '.join(sorted(KINDS))}")
@argument("file", "a JSON file, or - for standard input")
@pass_settings()
def decide(settings: Settings, kind: str, file: str) -> int:
    """Apply a rule: JSON in, JSON out."""
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        payload = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"decide: cannot read {file}: {exc}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"decide: input is not JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}", file=sys.stderr)
        return 2
    if not isinstance(payload, dict):
        print("decide: input must be a JSON object", file=sys.stderr)
        return 2
    try:
        result = apply_rule(kind, payload)
    except InvalidInput as exc:
        print(f"decide {kind}: {exc.field}: {exc.reason}", file=sys.stderr)
        return 2
    except RuleError as exc:
        print(f"decide {kind}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0
