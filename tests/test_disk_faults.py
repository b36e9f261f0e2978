"""Disk full and read-only folders, for real: the archive or the output folder is a small tmpfs (mounted by
this test, which needs root; skipped otherwise) that fills up or is remounted read-only under a real night.

The night must stop with one clear line and exit 2 (no traceback), mark nothing rendered or batched that is
not on disk, leave no READY, and complete on the next run once the space is back — the same letters, once.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import night_process as np
import pytest

pytestmark = pytest.mark.slow

AFFILIATES = 8


def _mount(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True,
                          check=False)
    return done.returncode == 0


def _remount(folder: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True, capture_output=True)


@pytest.fixture(scope="module")
def fund(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("disk-fund")
    templates = np.templates_copy(root / "letter_templates")
    seed = f"sqlite:///{root / 'seed.db'}"
    np.seed_database(seed, np.demo_fund(root / "fund", AFFILIATES), templates)
    return root, templates, seed


@pytest.fixture
def mounts(tmp_path: Path) -> Iterator[list[Path]]:
    made: list[Path] = []
    yield made
    for folder in made:
        subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)


# (case, folder on the small tmpfs, mount options: a PDF is ~50 KB, the night's print files ~500 KB)
CASES = [
    ("archive disk full", "archive", "size=120k,mode=0750"),
    ("output disk full", "output", "size=64k,mode=0750"),
    ("archive read-only", "archive", "size=64m,mode=0750,ro"),
    ("output read-only", "output", "size=64m,mode=0750,ro"),
]


@pytest.mark.parametrize(("case", "where", "options"), CASES, ids=[c[0] for c in CASES])
def test_the_night_stops_cleanly_marks_nothing_unwritten_and_completes_once_space_is_back(
        fund: tuple[Path, Path, str], tmp_path: Path, mounts: list[Path], case: str, where: str,
        options: str) -> None:
    _root, templates, seed = fund
    if not _mount(tmp_path / where, options):
        pytest.skip("cannot mount a tmpfs here (needs root): disk-full and read-only cases not run")
    mounts.append(tmp_path / where)
    url = np.Databases(seed, tmp_path).clone()
    environment = np.env(url, tmp_path, templates, chunk=2)

    stopped = np.run_night(environment, tmp_path / "cwd")
    assert stopped.returncode == 2, (stopped.returncode, stopped.stderr[-3000:])
    assert "Traceback" not in stopped.stderr
    message = stopped.stderr.strip().splitlines()[-1]
    assert message.startswith("run: the night stopped: ")
    assert ("No space left on device" if "full" in case else "Read-only file system") in message
    state = np.outcome(url, tmp_path)
    assert state.letters, "nothing was planned: the fault was not reached"
    for letter in state.letters.values():  # journaled as rendered or batched means whole on disk
        if letter["status"] in ("rendered", "batched"):
            assert state.archive.get(letter["archive_path"]) == letter["sha256"]
    assert "READY" not in state.folder and state.run_status != "complete"
    assert not [name for name in state.archive if name.rsplit("/", 1)[-1].startswith(".")]
    assert state.lock_holder is None

    _remount(tmp_path / where, "rw,size=64m")
    resumed = np.run_night(environment, tmp_path / "cwd")
    assert resumed.returncode in (0, 1), resumed.stderr[-3000:]
    done = np.outcome(url, tmp_path)
    assert done.run_status == "complete" and "READY" in done.folder
    assert set(done.letters) == set(state.letters)
    assert {r["status"] for r in done.letters.values()} == {"batched"}
    assert done.archive == {r["archive_path"]: r["sha256"] for r in done.letters.values()}
    assert done.output_entries == [np.NIGHT.isoformat()]
    manifest = (tmp_path / "output" / np.NIGHT.isoformat() / "manifest.csv").read_text().splitlines()[1:]
    assert sorted(line.split(",")[0] for line in manifest) == sorted(r["letter_id"] for r in done.letters.values())
