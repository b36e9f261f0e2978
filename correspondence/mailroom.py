"""The night's print output: files per mail class in postcode order, manifest, deposit list, READY last.

Each letter starts on a new sheet (a blank back page follows a letter with an odd page count); a file
holds at most `max_sheets` sheets and never splits a letter. The folder is built beside its final place
and renamed into it, and READY is written only once the journal records where every letter went.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from sqlalchemy import Connection, bindparam, select

from correspondence import faults, schema
from correspondence.files import atomic_write, make_dir, sync_dir

MANIFEST_COLUMNS = ("letter_id", "file", "first_page", "pages", "sheets", "mail_class", "letter_type",
                    "language", "postcode", "sha256")
REGISTERED_COLUMNS = ("sequence", "recipient", "address", "postcode", "city", "letter_id", "reference")
MAIL_CLASSES = ("ordinary", "registered")


@dataclass(frozen=True)
class Placement:
    letter_id: str
    file: str
    first_page: int
    pages: int  # pages the letter takes in the print file, blank back page included
    sheets: int


@dataclass(frozen=True)
class PrintFile:
    file: str
    mail_class: str
    letters: int
    sheets: int
    pages: int
    sha256: str


def night_folder(output_dir: Path, day: date) -> Path:
    return output_dir / day.isoformat()


def is_ready(output_dir: Path, day: date) -> bool:
    return (night_folder(output_dir, day) / "READY").exists()


def _letters(connection: Connection, day: date) -> list[dict[str, Any]]:
    l = schema.letters.c
    query = (
        select(l.letter_id, l.mail_class, l.letter_type, l.language, l.postcode, l.sha256, l.pages,
               l.archive_path, l.context)
        .where(l.run_date == day, l.status.in_(("rendered", "batched")))
        .order_by(l.mail_class, l.postcode, l.sort_name, l.letter_id)
    )
    return [dict(r) for r in connection.execute(query).mappings()]


def split_into_files(letters: list[dict[str, Any]], max_sheets: int) -> list[list[dict[str, Any]]]:
    """Consecutive groups of at most max_sheets sheets; a letter bigger than that gets a file alone."""
    files: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    sheets = 0
    for letter in letters:
        need = (letter["pages"] + 1) // 2
        if current and sheets + need > max_sheets:
            files.append(current)
            current, sheets = [], 0
        current.append(letter)
        sheets += need
    if current:
        files.append(current)
    return files


def build_print_file(letters: Iterable[dict[str, Any]], name: str, archive_dir: Path) -> tuple[bytes, list[Placement]]:
    writer = PdfWriter()
    placements = []
    for letter in letters:
        reader = PdfReader(archive_dir / letter["archive_path"])
        first = len(writer.pages) + 1
        for page in reader.pages:
            writer.add_page(page)
        if len(reader.pages) % 2:
            box = reader.pages[-1].mediabox
            writer.add_blank_page(width=box.width, height=box.height)
        pages = len(writer.pages) - first + 1
        placements.append(Placement(letter["letter_id"], name, first, pages, pages // 2))
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), placements


def _csv(rows: Iterable[Iterable[Any]], header: Iterable[str]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def registered_rows(letters: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for letter in (x for x in letters if x["mail_class"] == "registered"):
        context = json.loads(letter["context"])
        lines = context["recipient"]["address_lines"]
        postcode, _, city = lines[2].partition(" ")
        reference = context.get("payment", {}).get("reference", context["letter"]["id"])
        rows.append([len(rows) + 1, lines[0], lines[1], postcode, city, letter["letter_id"], reference])
    return rows


def assemble(
    connection: Connection, day: date, output_dir: Path, archive_dir: Path, max_sheets: int,
    summary: dict[str, Any], summary_text: str, extra_files: dict[str, bytes] | None = None,
) -> list[PrintFile]:
    """Write the night's folder, record placements in the journal (same transaction as the caller's)."""
    final = night_folder(output_dir, day)
    staging = output_dir / f".{day.isoformat()}.partial"
    for stale in (staging, final):
        if stale.exists():
            shutil.rmtree(stale)  # an earlier attempt without READY: rebuilt identically below
    make_dir(staging)
    letters = _letters(connection, day)
    print_files: list[PrintFile] = []
    placements: dict[str, Placement] = {}
    for mail_class in MAIL_CLASSES:
        groups = split_into_files([x for x in letters if x["mail_class"] == mail_class], max_sheets)
        for number, group in enumerate(groups, start=1):
            name = f"{mail_class}/batch-{number:04d}.pdf"
            data, placed = build_print_file(group, name, archive_dir)
            atomic_write(staging / name, data, sync=False)
            faults.checkpoint("mailroom.file")
            placements.update((p.letter_id, p) for p in placed)
            print_files.append(PrintFile(name, mail_class, len(group), sum(p.sheets for p in placed),
                                         sum(p.pages for p in placed), hashlib.sha256(data).hexdigest()))
    manifest = []
    for letter in letters:
        p = placements[letter["letter_id"]]
        manifest.append([letter["letter_id"], p.file, p.first_page, p.pages, p.sheets, letter["mail_class"],
                         letter["letter_type"], letter["language"], letter["postcode"], letter["sha256"]])
    atomic_write(staging / "manifest.csv", _csv(manifest, MANIFEST_COLUMNS), sync=False)
    faults.checkpoint("mailroom.file")
    registered = registered_rows(letters)
    if registered:
        atomic_write(staging / "registered.csv", _csv(registered, REGISTERED_COLUMNS), sync=False)
    summary["print_files"] = [pf.__dict__ for pf in print_files]
    atomic_write(staging / "summary.json", json.dumps(summary, indent=2, sort_keys=True).encode(), sync=False)
    atomic_write(staging / "summary.txt", summary_text.encode(), sync=False)
    for name, data in (extra_files or {}).items():
        atomic_write(staging / name, data, sync=False)
    for path in staging.rglob("*"):
        if path.is_dir():
            sync_dir(path)
    sync_dir(staging)
    faults.checkpoint("mailroom.staged")
    staging.rename(final)
    faults.checkpoint("mailroom.renamed")
    sync_dir(output_dir)
    _record(connection, day, placements, print_files)
    return print_files


def _record(connection: Connection, day: date, placements: dict[str, Placement], files: list[PrintFile]) -> None:
    l = schema.letters.c
    if placements:
        connection.execute(
            schema.letters.update()
            .where(l.letter_id == bindparam("lid"))
            .values(status="batched", print_file=bindparam("pf"), first_page=bindparam("fp")),
            [{"lid": p.letter_id, "pf": p.file, "fp": p.first_page} for p in placements.values()],
        )
    connection.execute(schema.print_files.delete().where(schema.print_files.c.run_date == day))
    if files:
        connection.execute(schema.print_files.insert(), [{"run_date": day, **pf.__dict__} for pf in files])


def mark_ready(output_dir: Path, day: date) -> None:
    final = night_folder(output_dir, day)
    atomic_write(final / "READY", f"{day.isoformat()}\n".encode())
    faults.checkpoint("mailroom.ready_written")
    sync_dir(final)
