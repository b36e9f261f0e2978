"""Shared fixtures: a fresh database per test on SQLite and, when one is reachable, on PostgreSQL too."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from correspondence.config import Settings
from correspondence.store import connect, init

PG_URL = os.environ.get("CORRESPONDENCE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
FIXTURES = Path(__file__).parent / "fixtures"


@lru_cache(maxsize=1)
def postgres_reachable() -> bool:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - unreachable for whatever reason: PostgreSQL tests are skipped
        return False


def _fresh_postgres() -> Iterator[str]:
    name = f"corr_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _backends() -> list[object]:
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, initialised database: SQLite always, PostgreSQL when reachable (skipped otherwise)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'correspondence.db'}"
        init(connect(url))
        yield url
        return
    if not postgres_reachable():
        pytest.skip("no PostgreSQL reachable at CORRESPONDENCE_TEST_PG")
    for url in _fresh_postgres():
        init(connect(url))
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'correspondence.db'}"
    init(connect(url))
    return url


def settings_for(db_url: str, root: Path, **changes: object) -> Settings:
    base = Settings.from_env()
    return replace(
        base, db_url=db_url, output_dir=root / "output", archive_dir=root / "archive", workers=0, chunk_size=50,
        **changes,
    )


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return settings_for(db_url, tmp_path)


# The two lanes. `python -m pytest -m "not slow"` is the fast lane: the rules, every letter kind through the
# in-memory fund, and the pure parts of the engine, in under two minutes. A test that opens a database, runs a
# night or drives LibreOffice is in the slow lane; whole modules of such tests are named here, the rest are
# found by the fixtures they use. `python -m pytest` runs both.
SLOW_FIXTURES = frozenset({"db_url", "sqlite_url", "settings"})
SLOW_MODULES = frozenset({
    "test_templates_check", "test_attack_templates", "test_mantelzorg_letters", "test_golden",  # every template, LibreOffice
    "test_libreoffice",  # starts and kills LibreOffice
    "test_hostile_input", "test_attack_cli", "test_attack_settings", "test_cli_decide",  # a process per case
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rpartition(".")[2] if getattr(item, "module", None) else ""
        if module in SLOW_MODULES or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
