"""A letter's PDF bytes do not depend on the chunk it was rendered in nor on the worker that rendered it.

Reprints re-render a letter alone and must give the sha256 the journal recorded, and the benchmark's
throughput settings (workers, chunk size) must never change what is mailed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from conftest import settings_for
from sqlalchemy import select

from bench import decisions, fund
from correspondence import journal, schema
from correspondence.config import Settings
from correspondence.store import connect, init
from scheduler import run_record
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


MIX_AFFILIATES = 30


def _mixed_night(settings: Settings, folder: Path) -> tuple[dict[str, tuple[str, str]], dict[str, int]]:
    """letter id -> (letter type, journal sha256) of the demo fund's quarter-end night, every letter type approved,
    and the letters the night stamped per type (its record's render.stamped.<type>)."""
    engine = connect(settings.db_url)
    init(engine)
    _, profile = fund.load_mix(engine, MIX_AFFILIATES, NIGHT, folder, settings.templates_dir)
    result = run_night(replace(settings, fund_file=profile), NIGHT)
    assert result.status == "complete"
    l = schema.letters.c
    with engine.connect() as connection:
        rows = connection.execute(select(l.letter_id, l.letter_type, l.sha256).where(
            l.run_date == NIGHT, l.sha256.is_not(None))).all()
        stamped = {stage.removeprefix("render.stamped."): n for stage, n in
                   run_record.letters_counted(connection, NIGHT).items() if stage.startswith("render.stamped.")}
    engine.dispose()
    return {r.letter_id: (r.letter_type, r.sha256) for r in rows}, stamped


@pytest.mark.slow
def test_every_letter_type_is_the_same_for_any_worker_count_and_chunk_size(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quarter-end mix, stamped wherever it can be (the night's minimum of letters per form lowered to one,
    so a small night stamps): one letter per chunk in the night's own process, against two worker processes with
    chunks of 50. On SQLite only: the database does not touch the bytes (the due-notice test above runs on both)."""
    monkeypatch.setattr(journal, "STAMP_MIN_LETTERS", 1)
    one = settings_for(f"sqlite:///{tmp_path / 'one.db'}", tmp_path / "one")
    reference, stamped = _mixed_night(replace(one, workers=0, chunk_size=1), tmp_path / "fund1")
    two = settings_for(f"sqlite:///{tmp_path / 'two.db'}", tmp_path / "two")
    other, _ = _mixed_night(replace(two, workers=2, chunk_size=50), tmp_path / "fund2")
    assert other == reference
    types = {letter_type for letter_type, _ in reference.values()}
    assert {"due_notice", "formal_notice", "regularisation", "company_due_notice"} <= types
    assert {t for t in types if stamped.get(t)} >= {"due_notice", "formal_notice", "regularisation"}, stamped
