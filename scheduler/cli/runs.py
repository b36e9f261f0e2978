"""`correspondence runs [show DATE]` — the nights and how they went; `correspondence stats` — the figures
the supervising institutions ask for. Counts, dates and identifiers only.
"""

from __future__ import annotations

import json
import sys
from datetime import date

import click
from sqlalchemy import func, select

from correspondence import csv_out, schema
from correspondence.brussels import brussels_time
from correspondence.config import Settings
from correspondence.plurals import counted
from correspondence.store import existing
from scheduler.cli.base import DATE, YEAR, Command, Group, argument, pass_settings
from scheduler.cli.tables import Column, dump
from scheduler.cli.tables import show as show_table
from scheduler.report import summary_text
from scheduler.run_record import duration, nights


@click.group("runs", cls=Group, invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="JSON on standard output instead of a table")
@click.pass_context
def runs(ctx: click.Context, as_json: bool) -> int | None:
    """The nights: status, counts, duration."""
    if ctx.invoked_subcommand is not None:
        return None
    return _runs(as_json)


RUN_COLUMNS = (Column("run_date", "night"), Column("status", "status"),
               Column("attempts", "attempts", number=True), Column("letters", "letters", number=True),
               Column("quarantined", "quarantined", number=True), Column("registered", "registered", number=True),
               Column("sheets", "sheets", number=True), Column("seconds", "duration s", number=True))


@pass_settings()
def _runs(settings: Settings, as_json: bool) -> int:
    engine = existing(settings.db_url)
    with engine.connect() as connection:
        rows = nights(connection)
    if as_json:
        dump(rows)
        return 0
    show_table(RUN_COLUMNS, rows)
    return 0


@runs.command("show")
@argument("day", "the night to show (YYYY-MM-DD)", type=DATE)
@pass_settings()
def show(settings: Settings, day: date) -> int:
    """One night: its report, stages and attempts."""
    engine = existing(settings.db_url)
    r, l = schema.runs.c, schema.letters.c
    with engine.connect() as connection:
        run = connection.execute(select(schema.runs).where(r.run_date == day)).mappings().first()
        if run is None:
            print(f"runs show: no night of {day} in the journal", file=sys.stderr)
            return 1
        by_status = dict(connection.execute(select(l.status, func.count()).where(l.run_date == day)
                                            .group_by(l.status)).all())
        stages = connection.execute(select(schema.run_stages).where(schema.run_stages.c.run_date == day)
                                    .order_by(schema.run_stages.c.attempt, schema.run_stages.c.seconds.desc())).mappings().all()
    took = duration(run["started_at"], run["finished_at"])
    print(f"Night of {day}: {run['status']}, {counted(run['attempts'], 'attempt')}, started "
          f"{brussels_time(run['started_at'], seconds=True)}"
          + (f", took {took:.0f} s" if took is not None else ""))
    if run["status"] != "complete":
        print("Not finished: the next `correspondence run --as-of "
              f"{day}` (or the scheduler's next firing) resumes it.")
        print("Letters in the journal: " + (", ".join(f"{k} {v}" for k, v in sorted(by_status.items())) or "none"))
    for s in stages:
        letters = f", {counted(s['letters'], 'letter')}" if s["letters"] else ""
        print(f"  attempt {s['attempt']}: {s['stage']} {s['seconds']:.1f} s{letters}")
    if run["summary"]:
        summary = json.loads(run["summary"])
        print(summary_text(summary), end="")
        for pf in summary.get("print_files", []):
            print(f"  {pf['file']}: {counted(pf['letters'], 'letter')}, {counted(pf['sheets'], 'sheet')}"
                  " (its cover sheet included)")
    return 0


@click.command("stats", cls=Command)
@click.option("--year", type=YEAR, required=True, help="the year to count")
@click.option("--quarter", type=click.IntRange(1, 4), help="one quarter of it, 1 to 4 (default: the whole year)")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on standard output")
@click.option("--json", "as_json", is_flag=True, help="JSON on standard output instead of a table")
@pass_settings()
def stats(settings: Settings, year: int, quarter: int | None, as_csv: bool, as_json: bool) -> int:
    """Statistics for the supervising institutions."""
    from correspondence.stats import statistics

    if as_csv and as_json:
        raise click.UsageError("--csv and --json: choose one")
    engine = existing(settings.db_url)
    with engine.connect() as connection:
        figures = statistics(connection, year, quarter)
    if as_csv:
        csv_out.write_rows(sys.stdout, [("period", "section", "key", "value")])
        csv_out.write_rows(sys.stdout, ((figures.period, *row) for row in figures.rows()))
        return 0
    rows = [{"section": section, "key": key, "value": value} for section, key, value in figures.rows()]
    if as_json:
        dump({"period": figures.period, "start": figures.start.isoformat(), "end": figures.end.isoformat(),
              "rows": [{**row, "value": _number(row["value"])} for row in rows]})
        return 0
    show_table(STATS_COLUMNS, rows, title=f"Statistics {figures.period} ({figures.start} – {figures.end})")
    return 0


def _number(text: str) -> int | float | None:
    """A figure as JSON has it: 12, 12.5, or null where there is none (no decision, no median)."""
    return None if text == "" else int(text) if text.isdigit() else float(text)


STATS_COLUMNS = (Column("section", "section", wrap=True), Column("key", "", wrap=True), Column("value", "count", number=True))
