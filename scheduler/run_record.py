"""What a night records about itself besides its letters, so an interrupted night resumed in another
process still reports everything: the time each stage took in each attempt, and the rule parameter
periods the triggers and rules consulted while planning (their `[confirm]` marks go into the report).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Connection, Date, Float, Integer, String, Table, func, select

from correspondence.schema import metadata
from rules.params import Parameters

run_stages = Table(
    "run_stages",
    metadata,
    Column("run_date", Date, primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("stage", String(20), primary_key=True),  # plan, render, assemble; their steps as plan.compose ...
    Column("seconds", Float, nullable=False),
    Column("letters", Integer, nullable=False, default=0),
)

run_parameters = Table(
    "run_parameters",
    metadata,
    Column("run_date", Date, primary_key=True),
    Column("name", String(60), primary_key=True),
    Column("valid_from", Date, primary_key=True),
)


def record_stage(connection: Connection, day: date, attempt: int, stage: str, seconds: float, letters: int) -> None:
    s = run_stages.c
    connection.execute(run_stages.delete().where(s.run_date == day, s.attempt == attempt, s.stage == stage))
    connection.execute(run_stages.insert().values(run_date=day, attempt=attempt, stage=stage,
                                                  seconds=round(seconds, 3), letters=letters))


def timings(connection: Connection, day: date) -> dict[str, float]:
    """Seconds per stage, summed over the night's attempts, in the order of the stages."""
    s = run_stages.c
    rows = dict(connection.execute(
        select(s.stage, func.sum(s.seconds)).where(s.run_date == day).group_by(s.stage)).all())
    order = ("plan", "render", "assemble")  # each followed by its steps (plan.compose, render.layout ...)

    def place(stage: str) -> tuple[int, str]:
        head = stage.partition(".")[0]
        return (order.index(head) if head in order else 9, stage)

    return {stage: float(rows[stage]) for stage in sorted(rows, key=place)}


def record_parameters(connection: Connection, day: date, params: Parameters) -> None:
    """Remember the periods `params` served tonight (same transaction as the planning)."""
    p = run_parameters.c
    known = set(connection.execute(select(p.name, p.valid_from).where(p.run_date == day)).all())
    fresh = sorted(params.consulted - known)
    if fresh:
        connection.execute(run_parameters.insert(), [{"run_date": day, "name": n, "valid_from": v} for n, v in fresh])


def parameters(connection: Connection, day: date) -> Parameters:
    """A Parameters that reports the night's consulted periods, whichever process planned it."""
    p = run_parameters.c
    params = Parameters()
    params.consulted.update(connection.execute(select(p.name, p.valid_from).where(p.run_date == day)).all())
    return params
