"""The nightly daemon: APScheduler 3 with its job store in the engine's database, one cron firing a day.

Each firing catches up: every date after the last completed night up to today, in order, each its own
night (scheduler/catchup.py). A firing missed while the daemon was down runs once when it comes back
(coalesce + misfire grace; the stored next firing time is kept across restarts). SIGTERM stops the night
between chunks; the next start resumes it.
"""

from __future__ import annotations

import signal
import threading
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, EVENT_SCHEDULER_STARTED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from correspondence import schema
from correspondence.config import DEFAULT_SCHEDULER_CONFIG, Settings
from correspondence.log import log
from correspondence.store import connect
from scheduler import night
from scheduler.catchup import dates_to_run, last_completed_up_to

DEFAULT_CONFIG = DEFAULT_SCHEDULER_CONFIG  # declared with its variable, CORRESPONDENCE_SCHEDULER_CONFIG
JOB_ID = "night"
JOBS_TABLE = "apscheduler_jobs"
_KEYS = {"time", "timezone", "misfire_grace_hours", "catch_up_from", "lock_retry_minutes"}

# Set on SIGTERM and handed to each night: render stops between chunks (the chunk in hand is journaled
# first), the night stays unfinished, and the next start resumes it.
stop_requested = threading.Event()


class ConfigError(Exception):
    """The scheduler configuration is wrong: the message names the file and the key."""


@dataclass(frozen=True)
class SchedulerConfig:
    hour: int = 1
    minute: int = 0
    timezone: str = "Europe/Brussels"
    misfire_grace: timedelta = timedelta(hours=23)
    catch_up_from: date | None = None
    lock_retry: timedelta = timedelta(minutes=60)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def trigger(self) -> CronTrigger:
        return CronTrigger(hour=self.hour, minute=self.minute, timezone=self.tz)


