"""The nightly run for one date: plan (triggers → compose → journal), render, assemble, READY.

Planning is one transaction, so a crash during it leaves nothing and the letter ids come out the same on
the rerun. Rendering records letters chunk by chunk after their PDF is safely on disk; a rerun picks up the
letters still planned. Assembly rebuilds the night's folder until READY is written. A completed night is
never touched again, so rerunning a date adds nothing and changes nothing.
"""

from __future__ import annotations

import errno
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, func, inspect, select

from correspondence import catalog, faults, libreoffice, mailroom, schema, snapshots
from correspondence.approved_types import ApprovedTypes
from correspondence.config import Settings, load_fund
from correspondence.files import OutsideRoot, atomic_write, inside, sync_dir
from correspondence.kinds import case_lists, collection_lists, registry
from correspondence.kinds.fund import FundView
from correspondence.kinds.letter import ComposeEnv, Event, Held, LetterKind, compose
from correspondence.log import log
from correspondence.quarantine import Quarantine
from correspondence.render import Failed, Job
from correspondence.render_pool import RenderPool, WorkersFailing
from correspondence.store import connect
from rules.params import Parameters
from scheduler import lock as night_lock
from scheduler import run_record
from scheduler.report import build_summary, summary_text

Progress = Callable[[str, int, int], None]

# Set by the daemon on SIGTERM: render stops between chunks (the chunk in hand is journaled first), the
# night stays unfinished, and the next start resumes it.
stop_requested = threading.Event()


class Interrupted(Exception):
    """The night stopped between chunks because a stop was requested; it resumes on the next run."""


class CannotRun(Exception):
    """The night could not run at all (exit 2): no database, no schema, locked by another run."""


@dataclass
class NightResult:
    day: date
    status: str  # complete | already complete | interrupted
    letters: int = 0
    quarantined: int = 0
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 1 if self.quarantined else 0


PLAN_BATCH = 500  # events composed and journaled per statement while planning


def _batched(items: Iterator[Event | Held], size: int) -> Iterator[list[Event | Held]]:
    while batch := list(islice(items, size)):
        yield batch


def _check_schema(engine: Engine) -> None:
    try:
        if engine.dialect.name == "sqlite":
            # Through the driver in autocommit mode: a night planning in one long write transaction must
            # not make this check wait for it (the lock then says who runs).
            raw = engine.raw_connection()
            try:
                tables = {r[0] for r in raw.cursor().execute("SELECT name FROM sqlite_master WHERE type='table'")}
            finally:
                raw.close()
        else:
            tables = set(inspect(engine).get_table_names())
    except Exception as exc:
        raise CannotRun(f"cannot reach the database: {type(exc).__name__}") from exc
    if "letters" not in tables:
        raise CannotRun("the database has no schema yet: run `correspondence init` first")
    if not {"night_lock", "run_stages"} <= tables:
        raise CannotRun("the database schema is out of date: run `correspondence init` first")


