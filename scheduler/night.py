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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from correspondence import faults, fund_profile, import_record, journal, schema
from correspondence.config import Settings, load_fund
from correspondence.ebox import publish as ebox_publish
from correspondence.files import OutsideRoot
from correspondence.kinds import case_lists, collection_lists, registry
from correspondence.kinds.fund import FundView
from correspondence.kinds.letter import ComposeEnv, Event, Held, LetterKind, compose, left_to_former_system
from correspondence.log import log
from correspondence.mailroom import print_files
from correspondence.quarantine import Quarantine
from correspondence.render import libreoffice
from correspondence.render.pool import WorkersFailing, release_freed_memory
from correspondence.store import NotReady, check_schema, connect
from correspondence.templates import catalog, snapshots
from correspondence.templates.approved import ApprovedTypes
from correspondence.timing import Stopwatch
from rules.params import Parameters
from scheduler import lock as night_lock
from scheduler import run_record
from scheduler.rendering import Interrupted, Progress, render
from scheduler.report import build_summary, summary_text


class CannotRun(Exception):
    """The night could not run at all (exit 2): no database, no schema, locked by another run.

    `retry` says whether the same night may run if tried again shortly (another night holds the lock);
    the daemon decides on it, never on the message."""

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry


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


def plan(connection: Connection, day: date, settings: Settings, params: Parameters,
         seconds: Counter[str] | None = None, kinds: tuple[LetterKind, ...] = registry.KINDS,
         progress: Progress | None = None) -> int:
    """Journal a planned letter for every new event of the `kinds`' triggers, quarantine what cannot go out.

    Events are read and journaled PLAN_BATCH at a time (one insert per batch), so memory does not grow with
    the night. `seconds` receives the time spent reading the fund (triggers), composing letters (compose)
    and writing the journal (journal). `progress` hears the letters planned so far after each batch."""
    seconds = Counter() if seconds is None else seconds
    profile = load_fund(settings.fund_file)
    # Each letter's settings and template come from the approved snapshot in force, never the working copy.
    approved = ApprovedTypes(connection, settings.templates_dir, day, catalog.services_of(profile))
    env = ComposeEnv(day, profile, {}, params, settings=approved)
    go_live = fund_profile.go_live(profile)
    fund = FundView(connection, go_live)
    named = registry.by_name(kinds)
    sequence = planned = 0
    watch = Stopwatch(seconds)
    if progress:
        progress("plan", 0, None)
    for trigger in registry.triggers(kinds):
        for batch in _batched(watch.timed(trigger(fund, day, params), "triggers"), PLAN_BATCH):
            with watch.step("triggers"):
                known = journal.handled(connection, [e.key for e in batch])
                fresh = [e for e in batch if e.key not in known]
                # Due before go-live: the former system's event, journaled as such, never composed nor printed.
                # A held event due before go-live is the former system's too: neither quarantined nor journaled.
                former = [e for e in fresh if isinstance(e, Event) and left_to_former_system(e, go_live)]
                left = {e.key for e in fresh if left_to_former_system(e, go_live)}
                fresh = [e for e in fresh if e.key not in left]
                recipients: dict[tuple[str, str], dict[str, Any]] = {}
                events = [e for e in fresh if isinstance(e, Event)]
                for kind in {e.recipient_type for e in events}:
                    found = fund.recipients(kind, [e.recipient_id for e in events if e.recipient_type == kind])
                    recipients.update(((kind, rid), row) for rid, row in found.items())
            rows, held, remarks, decisions = [], [], [], []
            with watch.step("compose"):
                for event in fresh:
                    sequence += 1  # a held value takes its number too: the ids of the letters after it stay put
                    letter_id = f"{day:%Y%m%d}-{sequence:06d}"
                    try:
                        if isinstance(event, Held):  # what a trigger could not read is held as a composer's failure
                            raise event.quarantine
                        letter_kind = named.get(event.letter_type)
                        letter = compose(letter_kind, event,
                                         recipients.get((event.recipient_type, event.recipient_id)), env, letter_id)
                    except Quarantine as q:
                        held.append((event.key, q))
                        continue
                    remarks.extend(journal.notes(letter))
                    rows.append(journal.planned(letter_id, day, letter,
                                                approved.hash(letter.letter_type, letter.language)))
                    if letter_kind and letter_kind.record:  # a decision: recorded from its facts, the basis of later ones
                        decisions.extend(letter_kind.record(event, day))
            with watch.step("journal"):
                journal.record_letters(connection, rows)
                journal.record_former(connection, day, former)
                journal.record_decisions(connection, decisions)
                journal.record_quarantine(connection, day, held)
                journal.record_notes(connection, day, remarks)
            planned += len(rows)
            if progress:
                progress("plan", planned, None)
            faults.checkpoint("plan.batch")
    with watch.step("journal"):
        case_lists.record(connection, fund, day, params, collection_lists.LISTS)
        run_record.record_parameters(connection, day, params)
    return planned



