"""Attack: the night lock held by a process that no longer holds anything. A restarted daemon that gets the
same pid (pid 1 in a container), or any live pid written in the `night_lock` row, used to lock every later
night out. The lock is now the kernel's (`flock` beside the SQLite database) or the server's (PostgreSQL
advisory lock): it dies with its holder, and the row is information only."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from correspondence import schema
from correspondence.config import Settings
from correspondence.store import connect
from scheduler import lock
from scheduler.night import run_night

NIGHT = date(2026, 11, 22)
HOLDER = """
import sys
from datetime import date
from correspondence.store import connect
from scheduler import lock
held = lock.acquire(connect(sys.argv[1]), date(2026, 11, 22))
print(held.holder, flush=True)
sys.stdin.read()  # hold until killed or told to go
lock.release(connect(sys.argv[1]), held)
"""


def _write_row(db_url: str, holder: str, beat: datetime | None = None) -> None:
    now = beat or datetime.now(UTC)
    lock._ensure_row(connect(db_url))
    with connect(db_url).begin() as connection:
        connection.execute(update(schema.night_lock).where(schema.night_lock.c.name == "night").values(
            holder=holder, run_date=NIGHT, since=now, heartbeat=now))


@pytest.mark.parametrize("pid", [
    pytest.param(os.getpid(), id="this very process"),
    pytest.param(1, id="pid 1, as a restarted daemon in a container"),
    pytest.param(os.getppid(), id="the parent process"),
])
def test_a_row_naming_a_live_pid_on_this_host_does_not_block(db_url: str, pid: int) -> None:
    _write_row(db_url, f"{socket.gethostname()} pid {pid}")  # fresh heartbeat, live pid, no kernel lock
    engine = connect(db_url)
    held = lock.acquire(engine, NIGHT)
    try:
        assert lock.read(engine)["holder"] == lock.me()
    finally:
        lock.release(engine, held)
    assert lock.read(engine)["holder"] is None


def test_a_night_runs_over_a_row_left_by_pid_1(settings: Settings) -> None:
    _write_row(settings.db_url, f"{socket.gethostname()} pid 1")
    assert run_night(settings, NIGHT).status == "complete"
    assert lock.read(connect(settings.db_url))["holder"] is None


def _holder(db_url: str, cwd: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, db_url], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, cwd=cwd)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line.endswith(f"pid {process.pid}"), (line, process.poll())
    return process


def test_a_live_holder_refuses_the_second_and_its_death_frees_the_night(db_url: str, tmp_path: Path) -> None:
    process = _holder(db_url, tmp_path)
    engine = connect(db_url)
    try:
        with pytest.raises(lock.Locked, match=f"another night is running: .* pid {process.pid}, night of {NIGHT}"):
            lock.acquire(engine, NIGHT)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert lock.read(engine)["holder"].endswith(f"pid {process.pid}")  # the dead holder's row is still there
    for attempt in range(50):  # PostgreSQL frees a dead session's advisory lock a moment after the kill
        try:
            held = lock.acquire(engine, NIGHT)
            break
        except lock.Locked:
            if attempt == 49:
                raise
            time.sleep(0.1)
    lock.release(engine, held)


def test_two_nights_in_one_process_exclude_each_other(db_url: str) -> None:
    """The daemon runs nights in a thread: a second acquire in the same process is refused all the same."""
    engine = connect(db_url)
    first = lock.acquire(engine, NIGHT)
    try:
        with pytest.raises(lock.Locked, match=f"pid {os.getpid()}"):
            lock.acquire(engine, NIGHT)
    finally:
        lock.release(engine, first)
    lock.release(engine, lock.acquire(engine, NIGHT))


def test_the_sqlite_lock_file_lies_beside_the_database_readable_by_the_service_only(sqlite_url: str) -> None:
    engine = connect(sqlite_url)
    held = lock.acquire(engine, NIGHT)
    lock.release(engine, held)
    path = lock.lock_file(engine)
    assert path.parent == Path(engine.url.database).parent and path.name == "correspondence.db.night-lock"
    assert stat.S_IMODE(path.stat().st_mode) & 0o027 == 0


def test_a_lock_file_that_cannot_be_opened_is_one_clear_refusal(sqlite_url: str) -> None:
    lock.lock_file(connect(sqlite_url)).mkdir()  # a folder where the lock file belongs
    with pytest.raises(lock.NoLockFile, match="cannot open the night's lock file .*night-lock"):
        lock.acquire(connect(sqlite_url), NIGHT)
