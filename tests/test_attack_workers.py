"""Attack: render workers and nights killed with SIGKILL (the out-of-memory killer, `kill -9`).

A worker that dies costs its chunk one retry, then its letters one by one: the night completes with every
letter exactly once and its documented exit code, never a `BrokenProcessPool` traceback; a letter that kills
its worker every time is quarantined naming the cause. A night killed outright takes its workers and their
LibreOffices with it, and the next night removes the LibreOffice profiles they left in the temp folder.
Everything runs for real: `correspondence run` in a subprocess, spawned workers, LibreOffice.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import night_process as np
import pytest
from conftest import settings_for
from processes import tagged, until
from sqlalchemy import select

from correspondence import schema
from correspondence.render import libreoffice
from correspondence.render.libreoffice import LibreOffice, remove_stale_profiles
from correspondence.render.pool import FIELD
from correspondence.store import connect
from scheduler.night import run_night

pytestmark = pytest.mark.slow

AFFILIATES, CHUNK, WORKERS, MAX_SHEETS = 16, 2, 2, 3
DECISIONS = ("mantelzorg_granted", "mantelzorg_refused", "mantelzorg_incomplete")
SAME = ("letter_id", "status", "template_hash", "pages", "sha256", "archive_path")  # a letter's identity and bytes


@dataclass
class Fund:
    root: Path
    databases: np.Databases
    templates: Path
    fund_file: Path
    reference: np.Outcome
    exit_code: int

    def env(self, url: str, where: Path, **extra: str) -> dict[str, str]:
        return np.env(url, where, self.templates, self.fund_file, chunk=CHUNK,
                      CORRESPONDENCE_WORKERS=str(WORKERS), **extra)


@pytest.fixture(scope="module")
def fund(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fund]:
    root = tmp_path_factory.mktemp("workers")
    templates = np.templates_copy(root / "letter_templates")
    fund_file = np.fund_profile(root / "config", MAX_SHEETS)
    seed = f"sqlite:///{root / 'seed.db'}"
    np.seed_database(seed, np.demo_fund(root / "fund", AFFILIATES), templates)
    databases = np.Databases(seed, root)
    url, where = databases.clone(), root / "reference"
    night = np.run_night(np.env(url, where, templates, fund_file, chunk=CHUNK, CORRESPONDENCE_WORKERS=str(WORKERS)),
                         where)
    assert night.returncode in (0, 1), night.stderr[-2000:]
    reference = np.outcome(url, where)
    assert len(reference.letters) >= 3 * CHUNK * WORKERS, "too small a night to lose a chunk in flight"
    yield Fund(root, databases, templates, fund_file, reference, night.returncode)


def _middle_letter(reference: np.Outcome) -> tuple[str, str]:
    """(event key, letter id) of a letter in the middle of the night: other chunks are in flight beside it."""
    ordered = sorted(reference.letters.items(), key=lambda item: item[1]["letter_id"])
    key, letter = ordered[len(ordered) // 2]
    return key, letter["letter_id"]


def _quarantine_reasons(url: str) -> dict[str, tuple[str, str]]:
    engine = connect(url)
    q = schema.quarantine.c
    with engine.connect() as connection:
        rows = connection.execute(select(q.event_key, q.field, q.reason).where(q.run_date == np.NIGHT)).all()
    engine.dispose()
    return {r.event_key: (r.field, r.reason) for r in rows}


@pytest.mark.parametrize("once", [True, False], ids=["killed-once", "kills-every-worker"])
def test_a_worker_killed_mid_chunk_costs_a_retry_and_at_worst_its_letter(fund: Fund, once: bool) -> None:
    """SIGKILL in a worker while it holds a chunk (the letter's checkpoint, before rendering): once, by chance,
    or every time the letter is rendered, as a letter that exhausts memory would."""
    key, letter_id = _middle_letter(fund.reference)
    url, where = fund.databases.clone(), fund.root / f"kill-{'once' if once else 'always'}"
    extra = {"CORRESPONDENCE_FAULT": f"render.letter={letter_id}"}
    if once:
        extra["CORRESPONDENCE_FAULT_ONCE"] = str(where / "killed-once")
    night = np.run_night(fund.env(url, where, **extra), where)

    assert "Traceback" not in night.stderr and "BrokenProcessPool" not in night.stderr, night.stderr[-3000:]
    assert '"status": "worker died"' in night.stderr and '"outcome": "signal 9"' in night.stderr
    state, reference = np.outcome(url, where), fund.reference  # outcome() fails on a letter journaled twice
    assert state.run_status == "complete" and (where / "output" / np.NIGHT.isoformat() / "READY").exists()
    if once:
        assert (where / "killed-once").exists()  # the fault did fire
        assert night.returncode == fund.exit_code
        assert state.letters == reference.letters and state.quarantined == reference.quarantined
        assert state.print_files == reference.print_files
    else:
        assert night.returncode == 1
        expected = {k: v for k, v in reference.letters.items() if k != key}
        assert {k: {c: v[c] for c in SAME} for k, v in state.letters.items()} == \
            {k: {c: v[c] for c in SAME} for k, v in expected.items()}
        assert state.quarantined == sorted([*reference.quarantined, (key, FIELD)])
        field, reason = _quarantine_reasons(url)[key]
        assert reason.startswith("the render worker died (signal 9)")
    assert state.archive == {r["archive_path"]: r["sha256"] for r in state.letters.values()}
    fund.databases.drop(url)


def test_workers_that_die_while_starting_stop_the_night_with_exit_2_and_it_resumes(fund: Fund) -> None:
    """Every worker is killed as it starts (no letter can be the cause): not one letter quarantined for it,
    exit 2 with one line, nothing marked sent; the next run, with workers that start, is the full night."""
    url, where = fund.databases.clone(), fund.root / "cannot-start"
    night = np.run_night(fund.env(url, where, CORRESPONDENCE_FAULT="render.worker_start#1"), where)
    assert night.returncode == 2, night.stderr[-3000:]
    assert "Traceback" not in night.stderr
    line = night.stderr.strip().splitlines()[-1]
    assert line.startswith("run: the night stopped: a render worker died 3 times while starting (signal 9)"), line
    stopped = np.outcome(url, where)
    assert stopped.run_status == "rendering" and stopped.quarantined == fund.reference.quarantined  # planning's
    assert {r["status"] for r in stopped.letters.values()} == {"planned"}

    rerun = np.run_night(fund.env(url, where), where)
    assert rerun.returncode == fund.exit_code, rerun.stderr[-2000:]
    state = np.outcome(url, where)
    assert state.letters == fund.reference.letters and state.quarantined == fund.reference.quarantined
    fund.databases.drop(url)


# -- a night killed outright ------------------------------------------------------------------------------


def test_a_killed_night_takes_its_workers_and_libreoffices_with_it(tmp_path: Path) -> None:
    """The night is SIGKILLed while its two workers each keep a LibreOffice running: within seconds nothing
    it started is left (today: ~670 MB of workers and LibreOffices, running until the machine restarts)."""
    templates = np.templates_copy(tmp_path / "letter_templates")
    fund_file = np.fund_profile(tmp_path / "config", MAX_SHEETS)
    url = f"sqlite:///{tmp_path / 'night.db'}"
    np.seed_database(url, np.demo_fund(tmp_path / "fund", AFFILIATES), templates, approved=DECISIONS)
    tag = f"TEST_TAG_OF_NIGHT={uuid.uuid4().hex}"
    environment = np.env(url, tmp_path, templates, fund_file, chunk=1, CORRESPONDENCE_WORKERS=str(WORKERS),
                         CORRESPONDENCE_FAULT="render.chunk@120")  # the night waits after its first chunk
    environment[tag.split("=")[0]] = tag.split("=")[1]
    night = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "run", "--as-of", np.NIGHT.isoformat()],
                             env=environment, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert until(lambda: sum(name == "soffice.bin" for _, name in tagged(tag)) >= 1, 180), \
            f"no LibreOffice started: {tagged(tag)}"
        running = tagged(tag)
        assert sum(name.startswith("python") for _, name in running) >= 1 + WORKERS, running
        night.kill()
        night.wait()
        assert until(lambda: not tagged(tag), 10), f"left running after the night was killed: {tagged(tag)}"
    finally:
        for _ in range(3):  # a failed test leaves nothing running either
            for pid, _ in tagged(tag):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if night.stderr:
            night.stderr.close()


# -- stale profiles ---------------------------------------------------------------------------------------


def _dead_pid() -> int:
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


def _profile(folder: Path, owner: str, lock: bool) -> Path:
    home = Path(tempfile.mkdtemp(prefix=f"{libreoffice.PROFILE_PREFIX}{owner}-", dir=folder))
    (home / "profile" / "user").mkdir(parents=True)
    (home / "profile" / "user" / "registrymodifications.xcu").write_text("<items/>")
    if lock:
        (home / libreoffice.OWNER_LOCK).touch()  # the file, but nobody holds its lock: its owner died
    return home


@pytest.mark.parametrize(("what", "owner", "lock", "kept"), [
    ("a killed worker's profile, its lock free", "dead", True, False),
    ("a profile of a dead pid being created (no lock file)", "dead", False, False),
    ("a free lock in a profile whose pid was reused by another process", "live", True, False),
    ("a profile of a live pid being created (no lock file yet)", "live", False, True),
    ("a running LibreOffice's profile (lock held)", "held", True, True),
    ("a folder of another program", "other", False, True),
])
def test_the_next_night_removes_stale_libreoffice_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            sqlite_url: str, what: str, owner: str, lock: bool,
                                                            kept: bool) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # the temp folder of this test's night
    office = None
    if owner == "held":
        office = LibreOffice()  # its profile, locked by this process, no soffice started
        home = office.home
    elif owner == "other":
        home = temp / "correspondence-lo-keep"
        home.mkdir()
    else:
        home = _profile(temp, str(_dead_pid() if owner == "dead" else os.getpid()), lock)
    assert home.parent == temp
    try:
        result = run_night(settings_for(sqlite_url, tmp_path, templates_dir=np.templates_copy(tmp_path / "t")),
                           np.NIGHT)
        assert result.status == "complete"
        assert home.exists() == kept, what
    finally:
        if office is not None:
            office.close()
    assert remove_stale_profiles(temp) == 0  # what is left is in use
