"""The demo night shows every letter type in nl, fr and de (issue 16, item 10), even with `--affiliates 200`: on
nights across the year, each type the law's calendar allows that night is planned in each language, and the
others are not (correspondence/demo/former.py explains the windows). The demo's own steps — its fund switched on,
imported, the earlier night that grants the claims recovered tonight — are run as `correspondence demo` runs
them, but only planned (triggers, compose, journal), not rendered: the letters' text is the golden tests' and the
wording scan's business."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from correspondence import schema
from correspondence.config import Settings
from correspondence.demo.claims import before_death, recovery_night
from correspondence.demo.fund import write_demo_fund, write_rows
from correspondence.importing import import_dir
from correspondence.kinds.registry import KINDS
from correspondence.store import connect
from rules.language import LANGUAGES
from rules.params import Parameters
from scheduler.night import plan
from tests.conftest import settings_for

EVERY_TYPE = {kind.name for kind in KINDS}
# night, the letter types its calendar does not allow (former.py): before the 15th of a quarter's first month no
# reminder; no company due notice from April to September; company reminders only from 30 January to 31 March
# and from 30 April to 30 June; no company formal notice from January to March.
NIGHTS = [
    (date(2026, 2, 10), {"company_formal_notice"}),  # Q1, after 30 January: the companies' reminders
    (date(2026, 3, 16), {"company_formal_notice"}),  # the fiscal certificates' season (from 1 March)
    (date(2026, 5, 5), {"company_due_notice"}),  # Q2, after 30 April: reminders of the companies set up in December
    (date(2026, 8, 20), {"company_due_notice", "company_reminder"}),  # Q3
    (date(2026, 10, 5), {"reminder", "company_reminder"}),  # Q4, before the reminders of 15 October
]


def _plan(engine: Engine, settings: Settings, day: date) -> None:
    with engine.begin() as connection:
        connection.execute(schema.runs.insert().values(run_date=day, status="planning", attempts=1,
                                                       started_at=datetime.now(UTC)))
        plan(connection, day, settings, Parameters())
        connection.execute(schema.runs.update().where(schema.runs.c.run_date == day).values(status="complete"))


def demo_night(settings: Settings, root: Path, day: date) -> list[tuple[str, str, str]]:
    """(letter type, language, event key) of every letter `correspondence demo --affiliates 200` plans for `day`."""
    folder = root / "demo"
    fund = write_demo_fund(folder, affiliates=200, seed=1, day=day)
    settings = replace(settings, fund_file=folder / "fund.toml")
    engine = connect(settings.db_url)
    write_rows(folder, "claims.csv", before_death(fund.rows, day))  # the claims as the earlier night knew them
    import_dir(engine, folder)
    _plan(engine, settings, recovery_night(day))
    write_rows(folder, "claims.csv", fund.rows["claims.csv"])
    assert not [r.errors for r in import_dir(engine, folder) if r.errors]
    _plan(engine, settings, day)
    with engine.connect() as connection:
        l = schema.letters.c
        letters = [tuple(row) for row in connection.execute(
            select(l.letter_type, l.language, l.event_key).where(l.run_date == day))]
    engine.dispose()
    return letters


@pytest.mark.parametrize(("night", "outside"), NIGHTS, ids=[n.isoformat() for n, _ in NIGHTS])
def test_a_demo_night_of_200_affiliates_shows_every_letter_its_calendar_allows_in_each_language(
        sqlite_url: str, tmp_path: Path, night: date, outside: set[str]) -> None:
    # SQLite only: the triggers read PostgreSQL as they read SQLite (tests/kinds/test_fund_view.py)
    letters = demo_night(settings_for(sqlite_url, tmp_path), tmp_path, night)
    shown = {(letter_type, language) for letter_type, language, _ in letters}
    assert shown == {(t, lang) for t in EVERY_TYPE - outside for lang in LANGUAGES}, sorted(shown)
    # asked for tonight, in each language: statements, and last year's certificate (in its season the season's
    # certificate, written tonight, answers the request)
    asked = {(t, lang) for t, lang, key in letters if key.endswith(f":{night.isoformat()}")
             and t in ("account_statement", "fiscal_certificate")}
    wanted = {"account_statement"} if night.month == 3 else {"account_statement", "fiscal_certificate"}
    assert asked == {(t, lang) for t in wanted for lang in LANGUAGES}
