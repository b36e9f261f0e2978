"""One night at a time, across processes and machines: who holds the night, and since when.

The lock itself is one the kernel or the server releases the moment its holder dies, so a killed run never
blocks the next and no pid, reused or not, can lock a night out:
- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a dedicated connection;
- SQLite: `fcntl.flock` on a lock file beside the database (`<database>.night-lock`).
The `night_lock` row (holder, night, since, heartbeat) only says who holds it: it is information for the
one refused, never a lock in itself.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from correspondence import schema
from correspondence.brussels import brussels_time
from correspondence.log import log

ADVISORY_KEY = 0x636F_7272_6E69_6768  # "corrnigh": one key per database
t = schema.night_lock.c


class Locked(Exception):
    def __init__(self, holder: str | None, run_date: date | None, since: datetime | None) -> None:
        self.holder, self.run_date, self.since = holder, run_date, since
        if holder is None:
            message = "another night is starting right now (its holder is not recorded yet); try again shortly"
        else:
            when = brussels_time(since, seconds=True) if since else "an unknown time"
            message = f"another night is running: {holder}, night of {run_date}, since {when}"
        super().__init__(message)


class NoLockFile(Locked):
    """SQLite: the lock file beside the database cannot be opened (a folder not writable, say)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.holder, self.run_date, self.since = None, None, None
        Exception.__init__(self, f"cannot open the night's lock file {path}: {reason}")


@dataclass(frozen=True)
class Lock:
    holder: str
    run_date: date
    session: Connection | None = field(default=None, compare=False, repr=False)  # PostgreSQL only
    handle: int | None = field(default=None, compare=False, repr=False)  # SQLite: the locked file


def me() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


def lock_file(engine: Engine) -> Path:
    """SQLite: the file whose kernel lock is the night's, beside the database (a temporary one for :memory:)."""
    database = engine.url.database
    if database and database != ":memory:":
        path = Path(database)
        return path.with_name(path.name + ".night-lock")
    digest = hashlib.sha256(engine.url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"correspondence-{digest}.night-lock"


def _flock(path: Path) -> int | None:
    """The open, exclusively locked file; None when another process holds it. Released when we die."""
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
    except OSError as exc:
        raise NoLockFile(path, exc.strerror or str(exc)) from exc
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        return None
    except BaseException:
        os.close(handle)
        raise
    return handle


def _unlock(handle: int) -> None:
    try:
        fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


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


def _take_row(connection: Connection, holder: str, day: date) -> None:
    now = datetime.now(UTC)
    connection.execute(
        schema.night_lock.update().where(t.name == "night").values(holder=holder, run_date=day, since=now, heartbeat=now)
    )


def acquire(engine: Engine, day: date) -> Lock:
    """Take the night for `day`, or raise Locked naming who holds it since when."""
    _ensure_row(engine)
    holder = me()
    if engine.dialect.name == "postgresql":
        return _acquire_postgres(engine, day, holder)
    handle = _flock(lock_file(engine))
    if handle is None:
        raise _held(engine)
    try:
        if (read(engine) or {}).get("holder") is not None:
            # Whoever wrote that row no longer holds the kernel lock: its process died.
            log("lock", stage="takeover", holder="dead process", run_date=day)
        with engine.begin() as connection:
            _take_row(connection, holder, day)
    except OperationalError:
        _unlock(handle)
        raise _held(engine) from None  # the database is write-locked (an import, say): busy, try again
    except BaseException:
        _unlock(handle)
        raise
    return Lock(holder, day, handle=handle)


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
            _take_row(connection, holder, day)
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
        if lock.handle is not None:
            _unlock(lock.handle)
        if lock.session is not None:
            try:
                lock.session.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            finally:
                lock.session.close()
