"""A night killed mid-render (kill -9, a real subprocess) resumes to exactly the uninterrupted night's
output; two runs started together on one database: one runs, the other exits 2 naming the holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from correspondence import schema
from correspondence.config import Settings
from correspondence.demo.fund import write_demo_fund
from correspondence.importing import import_dir
from correspondence.mailroom import print_files as mailroom
from correspondence.store import connect, init
from correspondence.templates import approvals
from scheduler.night import run_night

DAY = date(2026, 11, 22)
pytestmark = pytest.mark.slow


def _fund(settings: Settings, folder: Path) -> None:
    if not folder.exists():
        write_demo_fund(folder, affiliates=14, seed=7, day=DAY)
    engine = connect(settings.db_url)
    assert not any(r.errors for r in import_dir(engine, folder))
    with engine.begin() as connection:
        for language in ("nl", "fr", "de"):
            approvals.approve(connection, settings.templates_dir, "due_notice", language, "test", date(2000, 1, 1))


def _outcome(settings: Settings) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    l, p = schema.letters.c, schema.print_files.c
    with connect(settings.db_url).connect() as connection:
        letters = [tuple(r) for r in connection.execute(
            select(l.letter_id, l.event_key, l.status, l.sha256, l.print_file, l.first_page).order_by(l.letter_id))]
        files = [tuple(r) for r in connection.execute(select(p.file, p.letters, p.sha256).order_by(p.file))]
    return letters, files


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "CORRESPONDENCE_DB": settings.db_url, "CORRESPONDENCE_OUTPUT": str(settings.output_dir),
            "CORRESPONDENCE_ARCHIVE": str(settings.archive_dir), "CORRESPONDENCE_WORKERS": "0",
            "CORRESPONDENCE_CHUNK": str(settings.chunk_size)}


def _run_process(settings: Settings, day: date = DAY) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "scheduler.cli", "run", "--as-of", day.isoformat()],
                            env=_env(settings), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _count(settings: Settings, status: str) -> int:
    l = schema.letters.c
    with connect(settings.db_url).connect() as connection:
        return connection.scalar(select(func.count()).where(l.run_date == DAY, l.status == status)) or 0


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[list[tuple[str, ...]], list[tuple[str, ...]]]]:
    """The uninterrupted night (SQLite, in-process), and the fund folder the other tests import."""
    root = tmp_path_factory.mktemp("reference")
    url = f"sqlite:///{root / 'reference.db'}"
    init(connect(url))
    settings = replace(Settings.from_env(), db_url=url, output_dir=root / "output", archive_dir=root / "archive",
                       workers=0, chunk_size=3)
    _fund(settings, root / "fund")
    assert run_night(settings, DAY).status == "complete"
    outcome = _outcome(settings)
    assert len(outcome[0]) >= 9  # enough letters for several chunks
    return root / "fund", outcome


def test_killed_mid_render_then_resumed_equals_the_uninterrupted_night(settings: Settings, reference) -> None:  # type: ignore[no-untyped-def]
    settings = replace(settings, chunk_size=3)
    folder, expected = reference
    _fund(settings, folder)
    process = _run_process(settings)
    deadline = time.monotonic() + 120
    while _count(settings, "rendered") == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    rendered, planned = _count(settings, "rendered"), _count(settings, "planned")
    assert rendered > 0 and planned > 0  # killed with the night half rendered
    assert not mailroom.is_ready(settings.output_dir, DAY)
    result = run_night(settings, DAY)  # takes over the dead process's lock, resumes
    assert result.status == "complete"
    assert _outcome(settings) == expected  # same letters, same sha256 each, same print files
    assert mailroom.is_ready(settings.output_dir, DAY)
    with connect(settings.db_url).connect() as connection:
        assert connection.scalar(select(schema.runs.c.attempts).where(schema.runs.c.run_date == DAY)) == 2


@pytest.mark.parametrize("second_day", [DAY, date(2026, 11, 23)])
def test_a_second_run_while_one_runs_exits_2_naming_the_holder(settings: Settings, reference, second_day: date) -> None:  # type: ignore[no-untyped-def]
    settings = replace(settings, chunk_size=3)
    _fund(settings, reference[0])
    first = _run_process(settings)
    second = _run_process(settings, second_day)  # started together
    outcomes = sorted([(first.wait(timeout=300), first.communicate()), (second.wait(timeout=300), second.communicate())],
                      key=lambda x: x[0])
    (code_a, _), (code_b, (_, err_b)) = outcomes
    assert code_a in (0, 1) and code_b == 2
    assert "another night is" in err_b and "pid" in err_b and "since" in err_b
    if second_day == DAY:
        assert _outcome(settings) == reference[1]  # the loser added nothing
