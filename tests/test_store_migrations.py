"""One schema, one history: `init` builds exactly schema.py's tables on a fresh database, and brings a database
of the previous release (two Alembic branches, letters without address fields) onto the one line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import _fresh_postgres, postgres_reachable
from sqlalchemy import Engine, inspect, select, text

from correspondence import schema
from correspondence.store import MIGRATIONS, NotReady, alembic_config, check_schema, connect, head, init

NIGHT = date(2026, 11, 22)
# What the previous release's `init` left: both branch heads recorded, nothing of 0008.
PREVIOUS_RELEASE = ("0006_night", "0007_mailroom")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database without any schema."""
    if request.param == "sqlite":
        engine = connect(f"sqlite:///{tmp_path / 'correspondence.db'}")
        yield engine
        engine.dispose()
        return
    if not postgres_reachable():
        pytest.skip("no PostgreSQL reachable at CORRESPONDENCE_TEST_PG")
    for url in _fresh_postgres():
        engine = connect(url)
        yield engine
        engine.dispose()


def test_the_history_is_one_line() -> None:
    script = ScriptDirectory(str(MIGRATIONS))
    revisions = list(script.walk_revisions())
    assert script.get_heads() == [head()]
    assert [r for r in revisions if isinstance(r.down_revision, tuple | list) or r.branch_labels] == []
    assert revisions[-1].down_revision is None and len(revisions) == len({r.revision for r in revisions})


def test_a_fresh_database_gets_exactly_the_tables_of_schema_py(empty: Engine) -> None:
    assert init(empty) == "created"
    check_schema(empty)
    with empty.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), schema.metadata)
    assert differences == []
    assert init(empty) == "up to date or upgraded"


def _previous_release(engine: Engine) -> None:
    """The previous release's database: its revisions applied, each branch's head recorded, a letter planned."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, PREVIOUS_RELEASE[-1])
        connection.execute(text("DELETE FROM alembic_version"))
        for version in PREVIOUS_RELEASE:
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
        connection.execute(schema.runs.insert().values(run_date=NIGHT, status="rendering",
                                                       started_at=datetime.now(UTC), attempts=1))
        connection.execute(text(
            "INSERT INTO letters (letter_id, event_key, run_date, letter_type, recipient_type, recipient_id, "
            "language, mail_class, postcode, sort_name, status, template_hash, context) VALUES ('20261122-000001', "
            "'k', :night, 'due_notice', 'affiliate', 'A1', 'nl', 'registered', '2000', 'a', 'planned', 'h', '{}')"),
            {"night": NIGHT})


def test_a_database_of_the_previous_release_is_upgraded_onto_the_one_line(empty: Engine) -> None:
    _previous_release(empty)
    with pytest.raises(NotReady, match="out of date: run `correspondence init`"):
        check_schema(empty)
    assert init(empty) == "up to date or upgraded"
    check_schema(empty)
    with empty.connect() as connection:
        assert list(connection.scalars(text("SELECT version_num FROM alembic_version"))) == [head()]
        old = connection.execute(select(schema.letters.c.postcode, schema.letters.c.city)).one()
        assert compare_metadata(MigrationContext.configure(connection), schema.metadata) == []
    assert tuple(old) == ("2000", None)  # planned before the fields: the deposit list falls back to the context
    assert {"street", "city", "country"} <= {c["name"] for c in inspect(empty).get_columns("letters")}
