"""The night's render stage: the planned letters, chunk by chunk, through the render workers into the archive.

A chunk's PDFs are written and synced before the chunk is journaled (one transaction), so a crash loses at
most the chunk in hand and the rerun renders the letters still planned. Memory holds the chunks in flight
(workers + 1), never the night. A stop asked for (the daemon's SIGTERM) ends the stage between chunks.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select, true

from correspondence import faults, journal, schema
from correspondence.config import Settings
from correspondence.files import OutsideRoot, atomic_write, inside, sync_dir
from correspondence.log import log
from correspondence.plurals import counted
from correspondence.quarantine import Quarantine
from correspondence.render.dispatch import STAMPED_STEP, TYPE_STEP
from correspondence.render.jobs import Failed, Job
from correspondence.render.pool import RenderPool, release_freed_memory
from correspondence.templates import catalog
from correspondence.timing import Stopwatch
from scheduler import lock as night_lock

Progress = Callable[[str, int, int | None], None]  # stage, done, total (None: not known yet)


class Interrupted(Exception):
    """The night stopped between chunks because a stop was requested; it resumes on the next run."""


@dataclass(frozen=True)
class Owner:
    """What the night needs of a letter besides its job: where to archive it, what to quarantine."""
    recipient_type: str
    recipient_id: str
    letter_type: str
    event_key: str

    @property
    def record(self) -> str:
        return f"{self.recipient_type} {self.recipient_id}"


def _chunks(engine: Engine, day: date, size: int, owners: dict[str, Owner],
            word_types: frozenset[str] = frozenset()) -> Iterator[list[Job]]:
    """The planned letters, `size` at a time, read chunk by chunk; each chunk's owners are added to `owners`
    (the caller removes them once the chunk is journaled, so it holds the chunks in flight only). The Word
    letters (`word_types`) come first: the LibreOffice that converts them (~180 MB) then lives while the
    workers are small, and ends before their shapes and plans have grown (at 50,000 affiliates, the night's
    peak had been the decisions at the end of the render stage, LibreOffice beside the two largest workers)."""
    l = schema.letters.c
    with engine.connect() as connection:
        stamped = journal.stamped_forms(connection, day)
    word = sorted(word_types)
    parts = [l.letter_type.in_(word), l.letter_type.not_in(word)] if word else [true()]
    for part in parts:
        last = ""
        while True:
            with engine.connect() as connection:
                rows = connection.execute(
                    select(l.letter_id, l.letter_type, l.language, l.template_hash, l.context, l.form,
                           l.recipient_type, l.recipient_id, l.event_key)
                    .where(l.run_date == day, l.status == "planned", part, l.letter_id > last)
                    .order_by(l.letter_id).limit(size)
                ).all()
            if not rows:
                break
            last = rows[-1].letter_id
            owners.update((r.letter_id, Owner(r.recipient_type, r.recipient_id, r.letter_type, r.event_key))
                          for r in rows)
            yield [Job(r.letter_id, r.letter_type, r.language, r.template_hash, json.loads(r.context),
                       (r.template_hash, r.form) in stamped) for r in rows]


def word_types(templates_dir: Path) -> frozenset[str]:
    """The letter types written from a Word template (`format = "docx"`): rendered first (see _chunks)."""
    types, _ = catalog.scan(templates_dir)
    return frozenset(name for name, kind in types.items() if kind.format == "docx")


def render(engine: Engine, day: date, settings: Settings, lock: night_lock.Lock, progress: Progress | None,
           stop: threading.Event | None = None, watch: Stopwatch | None = None) -> int:
    """Render the planned letters chunk by chunk, archive each chunk's PDFs, then journal the chunk (one
    statement). `watch` receives the time spent waiting for rendered chunks (wait), writing and syncing the
    PDFs (write), journaling (journal), and the render workers' own steps (fill, stamp, layout, pdf, split:
    summed over the workers). A set `stop` raises Interrupted once the chunk in hand is journaled."""
    watch = Stopwatch() if watch is None else watch
    l = schema.letters.c
    with engine.connect() as connection:
        todo = connection.scalar(select(func.count()).where(l.run_date == day, l.status == "planned")) or 0
    owners: dict[str, Owner] = {}
    done = 0
    if progress:
        progress("render", 0, todo)
    with RenderPool(settings.db_url, settings.workers) as pool:
        try:
            for chunk, results in watch.timed(pool.render(
                    _chunks(engine, day, settings.chunk_size, owners, word_types(settings.templates_dir))), "wait"):
                with watch.step("write"):
                    faults.checkpoint("render.chunk")
                    archived, held, folders = [], [], set()
                    for result in results:
                        owner = owners.pop(result.letter_id)
                        if isinstance(result, Failed):
                            held.append(journal.Withdrawn(result.letter_id, owner.event_key,
                                                     journal.failed(result, owner.record)))
                            continue
                        relative = journal.archive_path(owner.recipient_type, owner.recipient_id, result.letter_id,
                                                        owner.letter_type)
                        try:
                            target = inside(settings.archive_dir, relative)
                        except OutsideRoot as exc:  # an id that names a folder elsewhere: the letter is held
                            held.append(journal.Withdrawn(result.letter_id, owner.event_key, Quarantine(
                                owner.record, "recipient_id", str(exc), journal.RENDER_ACTION)))
                            continue
                        atomic_write(target, result.pdf)
                        if result.docx is not None:  # Word-template letters: the filled DOCX beside the PDF
                            atomic_write(target.with_suffix(".docx"), result.docx)
                        faults.checkpoint("render.pdf_written")
                        folders.add(target.parent)
                        archived.append(journal.Archived(result.letter_id, result.pages, result.sha256, relative))
                        watch.letters[f"{TYPE_STEP}{owner.letter_type}"] += 1
                        if result.stamped:
                            watch.letters[f"{STAMPED_STEP}{owner.letter_type}"] += 1
                    for folder in folders:
                        sync_dir(folder)
                    faults.checkpoint("render.synced")
                with watch.step("journal"):
                    _journal_chunk(engine, day, archived, held)
                    faults.checkpoint("render.journaled")
                    night_lock.beat(engine, lock)
                release_freed_memory()  # the chunk's PDFs are on disk: their pages go back to the system
                done += len(chunk)
                log("chunk", stage="render", run_date=day, letters=len(archived), failed=len(held), done=done,
                    total=todo)
                if progress:
                    progress("render", done, todo)
                if stop is not None and stop.is_set():
                    raise Interrupted(f"stopped after {done} of {counted(todo, 'letter')}")
        finally:
            watch.seconds.update(pool.seconds)
    return done


def _journal_chunk(engine: Engine, day: date, archived: list[journal.Archived], held: list[journal.Withdrawn]) -> None:
    """One transaction per chunk: its rendered letters in one statement, its failures quarantined."""
    with engine.begin() as connection:
        journal.record_chunk(connection, day, archived, held)
        faults.checkpoint("render.uncommitted")
