"""Database connection and schema management (Alembic), for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

MIGRATIONS = Path(__file__).parent / "migrations"
URL_HELP = "sqlite:///path/to/file.db or postgresql://user@host/database"


class DatabaseError(Exception):
    """The configured database cannot be used: one line for the operator, without the password (exit 2)."""


class NotReady(DatabaseError):
    """The database cannot take a night: unreachable, no schema yet, or a schema older than this release."""


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # Not echoed: a mangled URL may still hold a password.
        raise DatabaseError(f"CORRESPONDENCE_DB is not a database URL ({URL_HELP})") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(f"CORRESPONDENCE_DB: unknown kind of database '{parsed.drivername}' ({URL_HELP})")
    return parsed


def where(url: str) -> str:
    """The database for a message: the SQLite file, or the URL without its password."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.database or ":memory:")
    return parsed.render_as_string(hide_password=True)


def describe(exc: BaseException, url: str) -> str:
    """One line for a database that refused or could not be reached (the driver's first line, no traceback)."""
    original = getattr(exc, "orig", None) or exc
    first = (str(original).strip().splitlines() or [type(original).__name__])[0]
    if "does not exist" in first and "database" in first:
        return f"no database at {where(url)}: create it, then run `correspondence init`"
    return f"cannot use the database at {where(url)}: {first}"


def existing(url: str) -> Engine:
    """An engine for a database that must already exist with its schema: never creates one.

    Read-only commands and the mailroom's use this, so a mistyped CORRESPONDENCE_DB is refused in one line
    ("no database at …: run correspondence init") instead of silently creating a new, empty database."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        if not Path(parsed.database).is_file():
            raise DatabaseError(f"no database at {parsed.database}: run `correspondence init`")
    engine = connect(url)
    try:
        tables = set(inspect(engine).get_table_names())
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseError(describe(exc, url)) from None
    if "alembic_version" not in tables:
        engine.dispose()
        raise DatabaseError(f"the database at {where(url)} has no schema: run `correspondence init`")
    return engine


def connect(url: str) -> Engine:
    """An engine for `url`; for SQLite the file's folder is created and WAL, foreign keys, a busy timeout set."""
    parsed = _parse(url)
    if parsed.drivername == "postgresql":  # a plain postgresql:// URL means psycopg 3 here
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                # The fund's personal data: service and group only, whatever the umask (SQLite gives its
                # -wal and -shm files the same mode as the database file).
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640))
                os.chmod(path, 0o640)
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below take the write lock
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            # BEGIN IMMEDIATE: a writer waits for the lock up front instead of failing halfway through.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError as exc:
        raise DatabaseError(f"CORRESPONDENCE_DB: no driver for '{parsed.drivername}' ({URL_HELP})") from exc


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def head() -> str:
    """The newest revision: the history is one line, so there is exactly one."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def init(engine: Engine) -> str:
    """Create or upgrade the schema to the newest revision; idempotent. Returns what it did."""
    before = set(inspect(engine).get_table_names())
    config = alembic_config(engine)
    with engine.begin() as connection:
        _one_line(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return "created" if "alembic_version" not in before else "up to date or upgraded"


def _one_line(connection: Connection) -> None:
    """A database made when the history had two branches records one version per branch (0006_night and
    0007_mailroom); in the one line they became, the older is an ancestor of the newer: keep the newer."""
    current = set(MigrationContext.configure(connection).get_current_heads())
    if len(current) < 2:
        return
    script = ScriptDirectory(str(MIGRATIONS))
    below = {r.revision for version in current for r in script.iterate_revisions(version, "base")
             if r.revision != version}
    for version in sorted(current & below):
        connection.execute(text("DELETE FROM alembic_version WHERE version_num = :v"), {"v": version})


def check_schema(engine: Engine) -> None:
    """The night's check before it takes the lock: the database is reachable and at this release's schema."""
    try:
        if engine.dialect.name == "sqlite":
            # Through the driver in autocommit mode: a night planning in one long write transaction must
            # not make this check wait for it (the lock then says who runs).
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                tables = {r[0] for r in cursor.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                versions = ({r[0] for r in cursor.execute("SELECT version_num FROM alembic_version")}
                            if "alembic_version" in tables else set())
            finally:
                raw.close()
        else:
            tables = set(inspect(engine).get_table_names())
            with engine.connect() as connection:
                versions = (set(connection.scalars(text("SELECT version_num FROM alembic_version")))
                            if "alembic_version" in tables else set())
    except Exception as exc:
        raise NotReady(f"cannot reach the database: {type(exc).__name__}") from exc
    if "letters" not in tables:
        raise NotReady("the database has no schema yet: run `correspondence init` first")
    if not {"night_lock", "run_stages"} <= tables or versions != {head()}:
        raise NotReady("the database schema is out of date: run `correspondence init` first")
