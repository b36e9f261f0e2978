"""What keeps a night's memory flat in its size: the night reads its letters chunk by chunk while rendering
and one print file at a time while assembling, never all the night's letters (or their contexts) at once;
and it records the time of every stage and step, so the next bottleneck is visible."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from bench import fund
from correspondence import schema
from correspondence.config import Settings
from correspondence.store import connect, init
from scheduler import run_record
from scheduler.night import run_night
from scheduler.rendering import Owner, _chunks, word_types

NIGHT = date(2026, 10, 1)
AFFILIATES = 12
CHUNK = 5


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine runs while the test runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def _night(settings: Settings) -> Engine:
    engine = connect(settings.db_url)
    init(engine)
    fund.load(engine, AFFILIATES, NIGHT)
    fund.approve_working_copy(engine, settings.templates_dir, "due_notice", ("nl", "fr", "de"))
    return engine


def _reads_every_context(statement: str) -> bool:
    """A SELECT of the letters' contexts that is not bounded by a chunk (LIMIT) nor by a few keys (IN)."""
    if not re.match(r"SELECT .*\bletters\.context\b.* FROM letters\b", statement):
        return False
    bounded = " LIMIT " in statement or re.search(r"\bIN \(", statement) or "__[POSTCOMPILE" in statement
    registered_only = re.search(r"letters\.mail_class = ", statement) is not None  # the deposit list's few lines
    return not bounded and not registered_only


def test_a_night_never_reads_every_letters_context_at_once(settings: Settings, statements: list[str]) -> None:
    settings = replace(settings, chunk_size=CHUNK)
    engine = _night(settings)
    statements.clear()
    assert run_night(settings, NIGHT).letters == AFFILIATES
    engine.dispose()
    chunk_reads = [s for s in statements if re.match(r"SELECT letters\.letter_id, .*letters\.context.* LIMIT", s)]
    # one read per chunk, and one that finds none left: of the Word letters (none tonight), then of the others
    assert len(chunk_reads) == -(-AFFILIATES // CHUNK) + 2
    assert not [s for s in statements if _reads_every_context(s)]
    # the mailroom reads the letters without their contexts (registered letters aside)
    assert any(re.match(r"SELECT letters\.letter_id, letters\.mail_class, .*letters\.archive_path FROM", s)
               and "letters.context" not in s for s in statements)


def test_render_holds_the_owners_of_the_chunks_read_so_far_only(settings: Settings) -> None:
    settings = replace(settings, chunk_size=CHUNK)
    engine = _night(settings)
    from rules.params import Parameters
    from scheduler.night import plan

    with engine.begin() as connection:
        connection.execute(schema.runs.insert().values(run_date=NIGHT, status="planning", attempts=1,
                                                       started_at=datetime.now(UTC)))
        assert plan(connection, NIGHT, settings, Parameters()) == AFFILIATES
    owners: dict[str, Owner] = {}
    sizes = []
    for chunk in _chunks(engine, NIGHT, CHUNK, owners):
        sizes.append((len(chunk), len(owners)))
        for job in chunk:  # the night removes a chunk's owners once it is journaled
            owner = owners.pop(job.letter_id)
            assert (owner.letter_type, owner.recipient_type) == ("due_notice", "affiliate")
            assert owner.event_key.startswith(f"due_notice:{owner.recipient_id}:")
    engine.dispose()
    assert sizes == [(5, 5), (5, 5), (2, 2)]


def test_the_night_records_each_stage_and_its_steps(settings: Settings) -> None:
    settings = replace(settings, chunk_size=CHUNK)
    engine = _night(settings)
    result = run_night(settings, NIGHT)
    with engine.connect() as connection:
        timings = run_record.timings(connection, NIGHT)
        stages = {r.stage for r in connection.execute(select(schema.run_stages.c.stage))}
    engine.dispose()
    expected = {"plan", "plan.triggers", "plan.compose", "plan.journal",
                "render", "render.wait", "render.write", "render.journal", "render.fill",
                "assemble", "assemble.covers", "assemble.files", "assemble.write", "assemble.journal"}
    assert expected <= stages
    order = list(timings)
    assert order.index("plan") < order.index("plan.compose") < order.index("render") < order.index("render.write") \
        < order.index("assemble") < order.index("assemble.files")
    assert all(v >= 0 for v in timings.values())
    # the summary (written before assembling ends) reports the planning and rendering steps
    assert {"plan.compose", "render.write", "render.journal"} <= set(result.summary["timings_seconds"])


def test_the_word_letters_come_first_each_part_in_letter_order(settings: Settings) -> None:
    """The Word letters' LibreOffice (~180 MB) lives while the workers are small, not at the end of the render
    stage beside the largest workers."""
    engine = connect(settings.db_url)
    init(engine)
    kinds = ["due_notice", "mantelzorg_granted", "due_notice", "due_notice", "mantelzorg_refused", "due_notice"]
    with engine.begin() as connection:
        connection.execute(schema.runs.insert().values(run_date=NIGHT, status="rendering", attempts=1,
                                                       started_at=datetime.now(UTC)))
        connection.execute(schema.letters.insert(), [
            {"letter_id": f"20261001-{n:06d}", "event_key": f"e:{n}", "run_date": NIGHT, "letter_type": kind,
             "recipient_type": "affiliate", "recipient_id": f"A{n:07d}", "language": "nl", "mail_class": "ordinary",
             "postcode": "1000", "sort_name": "x", "status": "planned", "template_hash": "h", "context": "{}"}
            for n, kind in enumerate(kinds, 1)])
    word = frozenset({"mantelzorg_granted", "mantelzorg_refused"})
    owners: dict[str, Owner] = {}
    chunks = [[(job.letter_id[-1], job.letter_type) for job in chunk]
              for chunk in _chunks(engine, NIGHT, 3, owners, word)]
    engine.dispose()
    assert chunks == [[("2", "mantelzorg_granted"), ("5", "mantelzorg_refused")],
                      [("1", "due_notice"), ("3", "due_notice"), ("4", "due_notice")], [("6", "due_notice")]]
    assert word_types(settings.templates_dir) == {"mantelzorg_granted", "mantelzorg_incomplete",
                                                   "mantelzorg_recovery", "mantelzorg_refused"}
