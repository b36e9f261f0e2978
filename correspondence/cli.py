"""`correspondence` — the command line of the engine (contracts in DESIGN.md; keep them stable)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from correspondence import schema
from correspondence.config import ConfigError, Settings, require_folders
from correspondence.store import DatabaseError, connect, describe, existing, init

BRUSSELS = ZoneInfo("Europe/Brussels")


def today() -> date:
    return datetime.now(BRUSSELS).date()


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number of 1 or more")
    return number


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date written YYYY-MM-DD") from None


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    engine = connect(settings.db_url)
    print(f"database schema {init(engine)}")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from correspondence.importing import import_dir

    directory = Path(args.directory)
    if not directory.is_dir():
        print(f"import: {directory} is not a folder", file=sys.stderr)
        return 2
    engine = connect(settings.db_url)
    init(engine)
    try:
        reports = import_dir(engine, directory, accept_removals=getattr(args, "accept_removals", False))
    except OSError as exc:  # a folder where a CSV file is expected, a file it may not read
        print(f"import: cannot read {exc.filename or directory}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not reports:
        print(f"import: no known CSV file in {directory}", file=sys.stderr)
        return 1
    for report in reports:
        print(f"{report.name}: {report.read} rows read, {report.inserted} new, {report.updated} changed, "
              f"{report.unchanged} unchanged, {len(report.errors)} rejected")
        for message in report.warnings + report.errors + report.removals:
            print(f"  {message}")
    return 1 if any(r.errors or r.gone for r in reports) else 0


def _completed_nights(settings: Settings, day: date, now: date) -> tuple[date | None, list[date], bool]:
    """The last night completed up to today, those completed for a date after today, and whether `day` has
    ever started. Raises DatabaseError when there is no database: `run` never creates one."""
    from scheduler.catchup import last_completed_up_to

    r = schema.runs.c
    engine = existing(settings.db_url)
    try:
        with engine.connect() as connection:
            completed = connection.scalars(select(r.run_date).where(r.status == "complete")).all()
            started = connection.scalar(select(r.run_date).where(r.run_date == day)) is not None
    except DBAPIError:
        return None, [], False
    finally:
        engine.dispose()
    return *last_completed_up_to(completed, now), started


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from scheduler.night import CannotRun, output_path, run_night

    now = today()
    day = args.as_of or now
    if day > now:
        print(f"run: the night of {day} lies after today ({now} in Brussels): a night runs on or after its date "
              "— check --as-of", file=sys.stderr)
        return 2
    last, future, started = _completed_nights(settings, day, now)
    for mistaken in future:
        print(f"run: warning: the night of {mistaken} is marked complete but lies after today; it is ignored",
              file=sys.stderr)
    if last is not None and day < last and not started:
        if not getattr(args, "backdate", False):
            print(f"run: the night of {day} never ran and comes before the last completed night ({last}): it would "
                  f"send, dated {day}, the letters due by then that no later night sent; add --backdate to do so",
                  file=sys.stderr)
            return 2
        print(f"run: backdating: the night of {day} runs after the completed night of {last}; its letters are "
              f"dated {day}, and no letter a later night sent is sent again", file=sys.stderr)
    try:
        result = run_night(settings, day, progress=_progress() if sys.stderr.isatty() else None)
    except CannotRun as exc:
        print(f"run: {exc}", file=sys.stderr)
        return 2
    if result.status == "already complete":
        print(f"night of {day} was already complete: nothing to do ({output_path(settings, day)})")
    else:
        folder = output_path(settings, day)
        print((folder / "summary.txt").read_text(), end="")
        print(f"output: {folder}")
    return result.exit_code


def _progress():  # type: ignore[no-untyped-def]
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = None

    def update(stage: str, done: int, total: int) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task(stage, total=total)
        bar.update(task, completed=done, total=total)
        if done >= total:
            bar.stop()

    return update


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from correspondence.demo.fund import write_demo_fund

    if args.as_of and args.as_of > today():
        print(f"demo: the night of {args.as_of} lies after today ({today()} in Brussels): check --as-of",
              file=sys.stderr)
        return 2
    folder = Path(settings.archive_dir).parent / "demo"
    write_demo_fund(folder, affiliates=args.affiliates, seed=args.seed, day=args.as_of or today())
    print(f"demo fund of {args.affiliates} affiliates written to {folder}")
    code = cmd_import(argparse.Namespace(directory=str(folder)), settings)
    if code == 2:
        return 2
    return cmd_run(argparse.Namespace(as_of=args.as_of, backdate=False), settings)


def cmd_decide(args: argparse.Namespace, settings: Settings) -> int:
    from rules.decide import decide
    from rules.errors import InvalidInput, RuleError

    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
        payload = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"decide: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"decide: input is not JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}", file=sys.stderr)
        return 2
    if not isinstance(payload, dict):
        print("decide: input must be a JSON object", file=sys.stderr)
        return 2
    try:
        result = decide(args.kind, payload)
    except InvalidInput as exc:
        print(f"decide {args.kind}: {exc.field}: {exc.reason}", file=sys.stderr)
        return 2
    except RuleError as exc:
        print(f"decide {args.kind}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


LETTER_FIELDS = ("letter_id", "event_key", "letter_type", "recipient_id", "language", "mail_class", "run_date",
                 "status", "pages", "sha256")


def cmd_letters(args: argparse.Namespace, settings: Settings) -> int:
    engine = existing(settings.db_url)
    l = schema.letters.c
    query = select(*(l[f] for f in LETTER_FIELDS)).order_by(l.letter_id)
    if args.run_date:
        query = query.where(l.run_date == args.run_date)
    with engine.connect() as connection:
        rows = [
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
            for row in connection.execute(query).mappings()
        ]
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(*LETTER_FIELDS[:-1])
    for row in rows:
        table.add_row(*(str(row[f]) for f in LETTER_FIELDS[:-1]))
    Console().print(table)
    return 0


# Command groups that live in their own module: each has `register(subparsers)` and adds its commands.
COMMAND_MODULES = (
    "correspondence.commands.templates",
    "correspondence.commands.mailroom",
    "correspondence.commands.runs",
    "correspondence.commands.scheduler",
)


class _Parser(argparse.ArgumentParser):
    """argparse, a usage error in one line (its usage is one `--help` away)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="correspondence", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create or upgrade the database schema").set_defaults(func=cmd_init)
    s = sub.add_parser("import", help="load the core system's CSV exports from a folder")
    s.add_argument("directory")
    s.add_argument("--accept-removals", action="store_true",
                   help="remove rows the database holds and the export no longer does (default: report them)")
    s.set_defaults(func=cmd_import)
    s = sub.add_parser("demo", help="build a realistic demo fund, import it and run tonight")
    s.add_argument("--affiliates", type=_count, default=2000)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--as-of", type=_date, help="the night to run (default: today in Brussels)")
    s.set_defaults(func=cmd_demo)
    s = sub.add_parser("run", help="run the night for one date")
    s.add_argument("--as-of", type=_date, help="YYYY-MM-DD, today or earlier (default: today in Brussels)")
    s.add_argument("--backdate", action="store_true",
                   help="run a night that never ran although a later night is complete")
    s.set_defaults(func=cmd_run)
    s = sub.add_parser("decide", help="apply a rule: JSON in, JSON out")
    s.add_argument("kind")
    s.add_argument("file", help="a JSON file, or - for standard input")
    s.set_defaults(func=cmd_decide)
    s = sub.add_parser("letters", help="list the journal")
    s.add_argument("--run-date", type=_date)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_letters)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # that command group is not built yet
        module.register(sub)
    return p


