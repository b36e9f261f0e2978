"""Attack: a careless user at the command line. Every mistake gets one line on standard error and a
documented exit code, never a Python traceback; a mistyped CORRESPONDENCE_DB never creates a new, empty
database (in which a night already collected could be collected a second time); `run --as-of` refuses a
night in the future and asks before running a night that comes before the last completed one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import settings_for
from sqlalchemy import select

from correspondence import schema
from correspondence.store import connect, init
from scheduler.night import run_night

TODAY = datetime.now(ZoneInfo("Europe/Brussels")).date()
MISSING_PG = "postgresql://postgres@127.0.0.1:5432/corr_no_such_database"
NO_DB = "no database at"


def _cli(args: list[str], root: Path, env: dict[str, str] | None = None,
         stdout: int = subprocess.PIPE) -> tuple[int, str, str]:
    environment = {**os.environ, "CORRESPONDENCE_VAR": str(root / "var"), "CORRESPONDENCE_OUTPUT": str(root / "output"),
                   **(env or {})}
    for name in [k for k, v in environment.items() if v == "<unset>"]:
        del environment[name]
    done = subprocess.run([sys.executable, "-m", "scheduler.cli", *args], env=environment, cwd=root,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=300, check=False)
    return done.returncode, done.stdout or "", done.stderr


def _one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


D = "2026-11-22"
# (what the user typed, environment, exit code, what the one line says)
CASES = [
    # no database yet (or a mistyped path): read-only and mailroom commands refuse, none creates one
    (["letters"], {}, 2, NO_DB),
    (["letters", "--json"], {}, 2, NO_DB),
    (["runs"], {}, 2, NO_DB),
    (["runs", "show", D], {}, 2, NO_DB),
    (["stats", "--year", "2026"], {}, 2, NO_DB),
    (["stats", "--year", "2026", "--csv"], {}, 2, NO_DB),
    (["mailroom", "list"], {}, 2, NO_DB),
    (["import", "."], {}, 2, NO_DB),
    (["templates", "preview", "nosuch", "--lang", "nl"], {}, 2, "templates preview: no letter type 'nosuch' in"),  # a mistyped CORRESPONDENCE_DB does not start a second database
    (["mailroom", "verify", D], {}, 2, NO_DB),
    (["mailroom", "collect", D, "--by", "Els"], {}, 2, NO_DB),
    (["mailroom", "returned", "20261122-000001", "--reason", "moved"], {}, 2, NO_DB),
    (["mailroom", "reprint", "20261122-000001"], {}, 2, NO_DB),
    (["mailroom", "archive", "A0000001"], {}, 2, NO_DB),
    (["templates", "list"], {}, 2, NO_DB),
    (["run", "--as-of", D], {}, 2, NO_DB),
    # settings that are not what they should be
    (["letters"], {"CORRESPONDENCE_WORKERS": "two"}, 2, "CORRESPONDENCE_WORKERS: 'two' is not a whole number"),
    (["init"], {"CORRESPONDENCE_CHUNK": "0"}, 2, "CORRESPONDENCE_CHUNK: 0 is below the minimum"),
    (["letters"], {"CORRESPONDENCE_DB": "nonsense"}, 2, "CORRESPONDENCE_DB is not a database URL"),
    (["init"], {"CORRESPONDENCE_DB": "nonsense"}, 2, "CORRESPONDENCE_DB is not a database URL"),
    (["init"], {"CORRESPONDENCE_DB": "mysql://u@localhost/x"}, 2, "unknown kind of database 'mysql'"),
    (["letters"], {"CORRESPONDENCE_DB": "postgresql://nobody@127.0.0.1:1/x"}, 2,
     "cannot use the database at postgresql://nobody@127.0.0.1:1/x"),
    (["init"], {"CORRESPONDENCE_DB": "postgresql://nobody:secret@127.0.0.1:1/x"}, 2,
     "cannot use the database at postgresql://nobody:***@127.0.0.1:1/x"),
    (["run"], {"CORRESPONDENCE_DB": "postgresql://nobody@127.0.0.1:1/x"}, 2, "cannot use the database"),
    (["run", "--as-of", D], {"CORRESPONDENCE_FUND": "nowhere.toml"}, 2,
     "CORRESPONDENCE_FUND: cannot read nowhere.toml: No such file or directory"),
    (["mailroom", "returned", "20261122-000001", "--reason", "moved"], {"CORRESPONDENCE_FUND": "nowhere.toml"}, 2,
     "CORRESPONDENCE_FUND: cannot read nowhere.toml"),
    (["run", "--as-of", D], {"CORRESPONDENCE_FUND": "/etc/passwd"}, 2, "CORRESPONDENCE_FUND: /etc/passwd is not a fund"),
    (["templates", "check"], {"CORRESPONDENCE_TEMPLATES": "nowhere"}, 2, "CORRESPONDENCE_TEMPLATES: no folder nowhere"),
    (["run", "--as-of", D], {"CORRESPONDENCE_TEMPLATES": "nowhere"}, 2, "CORRESPONDENCE_TEMPLATES: no folder nowhere"),
    (["templates", "preview", "due_notice", "--lang", "nl", "--affiliate", "A0000001"], {}, 2, NO_DB),
    # arguments
    (["templates", "approve", "due_notice", "--by", ""], {}, 2, "--by: give the approver's name"),
    (["templates", "approve", "due_notice", "--by", "   "], {}, 2, "--by: give the approver's name"),
    (["run", "--as-of", "2026-13-01"], {}, 2, "'2026-13-01' is not a date"),
    (["run", "--as-of", (TODAY + timedelta(days=1)).isoformat()], {}, 2, "lies after today"),
    (["run", "--as-of", (TODAY + timedelta(days=365)).isoformat()], {}, 2, "lies after today"),
    (["demo", "--as-of", (TODAY + timedelta(days=365)).isoformat()], {}, 2, "lies after today"),
    (["demo", "--affiliates", "-5"], {}, 2, "'-5' is not a whole number of 1 or more"),
    (["stats", "--year", "0"], {}, 2, "'0' is not a year"),
    (["stats", "--year", "99999"], {}, 2, "'99999' is not a year"),
    (["import", "nowhere"], {}, 2, "nowhere is not a folder"),
    (["decide", "mantelzorg", "nowhere.json"], {}, 2, "cannot read nowhere.json"),
    (["scheduler", "--config", "nowhere.toml"], {}, 2, "nowhere.toml"),
    (["frobnicate"], {}, 2, "No such command 'frobnicate'"),
]


@pytest.mark.parametrize(("args", "env", "code", "says"), CASES, ids=[" ".join(c[0]) + " " + " ".join(
    f"{k}={v}" for k, v in c[1].items()) for c in CASES])
def test_a_careless_command_gets_one_line_and_an_exit_code(tmp_path: Path, args: list[str], env: dict[str, str],
                                                           code: int, says: str) -> None:
    got, _, err = _cli(args, tmp_path, env)
    line = _one_line(err)
    assert says in line and got == code, (got, err)
    assert not (tmp_path / "var" / "correspondence.db").exists()  # nothing was created on the way


def test_a_missing_postgresql_database_is_one_line(tmp_path: Path) -> None:
    from conftest import postgres_reachable

    if not postgres_reachable():
        pytest.skip("no PostgreSQL reachable")
    got, _, err = _cli(["letters"], tmp_path, {"CORRESPONDENCE_DB": MISSING_PG})
    assert got == 2 and f"no database at {MISSING_PG}" in _one_line(err)


@pytest.fixture
def initialised(tmp_path: Path) -> Path:
    """A root whose default database (var/correspondence.db) exists with its schema."""
    init(connect(f"sqlite:///{tmp_path / 'var' / 'correspondence.db'}"))
    return tmp_path


def test_a_folder_where_a_csv_file_is_expected(initialised: Path) -> None:
    (initialised / "fund" / "affiliates.csv").mkdir(parents=True)
    got, _, err = _cli(["import", "fund"], initialised)
    assert got == 2 and "import: cannot read fund/affiliates.csv: Is a directory" in _one_line(err)


@pytest.mark.parametrize("args", [["letters", "--json"], ["stats", "--year", "2026", "--csv"], ["templates", "list"]])
def test_output_read_by_a_reader_that_went_away(initialised: Path, args: list[str]) -> None:
    """`correspondence letters --json | head -1`: no BrokenPipeError traceback, exit 141 like any Unix tool."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte
    try:
        got, _, err = _cli(args, initialised, stdout=write)
    finally:
        os.close(write)
    assert (got, err) == (141, "")


