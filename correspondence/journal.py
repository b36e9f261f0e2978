"""The journal: the legal record of what each night planned, rendered, held back, decided and printed.

Every write of it goes through this module, inside the caller's transaction: the night plans letters and
records chunk results, the mailroom records where each letter was printed, the mantelzorg kind records its
decisions, the case lists their entries. A letter that cannot go out becomes a quarantine row here and only
here, from a `Quarantine` (the renderer's `Failed` is turned into one by `failed`). Reading stays with whoever
reads (report, mailroom, commands).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, and_, bindparam, delete, func, or_, select

from correspondence import schema
from correspondence.kinds.letter import Event, Letter
from correspondence.quarantine import Quarantine
from correspondence.render import forms
from correspondence.render.jobs import STAMP_MIN_LETTERS, Failed

RENDER_ACTION = "correct the template (templates check), then rerun"


def open_night(connection: Connection, on: date) -> date:
    """The first night from `on` that a change made now still reaches: `on`, or the day after the latest night
    started since (a night plans on what it finds when it starts; one skipped before that may never run)."""
    latest = connection.scalar(select(func.max(schema.runs.c.run_date)).where(schema.runs.c.run_date >= on))
    return on if latest is None else max(on, latest + timedelta(days=1))


def archive_path(recipient_type: str, recipient_id: str, letter_id: str, letter_type: str) -> str:
    """Where a letter's PDF is archived, relative to the archive folder (the journal keeps this path)."""
    return f"{recipient_type}/{recipient_id}/{letter_id}-{letter_type}.pdf"


# ---- planning ---------------------------------------------------------------------------------------------

def planned(letter_id: str, day: date, letter: Letter, template_hash: str) -> dict[str, Any]:
    """A composed letter's journal row, status planned; the recipient's address kept as fields beside the
    context, so the mailroom's lists read fields and never the printed lines."""
    recipient = letter.context["recipient"]
    return {
        "letter_id": letter_id, "event_key": letter.event_key, "run_date": day,
        "letter_type": letter.letter_type, "recipient_type": letter.recipient_type,
        "recipient_id": letter.recipient_id, "language": letter.language,
        "mail_class": letter.mail_class, "postcode": letter.postcode, "sort_name": letter.sort_name,
        "street": recipient["street"], "city": recipient["city"], "country": recipient["country"],
        "status": "planned", "template_hash": template_hash,
        "context": json.dumps(letter.context, sort_keys=True, ensure_ascii=False), "form": forms.form(letter.context),
    }


# A letter's status once rendered: on paper (printed tonight, then placed in a print file), or in the e-Box
# (delivered, or waiting for its answer: correspondence/ebox/publish.py).
PRINTED = ("rendered", "batched")
EBOX, EBOX_PENDING = "ebox", "ebox_pending"
ELECTRONIC = (EBOX, EBOX_PENDING)


def channel(status: str) -> str:
    """The letter's channel by its status: ebox (delivered or waiting for the e-Box) or paper."""
    return "ebox" if status in ELECTRONIC else "paper"


def accounted(day: date) -> Any:
    """The letters night `day`'s folder accounts for (in its print files or its ebox.csv): its own letters,
    unless the e-Box settled them on a later night, and the letters of earlier nights the e-Box settled on this
    one (`print_night`, correspondence/ebox/publish.py)."""
    l = schema.letters.c
    return or_(l.print_night == day, and_(l.run_date == day, l.print_night.is_(None)))


