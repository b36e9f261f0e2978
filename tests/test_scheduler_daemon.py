"""The daemon with a controllable clock: missed nights caught up in order, once each; a daylight-saving
night fires once; APScheduler's job store keeps a missed firing across a restart and runs it once."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, text

from correspondence import schema
from correspondence.config import Settings
from correspondence.importing import import_dir
from correspondence.mailroom import print_files
from correspondence.store import connect
from correspondence.templates import approvals
from scheduler import daemon
from scheduler.night import run_night

BRUSSELS = ZoneInfo("Europe/Brussels")
SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"


def _fund(settings: Settings) -> None:
    """The three-affiliate fund, with the due notice approved as it is in the working tree."""
    engine = connect(settings.db_url)
    assert not any(r.errors for r in import_dir(engine, SMALL_FUND))
    with engine.begin() as connection:
        for language in ("nl", "fr", "de"):
            approvals.approve(connection, settings.templates_dir, "due_notice", language, "test", date(2000, 1, 1))


def _runs(settings: Settings) -> list[tuple[date, str, int]]:
    r = schema.runs.c
    with connect(settings.db_url).connect() as connection:
        return [tuple(x) for x in connection.execute(select(r.run_date, r.status, r.attempts).order_by(r.started_at))]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


def test_down_three_nights_then_one_firing_runs_them_in_order_once_each(settings: Settings) -> None:
    _fund(settings)
    config = daemon.SchedulerConfig()
    assert run_night(settings, date(2026, 11, 18)).status == "complete"
    results = daemon.fire(settings, config, now=at("2026-11-21T09:12"))  # back after missing 19, 20, 21
    nights = [date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 21)]
    assert [(r.day, r.status) for r in results] == [(d, "complete") for d in nights]
    assert _runs(settings) == [(date(2026, 11, 18), "complete", 1)] + [(d, "complete", 1) for d in nights]
    assert all(print_files.is_ready(settings.output_dir, d) for d in nights)
    assert daemon.fire(settings, config, now=at("2026-11-21T23:59")) == []  # a second firing adds nothing
    with connect(settings.db_url).connect() as connection:
        keys = list(connection.scalars(select(schema.letters.c.event_key)))
    assert len(keys) == len(set(keys)) and "due_notice:A0000001:2026-Q4" in keys


def test_one_mistaken_night_in_the_future_does_not_stop_the_catch_up(
        settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    """Attack: a night completed for 2027-11-21 (a typo for 2026) made every firing run nothing until then."""
    _fund(settings)
    assert run_night(settings, date(2026, 11, 20)).status == "complete"
    with connect(settings.db_url).begin() as connection:
        connection.execute(schema.runs.insert().values(run_date=date(2027, 11, 21), status="complete", attempts=1,
                                                       started_at=datetime.now(UTC)))
    capsys.readouterr()
    results = daemon.fire(settings, daemon.SchedulerConfig(), now=at("2026-11-22T01:00"))
    assert [(r.day, r.status) for r in results] == [(date(2026, 11, 21), "complete"), (date(2026, 11, 22), "complete")]
    warnings = [json.loads(line) for line in capsys.readouterr().err.splitlines()
                if line.startswith("{") and "warning" in line]
    assert [(w["event"], w["run_date"]) for w in warnings] == [("firing", "2027-11-21")]
    assert set(warnings[0]) == {"ts", "event", "stage", "status", "run_date", "today"}  # dates only


def test_first_firing_ever_runs_today_only_or_from_the_configured_start(settings: Settings) -> None:
    _fund(settings)
    assert [r.day for r in daemon.fire(settings, daemon.SchedulerConfig(), now=at("2026-11-22T01:00"))] == [
        date(2026, 11, 22)]


def test_first_firing_from_a_configured_start(settings: Settings) -> None:
    _fund(settings)
    config = daemon.SchedulerConfig(catch_up_from=date(2026, 11, 20))
    assert [r.day for r in daemon.fire(settings, config, now=at("2026-11-22T01:00"))] == [
        date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)]


def test_the_fall_back_night_runs_once_even_if_fired_twice(settings: Settings) -> None:
    _fund(settings)
    config = daemon.SchedulerConfig()
    first = daemon.fire(settings, config, now=datetime.fromisoformat("2026-10-25T02:30+02:00"))
    second = daemon.fire(settings, config, now=datetime.fromisoformat("2026-10-25T02:30+01:00"))  # an hour later
    assert [r.day for r in first] == [date(2026, 10, 25)] and second == []
    assert _runs(settings) == [(date(2026, 10, 25), "complete", 1)]


# The grace decides whether a firing missed while the daemon was down runs when it comes back. 26 hours covers
# the last missed firing whatever the hour the test runs at; with the default 23 hours a restart between 00:00
# and 01:00 Brussels is too late for yesterday's 01:00 firing (CI once ran at 00:45). One second is too late
# at any hour: the firing is reported missed, nothing runs, and the next firing catches up (README).
RESTARTS = [
    pytest.param(timedelta(hours=26), EVENT_JOB_EXECUTED, (2, 1, 0), id="within the grace: runs once"),
    pytest.param(timedelta(seconds=1), EVENT_JOB_MISSED, (), id="past the grace: missed, the next one catches up"),
]


@pytest.mark.parametrize(("grace", "event", "days_ago"), RESTARTS)
def test_a_firing_missed_while_down_after_a_restart(settings: Settings, grace: timedelta, event: int,
                                                    days_ago: tuple[int, ...]) -> None:
    """The real APScheduler with the job store in the engine's database: coalesce + misfire grace."""
    _fund(settings)
    config = daemon.SchedulerConfig(misfire_grace=grace)
    today = datetime.now(BRUSSELS).date()
    assert run_night(settings, today - timedelta(days=3)).status == "complete"
    # The daemon's last life: it stored its next firing, three nights ago, then went down.
    before = daemon.build(settings, config, BackgroundScheduler)
    before.start(paused=True)
    before.shutdown()
    missed = datetime.now(BRUSSELS) - timedelta(days=2, hours=20)
    with connect(settings.db_url).begin() as connection:
        connection.execute(text(f"UPDATE {daemon.JOBS_TABLE} SET next_run_time = :t"), {"t": missed.timestamp()})
    assert daemon.stored_next_run(settings.db_url, BRUSSELS) < datetime.now(BRUSSELS) - timedelta(days=2)
    # Back up: the missed firings coalesce into one, which catches up the three nights when within the grace.
    events: list[int] = []
    done = threading.Event()

    def listen(event: object) -> None:
        events.append(event.code)  # type: ignore[attr-defined]
        done.set()

    after = daemon.build(settings, config, BackgroundScheduler)
    after.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    after.start()
    try:
        assert done.wait(120)
        after.shutdown(wait=True)
    finally:
        if after.running:
            after.shutdown(wait=False)
    assert events == [event]
    assert _runs(settings)[1:] == [(today - timedelta(days=n), "complete", 1) for n in days_ago]
    assert daemon.stored_next_run(settings.db_url, BRUSSELS) > datetime.now(BRUSSELS)  # the next firing is ahead


