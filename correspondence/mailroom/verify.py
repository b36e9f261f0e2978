"""`mailroom verify`: re-check a night's folder against the journal — every file (missing, extra, altered),
the manifest against the letters journalled for that night, and each archived letter's sha256.

Returns the differences as sentences naming the file or letter; an empty list means the folder is intact.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Row, select

from correspondence import journal, schema
from correspondence.files import OutsideRoot, inside
from correspondence.mailroom.print_files import MANIFEST_COLUMNS, NOT_RECORDED, night_folder
from correspondence.plurals import counted


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ran(connection: Connection, day: date) -> bool:
    """Whether the journal has a night of `day` (started, whatever became of it)."""
    return connection.scalar(select(schema.runs.c.run_date).where(schema.runs.c.run_date == day)) is not None


def verify(connection: Connection, output_dir: Path, archive_dir: Path, day: date) -> list[str]:
    folder = night_folder(output_dir, day)
    if not folder.is_dir():
        return [f"{folder}: no such folder"]
    problems = []
    if not (folder / "READY").is_file():
        problems.append("READY is missing: the night's folder is not complete")
    f = schema.mailroom_files.c
    recorded = {r.path: r for r in connection.execute(select(schema.mailroom_files).where(f.run_date == day))}
    if not recorded:
        problems.append(f"the journal has no record of the files of the night of {day}")
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - set(NOT_RECORDED)
    letters = _night_letters(connection, day)
    manifest = _manifest_rows(folder)
    held_in = _letters_by_print_file(letters)
    problems += [f"{name}: missing" + _holding(held_in.get(name, [])) for name in sorted(set(recorded) - on_disk)]
    problems += [f"{name}: extra file, not written by the night" for name in sorted(on_disk - set(recorded))]
    for name in sorted(set(recorded) & on_disk):
        path, row = folder / name, recorded[name]
        if path.stat().st_size != row.bytes or _sha256(path) != row.sha256:
            problems.append(f"{name}: altered (sha256 differs from the journal's)")
    problems += _manifest(letters, manifest)
    problems += _ebox(letters, folder)
    problems += _each_letter_in_one_print_file(connection, letters, manifest, folder, day)
    problems += _archive(connection, archive_dir, day)
    return problems


SHOWN_IDS = 20  # letter ids named in one line; the rest are counted


def _ids(letter_ids: list[str]) -> str:
    more = len(letter_ids) - SHOWN_IDS
    return ", ".join(letter_ids[:SHOWN_IDS]) + (f" and {more} more" if more > 0 else "")


def _holding(letter_ids: list[str]) -> str:
    return f" — it holds letter{'s' * (len(letter_ids) != 1)} {_ids(letter_ids)}" if letter_ids else ""


def _night_letters(connection: Connection, day: date) -> list[Row]:
    """The journal's letters of the night's folder (journal.accounted: the e-Box may settle a letter on a later
    night), read once for every check that needs them."""
    l = schema.letters.c
    return list(connection.execute(select(l.letter_id, l.status, l.print_file, l.first_page, l.sha256, l.ebox_message_id)
                                   .where(journal.accounted(day)).order_by(l.letter_id)))


def _manifest_rows(folder: Path) -> list[dict[str, str]] | None:
    """manifest.csv's rows, read once; None when there is none (reported as missing)."""
    path = folder / "manifest.csv"
    if not path.is_file():
        return None
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _letters_by_print_file(letters: list[Row]) -> dict[str, list[str]]:
    held: dict[str, list[str]] = {}
    for letter in letters:
        if letter.print_file is not None:
            held.setdefault(letter.print_file, []).append(letter.letter_id)
    return held


