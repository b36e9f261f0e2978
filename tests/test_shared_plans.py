"""The night's workers share planned shapes (correspondence/render/stamp/shared.py): one worker plans a shape,
the others read it; a claim whose worker died is taken over; what was planned is the same for every worker."""

from __future__ import annotations

import fcntl
import hashlib
import multiprocessing
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

from correspondence.render.stamp.shared import SharedPlans


def _plan(folder: str, key: str, marks: str) -> str:
    def make() -> str:
        Path(marks, f"{os.getpid()}").write_text("planned")
        return f"plan of {key}"

    return SharedPlans(Path(folder)).get_or("plan", key, make)


def test_a_shape_is_planned_once_for_all_workers(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    (tmp_path / "plans").mkdir()
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        got = pool.starmap(_plan, [(str(tmp_path / "plans"), "shape A", str(marks))] * 8)
    assert got == ["plan of shape A"] * 8
    assert len(list(marks.iterdir())) == 1  # one worker planned it
    assert not list((tmp_path / "plans").glob("*.claim")) and not list((tmp_path / "plans").glob("*.part"))


def test_different_keys_are_different_plans(tmp_path: Path) -> None:
    shared = SharedPlans(tmp_path)
    assert shared.get_or("plan", "a", lambda: 1) == 1
    assert shared.get_or("plan", "b", lambda: 2) == 2
    assert shared.get_or("plan", "a", lambda: 3) == 1  # made once, read since
    assert shared.get_or("shape", "a", lambda: 4) == 4  # another kind, another value


def test_a_claim_whose_worker_died_is_taken_over(tmp_path: Path) -> None:
    claim = tmp_path / f"{hashlib.sha256(b'left over').hexdigest()}.plan.claim"
    claim.write_text("")  # left by a worker killed while planning: nobody holds its lock
    assert SharedPlans(tmp_path).get_or("plan", "left over", lambda: "planned again") == "planned again"
    assert not claim.exists()


def test_a_claim_held_by_a_live_worker_is_waited_for(tmp_path: Path) -> None:
    claim = tmp_path / f"{hashlib.sha256(b'busy').hexdigest()}.plan.claim"
    held = os.open(claim, os.O_CREAT | os.O_WRONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    plan = tmp_path / claim.name.removesuffix(".claim")
    waiter = subprocess.Popen([sys.executable, "-c", (
        "import sys; from pathlib import Path; from correspondence.render.stamp.shared import SharedPlans; "
        f"print(SharedPlans(Path({str(tmp_path)!r})).get_or('plan', 'busy', lambda: 'the waiter planned it'))")],
        stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    assert waiter.poll() is None  # still waiting for the live claim
    plan.write_bytes(pickle.dumps("the claimant planned it"))
    claim.unlink()
    os.close(held)
    assert waiter.communicate(timeout=30)[0].strip() == "the claimant planned it"
