"""`correspondence decide KIND FILE|-`: apply one rule, JSON in, JSON out (exit 2 naming every bad field).

One command per kind, made from the declaration of its input (rules/input_schema.py): `decide KIND --help`
lists its fields, `decide KIND --schema` prints them as JSON Schema (draft 2020-12). The kind is checked
before the input is read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from correspondence.config import Settings
from rules.decide import KINDS, input_of, schema, unknown_kind
from rules.decide import decide as apply_rule
from rules.errors import InvalidInput, RuleError
from rules.input_schema import field_rows
from scheduler.cli.base import Argument, Command, Group, argument, pass_settings


class UnknownKind(click.ClickException):
    """`decide horoscope …`: one line naming the kinds (and the near one), exit 2, the input left unread."""

    exit_code = 2


class Kinds(Group):
    """`decide`'s kinds as its commands; `decide --help` lists them with their fields."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                            list[str]]:
        kind = args[0] if args else "-"
        if kind not in self.commands and not kind.startswith("-") and not ctx.resilient_parsing:
            raise UnknownKind(unknown_kind(kind))
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(kind, f"{_first_sentence(declared.description)} Fields: {', '.join(declared.names)}.")
                for kind, declared in ((k, input_of(k)) for k in self.list_commands(ctx))]
        with formatter.section("Kinds"):
            formatter.write_dl(rows)


class KindCommand(Command):
    """One kind: its `--help` shows the fields of its input, between the arguments and the options."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(p.make_metavar(ctx), p.help) for p in self.get_params(ctx) if isinstance(p, Argument)]
        with formatter.section("Arguments"):
            formatter.write_dl(rows)
        with formatter.section("Input (a JSON object)"):
            formatter.write_dl(field_rows(input_of(self.name or "")))
        click.Command.format_options(self, ctx, formatter)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        examples = input_of(self.name or "").examples
        if examples:
            text = json.dumps(dict(examples[0]), ensure_ascii=False)
            if len(text) > 100:
                text = json.dumps(dict(examples[0]), ensure_ascii=False, indent=2)
            with formatter.section("Example input"):
                formatter.write_text("\b\n" + text)


@click.group("decide", cls=Kinds, subcommand_metavar="KIND FILE|-")
def decide() -> None:
    """Apply a rule: JSON in, JSON out. `correspondence decide KIND --help` lists the fields of KIND's input,
    `correspondence decide KIND --schema` prints them as JSON Schema (draft 2020-12). Every unusable field is
    named on its own line, exit 2."""


def _print_schema(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(json.dumps(schema(ctx.command.name or ""), indent=2, ensure_ascii=False))
        ctx.exit(0)


def _first_sentence(text: str) -> str:
    return text.split(". ")[0].rstrip(".") + "."


def _kind_command(kind: str) -> click.Command:
    declared = input_of(kind)

    @click.command(kind, cls=KindCommand, help=declared.description,
                   short_help=_first_sentence(declared.description))
    @click.option("--schema", is_flag=True, is_eager=True, expose_value=False, callback=_print_schema,
                  help="Print the input's JSON Schema (draft 2020-12) and exit.")
    @argument("file", "a JSON file, or - for standard input")
    @pass_settings()
    def run(settings: Settings, file: str) -> int:
        return _decide(kind, file)

    return run


def _decide(kind: str, file: str) -> int:
    where = f"decide {kind}"
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        payload: Any = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{where}: cannot read {file}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"{where}: input is not JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}",
              file=sys.stderr)
        return 2
    if not isinstance(payload, dict):
        print(f"{where}: input must be a JSON object with {', '.join(input_of(kind).names)} "
              f"(see correspondence {where} --help)", file=sys.stderr)
        return 2
    try:
        result = apply_rule(kind, payload)
    except InvalidInput as exc:
        for problem in getattr(exc, "problems", (exc,)):
            print(f"{where}: {problem.field}: {problem.reason}", file=sys.stderr)
        return 2
    except RuleError as exc:
        print(f"{where}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


for _kind in sorted(KINDS):
    decide.add_command(_kind_command(_kind))
