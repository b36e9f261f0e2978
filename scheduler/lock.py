"""One night at a time, across processes and machines: who holds the night, and since when.

On PostgreSQL a session-level advisory lock (`pg_try_advisory_lock`) on a dedicated connection guards the
night: the server releases it the moment the holder's process or connection dies, so a killed run never
blocks the next. A row in `night_lock` says who holds it since when. On SQLite the row itself is the lock,
taken with a compare-and-set UPDATE; a holder whose process on this host is gone, or (on another host)
that stopped beating for `STALE_AFTER`, is taken over.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from correspondence import schema
from correspondence.log import log

STALE_AFTER = timedelta(minutes=15)
ADVISORY_KEY = 0x636F_7272_6E69_6768  # "corrnigh": one key per database
t = schema.night_lock.c


class Locked(Exception):
    def __init__(self, holder: str | None, run_date: date | None, since: datetime | None) -> None:
        self.holder, self.run_date, self.since = holder, run_date, since
        if holder is None:
            message = "another night is starting right now (its holder is not recorded yet); try again shortly"
        else:
            when = since.astimezone(UTC).isoformat(timespec="seconds") if since else "an unknown time"
            message = f"another night is running: {holder}, night of {run_date}, since {when}"
        super().__init__(message)


@dataclass(frozen=True)
class Lock:
    holder: str
    run_date: date
    session: Connection | None = field(default=None, compare=False, repr=False)  # PostgreSQL only


def me() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


def _alive_here(holder: str) -> bool | None:
    """True/False for a holder on this host; None when it runs elsewhere (its pid means nothing here)."""
    host, _, pid = holder.rpartition(" pid ")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # raw SQLite rows
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def read(engine: Engine) -> dict[str, Any] | None:
    """The lock row (holder, run_date, since, heartbeat), read without waiting for a writer.

    On SQLite the read goes through the driver in autocommit mode: a night planning in one long write
    transaction must not make a second run wait for it just to learn that it is busy.
    """
    query = "SELECT holder, run_date, since, heartbeat FROM night_lock WHERE name = 'night'"
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            row = raw.cursor().execute(query).fetchone()
        finally:
            raw.close()
    else:
        with engine.connect() as connection:
            row = connection.execute(text(query)).first()
    if row is None:
        return None
    return {"holder": row[0], "run_date": _day(row[1]), "since": _aware(row[2]), "heartbeat": _aware(row[3])}


def _held(engine: Engine, waited: float = 0.0) -> Locked:
    """Locked, naming the holder; a holder that has the lock but not yet its row gets a moment to write it."""
    row = read(engine) or {}
    if row.get("holder") is None and waited < 3.0:
        time.sleep(0.1)
        return _held(engine, waited + 0.1)
    return Locked(row.get("holder"), row.get("run_date"), row.get("since"))


def _ensure_row(engine: Engine) -> None:
    if read(engine) is None:
        try:
            with engine.begin() as connection:
                connection.execute(schema.night_lock.insert().values(name="night"))
        except IntegrityError:
            pass  # another process created it a moment ago


def _take_row(connection: Connection, holder: str, day: date, expected: str | None) -> bool:
    now = datetime.now(UTC)
    where = [t.name == "night"]
    if expected is not None or connection.dialect.name == "sqlite":
        where.append(t.holder.is_(None) if expected is None else t.holder == expected)
    return connection.execute(
        schema.night_lock.update().where(*where).values(holder=holder, run_date=day, since=now, heartbeat=now)
    ).rowcount == 1


def acquire(engine: Engine, day: date) -> Lock:
    """Take the night for `day`, or raise Locked naming who holds it since when."""
    _ensure_row(engine)
    holder = me()
    if engine.dialect.name == "postgresql":
        return _acquire_postgres(engine, day, holder)
    row = read(engine) or {}
    current = row.get("holder")
    if current is not None:
        alive = _alive_here(current)
        heartbeat = row.get("heartbeat")
        stale = heartbeat is None or datetime.now(UTC) - heartbeat > STALE_AFTER
        if alive or (alive is None and not stale):
            raise Locked(current, row.get("run_date"), row.get("since"))
        log("lock", stage="takeover", holder="dead process" if alive is False else "stale holder", run_date=day)
    try:
        with engine.begin() as connection:
            taken = _take_row(connection, holder, day, current)
    except OperationalError:
        taken = False  # the database is write-locked by another night: it is busy
    if not taken:
        raise _held(engine)
    return Lock(holder, day)


def _acquire_postgres(engine: Engine, day: date, holder: str) -> Lock:
    session = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        got = session.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        if not got:
            raise _held(engine)
        previous = (read(engine) or {}).get("holder")
        if previous is not None:
            # Whoever wrote that row no longer holds the advisory lock: its process or connection died.
            log("lock", stage="takeover", holder="dead process", run_date=day)
        with engine.begin() as connection:
            _take_row(connection, holder, day, None)
    except BaseException:
        session.close()
        raise
    return Lock(holder, day, session)


def beat(engine: Engine, lock: Lock) -> None:
    with engine.begin() as connection:
        connection.execute(
            schema.night_lock.update().where(t.name == "night", t.holder == lock.holder)
            .values(heartbeat=datetime.now(UTC))
        )


def release(engine: Engine, lock: Lock) -> None:
    try:
        with engine.begin() as connection:
            connection.execute(
                schema.night_lock.update().where(t.name == "night", t.holder == lock.holder)
                .values(holder=None, run_date=None, since=None, heartbeat=None)
            )
    finally:
        if lock.session is not None:
            try:
                lock.session.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            finally:
                lock.session.close()
