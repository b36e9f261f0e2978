"""`correspondence` — the command line: the one place that wires the engine and the night (its outputs are
contracts, README.md "Commands" and scheduler/cli/shapes/; keep them stable). The commands are in commands.py, one module per command group; shared values and
settings in base.py; here, how every command ends.
"""

from __future__ import annotations

import os
import sys

import click
from sqlalchemy.exc import DBAPIError

from correspondence.config import ConfigError, Settings
from correspondence.store import DatabaseError, describe


def _reader_gone() -> int:
    """`correspondence letters --json | head -1`: the reader has what it wanted; no message, exit 141."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so that the final flush at exit finds a file
    return 141


def main(argv: list[str] | None = None, *, settings: Settings | None = None) -> int:
    """Run one command. A user's or operator's error is one line on standard error and an exit code, never a
    traceback: 2 for a wrong argument, setting or database; 130 when interrupted; 141 when the reader of the
    output went away. `settings`: run with these instead of the environment's (tests)."""
    args = sys.argv[1:] if argv is None else list(argv)
    name = "correspondence"
    try:
        # loading the commands loads the engine (seconds): a Ctrl-C meanwhile ends in one line too
        from scheduler.cli.commands import command_name, correspondence

        name = command_name(args)
        # Click's own main (standalone or not) turns a closed pipe into exit 1 and prints on Ctrl-C: the
        # context is made and invoked here so that every ending is this function's.
        with correspondence.make_context("correspondence", args, obj=settings) as ctx:
            code = correspondence.invoke(ctx)
            sys.stdout.flush()  # inside the try: a reader that went away is met here, not at exit
            return code
    except click.exceptions.Exit as exc:  # --help
        return exc.exit_code
    except click.exceptions.NoArgsIsHelpError as exc:
        print(exc.ctx.get_help() if exc.ctx else exc.format_message(), file=sys.stderr)
        return 2
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "correspondence"
        print(f"{command}: {exc.format_message()} (see {command} --help)", file=sys.stderr)
        return 2
    except click.ClickException as exc:
        print(f"{name}: {exc.format_message()}", file=sys.stderr)
        return exc.exit_code
    except (ConfigError, DatabaseError) as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:  # the server went away, refused us, or the database is not the engine's
        url = (settings or Settings.from_env()).db_url  # read once already: the error came after
        print(f"{name}: {describe(exc, url)}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder of the user's that is missing or may not be read or written
        if isinstance(exc, BrokenPipeError):
            return _reader_gone()
        where = f" {exc.filename}" if exc.filename else ""
        print(f"{name}: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
