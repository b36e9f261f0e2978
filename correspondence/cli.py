"""`correspondence` — the command line of the engine (contracts in DESIGN.md; keep them stable)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from correspondence import schema
from correspondence.config import Settings
from correspondence.store import connect, init

BRUSSELS = ZoneInfo("Europe/Brussels")


def today() -> date:
    return datetime.now(BRUSSELS).date()


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
    reports = import_dir(engine, directory, accept_removals=getattr(args, "accept_removals", False))
    if not reports:
        print(f"import: no known CSV file in {directory}", file=sys.stderr)
        return 1
    for report in reports:
        print(f"{report.name}: {report.read} rows read, {report.inserted} new, {report.updated} changed, "
              f"{report.unchanged} unchanged, {len(report.errors)} rejected")
        for message in report.warnings + report.errors + report.removals:
            print(f"  {message}")
    return 1 if any(r.errors or r.gone for r in reports) else 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from scheduler.night import CannotRun, output_path, run_night

    day = args.as_of or today()
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
    from correspondence.demo import write_demo_fund

    folder = Path(settings.archive_dir).parent / "demo"
    write_demo_fund(folder, affiliates=args.affiliates, seed=args.seed, day=args.as_of or today())
    print(f"demo fund of {args.affiliates} affiliates written to {folder}")
    code = cmd_import(argparse.Namespace(directory=str(folder)), settings)
    if code == 2:
        return 2
    return cmd_run(argparse.Namespace(as_of=args.as_of), settings)


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
    engine = connect(settings.db_url)
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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="correspondence", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create or upgrade the database schema").set_defaults(func=cmd_init)
    s = sub.add_parser("import", help="load the core system's CSV exports from a folder")
    s.add_argument("directory")
    s.add_argument("--accept-removals", action="store_true",
                   help="remove rows the database holds and the export no longer does (default: report them)")
    s.set_defaults(func=cmd_import)
    s = sub.add_parser("demo", help="build a realistic demo fund, import it and run tonight")
    s.add_argument("--affiliates", type=int, default=2000)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--as-of", type=_date, help="the night to run (default: today in Brussels)")
    s.set_defaults(func=cmd_demo)
    s = sub.add_parser("run", help="run the night for one date")
    s.add_argument("--as-of", type=_date, help="YYYY-MM-DD (default: today in Brussels)")
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


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args, Settings.from_env())


if __name__ == "__main__":
    sys.exit(main())
