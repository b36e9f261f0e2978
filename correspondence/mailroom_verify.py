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

from sqlalchemy import Connection, select

from correspondence import schema
from correspondence.mailroom import MANIFEST_COLUMNS, NOT_RECORDED, folder_files, night_folder


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify(connection: Connection, output_dir: Path, archive_dir: Path, day: date) -> list[str]:
    folder = night_folder(output_dir, day)
    if not folder.is_dir():
        return [f"{folder}: no such folder"]
    problems = []
    if not (folder / "READY").is_file():
        problems.append("READY is missing: the night's folder is not complete")
    f = folder_files.c
    recorded = {r.path: r for r in connection.execute(select(folder_files).where(f.run_date == day))}
    if not recorded:
        problems.append(f"the journal has no record of the files of the night of {day}")
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - set(NOT_RECORDED)
    problems += [f"{name}: missing" for name in sorted(set(recorded) - on_disk)]
    problems += [f"{name}: extra file, not written by the night" for name in sorted(on_disk - set(recorded))]
    for name in sorted(set(recorded) & on_disk):
        path, row = folder / name, recorded[name]
        if path.stat().st_size != row.bytes or _sha256(path) != row.sha256:
            problems.append(f"{name}: altered (sha256 differs from the journal's)")
    problems += _manifest(connection, folder, day)
    problems += _archive(connection, archive_dir, day)
    return problems


def _manifest(connection: Connection, folder: Path, day: date) -> list[str]:
    path = folder / "manifest.csv"
    if not path.is_file():
        return []  # already reported as missing
    l = schema.letters.c
    journal = {r.letter_id: r for r in connection.execute(
        select(l.letter_id, l.print_file, l.first_page, l.sha256).where(l.run_date == day, l.status == "batched"))}
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
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
        path = archive_dir / relative
        if not path.is_file():
            problems.append(f"archive {relative}: missing (letter {letter_id})")
        elif _sha256(path) != sha:
            problems.append(f"archive {relative}: altered (letter {letter_id}: sha256 differs from the journal's)")
    return problems
