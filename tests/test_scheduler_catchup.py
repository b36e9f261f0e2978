"""Which nights a firing runs, the daemon's configuration, and the cron trigger across daylight-saving days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.catchup import dates_to_run, last_completed_up_to
from scheduler.daemon import DEFAULT_CONFIG, ConfigError, SchedulerConfig, load_config

BRUSSELS = ZoneInfo("Europe/Brussels")
D = date.fromisoformat


@pytest.mark.parametrize(("last", "today", "start", "unfinished", "expected"), [
    ("2026-11-21", "2026-11-22", None, [], ["2026-11-22"]),  # an ordinary night
    ("2026-11-22", "2026-11-22", None, [], []),  # already done today (a second firing on a DST day)
    ("2026-11-18", "2026-11-21", None, [], ["2026-11-19", "2026-11-20", "2026-11-21"]),  # down three nights
    ("2026-12-30", "2027-01-02", None, [], ["2026-12-31", "2027-01-01", "2027-01-02"]),  # over the year end
    (None, "2026-11-22", None, [], ["2026-11-22"]),  # first run ever: today only
    (None, "2026-11-22", "2026-11-20", [], ["2026-11-20", "2026-11-21", "2026-11-22"]),  # configured start
    (None, "2026-11-22", "2026-12-01", [], []),  # start in the future: nothing yet
    ("2026-11-22", "2026-11-21", None, [], []),  # clock set back: nothing runs twice
    ("2026-11-21", "2026-11-22", None, ["2026-11-10"], ["2026-11-10", "2026-11-22"]),  # an unfinished night first
    ("2026-11-21", "2026-11-22", None, ["2026-11-22"], ["2026-11-22"]),  # once each
    ("2026-11-21", "2026-11-22", None, ["2026-11-25"], ["2026-11-22"]),  # never a night of the future
])
def test_dates_to_run(last: str | None, today: str, start: str | None, unfinished: list[str],
                      expected: list[str]) -> None:
    got = dates_to_run(D(last) if last else None, D(today), D(start) if start else None, [D(u) for u in unfinished])
    assert got == [D(e) for e in expected]


@pytest.mark.parametrize(("completed", "today", "last", "ignored"), [
    (["2026-11-20", "2026-11-21"], "2026-11-22", "2026-11-21", []),
    # attack: `run --as-of 2027-11-21` (a typo for 2026) completed a night a year ahead; catch-up ran nothing
    # until then. It is now ignored (and logged): the last completed night is the last one up to today.
    (["2026-11-20", "2027-11-21"], "2026-11-22", "2026-11-20", ["2027-11-21"]),
    (["2027-11-21"], "2026-11-22", None, ["2027-11-21"]),
    (["2026-11-22", "2026-11-23"], "2026-11-22", "2026-11-22", ["2026-11-23"]),  # clock set back a day
    ([], "2026-11-22", None, []),
])
def test_a_completed_night_in_the_future_does_not_count(completed: list[str], today: str, last: str | None,
                                                        ignored: list[str]) -> None:
    assert last_completed_up_to([D(c) for c in completed], D(today)) == (D(last) if last else None,
                                                                        [D(i) for i in ignored])


def test_the_shipped_configuration_loads() -> None:
    config = load_config(DEFAULT_CONFIG)
    assert (config.hour, config.minute, config.timezone) == (1, 0, "Europe/Brussels")
    assert config.misfire_grace == timedelta(hours=23)


@pytest.mark.parametrize(("text", "message"), [
    ('time = "02:30"', "02:00-02:59"),
    ('time = "00:30"', "00:00-00:59"),
    ('time = "25:00"', "is not HH:MM"),
    ('timezone = "Europe/Atlantis"', "unknown time zone"),
    ('catch_up_from = "2026-11-01"', "catch_up_from"),
    ('tiem = "01:00"', "unknown key(s) ['tiem']"),
])
def test_a_wrong_configuration_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "scheduler.toml"
    path.write_text(text + "\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        load_config(path)


def _firings(config: SchedulerConfig, start: datetime, end: datetime) -> list[datetime]:
    trigger, fired, previous, now = config.trigger(), [], None, start
    while (next_time := trigger.get_next_fire_time(previous, now)) is not None and next_time < end:
        fired.append(next_time)
        previous = now = next_time
    return fired


@pytest.mark.parametrize(("hour", "minute", "change_day", "utc_gap_hours"), [
    (1, 0, "2026-03-29", 23),  # spring forward: the night after is one hour shorter
    (1, 0, "2026-10-25", 25),  # fall back: the 01:00 firing happens once, the night after is one hour longer
    (3, 15, "2026-03-29", 23),
    (3, 15, "2026-10-25", 25),
    (23, 30, "2026-03-29", 23),
    (23, 30, "2026-10-25", 25),
])
def test_the_cron_trigger_fires_once_per_local_day_across_daylight_saving(
        hour: int, minute: int, change_day: str, utc_gap_hours: int) -> None:
    day = D(change_day)
    config = SchedulerConfig(hour=hour, minute=minute)
    start = datetime.combine(day - timedelta(days=2), datetime.min.time(), BRUSSELS)
    fired = _firings(config, start, start + timedelta(days=5))
    local_days = [f.astimezone(BRUSSELS).date() for f in fired]
    assert local_days == [day - timedelta(days=2) + timedelta(days=n) for n in range(5)]  # once each, none skipped
    assert all((f.astimezone(BRUSSELS).hour, f.astimezone(BRUSSELS).minute) == (hour, minute) for f in fired)
    utc = [f.astimezone(UTC) for f in fired]  # same-zone subtraction would give wall-clock differences
    gaps = {(b - a) // timedelta(hours=1) for a, b in pairwise(utc)}
    assert gaps == {24, utc_gap_hours}


@pytest.mark.parametrize(("hour", "minute", "start", "expected"), [
    (0, 30, "2026-03-28", ["2026-03-28", "2026-03-29", "2026-03-31"]),  # 2026-03-30 skipped
    (2, 30, "2026-10-24", ["2026-10-24", "2026-10-25", "2026-10-25"]),  # 2026-10-25 twice
])
def test_why_the_configuration_refuses_00_and_02(hour: int, minute: int, start: str, expected: list[str]) -> None:
    """APScheduler 3.11's own behaviour on these hours; if this starts failing, the refusal can be relaxed."""
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger(hour=hour, minute=minute, timezone=BRUSSELS)
    previous, now, days = None, datetime.combine(D(start), datetime.min.time(), BRUSSELS), []
    for _ in range(3):
        previous = now = trigger.get_next_fire_time(previous, now)
        days.append(now.date())
    assert days == [D(e) for e in expected]
