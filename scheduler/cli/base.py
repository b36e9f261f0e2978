"""What every command shares, declared once: the values the command line accepts (a date, a whole number of 1
or more, a year, a language), arguments that carry their own help (so `--help` explains every argument as well
as every option), and the settings a command runs with.

A value that does not fit is a usage error in one line naming the value (exit 2), never a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import click

from correspondence.brussels import BRUSSELS
from correspondence.config import Settings, require_folders
from rules.language import LANGUAGES


def today() -> date:
    """Today in Brussels: the night's date when none is given."""
    return datetime.now(BRUSSELS).date()


class _Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"'{value}' is not a date written YYYY-MM-DD", param, ctx)


class _Count(click.ParamType):
    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and value >= 1:
            return value
        try:
            number = int(value)
        except ValueError:
            number = 0
        if number < 1:
            self.fail(f"'{value}' is not a whole number of 1 or more", param, ctx)
        return number


class _Year(click.ParamType):
    name = "YYYY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value)
        if not text.isdigit() or not 1900 <= int(text) <= 2999:
            self.fail(f"'{value}' is not a year written YYYY", param, ctx)
        return int(text)


DATE = _Date()
COUNT = _Count()
YEAR = _Year()
LANGUAGE = click.Choice(LANGUAGES)


class Argument(click.Argument):
    """A positional argument with a help text, shown under "Arguments" in its command's `--help`."""

    def __init__(self, param_decls: list[str], *, help: str, **attrs: Any) -> None:
        super().__init__(param_decls, **attrs)
        self.help = help


class Command(click.Command):
    """A command whose `--help` lists its arguments with their help before its options."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(p.make_metavar(ctx), p.help) for p in self.get_params(ctx) if isinstance(p, Argument)]
        if rows:
            with formatter.section("Arguments"):
                formatter.write_dl(rows)
        super().format_options(ctx, formatter)


class Group(click.Group):
    """A command group whose commands are `Command`s (arguments with help)."""

    command_class = Command
    group_class = type  # its groups are Groups too


def argument(name: str, help: str, **attrs: Any):  # type: ignore[no-untyped-def]
    """`@argument("date", "the night", type=DATE)`: a positional argument that documents itself."""
    return click.argument(name, cls=Argument, help=help, **attrs)


def pass_settings(*, templates: bool = False) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """The command receives the Settings as its first argument: those `main` was given (tests), else read
    from the environment and checked on first use. `templates=True`: a command that reads letter templates or
    the fund profile; a mistyped folder or a profile that is not one is refused before it starts."""

    def decorate(command: Callable[..., int]) -> Callable[..., int]:
        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> int:
            root = click.get_current_context().find_root()
            if root.obj is None:
                root.obj = Settings.from_env()
            if templates:
                require_folders(root.obj)
            return command(root.obj, *args, **kwargs)

        return run

    return decorate