# Commands that read letter templates or the fund profile: a mistyped folder is refused before they start.
NEEDS_TEMPLATES = {"run", "demo", "templates", "scheduler"}


def _reader_gone() -> int:
    """`correspondence letters --json | head -1`: the reader has what it wanted; no message, exit 141."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so that the final flush at exit finds a file
    return 141


def _name(args: argparse.Namespace) -> str:
    """The command as typed ("mailroom collect"), to begin its one-line error."""
    sub = next((getattr(args, k) for k in ("mailroom_command", "templates_command", "runs_command")
                if getattr(args, k, None)), None)
    return f"{args.command} {sub}" if sub else args.command


def main(argv: list[str] | None = None) -> int:
    """Run one command. A user's or operator's error is one line on standard error and an exit code, never a
    traceback: 2 for a wrong argument, setting or database; 141 when the reader of the output went away."""
    args = parser().parse_args(argv)
    name = _name(args)
    try:
        settings = Settings.from_env()
        if args.command in NEEDS_TEMPLATES:
            require_folders(settings)
        code = args.func(args, settings)
        sys.stdout.flush()  # inside the try: a reader that went away is met here, not at exit
        return code
    except (ConfigError, DatabaseError) as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:  # the server went away, refused us, or the database is not the engine's
        print(f"{name}: {describe(exc, settings.db_url)}", file=sys.stderr)
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


if __name__ == "__main__":
    sys.exit(main())
