"""The mailroom's morning pick-up: which nights are ready, what they hold, and who collected them when.

A night is collected once; a second `collect` is refused and says by whom and when it was collected.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from correspondence import schema
from correspondence.brussels import utc
from correspondence.mailroom.print_files import is_ready, night_folder


@dataclass(frozen=True)
class Night:
    day: date
    files: int
    letters: int
    sheets: int  # the letters' sheets, as the night's summary counts them
    cover_sheets: int  # one a print file
    registered: int
    collected_by: str | None
    collected_at: datetime | None


@dataclass(frozen=True)
class Collected:
    day: date
    by: str
    at: datetime
    first_time: bool


def ready_nights(output_dir: Path) -> list[date]:
    days = []
    for folder in sorted(output_dir.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]")):
        try:
            day = date.fromisoformat(folder.name)
        except ValueError:
            continue
        if is_ready(output_dir, day):
            days.append(day)
    return days


def nights(connection: Connection, output_dir: Path, newest: int | None = None) -> list[Night]:
    """The ready nights, oldest first; `newest`: only that many of the latest (their files.csv alone is read)."""
    collected = {r.run_date: r for r in connection.execute(select(schema.collections))}
    out = []
    days = ready_nights(output_dir)
    for day in days[-newest:] if newest else days:
        listing = night_folder(output_dir, day) / "files.csv"
        rows = list(csv.DictReader(io.StringIO(listing.read_text(encoding="utf-8")))) if listing.is_file() else []
        who = collected.get(day)
        # files.csv counts each file's sheets with its cover sheet
        out.append(Night(day, len(rows), sum(int(r["letters"]) for r in rows),
                         sum(int(r["sheets"]) for r in rows) - len(rows), len(rows),
                         sum(int(r["registered"]) for r in rows), who.collected_by if who else None,
                         utc(who.collected_at) if who else None))
    return out


def collected(connection: Connection, day: date) -> Collected | None:
    """Who collected the night and when, if anyone did."""
    c = schema.collections.c
    row = connection.execute(select(schema.collections).where(c.run_date == day)).first()
    return None if row is None else Collected(day, row.collected_by, utc(row.collected_at), False)


def collect(connection: Connection, output_dir: Path, day: date, by: str, at: datetime | None = None) -> Collected:
    """Record the pick-up of a ready night; if it was already collected, say by whom and when."""
    if not by.strip():
        raise ValueError("give the name of who collects (--by)")
    if not is_ready(output_dir, day):
        raise LookupError(f"the night of {day} is not ready (no READY in {night_folder(output_dir, day)})")
    c = schema.collections.c
    earlier = connection.execute(select(schema.collections).where(c.run_date == day)).first()
    if earlier is None:
        moment = utc(at or datetime.now(UTC)).replace(microsecond=0)
        try:
            with connection.begin_nested():
                connection.execute(schema.collections.insert().values(run_date=day, collected_by=by.strip(),
                                                                      collected_at=moment))
            return Collected(day, by.strip(), moment, True)
        except IntegrityError:  # collected at the same moment by someone else: report theirs
            earlier = connection.execute(select(schema.collections).where(c.run_date == day)).one()
    return Collected(day, earlier.collected_by, utc(earlier.collected_at), False)