def load_config(path: Path) -> SchedulerConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {sorted(unknown)}")
    try:
        hour, minute = (int(x) for x in str(data.get("time", "01:00")).split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise ConfigError(f"{path}: time: '{data.get('time')}' is not HH:MM") from None
    if hour == 2:
        raise ConfigError(f"{path}: time: 02:00-02:59 does not exist or occurs twice on daylight-saving days")
    if hour == 0:
        # Measured with APScheduler 3.11: a 00:xx cron firing is skipped the day after spring-forward.
        raise ConfigError(f"{path}: time: 00:00-00:59 is skipped by the cron trigger after a daylight-saving "
                          "change; choose 01:00 or later")
    try:
        zone = str(data.get("timezone", "Europe/Brussels"))
        ZoneInfo(zone)
    except (KeyError, ValueError):
        raise ConfigError(f"{path}: timezone: unknown time zone '{data.get('timezone')}'") from None
    start = data.get("catch_up_from")
    if start is not None and not isinstance(start, date):
        raise ConfigError(f"{path}: catch_up_from: write a date without quotes, e.g. 2026-11-01")
    return SchedulerConfig(hour, minute, zone, timedelta(hours=float(data.get("misfire_grace_hours", 23))),
                           start, timedelta(minutes=float(data.get("lock_retry_minutes", 60))))


def _nights(settings: Settings, today: date) -> tuple[date | None, list[date]]:
    """The last completed night up to `today` and the nights started but not finished. A completed night
    dated after today (a mistaken `run --as-of`) is logged and ignored: catch-up runs as if it were not there."""
    r = schema.runs.c
    engine = connect(settings.db_url)
    try:
        with engine.connect() as connection:
            completed = connection.scalars(select(r.run_date).where(r.status == "complete"))
            last, future = last_completed_up_to(completed, today)
            unfinished = list(connection.scalars(select(r.run_date).where(r.status != "complete")))
    finally:
        engine.dispose()
    for day in future:
        log("firing", stage="catch-up", status="warning: a night completed for a date after today is ignored",
            run_date=day, today=today)
    return last, unfinished


def fire(settings: Settings, config: SchedulerConfig, now: datetime | None = None) -> list[night.NightResult]:
    """One firing: run every night due by `now` (default: the clock), oldest first. Returns what ran."""
    today = (now or datetime.now(config.tz)).astimezone(config.tz).date()
    try:
        last, unfinished = _nights(settings, today)
    except DBAPIError as exc:
        log("firing", stage="catch-up", status=f"database unreachable: {type(exc).__name__}", run_date=today)
        return []
    days = dates_to_run(last, today, config.catch_up_from, unfinished)
    log("firing", stage="catch-up", run_date=today, nights=len(days))
    results = []
    for day in days:
        result = _run_with_retry(settings, config, day)
        if result is None:
            break  # could not run: the next firing catches up from here
        results.append(result)
        if result.status == "interrupted" or stop_requested.is_set():
            break
    return results


def _run_with_retry(settings: Settings, config: SchedulerConfig, day: date) -> night.NightResult | None:
    deadline = datetime.now() + config.lock_retry
    while True:
        try:
            return night.run_night(settings, day, stop=stop_requested)
        except night.CannotRun as exc:
            log("night", stage="cannot run", status="locked" if exc.retry else "failed", run_date=day)
            if not exc.retry or datetime.now() >= deadline or stop_requested.wait(60):
                return None


def nightly(settings: Settings, config: SchedulerConfig) -> None:
    """The job APScheduler stores and fires (module-level so the job store can refer to it)."""
    fire(settings, config)


def _jobstore_engine(db_url: str) -> Any:
    # SQLite: a plain engine, without the night's BEGIN IMMEDIATE, so the scheduler never queues behind it.
    return create_engine(db_url) if make_url(db_url).get_backend_name() == "sqlite" else connect(db_url)


def stored_next_run(db_url: str, timezone: ZoneInfo) -> datetime | None:
    """The next firing the job store remembers from the daemon's last life (a missed one lies in the past)."""
    engine = _jobstore_engine(db_url)
    try:
        with engine.connect() as connection:
            value = connection.execute(
                text(f"SELECT next_run_time FROM {JOBS_TABLE} WHERE id = :id"), {"id": JOB_ID}).scalar()
    except DBAPIError:
        return None  # no job store yet: first start
    finally:
        engine.dispose()
    return None if value is None else datetime.fromtimestamp(float(value), timezone)


def labelled(moment: datetime, zone: ZoneInfo) -> str:
    """A firing as people read it, in the daemon's zone and in UTC: "2026-12-05 02:00 Brussels time
    (01:00 UTC)" (the UTC date too when it is another day)."""
    local, utc = moment.astimezone(zone), moment.astimezone(UTC)
    name = "Brussels" if zone.key == "Europe/Brussels" else zone.key
    other_day = f"{utc:%Y-%m-%d} " if utc.date() != local.date() else ""
    return f"{local:%Y-%m-%d %H:%M} {name} time ({other_day}{utc:%H:%M} UTC)"


def next_firing(scheduler: BaseScheduler) -> datetime | None:
    """When the nightly job fires next (APScheduler's job.next_run_time); None when it is not scheduled."""
    job = scheduler.get_job(JOB_ID)
    return None if job is None else job.next_run_time


def _announce(scheduler: BaseScheduler, config: SchedulerConfig, catch_up_now: bool) -> Any:
    """The listener that logs the next firing when the daemon starts and after each firing (run, failed or
    missed): {"event": "daemon", "stage": "start" | "waiting", "next_night": "2026-12-05 02:00 Brussels time
    (01:00 UTC)", "next_night_utc": "2026-12-05T01:00:00+00:00"}."""
    def listen(event: Any) -> None:
        upcoming = next_firing(scheduler)
        when: dict[str, Any] = {"next_night": "none"}
        if upcoming is not None:
            when = {"next_night": labelled(upcoming, config.tz), "next_night_utc": upcoming.astimezone(UTC)}
        if event.code == EVENT_SCHEDULER_STARTED:
            log("daemon", stage="start", hour=config.hour, minute=config.minute, catch_up_now=catch_up_now,
                **when)
        else:
            log("daemon", stage="waiting", **when)
    return listen


def build(settings: Settings, config: SchedulerConfig, scheduler_class: type[BaseScheduler] = BlockingScheduler,
          catch_up_now: bool = False) -> BaseScheduler:
    """A scheduler with the nightly job in the database's job store, keeping a missed firing from before; it
    logs its next firing when it starts and after each firing."""
    scheduler = scheduler_class(
        jobstores={"default": SQLAlchemyJobStore(engine=_jobstore_engine(settings.db_url), tablename=JOBS_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(config.misfire_grace.total_seconds())},
        timezone=config.tz,
    )
    missed = stored_next_run(settings.db_url, config.tz)
    next_run = datetime.now(config.tz) if catch_up_now else missed
    options: dict[str, Any] = {"next_run_time": next_run} if next_run else {}
    scheduler.add_job(nightly, config.trigger(), args=(settings, config), id=JOB_ID, name="the nightly run",
                      replace_existing=True, **options)
    scheduler.add_listener(_announce(scheduler, config, catch_up_now),
                           EVENT_SCHEDULER_STARTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler


def serve(settings: Settings, config: SchedulerConfig, catch_up_now: bool = False) -> int:
    """Run the daemon until SIGTERM or SIGINT; the night in progress stops between chunks."""
    scheduler = build(settings, config, BlockingScheduler, catch_up_now)

    def stop(signum: int, _frame: Any) -> None:
        log("daemon", stage="stopping", signal=signum)
        stop_requested.set()
        scheduler.shutdown(wait=True)  # returns once the chunk in hand is journaled

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()  # logs its start with the next firing (_announce), then blocks until shutdown
    log("daemon", stage="stopped")
    return 0