def plan(connection: Connection, day: date, settings: Settings, params: Parameters,
         seconds: Counter[str] | None = None, kinds: tuple[LetterKind, ...] = registry.KINDS) -> int:
    """Journal a planned letter for every new event of the `kinds`' triggers, quarantine what cannot go out.

    Events are read and journaled PLAN_BATCH at a time (one insert per batch), so memory does not grow with
    the night. `seconds` receives the time spent reading the fund (triggers), composing letters (compose)
    and writing the journal (journal)."""
    seconds = Counter() if seconds is None else seconds
    profile = load_fund(settings.fund_file)
    # Each letter's settings and template come from the approved snapshot in force, never the working copy.
    approved = ApprovedTypes(connection, settings.templates_dir, day, catalog.services_of(profile))
    env = ComposeEnv(day, profile, {}, params, settings=approved)
    fund = FundView(connection)
    named = registry.by_name(kinds)
    sequence = planned = 0
    for trigger in registry.triggers(kinds):
        for batch in _batched(_timed(trigger(fund, day, params), seconds, "triggers"), PLAN_BATCH):
            started = time.perf_counter()
            keys = [e.key for e in batch]
            known = set(connection.scalars(select(schema.letters.c.event_key).where(schema.letters.c.event_key.in_(keys))))
            fresh = [e for e in batch if e.key not in known]
            recipients: dict[tuple[str, str], dict[str, Any]] = {}
            events = [e for e in fresh if isinstance(e, Event)]
            for kind in {e.recipient_type for e in events}:
                found = fund.recipients(kind, [e.recipient_id for e in events if e.recipient_type == kind])
                recipients.update(((kind, rid), row) for rid, row in found.items())
            composing = time.perf_counter()
            seconds["triggers"] += composing - started
            rows, held, remarks, decisions = [], [], [], []
            for event in fresh:
                sequence += 1  # a held value takes its number too: the ids of the letters after it stay put
                letter_id = f"{day:%Y%m%d}-{sequence:06d}"
                try:
                    if isinstance(event, Held):  # what a trigger could not read is held as a composer's failure
                        raise event.quarantine
                    letter_kind = named.get(event.letter_type)
                    letter = compose(letter_kind, event, recipients.get((event.recipient_type, event.recipient_id)),
                                     env, letter_id)
                except Quarantine as q:
                    held.append({"run_date": day, "event_key": event.key, "record": q.record, "field": q.field,
                                 "reason": q.reason, "action": q.action})
                    continue
                remarks.extend({"run_date": day, "event_key": event.key, "record": f"{event.recipient_type} "
                                f"{event.recipient_id}", "kind": kind, "note": note} for kind, note in letter.notes)
                rows.append({
                    "letter_id": letter_id, "event_key": letter.event_key, "run_date": day,
                    "letter_type": letter.letter_type, "recipient_type": letter.recipient_type,
                    "recipient_id": letter.recipient_id, "language": letter.language,
                    "mail_class": letter.mail_class, "postcode": letter.postcode, "sort_name": letter.sort_name,
                    "status": "planned", "template_hash": approved.hash(letter.letter_type, letter.language),
                    "context": json.dumps(letter.context, sort_keys=True, ensure_ascii=False),
                })
                if letter_kind and letter_kind.record:  # a decision: recorded from its facts, the basis of later ones
                    decisions.extend(letter_kind.record(event, day))
            journaling = time.perf_counter()
            seconds["compose"] += journaling - composing
            if rows:
                connection.execute(schema.letters.insert(), rows)
                if decisions:
                    connection.execute(schema.decisions.insert(), decisions)
                planned += len(rows)
            if held:
                connection.execute(schema.quarantine.insert(), held)
            if remarks:
                connection.execute(schema.notes.insert(), remarks)
            seconds["journal"] += time.perf_counter() - journaling
            faults.checkpoint("plan.batch")
    started = time.perf_counter()
    case_lists.record(connection, fund, day, params, collection_lists.LISTS)
    run_record.record_parameters(connection, day, params)
    seconds["journal"] += time.perf_counter() - started
    return planned


def _timed(items: Iterator[Event | Held], seconds: Counter[str], stage: str) -> Iterator[Event | Held]:
    """The items, the time taken to produce them added to seconds[stage]."""
    while True:
        started = time.perf_counter()
        item = next(items, None)
        seconds[stage] += time.perf_counter() - started
        if item is None:
            return
        yield item


@dataclass(frozen=True)
class Owner:
    """What the night needs of a letter besides its job: where to archive it, what to quarantine."""
    recipient_type: str
    recipient_id: str
    letter_type: str
    event_key: str


