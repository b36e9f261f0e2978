"""What a night records about itself besides its letters, so an interrupted night resumed in another
process still reports everything: the time each stage took in each attempt, and the rule parameter
periods the triggers and rules consulted while planning (their `[confirm]` marks go into the report).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from correspondence import schema
from correspondence.brussels import utc
from rules.params import Parameters


def record_stage(connection: Connection, day: date, attempt: int, stage: str, seconds: float, letters: int) -> None:
    s = schema.run_stages.c
    connection.execute(schema.run_stages.delete().where(s.run_date == day, s.attempt == attempt, s.stage == stage))
    connection.execute(schema.run_stages.insert().values(run_date=day, attempt=attempt, stage=stage,
                                                  seconds=round(seconds, 3), letters=letters))


def timings(connection: Connection, day: date) -> dict[str, float]:
    """Seconds per stage, summed over the night's attempts, in the order of the stages."""
    s = schema.run_stages.c
    rows = dict(connection.execute(
        select(s.stage, func.sum(s.seconds)).where(s.run_date == day).group_by(s.stage)).all())
    order = ("plan", "render", "ebox", "assemble")  # each followed by its steps (plan.compose, render.layout ...)

    def place(stage: str) -> tuple[int, str]:
        head = stage.partition(".")[0]
        return (order.index(head) if head in order else 9, stage)

    return {stage: float(rows[stage]) for stage in sorted(rows, key=place)}


def letters_counted(connection: Connection, day: date) -> dict[str, int]:
    """The letters each stage or step counted, summed over the night's attempts (render.stamped.reminder …)."""
    s = schema.run_stages.c
    return {stage: int(n) for stage, n in connection.execute(
        select(s.stage, func.sum(s.letters)).where(s.run_date == day).group_by(s.stage)).all() if n}


def record_parameters(connection: Connection, day: date, params: Parameters) -> None:
    """Remember the periods `params` served tonight (same transaction as the planning)."""
    p = schema.run_parameters.c
    known = set(connection.execute(select(p.name, p.valid_from).where(p.run_date == day)).all())
    fresh = sorted(params.consulted - known)
    if fresh:
        connection.execute(schema.run_parameters.insert(),
                           [{"run_date": day, "name": n, "valid_from": v} for n, v in fresh])


def parameters(connection: Connection, day: date) -> Parameters:
    """A Parameters that reports the night's consulted periods, whichever process planned it."""
    p = schema.run_parameters.c
    params = Parameters()
    params.consulted.update(connection.execute(select(p.name, p.valid_from).where(p.run_date == day)).all())
    return params


def duration(started: datetime | None, finished: datetime | None) -> float | None:
    if started is None or finished is None:
        return None
    return round((finished.replace(tzinfo=None) - started.replace(tzinfo=None)).total_seconds(), 1)


def _utc_text(moment: datetime | None) -> str | None:
    return None if moment is None else utc(moment).replace(microsecond=0).isoformat()


def nights(connection: Connection) -> list[dict[str, Any]]:
    """Every night, newest first: status, attempts, letters, quarantined, registered, sheets, duration, and
    when it started and finished (ISO 8601 in UTC)."""
    r, l = schema.runs.c, schema.letters.c
    journaled = dict(connection.execute(select(l.run_date, func.count()).group_by(l.run_date)).all())
    out = []
    for run in connection.execute(select(schema.runs).order_by(r.run_date.desc())).mappings():
        summary = json.loads(run["summary"] or "{}")
        out.append({
            "run_date": run["run_date"].isoformat(), "status": run["status"], "attempts": run["attempts"],
            "letters": summary.get("letters", journaled.get(run["run_date"], 0)),
            "quarantined": len(summary.get("quarantined", [])), "registered": summary.get("registered"),
            "sheets": summary.get("sheets"), "seconds": duration(run["started_at"], run["finished_at"]),
            "started_at": _utc_text(run["started_at"]), "finished_at": _utc_text(run["finished_at"]),
        })
    return out
