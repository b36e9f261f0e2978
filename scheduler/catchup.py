"""Which nights a firing of the scheduler runs: every date after the last completed night up to today.

Pure date arithmetic, so the daemon's catch-up can be tested without a clock. A night left unfinished
(crash, SIGTERM) is resumed first, in date order with the rest. A night completed for a date after today (a
mistyped `run --as-of` before that was refused) does not count: the last completed night is the last one
up to today, so one mistaken night cannot stop the catch-up until its date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def dates_to_run(last_completed: date | None, today: date, start: date | None = None,
                 unfinished: Iterable[date] = ()) -> list[date]:
    """The nights to run, oldest first, each once.

    - after a completed night: every date from the day after it up to `today`;
    - first run ever: from `start` (the configured catch-up start) or, without one, `today` only;
    - plus every unfinished night up to `today`, whatever the last completed one;
    - nothing after `today`, and nothing when `start` lies in the future.
    """
    if last_completed is not None:
        first = last_completed + timedelta(days=1)
    else:
        first = start if start is not None else today
    days = {first + timedelta(days=n) for n in range((today - first).days + 1)}
    days.update(d for d in unfinished if d <= today)
    return sorted(days)


def last_completed_up_to(completed: Iterable[date], today: date) -> tuple[date | None, list[date]]:
    """The last completed night on or before `today`, and the completed nights dated after it (ignored)."""
    days = set(completed)
    past = [d for d in days if d <= today]
    return (max(past) if past else None), sorted(d for d in days if d > today)
