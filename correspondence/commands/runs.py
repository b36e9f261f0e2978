"""`correspondence runs [show DATE]` — the nights and how they went; `correspondence stats` — the figures
the supervising institutions ask for. Counts, dates and identifiers only.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from correspondence import csv_out, schema
from correspondence.config import Settings
from correspondence.store import existing


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date written YYYY-MM-DD") from None


def _year(value: str) -> int:
    if not value.isdigit() or not 1900 <= int(value) <= 2999:
        raise argparse.ArgumentTypeError(f"'{value}' is not a year written YYYY")
    return int(value)


def _duration(started: datetime | None, finished: datetime | None) -> float | None:
    if started is None or finished is None:
        return None
    return round((finished.replace(tzinfo=None) - started.replace(tzinfo=None)).total_seconds(), 1)


def nights(connection: Connection) -> list[dict[str, Any]]:
    """Every night, newest first: status, attempts, letters, quarantined, registered, sheets, duration."""
    r, l = schema.runs.c, schema.letters.c
    journaled = dict(connection.execute(select(l.run_date, func.count()).group_by(l.run_date)).all())
    out = []
    for run in connection.execute(select(schema.runs).order_by(r.run_date.desc())).mappings():
        summary = json.loads(run["summary"] or "{}")
        out.append({
            "run_date": run["run_date"].isoformat(), "status": run["status"], "attempts": run["attempts"],
            "letters": summary.get("letters", journaled.get(run["run_date"], 0)),
            "quarantined": len(summary.get("quarantined", [])), "registered": summary.get("registered"),
            "sheets": summary.get("sheets"), "seconds": _duration(run["started_at"], run["finished_at"]),
        })
    return out


def cmd_runs(args: argparse.Namespace, settings: Settings) -> int:
    engine = existing(settings.db_url)
    with engine.connect() as connection:
        rows = nights(connection)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table("night", "status", "attempts", "letters", "quarantined", "registered", "sheets", "duration s")
    for row in rows:
        table.add_row(*("" if row[k] is None else str(row[k]) for k in (
            "run_date", "status", "attempts", "letters", "quarantined", "registered", "sheets", "seconds")))
    Console().print(table)
    return 0


def cmd_runs_show(args: argparse.Namespace, settings: Settings) -> int:
    from scheduler import run_record
    from scheduler.report import summary_text

    engine = existing(settings.db_url)
    r, l = schema.runs.c, schema.letters.c
    with engine.connect() as connection:
        run = connection.execute(select(schema.runs).where(r.run_date == args.date)).mappings().first()
        if run is None:
            print(f"runs show: no night of {args.date} in the journal", file=sys.stderr)
            return 1
        by_status = dict(connection.execute(select(l.status, func.count()).where(l.run_date == args.date)
                                            .group_by(l.status)).all())
        stages = connection.execute(select(schema.run_stages).where(schema.run_stages.c.run_date == args.date)
                                    .order_by(schema.run_stages.c.attempt, schema.run_stages.c.seconds.desc())).mappings().all()
    duration = _duration(run["started_at"], run["finished_at"])
    print(f"Night of {args.date}: {run['status']}, {run['attempts']} attempt(s), started "
          f"{run['started_at']:%Y-%m-%d %H:%M:%S}" + (f", took {duration:.0f} s" if duration is not None else ""))
    if run["status"] != "complete":
        print("Not finished: the next `correspondence run --as-of "
              f"{args.date}` (or the scheduler's next firing) resumes it.")
        print("Letters in the journal: " + (", ".join(f"{k} {v}" for k, v in sorted(by_status.items())) or "none"))
    for s in stages:
        print(f"  attempt {s['attempt']}: {s['stage']} {s['seconds']:.1f} s")
    if run["summary"]:
        summary = json.loads(run["summary"])
        print(summary_text(summary), end="")
        for pf in summary.get("print_files", []):
            print(f"  {pf['file']}: {pf['letters']} letters, {pf['sheets']} sheets")
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from correspondence.stats import statistics

    engine = existing(settings.db_url)
    with engine.connect() as connection:
        stats = statistics(connection, args.year, args.quarter)
    if args.csv:
        csv_out.write_rows(sys.stdout, [("period", "section", "key", "value")])
        csv_out.write_rows(sys.stdout, ((stats.period, *row) for row in stats.rows()))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table("section", "", "count", title=f"Statistics {stats.period} ({stats.start} – {stats.end})")
    for row in stats.rows():
        table.add_row(*row)
    Console().print(table)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    s = subparsers.add_parser("runs", help="the nights: status, counts, duration")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_runs)
    sub = s.add_subparsers(dest="runs_command")
    show = sub.add_parser("show", help="one night: its report, stages and attempts")
    show.add_argument("date", type=_date)
    show.set_defaults(func=cmd_runs_show)
    s = subparsers.add_parser("stats", help="statistics for the supervising institutions")
    s.add_argument("--year", type=_year, required=True)
    s.add_argument("--quarter", type=int, choices=(1, 2, 3, 4))
    s.add_argument("--csv", action="store_true", help="CSV on standard output")
    s.set_defaults(func=cmd_stats)