def record_letters(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Planned letters (rows from `planned`), one statement."""
    if rows:
        connection.execute(schema.letters.insert(), rows)


def handled(connection: Connection, keys: list[str]) -> set[str]:
    """Of these event keys, those already handled: a letter journaled, an event left to the former system at
    go-live, or a letter the former system sent (letters_sent.csv)."""
    found: set[str] = set()
    for table in (schema.letters, schema.former_letters, schema.letters_sent):
        found.update(connection.scalars(select(table.c.event_key).where(table.c.event_key.in_(keys))))
    return found


def stamped_forms(connection: Connection, day: date) -> frozenset[tuple[str, str | None]]:
    """The (template snapshot, form) pairs with enough letters on night `day` to be worth stamping
    (jobs.STAMP_MIN_LETTERS; a letter is stamped when `(template_hash, form)` is in the set), counted over every
    letter of the night whatever its status: a rerun, or a reprint, decides as the first run. Letters planned
    before forms were recorded (form NULL) count per snapshot, as they did."""
    l = schema.letters.c
    rows = connection.execute(select(l.template_hash, l.form, func.count()).where(l.run_date == day)
                              .group_by(l.template_hash, l.form)).all()
    return frozenset((h, f) for h, f, n in rows if h is not None and n >= STAMP_MIN_LETTERS)


def record_former(connection: Connection, day: date, events: list[Event]) -> None:
    """Events due before go-live: handled by the fund's former system, journaled tonight, never printed."""
    if events:
        connection.execute(schema.former_letters.insert(), [
            {"event_key": e.key, "run_date": day, "letter_type": e.letter_type, "recipient_type": e.recipient_type,
             "recipient_id": e.recipient_id, "due_on": e.due_on} for e in events])


@dataclass(frozen=True)
class Note:
    """A remark on a letter that did not stop it but a person should see (a contradicting language)."""
    event_key: str
    record: str
    kind: str
    note: str


def notes(letter: Letter) -> list[Note]:
    record = f"{letter.recipient_type} {letter.recipient_id}"
    return [Note(letter.event_key, record, kind, note) for kind, note in letter.notes]


def record_notes(connection: Connection, day: date, remarks: list[Note]) -> None:
    if remarks:
        connection.execute(schema.notes.insert(), [{"run_date": day, **r.__dict__} for r in remarks])


# ---- quarantine -------------------------------------------------------------------------------------------

def quarantine_row(day: date, event_key: str, held: Quarantine) -> dict[str, Any]:
    """THE quarantine row: the night, the event and what the Quarantine says (record, field, reason, action)."""
    return {"run_date": day, "event_key": event_key, "record": held.record, "field": held.field,
            "reason": held.reason, "action": held.action}


def failed(result: Failed, record: str) -> Quarantine:
    """The renderer's `Failed` as the one failure value: its template must be corrected."""
    return Quarantine(record, result.field, result.reason, RENDER_ACTION)


def record_quarantine(connection: Connection, day: date, held: list[tuple[str, Quarantine]]) -> None:
    """Letters that cannot go out tonight, as (event key, Quarantine)."""
    if held:
        connection.execute(schema.quarantine.insert(), [quarantine_row(day, key, q) for key, q in held])


# ---- rendering --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Archived:
    """A rendered letter safely on disk: its pages, the sha256 of its PDF and where it is archived."""
    letter_id: str
    pages: int
    sha256: str
    archive_path: str


@dataclass(frozen=True)
class Withdrawn:
    """A planned letter that failed to render: withdrawn from the night and quarantined. (Not the trigger's
    `kinds.letter.Held`, an event held before it became a planned letter.)"""
    letter_id: str
    event_key: str
    quarantine: Quarantine


def record_chunk(connection: Connection, day: date, archived: list[Archived], held: list[Withdrawn]) -> None:
    """A chunk's results: its archived letters rendered (one statement), its failures withdrawn and held."""
    l = schema.letters.c
    if archived:
        connection.execute(
            schema.letters.update().where(l.letter_id == bindparam("lid"))
            .values(status="rendered", pages=bindparam("pages"), sha256=bindparam("sha"),
                    archive_path=bindparam("path")),
            [{"lid": a.letter_id, "pages": a.pages, "sha": a.sha256, "path": a.archive_path} for a in archived],
        )
    if held:
        connection.execute(delete(schema.letters).where(l.letter_id.in_([h.letter_id for h in held])))
        record_quarantine(connection, day, [(h.event_key, h.quarantine) for h in held])


# ---- decisions and case lists -----------------------------------------------------------------------------

def record_decisions(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Decisions taken tonight, as their letter kind's `record` gives them from the event's facts (the rows of
    `schema.decisions`: event_key, claim_id, decided_on, outcome, result): the basis of later decisions."""
    if rows:
        connection.execute(schema.decisions.insert(), rows)


class CaseEntry(Protocol):
    key: str
    list: str
    record: str
    row: dict[str, Any]


def record_case_entries(connection: Connection, day: date, entries: Iterable[CaseEntry]) -> int:
    """Tonight's case-list entries whose key was never recorded (one per key, ever); returns how many."""
    return sum(record_case_entry(connection, day, e.key, e.list, e.record, e.row) for e in entries)


def record_case_entry(connection: Connection, day: date, key: str, list_name: str, record: str,
                      row: dict[str, Any]) -> bool:
    """One entry of a case handlers' list for the night of `day`, unless its key was ever recorded."""
    t = schema.case_list_entries.c
    if connection.scalar(select(t.key).where(t.key == key)) is not None:
        return False
    connection.execute(schema.case_list_entries.insert().values(
        key=key, list=list_name, run_date=day, record=record, row=json.dumps(row, ensure_ascii=False)))
    return True


# ---- the mailroom -----------------------------------------------------------------------------------------

class Placed(Protocol):
    letter_id: str
    file: str
    first_page: int


class PrintFileRecord(Protocol):
    file: str
    mail_class: str
    letters: int
    sheets: int
    pages: int
    sha256: str


def record_placements(connection: Connection, placements: list[Placed]) -> None:
    """One print file's letters marked batched, with their file and first page (one statement)."""
    l = schema.letters.c
    if placements:
        connection.execute(
            schema.letters.update()
            .where(l.letter_id == bindparam("lid"))
            .values(status="batched", print_file=bindparam("pf"), first_page=bindparam("fp")),
            [{"lid": p.letter_id, "pf": p.file, "fp": p.first_page} for p in placements],
        )


def record_print_files(connection: Connection, day: date, files: list[PrintFileRecord]) -> None:
    """The night's print files, replacing an earlier attempt's."""
    connection.execute(schema.print_files.delete().where(schema.print_files.c.run_date == day))
    if files:
        connection.execute(schema.print_files.insert(), [
            {"run_date": day, "file": f.file, "mail_class": f.mail_class, "letters": f.letters, "sheets": f.sheets,
             "pages": f.pages, "sha256": f.sha256} for f in files])


def record_folder_files(connection: Connection, day: date, written: dict[str, tuple[int, str]]) -> None:
    """Every file of the night's folder (path -> bytes, sha256), for `mailroom verify`."""
    f = schema.mailroom_files.c
    connection.execute(schema.mailroom_files.delete().where(f.run_date == day))
    connection.execute(schema.mailroom_files.insert(), [
        {"run_date": day, "path": name, "bytes": size, "sha256": sha} for name, (size, sha) in sorted(written.items())])


def record_reprint(connection: Connection, letter_id: str, file: str, sha256: str) -> None:
    """A letter printed again (`mailroom reprint`): which file, when, and the sha256 it matches."""
    connection.execute(schema.reprints.insert().values(
        letter_id=letter_id, file=file, printed_at=datetime.now(UTC), sha256=sha256))