@pytest.mark.parametrize(("moment", "zone", "shown"), [
    ("2026-12-05T01:00+00:00", "Europe/Brussels", "2026-12-05 02:00 Brussels time (01:00 UTC)"),
    ("2026-07-05T01:00+00:00", "Europe/Brussels", "2026-07-05 03:00 Brussels time (01:00 UTC)"),
    ("2026-12-04T23:30+00:00", "Europe/Brussels", "2026-12-05 00:30 Brussels time (2026-12-04 23:30 UTC)"),
    ("2026-12-05T01:00+00:00", "Europe/Amsterdam", "2026-12-05 02:00 Europe/Amsterdam time (01:00 UTC)"),
])
def test_a_firing_is_shown_in_the_daemons_zone_and_in_utc(moment: str, zone: str, shown: str) -> None:
    assert daemon.labelled(datetime.fromisoformat(moment), ZoneInfo(zone)) == shown


def test_the_daemon_logs_its_next_firing_when_it_starts_and_after_each_firing(
        settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from apscheduler.events import JobExecutionEvent

    config = daemon.SchedulerConfig(hour=3, minute=15)
    scheduler = daemon.build(settings, config, BackgroundScheduler)
    capsys.readouterr()
    scheduler.start(paused=True)
    try:
        upcoming = daemon.next_firing(scheduler)
        assert upcoming is not None and upcoming > datetime.now(UTC)
        daemon._announce(scheduler, config, False)(
            JobExecutionEvent(EVENT_JOB_EXECUTED, daemon.JOB_ID, "default", upcoming))
    finally:
        scheduler.shutdown()
    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines() if '"daemon"' in line]
    assert [line["stage"] for line in logged] == ["start", "waiting"]
    for line in logged:
        assert line["next_night"] == daemon.labelled(upcoming, BRUSSELS)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d 03:15 Brussels time \((\d{4}-\d\d-\d\d )?0[12]:15 UTC\)",
                            line["next_night"])
        assert datetime.fromisoformat(line["next_night_utc"]) == upcoming
    assert (logged[0]["hour"], logged[0]["minute"], logged[0]["catch_up_now"]) == (3, 15, False)
