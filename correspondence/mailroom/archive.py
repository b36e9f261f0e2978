"""The archive as a case handler sees it: every letter a recipient ever got, from the journal (the index),
with where it was printed, its archived files (PDF, and DOCX where it has one), reprints and returns.

Files live in <archive>/<recipient_type>/<id>/<letter_id>-<type>.pdf; the journal's letters.archive_path
points to each, so there is no second index to drift out of step.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, func, select

from correspondence import schema
from correspondence.files import OutsideRoot, inside


@dataclass(frozen=True)
class Archived:
    letter_id: str
    run_date: date
    letter_type: str
    language: str
    mail_class: str
    pages: int | None
    print_file: str | None
    first_page: int | None
    files: tuple[str, ...]  # archived files, relative to the archive folder
    intact: bool  # the PDF is there and its sha256 equals the journal's
    reprints: int
    returned: str  # the reason, when the post brought it back


def letters_of(connection: Connection, archive_dir: Path, recipient_id: str) -> list[Archived]:
    l = schema.letters.c
    rp, rm = schema.reprints.c, schema.returned_mail.c
    reprints = dict(connection.execute(
        select(rp.letter_id, func.count()).join(schema.letters, l.letter_id == rp.letter_id)
        .where(l.recipient_id == recipient_id).group_by(rp.letter_id)).all())
    returned = dict(connection.execute(
        select(rm.letter_id, rm.reason).join(schema.letters, l.letter_id == rm.letter_id)
        .where(l.recipient_id == recipient_id)).all())
    out = []
    for r in connection.execute(select(schema.letters).where(l.recipient_id == recipient_id)
                                .order_by(l.run_date, l.letter_id)).mappings():
        pdf = _archived(archive_dir, r["archive_path"])
        files = tuple(sorted(p.relative_to(archive_dir).as_posix()
                             for p in pdf.parent.glob(f"{r['letter_id']}-*"))) if pdf else ()
        intact = bool(pdf and pdf.is_file() and hashlib.sha256(pdf.read_bytes()).hexdigest() == r["sha256"])
        out.append(Archived(r["letter_id"], r["run_date"], r["letter_type"], r["language"], r["mail_class"],
                            r["pages"], r["print_file"], r["first_page"], files, intact,
                            reprints.get(r["letter_id"], 0), returned.get(r["letter_id"], "")))
    return out


def _archived(archive_dir: Path, relative: str | None) -> Path | None:
    """The archived PDF's path, or None when the journal has none or it would lie outside the archive."""
    if not relative:
        return None
    try:
        return inside(archive_dir, relative)
    except OutsideRoot:
        return None
