"""The fund's time zone, and moments as people read them: "2026-12-04 03:10 Brussels time". The database and
the JSON outputs keep UTC (`utc`: a moment the database gave back, in UTC); what a person reads is in
Brussels time and says so."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def utc(moment: datetime) -> datetime:
    """A moment the database gave back, in UTC (SQLite gives it back without its zone: UTC is meant)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def brussels_time(moment: datetime, *, seconds: bool = False) -> str:
    """`moment` (naive: UTC, as SQLite gives it back) in Brussels time, labelled."""
    shown = utc(moment).astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else ""))
    return f"{shown} Brussels time"
