"""`correspondence init | run | demo`: the database schema, tonight's run (or a past night's), and a demo fund
imported and run in one go."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from correspondence import schema
from correspondence.config import Settings
from correspondence.plurals import counted
from correspondence.store import connect, existing
from correspondence.store import init as init_schema
from scheduler.catchup import last_completed_up_to
from scheduler.cli.base import COUNT, DATE, Command, pass_settings, today
from scheduler.cli.imports import import_folder


@click.command("init", cls=Command)
@pass_settings()
def init(settings: Settings) -> int:
    """Create or upgrade the database schema."""
    engine = connect(settings.db_url)
    print(f"database schema {init_schema(engine)}")
    return 0


def _completed_nights(settings: Settings, day: date, now: date) -> tuple[date | None, list[date], bool]:
    """The last night completed up to today, those completed for a date after today, and whether `day` has
    ever started. Raises DatabaseError when there is no database: `run` never creates one."""
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


def run_one(settings: Settings, as_of: date | None, backdate: bool) -> int:
    """The night of `as_of` (default today): refused after today, and before the last completed night unless
    `backdate`; its summary on standard output."""
    from scheduler.night import CannotRun, output_path, run_night  # the renderer: loaded by the night only
    from scheduler.progress import night_progress

    now = today()
    day = as_of or now
    if day > now:
        print(f"run: the night of {day} lies after today ({now} in Brussels): a night runs on or after its date "
              "— check --as-of", file=sys.stderr)
        return 2
    last, future, started = _completed_nights(settings, day, now)
    for mistaken in future:
        print(f"run: warning: the night of {mistaken} is marked complete but lies after today; it is ignored",
              file=sys.stderr)
    if last is not None and day < last and not started:
        if not backdate:
            print(f"run: the night of {day} never ran and comes before the last completed night ({last}): it would "
                  f"send, dated {day}, the letters due by then that no later night sent; add --backdate to do so",
                  file=sys.stderr)
            return 2
        print(f"run: backdating: the night of {day} runs after the completed night of {last}; its letters are "
              f"dated {day}, and no letter a later night sent is sent again", file=sys.stderr)
    try:
        with night_progress() as progress:  # on a terminal only
            result = run_night(settings, day, progress=progress)
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


@click.command("run", cls=Command)
@click.option("--as-of", type=DATE, help="the night to run, today or earlier (default: today in Brussels)")
@click.option("--backdate", is_flag=True, help="run a night that never ran although a later night is complete")
@pass_settings(templates=True)
def run(settings: Settings, as_of: date | None, backdate: bool) -> int:
    """Run the night for one date."""
    return run_one(settings, as_of, backdate)


@click.command("demo", cls=Command)
@click.option("--affiliates", type=COUNT, default=2000, show_default=True, help="how many affiliates the fund has")
@click.option("--seed", type=int, default=1, show_default=True,
              help="the random seed: the same seed writes the same fund")
@click.option("--as-of", type=DATE, help="the night to run (default: today in Brussels)")
@pass_settings(templates=True)
def demo(settings: Settings, affiliates: int, seed: int, as_of: date | None) -> int:
    """Build a realistic demo fund, import it and run tonight."""
    from correspondence.demo.claims import before_death, recovery_night
    from correspondence.demo.fund import write_demo_fund, write_rows

    if as_of and as_of > today():
        print(f"demo: the night of {as_of} lies after today ({today()} in Brussels): check --as-of",
              file=sys.stderr)
        return 2
    folder = Path(settings.archive_dir).parent / "demo"
    day = as_of or today()
    fund = write_demo_fund(folder, affiliates=affiliates, seed=seed, day=day, profile=settings.fund_file)
    print(f"demo fund of {counted(affiliates, 'affiliate')} written to {folder}, switched on as "
          f"{folder / 'fund.toml'} says")
    switched_on = replace(settings, fund_file=folder / "fund.toml")
    # The earlier night that granted the claims recovered tonight, run with the claims as it knew them.
    write_rows(folder, "claims.csv", before_death(fund.rows, day))
    code = import_folder(settings, folder, create=True)
    if code == 2:
        return 2
    earlier = recovery_night(day)
    print(f"demo: the earlier night of {earlier} grants the claims (one per language) whose cared-for person's "
          "death is reported since")
    if run_one(switched_on, earlier, backdate=False) == 2:
        print("demo: the earlier night did not run (a later night ran on this database): no recovery tonight",
              file=sys.stderr)
    write_rows(folder, "claims.csv", fund.rows["claims.csv"])
    if import_folder(settings, folder, create=True) == 2:
        return 2
    return run_one(switched_on, day, backdate=False)