@pytest.mark.parametrize("out", ["/proc/no/preview.pdf", "typo/nested/preview.pdf"])
def test_a_preview_written_where_it_cannot_be(initialised: Path, out: str) -> None:
    """A folder that is not there is a typo: it is named, and no folder is created for it."""
    got, _, err = _cli(["templates", "preview", "due_notice", "--lang", "nl", "--out", out], initialised)
    assert got == 2 and f"templates preview: cannot write {out}: no folder {Path(out).parent}" in _one_line(err)
    assert not (initialised / "typo").exists()


def test_an_empty_sqlite_file_is_not_a_database(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "correspondence.db").touch()
    got, _, err = _cli(["mailroom", "collect", D, "--by", "Els"], tmp_path)
    assert got == 2 and "has no schema: run `correspondence init`" in _one_line(err)


# --- run --as-of: the future is refused, the past asks first -------------------------------------------------


def _night(root: Path, day: date) -> None:
    settings = settings_for(f"sqlite:///{root / 'var' / 'correspondence.db'}", root)
    assert run_night(replace(settings, output_dir=root / "output"), day).status == "complete"


def test_a_night_before_the_last_completed_one_asks_for_backdate(initialised: Path) -> None:
    last, earlier = TODAY - timedelta(days=1), TODAY - timedelta(days=3)
    _night(initialised, last)
    got, _, err = _cli(["run", "--as-of", earlier.isoformat()], initialised)
    line = _one_line(err)
    assert got == 2 and f"the night of {earlier} never ran and comes before the last completed night ({last})" in line
    assert "--backdate" in line
    with connect(f"sqlite:///{initialised / 'var' / 'correspondence.db'}").connect() as connection:
        assert connection.scalar(select(schema.runs.c.run_date).where(schema.runs.c.run_date == earlier)) is None
    got, out, err = _cli(["run", "--as-of", earlier.isoformat(), "--backdate"], initialised)
    assert got == 0 and f"run: backdating: the night of {earlier} runs after the completed night of {last}" in err
    assert (initialised / "output" / earlier.isoformat() / "READY").exists()
    got, out, _ = _cli(["run", "--as-of", last.isoformat()], initialised)  # a completed night: nothing to do
    assert got == 0 and "already complete" in out


