"""Returned mail and days: the day a letter came back lies between its night and today, and the case handlers'
list entry goes to a night that will still run — never to one skipped in the past (`mailroom returned --on`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert

from correspondence import journal, schema
from correspondence.store import connect


@pytest.mark.parametrize(("started", "on", "night"), [
    ((), date(2026, 11, 22), date(2026, 11, 22)),  # nothing ran since: that very night
    ((date(2026, 11, 22),), date(2026, 11, 22), date(2026, 11, 23)),
    ((date(2026, 11, 22), date(2026, 11, 25)), date(2026, 11, 22), date(2026, 11, 26)),  # 23 and 24 were skipped
    ((date(2026, 11, 22),), date(2026, 11, 24), date(2026, 11, 24)),
    ((date(2026, 11, 20),), date(2026, 11, 22), date(2026, 11, 22)),  # an earlier night does not count
], ids=["none started", "that night started", "past a skipped night", "a later day", "an earlier night"])
def test_the_list_entry_goes_to_a_night_that_will_run(sqlite_url: str, started: tuple[date, ...], on: date,
                                                      night: date) -> None:
    engine = connect(sqlite_url)
    with engine.begin() as connection:
        for day in started:
            connection.execute(insert(schema.runs).values(run_date=day, status="complete", attempts=1,
                                                          started_at=datetime(2026, 1, 1, tzinfo=UTC)))
        assert journal.open_night(connection, on) == night