def _chunks(engine: Engine, day: date, size: int, owners: dict[str, Owner]) -> Iterator[list[Job]]:
    """The planned letters, `size` at a time, read chunk by chunk; each chunk's owners are added to `owners`
    (the caller removes them once the chunk is journaled, so it holds the chunks in flight only)."""
    l = schema.letters.c
    last = ""
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                select(l.letter_id, l.letter_type, l.language, l.template_hash, l.context, l.recipient_type,
                       l.recipient_id, l.event_key)
                .where(l.run_date == day, l.status == "planned", l.letter_id > last)
                .order_by(l.letter_id).limit(size)
            ).all()
        if not rows:
            return
        last = rows[-1].letter_id
        owners.update((r.letter_id, Owner(r.recipient_type, r.recipient_id, r.letter_type, r.event_key)) for r in rows)
        yield [Job(r.letter_id, r.letter_type, r.language, r.template_hash, json.loads(r.context)) for r in rows]


def archive_path(recipient_type: str, recipient_id: str, letter_id: str, letter_type: str) -> str:
    return f"{recipient_type}/{recipient_id}/{letter_id}-{letter_type}.pdf"


def render(engine: Engine, day: date, settings: Settings, lock: night_lock.Lock, progress: Progress | None,
           seconds: Counter[str] | None = None) -> int:
    """Render the planned letters chunk by chunk, archive each chunk's PDFs, then journal the chunk (one
    statement). Memory holds the chunks in flight (workers + 1), never the night. `seconds` receives the time
    spent waiting for rendered chunks (wait), writing and syncing the PDFs (write), journaling (journal), and
    the render workers' own steps (fill, stamp, layout, pdf, split: summed over the workers)."""
    seconds = Counter() if seconds is None else seconds
    l = schema.letters.c
    with engine.connect() as connection:
        todo = connection.scalar(select(func.count()).where(l.run_date == day, l.status == "planned")) or 0
    owners: dict[str, Owner] = {}
    done = 0
    with RenderPool(settings.db_url, settings.workers) as pool:
        waiting = time.perf_counter()
        try:
            for chunk, results in pool.render(_chunks(engine, day, settings.chunk_size, owners)):
                writing = time.perf_counter()
                seconds["wait"] += writing - waiting
                faults.checkpoint("render.chunk")
                updates, failed, folders = [], [], set()
                for result in results:
                    owner = owners.pop(result.letter_id)
                    if isinstance(result, Failed):
                        failed.append((result, owner))
                        continue
                    relative = archive_path(owner.recipient_type, owner.recipient_id, result.letter_id,
                                            owner.letter_type)
                    try:
                        target = inside(settings.archive_dir, relative)
                    except OutsideRoot as exc:  # an id that names a folder elsewhere: the letter is held
                        failed.append((Failed(result.letter_id, "recipient_id", str(exc)), owner))
                        continue
                    atomic_write(target, result.pdf)
                    if result.docx is not None:  # Word-template letters: the filled DOCX is archived beside the PDF
                        atomic_write(target.with_suffix(".docx"), result.docx)
                    faults.checkpoint("render.pdf_written")
                    folders.add(target.parent)
                    updates.append({"lid": result.letter_id, "pages": result.pages, "sha": result.sha256,
                                    "path": relative})
                for folder in folders:
                    sync_dir(folder)
                faults.checkpoint("render.synced")
                journaling = time.perf_counter()
                seconds["write"] += journaling - writing
                _journal_chunk(engine, day, updates, failed)
                faults.checkpoint("render.journaled")
                night_lock.beat(engine, lock)
                waiting = time.perf_counter()
                seconds["journal"] += waiting - journaling
                done += len(chunk)
                log("chunk", stage="render", run_date=day, letters=len(updates), failed=len(failed), done=done,
                    total=todo)
                if progress:
                    progress("render", done, todo)
                if stop_requested.is_set():
                    raise Interrupted(f"stopped after {done} of {todo} letters")
        finally:
            seconds.update(pool.seconds)
    return done