def test_a_night_completed_for_a_future_date_stops_nothing(initialised: Path) -> None:
    """Before the refusal existed, `--as-of 2027-…` completed a night dated a year ahead."""
    mistaken = TODAY + timedelta(days=365)
    with connect(f"sqlite:///{initialised / 'var' / 'correspondence.db'}").begin() as connection:
        connection.execute(schema.runs.insert().values(run_date=mistaken, status="complete", attempts=1,
                                                       started_at=datetime.now(UTC)))
    got, _, err = _cli(["run", "--as-of", TODAY.isoformat()], initialised)
    assert got == 0, err
    assert f"run: warning: the night of {mistaken} is marked complete but lies after today" in err
    assert (initialised / "output" / TODAY.isoformat() / "READY").exists()


@pytest.mark.parametrize(("host", "says"), [("999.1.1.1", "cannot listen on 999.1.1.1:{port}: Invalid host/port"),
                                            ("127.0.0.1", "cannot listen on 127.0.0.1:{port}: Address already in use")],
                         ids=["not an address", "in use"])
def test_the_desk_that_cannot_listen_says_where_in_one_line(initialised: Path, host: str, says: str) -> None:
    """Nothing says "the desk is at …" before it listens there; a waitress traceback was printed instead."""
    with socket.socket() as taken:  # a port the desk cannot have
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        got, _, err = _cli(["web", "--host", host, "--port", str(port)], initialised,
                           {"CORRESPONDENCE_WEB_SECRET_FILE": str(initialised / "secret")})
    assert "Traceback" not in err and "the desk is at" not in err, err
    assert got == 2 and says.format(port=port) in err.splitlines()[-1]  # after "nobody may sign in yet"


@pytest.mark.parametrize(("args", "code", "says"), [
    (["letters", "--type", "nosuch"], 2, "Invalid value for '--type': 'nosuch' is not one of due_notice, "),
    (["mailroom", "verify", "2020-01-01"], 1, "mailroom verify: no night of 2020-01-01 in the journal"),
], ids=["an unknown letter type", "a night that never ran"])
def test_a_name_the_journal_cannot_have_is_said_so(initialised: Path, args: list[str], code: int, says: str) -> None:
    got, _, err = _cli(args, initialised)
    assert got == code and says in _one_line(err)