def run_night(settings: Settings, day: date, progress: Progress | None = None,
              stop: threading.Event | None = None, kinds: tuple[LetterKind, ...] = registry.KINDS) -> NightResult:
    """The night for `day`, from wherever an earlier attempt left it, writing the letters of `kinds`. `stop`,
    when set (the daemon's SIGTERM), ends the render stage between chunks: the night is left unfinished and
    the next run resumes it."""
    engine = connect(settings.db_url)
    try:
        try:
            check_schema(engine)
        except NotReady as exc:
            raise CannotRun(str(exc)) from exc
        try:
            lock = night_lock.acquire(engine, day)
        except night_lock.Locked as exc:
            raise CannotRun(str(exc), retry=True) from exc
        try:
            libreoffice.remove_stale_profiles()  # left by the workers of a night that was killed
            return _run_locked(engine, settings, day, lock, progress, stop, kinds)
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
                progress: Progress | None, stop: threading.Event | None,
                kinds: tuple[LetterKind, ...]) -> NightResult:
    r = schema.runs.c
    faults.checkpoint("night.locked")
    attempt = 1
    latest_import = None
    with engine.begin() as connection:
        run = connection.execute(select(schema.runs).where(r.run_date == day)).mappings().first()
        if run is None or run["status"] == "planning":  # it plans on the fund as imported: not on a stale export
            latest_import = import_record.latest(connection)
            allowed = fund_profile.max_export_age(load_fund(settings.fund_file))
            if stale := import_record.too_old(latest_import, allowed):  # measured against the clock, not `day`
                log("night", stage="refused", run_date=day, outcome="export too old")
                raise CannotRun(stale)
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
    stages = Stopwatch()  # each stage's seconds in this attempt; `steps` below, the steps within one stage
    if status == "planning":
        steps = Stopwatch()
        with engine.begin() as connection:
            with stages.step("plan"):
                planned = plan(connection, day, settings, params, steps.seconds, kinds, progress)
                connection.execute(schema.runs.update().where(r.run_date == day).values(
                    status="rendering", import_id=latest_import["id"] if latest_import else None))
            run_record.record_stage(connection, day, attempt, "plan", stages.seconds["plan"], planned)
            _record_steps(connection, day, attempt, "plan", steps)
            faults.checkpoint("plan.uncommitted")
        faults.checkpoint("plan.committed")
        release_freed_memory()  # the triggers' ledgers are read: their pages go back before the workers start
        log("night", stage="plan", run_date=day, letters=planned, seconds=round(stages.seconds["plan"], 2))
        status = "rendering"
    if status == "rendering":
        steps = Stopwatch()
        try:
            with stages.step("render"):
                rendered = render(engine, day, settings, lock, progress, stop, steps)
        finally:
            with engine.begin() as connection:
                run_record.record_stage(connection, day, attempt, "render", stages.seconds["render"], 0)
                _record_steps(connection, day, attempt, "render", steps)
        with engine.begin() as connection:
            connection.execute(schema.runs.update().where(r.run_date == day).values(status="assembling"))
        log("night", stage="render", run_date=day, letters=rendered, seconds=round(stages.seconds["render"], 2))
        faults.checkpoint("render.done")
        status = "assembling"
    if not print_files.is_ready(settings.output_dir, day):
        steps = Stopwatch()
        fund = load_fund(settings.fund_file)
        ebox_on = progress is not None and settings.ebox is not None and fund.get("ebox") is not None
        if ebox_on and progress:
            progress("e-Box", 0, None)
        with stages.step("ebox"):  # before the print files: a letter the e-Box takes is in none of them
            published = ebox_publish.publish(engine, day, settings, fund)
        if ebox_on and progress:
            progress("e-Box", sum(published.values()), sum(published.values()))
        if progress:
            progress("assemble", 0, None)
        if published:  # only a night the e-Box had a part in has the stage in its record
            with engine.begin() as connection:
                run_record.record_stage(connection, day, attempt, "ebox", stages.seconds["ebox"],
                                        sum(published.values()))
        with stages.step("assemble"):
            with engine.begin() as connection:
                timings = run_record.timings(connection, day)
                summary = build_summary(connection, day, run_record.parameters(connection, day), timings, settings)
                summary["attempts"] = attempt
                print_files.assemble(connection, day, settings.output_dir, settings.archive_dir,
                                     int(fund["mailroom"]["max_sheets_per_file"]), summary, summary_text(summary),
                                     {**case_lists.files(connection, day), **ebox_publish.night_files(connection, day)},
                                     templates_dir=settings.templates_dir,
                                     fund=fund, seconds=steps.seconds, workers=settings.workers)
                faults.checkpoint("assemble.uncommitted")
            faults.checkpoint("night.before_ready")
            print_files.mark_ready(settings.output_dir, day)
            faults.checkpoint("night.ready")
        with engine.begin() as connection:
            run_record.record_stage(connection, day, attempt, "assemble", stages.seconds["assemble"],
                                    summary["letters"])
            _record_steps(connection, day, attempt, "assemble", steps)
        log("night", stage="assemble", run_date=day, letters=summary["letters"],
            print_files=len(summary["print_files"]), seconds=round(stages.seconds["assemble"], 2))
        if progress:
            progress("assemble", summary["letters"], summary["letters"])
    summary = json.loads((print_files.night_folder(settings.output_dir, day) / "summary.json").read_text())
    with engine.begin() as connection:
        connection.execute(schema.runs.update().where(r.run_date == day).values(
            status="complete", finished_at=datetime.now(UTC), summary=json.dumps(summary, sort_keys=True)))
    faults.checkpoint("night.complete")
    log("night", stage="complete", run_date=day, letters=summary["letters"], quarantined=len(summary["quarantined"]))
    return NightResult(day, "complete", summary["letters"], len(summary["quarantined"]), summary)


def _record_steps(connection: Connection, day: date, attempt: int, stage: str, steps: Stopwatch) -> None:
    """A stage's steps in the night's record beside the stage, as `stage.step` (render.layout, plan.compose),
    with the letters a step counts (render.type.reminder: the reminders rendered; render.stamped.reminder: those
    printed into their shape's plan, the others were laid out on their own)."""
    for step in sorted(steps.seconds.keys() | steps.letters.keys()):
        run_record.record_stage(connection, day, attempt, f"{stage}.{step}", steps.seconds[step], steps.letters[step])


def output_path(settings: Settings, day: date) -> Path:
    return print_files.night_folder(settings.output_dir, day)
