"""Database connection and schema management (Alembic), for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"


def connect(url: str) -> Engine:
    """An engine for `url`; for SQLite the file's folder is created and WAL, foreign keys, a busy timeout set."""
    parsed = make_url(url)
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
    return create_engine(parsed, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def init(engine: Engine) -> str:
    """Create or upgrade the schema to the newest revision; idempotent. Returns what it did."""
    before = set(inspect(engine).get_table_names())
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")  # each feature may add its own branch
    return "created" if "alembic_version" not in before else "up to date or upgraded"
