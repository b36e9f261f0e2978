"""The night's progress on a terminal: one display for its stages (plan, render, e-Box, assemble), on standard
error, with the night's log lines printed above it rather than through it. When standard error is not a
terminal (cron, a pipe, a file, the daemon under systemd) there is no display at all: the log lines go to
standard error as always, one JSON object a line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from correspondence.log import written_by
from scheduler.rendering import Progress


def shown_on(stream: IO[str]) -> bool:
    """Whether a progress display belongs on `stream`: a terminal only."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or a bare stream
        return False


@contextmanager
def night_progress(stream: IO[str] | None = None) -> Iterator[Progress | None]:
    """The callback the night reports its stages to, `(stage, done, total)` — total None while unknown (the
    plan) — drawn on `stream` (default standard error) if it is a terminal; None, and nothing drawn, if
    not."""
    stream = sys.stderr if stream is None else stream
    if not shown_on(stream):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Display

    console = Console(file=stream)
    display = Display(SpinnerColumn(finished_text="✓"), TextColumn("{task.description:<9}"), BarColumn(),
                      TextColumn("{task.fields[count]}"), TimeElapsedColumn(), console=console,
                      redirect_stdout=False)  # standard output may be a pipe: the summary's, not the display's
    tasks: dict[str, int] = {}

    def finish(stage: str) -> None:
        task = display.tasks[tasks[stage]]
        display.update(task.id, total=task.completed or 1, completed=task.completed or 1)
        display.stop_task(task.id)

    def update(stage: str, done: int, total: int | None) -> None:
        if stage not in tasks:
            for earlier in tasks:
                finish(earlier)
            tasks[stage] = display.add_task(stage, total=total, count="")
        letters = "letter" if (total if total is not None else done) == 1 else "letters"
        if total is not None:
            count = f"{done:,} of {total:,} {letters}"
        else:  # the plan: letters planned so far; a stage that has not counted any yet says nothing
            count = f"{done:,} {letters}" if done else ""
        display.update(tasks[stage], completed=done, total=total, count=count)

    # The log lines are printed by the display's console, above the display, never across it.
    with display, written_by(lambda line: console.print(line, markup=False, highlight=False, soft_wrap=True)):
        try:
            yield update
        finally:
            for stage in tasks:
                display.stop_task(tasks[stage])
