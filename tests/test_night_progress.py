"""The night's progress: one display for its stages on a terminal, the log lines printed above it; nothing of it
when standard error is not a terminal (cron, a pipe, the daemon)."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from correspondence.config import Settings
from correspondence.importing import import_dir
from correspondence.log import log
from correspondence.store import connect
from scheduler.progress import night_progress

SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"
NIGHT = date(2026, 11, 22)
REPO = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@contextmanager
def _terminal() -> Iterator[tuple[io.TextIOWrapper, list[bytes]]]:
    """A pseudo-terminal: its end a program writes to, and what arrived at the other end (read as it comes, so
    that a full buffer never blocks the writer)."""
    main, other = pty.openpty()
    arrived: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the writer's end closed
                return
            if not chunk:
                return
            arrived.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stream = open(other, "w", encoding="utf-8", closefd=True)  # noqa: SIM115 — closed below
    try:
        yield stream, arrived
    finally:
        stream.close()
        reader.join(5)
        os.close(main)


def _stages(progress: object) -> None:
    assert callable(progress)
    progress("plan", 0, None)
    progress("plan", 3, None)
    log("night", stage="plan", letters=3)
    progress("render", 0, 3)
    progress("render", 3, 3)
    progress("assemble", 0, None)
    progress("assemble", 3, 3)


@pytest.mark.parametrize("stream", [io.StringIO, lambda: open(os.devnull, "w")], ids=["a pipe or a string", "a file"])
def test_nothing_of_the_progress_when_the_stream_is_not_a_terminal(stream: object,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    target = stream()  # type: ignore[operator]
    with night_progress(target) as progress:
        assert progress is None
        log("night", stage="plan", letters=3)
    assert json.loads(capsys.readouterr().err)["letters"] == 3  # the log line, to standard error as always
    if isinstance(target, io.StringIO):
        assert target.getvalue() == ""
    target.close()


def test_on_a_terminal_every_stage_is_drawn_and_the_log_lines_are_printed_above_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("NO_COLOR", raising=False)
    with _terminal() as (stream, arrived):
        with night_progress(stream) as progress:
            _stages(progress)
        log("night", stage="complete", letters=3)  # after the display: to standard error again
    shown = ANSI.sub("", b"".join(arrived).decode())
    for drawn in ("plan", "3 letters", "render", "3 of 3 letters", "assemble"):
        assert drawn in shown
    # the log line arrived whole, on a line of its own, not through the display
    [line] = [x.strip() for x in re.split(r"[\r\n]", shown) if x.strip().startswith("{")]
    assert json.loads(line)["letters"] == 3 and json.loads(line)["stage"] == "plan"
    assert json.loads(capsys.readouterr().err)["stage"] == "complete"


# ---- the command, as cron and as a person at a terminal would start it --------------------------------------

def _environment(settings: Settings) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("CORRESPONDENCE_")},
            "CORRESPONDENCE_DB": settings.db_url, "CORRESPONDENCE_OUTPUT": str(settings.output_dir),
            "CORRESPONDENCE_ARCHIVE": str(settings.archive_dir), "CORRESPONDENCE_VAR": str(settings.output_dir.parent),
            "CORRESPONDENCE_WORKERS": "0", "PYTHONPATH": str(REPO), "TERM": "xterm"}


@pytest.fixture
def fund(settings: Settings) -> Settings:
    assert not any(r.errors for r in import_dir(connect(settings.db_url), SMALL_FUND))
    return settings


def test_run_with_standard_error_redirected_writes_only_log_lines(fund: Settings) -> None:
    done = subprocess.run([sys.executable, "-m", "scheduler.cli", "run", "--as-of", NIGHT.isoformat()],
                          env=_environment(fund), cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines and all(json.loads(line)["event"] for line in lines)  # no bar, no escape sequence
    assert {"plan", "render", "assemble", "complete"} <= {json.loads(line).get("stage") for line in lines}


def test_run_on_a_terminal_shows_every_stage_with_the_log_lines_whole(fund: Settings) -> None:
    with _terminal() as (stream, arrived):
        done = subprocess.run([sys.executable, "-m", "scheduler.cli", "run", "--as-of", NIGHT.isoformat()],
                              env=_environment(fund), cwd=REPO, stdout=subprocess.PIPE, stderr=stream, text=True,
                              timeout=300)
    assert done.returncode == 0
    assert "Night of 2026-11-22: 3 letters" in done.stdout  # the summary on standard output, untouched
    shown = ANSI.sub("", b"".join(arrived).decode())
    assert "3 of 3 letters" in shown and "assemble" in shown
    logged = [json.loads(x.strip()) for x in re.split(r"[\r\n]", shown) if x.strip().startswith("{")]
    assert {"plan", "render", "assemble", "complete"} <= {line.get("stage") for line in logged}
