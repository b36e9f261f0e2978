"""One night at a time: a lock row in the database, honoured by every process on every machine.

Taken with a compare-and-set UPDATE (works on SQLite and PostgreSQL alike); a holder that stopped
beating for `STALE_AFTER`, or whose process on this host is gone, is recognised and taken over.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select

from correspondence import schema

STALE_AFTER = timedelta(minutes=15)
t = schema.night_lock.c


class Locked(Exception):
    def __init__(self, holder: str, run_date: date | None, since: datetime | None) -> None:
        self.holder, self.run_date, self.since = holder, run_date, since
        when = since.isoformat(timespec="seconds") if since else "?"
        super().__init__(f"another night is running: {holder}, night of {run_date}, since {when}")


@dataclass(frozen=True)
class Lock:
    holder: str
    run_date: date


def me() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


def _dead_here(holder: str) -> bool:
    host, _, pid = holder.rpartition(" pid ")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire(engine: Engine, day: date) -> Lock:
    holder = me()
    with engine.begin() as connection:
        if connection.scalar(select(t.name).where(t.name == "night")) is None:
            connection.execute(schema.night_lock.insert().values(name="night"))
    now = datetime.now(UTC)
    with engine.begin() as connection:
        row = connection.execute(select(schema.night_lock).where(t.name == "night")).mappings().one()
        heartbeat = row["heartbeat"]
        if heartbeat is not None and heartbeat.tzinfo is None:
            heartbeat = heartbeat.replace(tzinfo=UTC)
        free = row["holder"] is None or (heartbeat is not None and now - heartbeat > STALE_AFTER)
        if not free and not _dead_here(row["holder"]):
            raise Locked(row["holder"], row["run_date"], row["since"])
        taken = connection.execute(
            schema.night_lock.update()
            .where(t.name == "night", (t.holder.is_(None) if row["holder"] is None else t.holder == row["holder"]))
            .values(holder=holder, run_date=day, since=now, heartbeat=now)
        ).rowcount
        if taken != 1:
            raise Locked("another process (it took the lock a moment ago)", day, now)
    return Lock(holder, day)


def beat(engine: Engine, lock: Lock) -> None:
    with engine.begin() as connection:
        connection.execute(
            schema.night_lock.update().where(t.name == "night", t.holder == lock.holder)
            .values(heartbeat=datetime.now(UTC))
        )


def release(engine: Engine, lock: Lock) -> None:
    with engine.begin() as connection:
        connection.execute(
            schema.night_lock.update().where(t.name == "night", t.holder == lock.holder)
            .values(holder=None, run_date=None, since=None, heartbeat=None)
        )