def _journal_chunk(engine: Engine, day: date, updates: list[dict[str, Any]], failed: list[tuple[Failed, Owner]]) -> None:
    """One transaction per chunk: its rendered letters in one statement, its failures quarantined."""
    l = schema.letters.c
    with engine.begin() as connection:
        if updates:
            connection.execute(
                schema.letters.update().where(l.letter_id == bindparam("lid"))
                .values(status="rendered", pages=bindparam("pages"), sha256=bindparam("sha"),
                        archive_path=bindparam("path")),
                updates,
            )
        if failed:
            connection.execute(delete(schema.letters).where(l.letter_id.in_([f.letter_id for f, _ in failed])))
            connection.execute(schema.quarantine.insert(), [
                {"run_date": day, "event_key": owner.event_key, "record": f"{owner.recipient_type} {owner.recipient_id}",
                 "field": f.field, "reason": f.reason, "action": "correct the template (templates check), then rerun"}
                for f, owner in failed])
        faults.checkpoint("render.uncommitted")


def run_night(settings: Settings, day: date, progress: Progress | None = None,
              kinds: tuple[LetterKind, ...] = registry.KINDS) -> NightResult:
    """Run the night of `day` to READY (or resume it), writing the letters of `kinds`."""
    engine = connect(settings.db_url)
    try:
        _check_schema(engine)
        try:
            lock = night_lock.acquire(engine, day)
        except night_lock.Locked as exc:
            raise CannotRun(str(exc)) from exc
        try:
            libreoffice.remove_stale_profiles()  # left by the workers of a night that was killed
            return _run_locked(engine, settings, day, lock, progress, kinds)
        except WorkersFailing as exc:
            log("night", stage="stopped", run_date=day, outcome="render workers")
            raise CannotRun(f"the night stopped: {exc}") from exc
        except OutsideRoot as exc:  # a journaled archive path that leaves the archive: the database was altered
            log("night", stage="stopped", run_date=day, outcome="archive path")
            raise CannotRun(f"the night stopped: {exc}; nothing is printed from outside the archive — run "
                            "correspondence mailroom verify") from exc
        except snapshots.UnsafeFile as exc:  # a link among the mailroom's sheets: nothing is printed through it
            log("night", stage="stopped", run_date=day, outcome="template link")
            raise CannotRun(f"the night stopped: {exc}; the night resumes on the next run") from exc
        except Interrupted as exc:
            log("night", stage="interrupted", run_date=day)
            return NightResult(day, "interrupted", summary={"reason": str(exc)})
        except OSError as exc:  # disk full, read-only folder: what is journaled is on disk; the rerun resumes
            log("night", stage="stopped", run_date=day, outcome=errno.errorcode.get(exc.errno or 0, "OSError"))
            raise CannotRun(f"the night stopped: {exc.strerror or exc} ({exc.filename or 'writing a file'}); "
                            "nothing unwritten is marked sent — make room or make it writable, then run "
                            "again: the night resumes") from exc
        finally:
            night_lock.release(engine, lock)
    finally:
        engine.dispose()


