"""Concurrency on PostgreSQL, with real processes: nights started together, an import and a mailroom pick-up
while a night runs. One night runs, the others are told who holds it; no update is lost; no letter is doubled.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import night_process as np
import pytest
from conftest import PG_URL, _fresh_postgres, postgres_reachable
from sqlalchemy import func, select

from correspondence import schema
from correspondence.store import connect

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

NIGHT = np.NIGHT
# A 30-letter night renders in about a second: each journaled chunk waits, so the night is surely still
# rendering while the concurrent command runs (correspondence/faults.py).
RENDERING_A_WHILE = {"CORRESPONDENCE_FAULT": "render.journaled@0.4"}
LOSER = re.compile(r"^run: another night (is running: \S+ pid \d+, night of \d{4}-\d\d-\d\d, since \S+"
                   r"|is starting right now)")


@pytest.fixture(scope="module")
def fund(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("concurrency")
    return np.demo_fund(root / "fund", affiliates=30), np.templates_copy(root / "letter_templates")


@pytest.fixture
def pg(fund: tuple[Path, Path]) -> Iterator[str]:
    if not postgres_reachable():
        pytest.skip(f"no PostgreSQL reachable at {PG_URL}")
    for url in _fresh_postgres():
        np.seed_database(url, *fund)
        yield url


def _start(args: list[str], environment: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "scheduler.cli", *args], env=environment, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_render(night: subprocess.Popen[str]) -> list[str]:
    """Read the night's log until its first chunk is journaled: the night is then surely running."""
    assert night.stderr is not None
    seen = []
    for line in night.stderr:
        seen.append(line)
        if line.startswith("{") and json.loads(line).get("event") == "chunk":
            return seen
    raise AssertionError(f"the night ended before rendering: {''.join(seen)[-2000:]}")


def _letters_once(url: str, root: Path, day: date = NIGHT) -> np.Outcome:
    state = np.outcome(url, root, day)  # refuses an event journaled twice
    with connect(url).connect() as connection:
        keys = connection.scalar(select(func.count(schema.letters.c.event_key.distinct())))
        rows = connection.scalar(select(func.count()).select_from(schema.letters))
    assert keys == rows
    return state


@pytest.mark.parametrize(("case", "days"), [
    ("the same night started twice", [NIGHT, NIGHT]),
    ("the same night started three times", [NIGHT, NIGHT, NIGHT]),
    ("two different nights", [NIGHT, NIGHT + timedelta(days=1)]),
])
def test_nights_started_together_one_runs_the_others_are_told_who_holds_it(
        pg: str, fund: tuple[Path, Path], tmp_path: Path, case: str, days: list[date]) -> None:
    environment = np.env(pg, tmp_path, fund[1], chunk=2, **RENDERING_A_WHILE)
    runs = [_start(["run", "--as-of", d.isoformat()], environment, tmp_path / f"cwd{i}") for i, d in enumerate(days)]
    results = [(d, p.wait(timeout=600), *p.communicate()) for d, p in zip(days, runs, strict=True)]
    winners = [r for r in results if r[1] in (0, 1)]
    losers = [r for r in results if r not in winners]
    assert len(winners) == 1, [(r[1], r[3][-500:]) for r in results]
    for day, code, _out, err in losers:
        assert code == 2 and "Traceback" not in err
        assert LOSER.match(err.splitlines()[-1]), err
    ran = winners[0][0]
    state = _letters_once(pg, tmp_path, ran)
    assert state.run_status == "complete" and state.lock_holder is None
    assert {r["status"] for r in state.letters.values()} <= {"batched"}
    # The losers' nights run afterwards, adding nothing to the night that ran (--backdate: the winner may be
    # the later of two nights, and a night before the last completed one asks for it).
    for day, *_ in losers:
        again = np.cli(["run", "--as-of", day.isoformat(), "--backdate"], environment, tmp_path / "again")
        assert again.returncode in (0, 1), again.stderr[-2000:]
    assert _letters_once(pg, tmp_path, ran).letters == state.letters


