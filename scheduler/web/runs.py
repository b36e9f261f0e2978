"""The operator's pages: the nights with their state and duration, the daemon's next firing, the latest imports
of the core system's export (and whether the next night would find it too old), the `[confirm]` marks of the
rule figures in force; one night with the import it planned on, its stages and timings, its quarantine grouped
by cause (the field and the action that clears it, each letter held listed under it) and the rest of its morning
report.

A night in the address is a date or 404. Quarantine rows name records by id, never by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from typing import Any

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from correspondence import config, fund_profile, import_record, schema
from correspondence.brussels import utc
from rules.params import Parameters
from scheduler.daemon import ConfigError, load_config, stored_next_run
from scheduler.run_record import nights as run_nights
from scheduler.web.access import desk, night_in_address, requires, today

pages = Blueprint("runs", __name__, url_prefix="/runs")
EXAMPLES = 5  # records shown under a cause before "and N more"
IMPORTS = 10  # the newest imports shown; `correspondence imports` lists them all


@dataclass(frozen=True)
class Cause:
    field: str
    action: str
    held: tuple[dict[str, str], ...]  # event_key, record, reason


@dataclass(frozen=True)
class Daemon:
    configured: str  # "01:00 Europe/Brussels", or the configuration's error
    next_firing: datetime | None  # what the daemon's job store holds
    missed: bool  # that firing lies in the past: the daemon is not running


def daemon() -> Daemon:
    settings = desk().settings
    try:
        schedule = load_config(settings.scheduler_config)
    except ConfigError as exc:
        return Daemon(str(exc), None, False)
    stored = stored_next_run(settings.db_url, schedule.tz)
    return Daemon(f"{schedule.hour:02d}:{schedule.minute:02d} {schedule.timezone}", stored,
                  stored is not None and stored < datetime.now(UTC))


@dataclass(frozen=True)
class ExportAge:
    hours: int  # since the core system wrote the files the latest import read
    allowed: int | None  # [import] max_export_age_hours of the fund profile; None: no limit
    too_old: bool  # a night starting now refuses to plan on it


def export_age(latest: Any) -> ExportAge | None:
    """How old the latest import's export is, against the fund profile's limit; None without an import. The
    night's own check is import_record.too_old: the same rule, measured at the same clock."""
    if latest is None:
        return None
    try:
        allowed = fund_profile.max_export_age(config.load_fund(desk().settings.fund_file))
    except config.ConfigError:  # the night names the profile's problem; the page shows the age without a limit
        allowed = None
    now = datetime.now(UTC)
    return ExportAge(int((now - utc(latest["exported_at"])).total_seconds() // 3600),
                     None if allowed is None else int(allowed / timedelta(hours=1)),
                     import_record.too_old(latest, allowed, now) is not None)


def causes(connection: Any, day: date) -> list[Cause]:
    """The night's quarantine by cause, the largest first."""
    q = schema.quarantine.c
    rows = connection.execute(select(q.field, q.action, q.event_key, q.record, q.reason)
                              .where(q.run_date == day).order_by(q.field, q.action, q.event_key)).mappings().all()
    found = [Cause(field, action, tuple({"event_key": r["event_key"], "record": r["record"], "reason": r["reason"]}
                                        for r in held))
             for (field, action), held in groupby(rows, key=lambda r: (r["field"], r["action"]))]
    return sorted(found, key=lambda c: -len(c.held))


@pages.get("")
@requires("operator")
def every() -> Any:
    with desk().engine.connect() as connection:
        found = run_nights(connection)
        imports = import_record.imports(connection, IMPORTS)
        age = export_age(import_record.latest(connection))
    return render_template("runs.html", nights=found, daemon=daemon(), imports=imports, age=age,
                           counts=import_record.COUNTS,
                           marks=Parameters().marks_in_force(today()), today=today())


@pages.get("/<day>")
@requires("operator")
def night(day: str) -> Any:
    wanted = night_in_address(day)
    with desk().engine.connect() as connection:
        run = connection.execute(select(schema.runs).where(schema.runs.c.run_date == wanted)).mappings().first()
        if run is None:
            abort(404)
        held = causes(connection, wanted)
        summary = next((n for n in run_nights(connection) if n["run_date"] == day), None)
    report = json.loads(run["summary"] or "{}")
    return render_template("night.html", run=run, night=summary, report=report, causes=held, examples=EXAMPLES)
