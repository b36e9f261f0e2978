"""A letter's PDF bytes do not depend on the chunk it was rendered in nor on the worker that rendered it.

Reprints re-render a letter alone and must give the sha256 the journal recorded, and the benchmark's
throughput settings (workers, chunk size) must never change what is mailed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bench import decisions, fund
from correspondence import schema
from correspondence.config import Settings
from correspondence.store import connect, init
from scheduler.night import run_night

NIGHT = date(2026, 10, 1)
AFFILIATES = 12


def _night(settings: Settings) -> dict[str, tuple[str, bytes]]:
    """letter id -> (journal sha256, archived PDF bytes) of a 12-letter due-notice night."""
    engine = connect(settings.db_url)
    init(engine)
    fund.load(engine, AFFILIATES, NIGHT)
    fund.approve_working_copy(engine, settings.templates_dir, "due_notice", ("nl", "fr", "de"))
    result = run_night(settings, NIGHT)
    assert (result.status, result.letters, result.quarantined) == ("complete", AFFILIATES, 0)
    l = schema.letters.c
    with engine.connect() as connection:
        rows = connection.execute(select(l.letter_id, l.sha256, l.archive_path).where(l.run_date == NIGHT)).all()
    engine.dispose()
    return {r.letter_id: (r.sha256, (settings.archive_dir / r.archive_path).read_bytes()) for r in rows}


@pytest.mark.parametrize(("workers", "chunk"), [
    (0, 1),   # every letter alone, as a reprint renders it
    (0, 5),   # small chunks, several languages mixed per chunk
    (2, 50),  # the whole night in one chunk, in spawned worker processes
])
def test_sha256_per_letter_is_the_same_for_any_worker_count_and_chunk_size(
        settings: Settings, tmp_path: Path, workers: int, chunk: int) -> None:
    reference = _night(replace(settings, workers=0, chunk_size=12))
    other = _night(replace(settings, db_url=f"sqlite:///{tmp_path / 'other.db'}", output_dir=tmp_path / "o2",
                           archive_dir=tmp_path / "a2", workers=workers, chunk_size=chunk))
    assert sorted(other) == sorted(reference)
    assert len({sha for sha, _ in reference.values()}) == AFFILIATES  # twelve different letters
    for letter_id, (sha, pdf) in reference.items():
        assert other[letter_id][0] == sha, letter_id
        assert other[letter_id][1] == pdf, letter_id


def _decision_night(settings: Settings) -> dict[str, tuple[str, bytes]]:
    """letter id -> (journal sha256, archived PDF bytes) of a night of six Word decisions."""
    engine = connect(settings.db_url)
    init(engine)
    decisions.load(engine, decisions.claims_fund(6, decisions.DEFAULT_NIGHT))
    for letter_type in decisions.DECISIONS:
        fund.approve_working_copy(engine, settings.templates_dir, letter_type, ("nl", "fr", "de"))
    result = run_night(settings, decisions.DEFAULT_NIGHT)
    assert (result.status, result.letters, result.quarantined) == ("complete", 6, 0)
    l = schema.letters.c
    with engine.connect() as connection:
        rows = connection.execute(select(l.letter_id, l.sha256, l.archive_path)
                                  .where(l.run_date == decisions.DEFAULT_NIGHT)).all()
    engine.dispose()
    return {r.letter_id: (r.sha256, (settings.archive_dir / r.archive_path).read_bytes()) for r in rows}


@pytest.mark.slow
def test_word_decisions_are_the_same_for_any_worker_count_and_chunk_size(settings: Settings, tmp_path: Path) -> None:
    """Filling, LibreOffice and the check overlap in three threads per worker: the bytes must not care."""
    reference = _decision_night(replace(settings, workers=0, chunk_size=6))
    other = _decision_night(replace(settings, db_url=f"sqlite:///{tmp_path / 'other.db'}", output_dir=tmp_path / "o2",
                                    archive_dir=tmp_path / "a2", workers=2, chunk_size=2))
    assert sorted(other) == sorted(reference)
    assert len({sha for sha, _ in reference.values()}) == 6
    for letter_id, (sha, pdf) in reference.items():
        assert other[letter_id] == (sha, pdf), letter_id