def _changed_fund(source: Path, target: Path) -> tuple[str, str, str]:
    """The fund's files with one affiliate moved and one payment more: (affiliate id, new street, payment id)."""
    target.mkdir()
    for name in ("contributions.csv",):
        (target / name).write_bytes((source / name).read_bytes())
    with (source / "affiliates.csv").open(encoding="utf-8", newline="") as handle:
        affiliates = list(csv.DictReader(handle))
    moved = affiliates[0]
    moved["street"] = "Rue de la Concurrence"
    with (target / "affiliates.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(affiliates[0]))
        writer.writeheader()
        writer.writerows(affiliates)
    with (source / "payments.csv").open(encoding="utf-8", newline="") as handle:
        payments = list(csv.DictReader(handle))
    extra = dict(payments[-1], payment_id="P-CONCURRENT-1", amount="12.34")
    with (target / "payments.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(payments[0]))
        writer.writeheader()
        writer.writerows([*payments, extra])
    return moved["affiliate_id"], moved["street"], extra["payment_id"]


def test_an_import_while_a_night_renders_loses_nothing_and_doubles_nothing(
        pg: str, fund: tuple[Path, Path], tmp_path: Path) -> None:
    environment = np.env(pg, tmp_path, fund[1], chunk=2, **RENDERING_A_WHILE)
    affiliate, street, payment = _changed_fund(fund[0], tmp_path / "changed")
    night = _start(["run", "--as-of", NIGHT.isoformat()], environment, tmp_path / "night")
    log = _wait_for_render(night)
    imported = np.cli(["import", str(tmp_path / "changed")], environment, tmp_path / "import")
    assert night.poll() is None, "the night ended before the import: nothing concurrent was tested"
    _out, err = night.communicate(timeout=600)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    lines = {line.split(":")[0]: line for line in imported.stdout.splitlines() if ".csv:" in line}
    assert "30 rows read, 0 new, 1 changed" in lines["affiliates.csv"]
    assert " 1 new, 0 changed" in lines["payments.csv"]
    assert night.returncode in (0, 1), "".join(log) + err
    state = _letters_once(pg, tmp_path)
    assert state.run_status == "complete" and {r["status"] for r in state.letters.values()} == {"batched"}
    with connect(pg).connect() as connection:
        assert connection.scalar(select(schema.affiliates.c.street)
                                 .where(schema.affiliates.c.affiliate_id == affiliate)) == street
        assert connection.scalar(select(func.count()).select_from(schema.payments)
                                 .where(schema.payments.c.payment_id == payment)) == 1
    # The night that ran is the record: rerunning it after the import adds and changes nothing.
    again = np.run_night(environment, tmp_path / "again")
    assert again.returncode in (0, 1) and "already complete" in again.stdout
    assert _letters_once(pg, tmp_path).letters == state.letters


def test_a_mailroom_pickup_during_a_night_is_refused_until_ready_then_recorded_once(
        pg: str, fund: tuple[Path, Path], tmp_path: Path) -> None:
    environment = np.env(pg, tmp_path, fund[1], chunk=2, **RENDERING_A_WHILE)
    night = _start(["run", "--as-of", NIGHT.isoformat()], environment, tmp_path / "night")
    _wait_for_render(night)
    early = np.cli(["mailroom", "collect", NIGHT.isoformat(), "--by", "Mailroom A"], environment, tmp_path / "a")
    assert night.poll() is None, "the night ended before the pick-up: nothing concurrent was tested"
    assert early.returncode == 1 and f"the night of {NIGHT} is not ready" in early.stderr, early.stderr
    night.communicate(timeout=600)
    assert night.returncode in (0, 1)
    # Two pick-ups at the same moment: one is recorded, the other is told by whom.
    pickups = [_start(["mailroom", "collect", NIGHT.isoformat(), "--by", who], environment, tmp_path / who)
               for who in ("Mailroom-B", "Mailroom-C")]
    results = [(p.wait(timeout=300), *p.communicate()) for p in pickups]
    assert sorted(code for code, *_ in results) == [0, 1], results
    [(_, won, _)] = [r for r in results if r[0] == 0]
    [(_, lost, _)] = [r for r in results if r[0] == 1]
    who = re.search(r"collected by (Mailroom-[BC])", won)
    assert who and f"already collected by {who.group(1)}" in lost
    with connect(pg).connect() as connection:
        assert connection.execute(select(schema.collections.c.collected_by)).scalars().all() == [who.group(1)]
    verify = np.cli(["mailroom", "verify", NIGHT.isoformat()], environment, tmp_path / "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