def _each_letter_in_one_print_file(connection: Connection, letters: list[Row], manifest: list[dict[str, str]] | None,
                                   folder: Path, day: date) -> list[str]:
    """Every letter the journal has for the night (so counts as sent) is in exactly one print file: placed in a
    print file the journal records for the night and that is on disk, listed once in the manifest; and each
    print file holds as many letters as the journal counted when it was written."""
    p = schema.print_files.c
    files = {r.file: r.letters for r in connection.execute(select(p.file, p.letters).where(p.run_date == day))}
    listed: dict[str, list[str]] = {}
    for row in manifest or []:
        listed.setdefault(row.get("letter_id") or "", []).append(row.get("file") or "")
    unplaced, elsewhere, twice = [], [], []
    count: dict[str, int] = {}
    for letter_id, status, print_file, _, _, _ in letters:
        if status in journal.ELECTRONIC:
            continue  # in the e-Box, or waiting for it: in no print file (checked against ebox.csv)
        if status != "batched" or print_file is None:
            unplaced.append(letter_id)
            continue
        count[print_file] = count.get(print_file, 0) + 1
        if print_file not in files or not (folder / print_file).is_file():
            elsewhere.append(letter_id)
        if len(listed.get(letter_id, [])) > 1:
            twice.append(f"{letter_id} ({', '.join(listed[letter_id])})")
    problems = []
    if unplaced:
        problems.append(f"letter{'s' * (len(unplaced) != 1)} {_ids(unplaced)} of the journal "
                        f"{'are' if len(unplaced) != 1 else 'is'} in no print file: journaled for the night, never "
                        "printed")
    if elsewhere:
        problems.append(f"letter{'s' * (len(elsewhere) != 1)} {_ids(elsewhere)}: the print file the journal names "
                        "is not one of the night's")
    if twice:
        problems.append(f"letter{'s' * (len(twice) != 1)} {_ids(twice)}: in more than one print file")
    for name, letters in sorted(files.items()):
        if count.get(name, 0) != letters:
            problems.append(f"{name}: the journal counted {counted(letters, 'letter')} in it, "
                            f"{counted(count.get(name, 0), 'letter')} of the journal are placed in it")
    return problems


def _ebox(letters: list[Row], folder: Path) -> list[str]:
    """Every letter the journal has as delivered in the e-Box for the night is listed in its ebox.csv, as
    delivered, with the message id the journal has; and ebox.csv lists no other letter as delivered."""
    delivered = {r.letter_id: r.ebox_message_id or "" for r in letters if r.status == journal.EBOX}
    path = folder / "ebox.csv"
    if not path.is_file():
        return [f"ebox.csv: missing, and the journal has {counted(len(delivered), 'letter')} delivered in the "
                "e-Box for the night"] if delivered else []
    listed = {row.get("letter_id") or "": row.get("message_id") or ""
              for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
              if row.get("status") == "delivered"}
    problems = [f"ebox.csv: letter {x} is not delivered in the e-Box according to the journal"
                for x in sorted(set(listed) - set(delivered))]
    problems += [f"ebox.csv: letter {x}, delivered in the e-Box according to the journal, is not listed"
                 for x in sorted(set(delivered) - set(listed))]
    problems += [f"ebox.csv: letter {x}: its message id differs from the journal's"
                 for x in sorted(set(listed) & set(delivered)) if listed[x] != delivered[x]]
    return problems


def _manifest(letters: list[Row], rows: list[dict[str, str]] | None) -> list[str]:
    if rows is None:
        return []  # already reported as missing
    journal = {r.letter_id: r for r in letters if r.status == "batched"}
    if rows and tuple(rows[0]) != MANIFEST_COLUMNS:
        return ["manifest.csv: its columns are not the manifest's"]
    problems = []
    listed = set()
    for row in rows:
        letter = journal.get(row["letter_id"])
        listed.add(row["letter_id"])
        if letter is None:
            problems.append(f"manifest.csv: letter {row['letter_id']} is not a printed letter of the night in the journal")
        elif (row["file"], row["first_page"], row["sha256"]) != (letter.print_file, str(letter.first_page), letter.sha256):
            problems.append(f"manifest.csv: letter {row['letter_id']}: file, page or sha256 differs from the journal")
    problems += [f"manifest.csv: letter {x} of the journal is not listed" for x in sorted(set(journal) - listed)]
    return problems


def _archive(connection: Connection, archive_dir: Path, day: date) -> list[str]:
    l = schema.letters.c
    problems = []
    for letter_id, relative, sha in connection.execute(
            select(l.letter_id, l.archive_path, l.sha256).where(l.run_date == day, l.archive_path.is_not(None))
            .order_by(l.letter_id)):
        try:
            path = inside(archive_dir, relative)
        except OutsideRoot:
            problems.append(f"archive {relative}: not inside the archive folder (letter {letter_id})")
            continue
        if not path.is_file():
            problems.append(f"archive {relative}: missing (letter {letter_id})")
        elif _sha256(path) != sha:
            problems.append(f"archive {relative}: altered (letter {letter_id}: sha256 differs from the journal's)")
    return problems