def _run_locked(engine: Engine, settings: Settings, day: date, lock: night_lock.Lock,
                progress: Progress | None, kinds: tuple[LetterKind, ...]) -> NightResult:
    r = schema.runs.c
    faults.checkpoint("night.locked")
    attempt = 1
    with engine.begin() as connection:
        run = connection.execute(select(schema.runs).where(r.run_date == day)).mappings().first()
        if run is None:
            connection.execute(schema.runs.insert().values(run_date=day, status="planning",
                                                           started_at=datetime.now(UTC), attempts=1))
            status = "planning"
        else:
            status = run["status"]
            if status != "complete":
                attempt = run["attempts"] + 1
                connection.execute(schema.runs.update().where(r.run_date == day).values(attempts=attempt))
    if status == "complete":
        log("night", stage="skip", status="already complete", run_date=day)
        with engine.connect() as connection:
            summary = json.loads(connection.scalar(select(r.summary).where(r.run_date == day)) or "{}")
        return NightResult(day, "already complete", summary.get("letters", 0), len(summary.get("quarantined", [])), summary)
    faults.checkpoint("night.start")
    params = Parameters()
    log("night", stage="start", status=status, run_date=day, attempt=attempt)
    if status == "planning":
        started = time.monotonic()
        steps: Counter[str] = Counter()
        with engine.begin() as connection:
            planned = plan(connection, day, settings, params, steps, kinds)
            connection.execute(schema.runs.update().where(r.run_date == day).values(status="rendering"))
            run_record.record_stage(connection, day, attempt, "plan", time.monotonic() - started, planned)
            _record_steps(connection, day, attempt, "plan", steps)
            faults.checkpoint("plan.uncommitted")
        faults.checkpoint("plan.committed")
        log("night", stage="plan", run_date=day, letters=planned, seconds=round(time.monotonic() - started, 2))
        status = "rendering"
    if status == "rendering":
        started = time.monotonic()
        steps = Counter()
        try:
            rendered = render(engine, day, settings, lock, progress, steps)
        finally:
            with engine.begin() as connection:
                run_record.record_stage(connection, day, attempt, "render", time.monotonic() - started, 0)
                _record_steps(connection, day, attempt, "render", steps)
        with engine.begin() as connection:
            connection.execute(schema.runs.update().where(r.run_date == day).values(status="assembling"))
        log("night", stage="render", run_date=day, letters=rendered, seconds=round(time.monotonic() - started, 2))
        faults.checkpoint("render.done")
        status = "assembling"
    if not mailroom.is_ready(settings.output_dir, day):
        started = time.monotonic()
        steps = Counter()
        fund = load_fund(settings.fund_file)
        with engine.begin() as connection:
            timings = run_record.timings(connection, day)
            summary = build_summary(connection, day, run_record.parameters(connection, day), timings, settings)
            summary["attempts"] = attempt
            mailroom.assemble(connection, day, settings.output_dir, settings.archive_dir,
                              int(fund["mailroom"]["max_sheets_per_file"]), summary, summary_text(summary),
                              case_lists.files(connection, day), templates_dir=settings.templates_dir, fund=fund,
                              seconds=steps, workers=settings.workers)
            faults.checkpoint("assemble.uncommitted")
        faults.checkpoint("night.before_ready")
        mailroom.mark_ready(settings.output_dir, day)
        faults.checkpoint("night.ready")
        with engine.begin() as connection:
            run_record.record_stage(connection, day, attempt, "assemble", time.monotonic() - started,
                                    summary["letters"])
            _record_steps(connection, day, attempt, "assemble", steps)
        log("night", stage="assemble", run_date=day, letters=summary["letters"],
            print_files=len(summary["print_files"]), seconds=round(time.monotonic() - started, 2))
    summary = json.loads((mailroom.night_folder(settings.output_dir, day) / "summary.json").read_text())
    with engine.begin() as connection:
        connection.execute(schema.runs.update().where(r.run_date == day).values(
            status="complete", finished_at=datetime.now(UTC), summary=json.dumps(summary, sort_keys=True)))
    faults.checkpoint("night.complete")
    log("night", stage="complete", run_date=day, letters=summary["letters"], quarantined=len(summary["quarantined"]))
    return NightResult(day, "complete", summary["letters"], len(summary["quarantined"]), summary)


def _record_steps(connection: Connection, day: date, attempt: int, stage: str, steps: Counter[str]) -> None:
    """A stage's steps in the night's record beside the stage, as `stage.step` (render.layout, plan.compose)."""
    for step, spent in sorted(steps.items()):
        run_record.record_stage(connection, day, attempt, f"{stage}.{step}", spent, 0)


def output_path(settings: Settings, day: date) -> Path:
    return mailroom.night_folder(settings.output_dir, day)
