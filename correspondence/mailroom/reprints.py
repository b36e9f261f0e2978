"""Reprint one letter exactly as it was sent: re-rendered from the journal's template snapshot and context,
accepted only when its sha256 equals the journal's; otherwise the archived copy (checked the same way).
The print file goes to output/reprints/<date>/ and the reprint is recorded in the journal. `before` tells the
mailroom what to know first: the letter went registered, its address has changed since, it came back.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from correspondence import journal, schema
from correspondence.files import OutsideRoot, atomic_write, inside, make_dir
from correspondence.mailroom import addresses
from correspondence.render.dispatch import Failed, Job, Renderer
from correspondence.templates import snapshots


@dataclass(frozen=True)
class Reprint:
    letter_id: str
    path: Path
    sha256: str
    source: str  # re-rendered | archive
    message: str


class CannotReprint(Exception):
    """Neither a re-rendering nor the archived copy matches the journal (or the letter is unknown)."""


@dataclass(frozen=True)
class Before:
    """What the mailroom must know before printing a letter again."""

    letter_id: str
    letter_type: str
    run_date: date
    recipient: str  # "affiliate A0000001": the id, never the name
    mail_class: str
    rendered: bool
    reprints: int
    returned: bool  # recorded as returned mail
    address_changed: bool  # the recipient's address today is not the one printed on the letter
    gone: bool  # the recipient is no longer in the fund's data
    channel: str = "paper"  # paper | ebox (delivered in the e-Box) | ebox_pending (waiting for it)
    ebox_message_id: str | None = None


def before(connection: Connection, letter_id: str, on: date, box_label: dict[str, str]) -> Before | None:
    """The letter as the reprint form shows it, with its warnings; None for an unknown letter."""
    letter = connection.execute(select(schema.letters).where(schema.letters.c.letter_id == letter_id)).mappings().first()
    if letter is None:
        return None
    kind, recipient_id = letter["recipient_type"], letter["recipient_id"]
    sent_to = json.loads(letter["context"])["recipient"]["address_lines"][1:]
    now = addresses.today(connection, kind, recipient_id, on, box_label)
    reprinted = connection.scalar(select(func.count()).select_from(schema.reprints)
                                  .where(schema.reprints.c.letter_id == letter_id))
    returned = connection.scalar(select(func.count()).select_from(schema.returned_mail)
                                 .where(schema.returned_mail.c.letter_id == letter_id))
    return Before(letter_id, letter["letter_type"], letter["run_date"], f"{kind} {recipient_id}",
                  letter["mail_class"], bool(letter["sha256"]), int(reprinted or 0), bool(returned),
                  now is not addresses.GONE and now != sent_to, now is addresses.GONE,
                  letter["status"] if letter["status"] in journal.ELECTRONIC else "paper",
                  letter["ebox_message_id"])


def _rerender(engine: Engine, letter: dict[str, object]) -> tuple[bytes | None, str]:
    try:
        with engine.connect() as connection:
            stamp = (letter["template_hash"], letter["form"]) in journal.stamped_forms(connection, letter["run_date"])
            job = Job(str(letter["letter_id"]), str(letter["letter_type"]), str(letter["language"]),
                      str(letter["template_hash"]), json.loads(str(letter["context"])), stamp)
            [result] = Renderer(lambda h: snapshots.load(connection, h)).render([job])
    except (LookupError, ValueError) as exc:
        return None, str(exc)
    if isinstance(result, Failed):
        return None, f"{result.field}: {result.reason}"
    if result.sha256 != letter["sha256"]:
        return None, f"re-rendering gave different bytes (sha256 {result.sha256[:12]}…)"
    return result.pdf, ""


def reprint(engine: Engine, output_dir: Path, archive_dir: Path, letter_id: str, on: date) -> Reprint:
    l = schema.letters.c
    with engine.connect() as connection:
        letter = connection.execute(select(schema.letters).where(l.letter_id == letter_id)).mappings().first()
    if letter is None:
        raise CannotReprint(f"no letter {letter_id} in the journal")
    if not letter["sha256"] or not letter["archive_path"]:
        raise CannotReprint(f"letter {letter_id} was not rendered yet (status {letter['status']})")
    pdf, why = _rerender(engine, dict(letter))
    source = "re-rendered"
    message = (f"re-rendered from template snapshot {letter['template_hash'][:12]}; identical to the letter "
               f"sent on {letter['run_date']} (sha256 {letter['sha256'][:12]}…)")
    if pdf is None:
        try:
            archived = inside(archive_dir, letter["archive_path"])
        except OutsideRoot:
            raise CannotReprint(f"cannot reprint {letter_id} exactly: {why}, and the journal's archive path of it "
                                "is not inside the archive folder (run: correspondence mailroom verify)") from None
        if not archived.is_file():
            raise CannotReprint(f"cannot reprint {letter_id} exactly: {why}, and the archived copy {archived} "
                                "is missing")
        pdf = archived.read_bytes()
        if hashlib.sha256(pdf).hexdigest() != letter["sha256"]:
            raise CannotReprint(f"cannot reprint {letter_id} exactly: {why}, and the archived copy {archived} "
                                "does not match the journal's sha256 (run: correspondence mailroom verify)")
        source = "archive"
        message = f"could not re-render it identically ({why}); printed the archived copy, which matches the journal"
    folder = make_dir(make_dir(output_dir / "reprints") / on.isoformat())
    path = folder / f"{letter_id}-{letter['letter_type']}.pdf"
    atomic_write(path, pdf)
    with engine.begin() as connection:
        journal.record_reprint(connection, letter_id, str(path), letter["sha256"])
    return Reprint(letter_id, path, letter["sha256"], source, message)
