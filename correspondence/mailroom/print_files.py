"""The night's print output: files per mail class in postcode order, manifest, deposit list, READY last.

Each file opens with a cover sheet (front page + blank back); each letter starts on a new sheet (a blank
back page follows a letter with an odd page count); a file holds at most `max_sheets` sheets, its cover
included, and never splits a letter. The folder is built beside its final place and renamed into it; the
journal records every file's sha256 (`mailroom verify`), and READY is written only once it has.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import shutil
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from correspondence import csv_out, faults, journal, schema
from correspondence.config import Settings, load_fund
from correspondence.files import FILE_MODE, atomic_write, inside, mailroom_gid, make_dir, sync_dir
from correspondence.mailroom import pdf as mailroom_pdf
from correspondence.mailroom import sheets as mailroom_sheets
from correspondence.timing import Stopwatch

MANIFEST_COLUMNS = ("letter_id", "file", "first_page", "pages", "sheets", "mail_class", "letter_type",
                    "language", "postcode", "sha256")
REGISTERED_COLUMNS = ("sequence", "recipient", "address", "postcode", "city", "letter_id", "reference", "country")
FILES_COLUMNS = ("file", "mail_class", "number", "of", "letters", "sheets", "pages", "cover_pages", "registered",
                 "first_postcode", "last_postcode", "sha256")
MAIL_CLASSES = ("ordinary", "registered")
COVER_PAGES = 2  # the cover sheet: its front page and a blank back page
DEPOSIT_LIST = "deposit_list.pdf"
NOT_RECORDED = ("READY",)  # written after the journal's record of the folder

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


STREAM = {"yield_per": 1000}  # letters read in batches, never the whole night at once
# What the print files and the manifest need of each letter (its context is read for registered letters only).
LETTER_COLUMNS = ("letter_id", "mail_class", "letter_type", "language", "postcode", "sha256", "pages", "archive_path")
REGISTERED_READ = ("letter_id", "mail_class", "context", "street", "postcode", "city", "country")


def _letters(connection: Connection, day: date, mail_class: str, columns: Iterable[str] = LETTER_COLUMNS
             ) -> Iterator[dict[str, Any]]:
    """The night's printed letters of one mail class in print order (postcode, name), streamed: its own, and
    those of earlier nights the e-Box did not take after all (correspondence/ebox/publish.py)."""
    l = schema.letters.c
    query = (
        select(*(l[c] for c in columns))
        .where(journal.accounted(day), l.mail_class == mail_class, l.status.in_(journal.PRINTED))
        .order_by(l.postcode, l.sort_name, l.letter_id)
        .execution_options(**STREAM)
    )
    for row in connection.execute(query).mappings():
        yield dict(row)


def split_into_files(letters: Iterable[dict[str, Any]], max_sheets: int) -> Iterator[list[dict[str, Any]]]:
    """Consecutive groups of at most max_sheets sheets; a letter bigger than that gets a file alone."""
    current: list[dict[str, Any]] = []
    sheets = 0
    for letter in letters:
        need = (letter["pages"] + 1) // 2
        if current and sheets + need > max_sheets:
            yield current
            current, sheets = [], 0
        current.append(letter)
        sheets += need
    if current:
        yield current


def build_print_file(letters: Iterable[dict[str, Any]], name: str, archive_dir: Path,
                     cover: bytes | None = None) -> tuple[bytes, list[Placement]]:
    """The print file: the cover's page and a blank back page, then each letter from an odd page on.

    Each letter's PDF is read once; what letters have in common (fonts, images, a stamped letter's background)
    is held once in the file (`mailroom_pdf`)."""
    letters = list(letters)
    data, taken = mailroom_pdf.print_file(cover, [inside(archive_dir, x["archive_path"]) for x in letters])
    return data, _placements(letters, name, taken, COVER_PAGES if cover is not None else 0)


def _placements(letters: list[dict[str, Any]], name: str, taken: list[int], before: int) -> list[Placement]:
    placements, first = [], before + 1
    for letter, pages in zip(letters, taken, strict=True):
        placements.append(Placement(letter["letter_id"], name, first, pages, pages // 2))
        first += pages
    return placements


def _built(groups: Iterable[tuple[mailroom_sheets.Cover, bytes, list[dict[str, Any]]]], archive_dir: Path,
           pool: ProcessPoolExecutor | None, workers: int,
           ) -> Iterator[tuple[mailroom_sheets.Cover, list[dict[str, Any]], bytes, list[Placement]]]:
    """Each print file built, in order; with a pool several files are built side by side in its worker
    processes, at most workers + 1 of them in flight (memory: a few files, never the night)."""
    if pool is None:
        for cover, cover_pdf, group in groups:
            yield cover, group, *build_print_file(group, cover.file, archive_dir, cover_pdf)
        return
    in_flight: deque[tuple[mailroom_sheets.Cover, list[dict[str, Any]], Future[tuple[bytes, list[int]]]]] = deque()

    def done() -> tuple[mailroom_sheets.Cover, list[dict[str, Any]], bytes, list[Placement]]:
        cover, group, future = in_flight.popleft()
        data, taken = future.result()
        return cover, group, data, _placements(group, cover.file, taken, COVER_PAGES)

    for cover, cover_pdf, group in groups:
        paths = [inside(archive_dir, x["archive_path"]) for x in group]  # the journal's paths, proven again
        in_flight.append((cover, group, pool.submit(mailroom_pdf.print_file, cover_pdf, paths)))
        if len(in_flight) > workers:
            yield done()
    while in_flight:
        yield done()


def _csv(rows: Iterable[Iterable[Any]], header: Iterable[str]) -> bytes:
    return csv_out.encode([list(header)]) + csv_out.encode(rows)


def _csv_rows(rows: Iterable[Iterable[Any]]) -> bytes:
    return csv_out.encode(rows)


class _StreamedFile:
    """A folder file written piece by piece (the manifest of a large night), its sha256 computed on the way."""

    def __init__(self, path: Path) -> None:
        self.path, self.size, self.digest = path, 0, hashlib.sha256()
        self.handle = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE), "wb")

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.size += len(data)
        self.digest.update(data)

    def close(self) -> tuple[int, str]:
        self.handle.close()
        os.chmod(self.path, FILE_MODE)
        if (gid := mailroom_gid()) is not None:
            os.chown(self.path, -1, gid)
        return self.size, self.digest.hexdigest()


def registered_rows(letters: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """The deposit list's lines, numbered in print order (the order of the registered print files)."""
    rows = []
    for letter in (x for x in letters if x["mail_class"] == "registered"):
        context = json.loads(letter["context"])
        recipient = context["recipient"]
        street, postcode, city, country = _address_fields(letter, recipient)
        reference = context.get("payment", {}).get("reference", context["letter"]["id"])
        rows.append([len(rows) + 1, recipient["name"], street, postcode, city.upper(), letter["letter_id"],
                     reference, country])
    return rows


def _address_fields(letter: dict[str, Any], recipient: dict[str, Any]) -> tuple[str, str, str, str]:
    """Street line, postcode, city and country as journaled when planning: fields, never split from a
    printed line ('1012 AB'). Letters planned before the journal kept them (NULL) have them in their
    recipient block."""
    if letter.get("city") is not None:
        return letter["street"], letter["postcode"], letter["city"], letter["country"]
    return recipient["street"], recipient["postcode"], recipient["city"], recipient.get("country", "BE")


@dataclass(frozen=True)
class _Group:
    """One print file's letters, counted without holding them: what its cover sheet says."""
    letters: int
    sheets: int
    first_postcode: str
    last_postcode: str


def _groups(connection: Connection, day: date, max_sheets: int) -> dict[str, list[_Group]]:
    """Per mail class, its print files: a first pass over the letters' page counts and postcodes."""
    groups: dict[str, list[_Group]] = {}
    for mail_class in MAIL_CLASSES:
        letters = _letters(connection, day, mail_class, ("letter_id", "pages", "postcode"))
        files = [_Group(len(g), sum((x["pages"] + 1) // 2 for x in g), g[0]["postcode"], g[-1]["postcode"])
                 for g in split_into_files(letters, max_sheets)]
        if files:
            groups[mail_class] = files
    return groups


def _covers(day: date, groups: dict[str, list[_Group]]) -> list[mailroom_sheets.Cover]:
    items = []
    for mail_class, files in groups.items():
        for number, group in enumerate(files, start=1):
            registered = group.letters if mail_class == "registered" else 0
            items.append(mailroom_sheets.Cover(day, mail_class, number, len(files), group.letters, 1 + group.sheets,
                                               registered, _file_name(mail_class, number), group.first_postcode,
                                               group.last_postcode))
    return items


def _file_name(mail_class: str, number: int) -> str:
    return f"{mail_class}/batch-{number:04d}.pdf"


def assemble(
    connection: Connection, day: date, output_dir: Path, archive_dir: Path, max_sheets: int,
    summary: dict[str, Any], summary_text: str, extra_files: dict[str, bytes] | None = None,
    *, templates_dir: Path | None = None, fund: dict[str, Any] | None = None, seconds: Counter[str] | None = None,
    workers: int = 0,
) -> list[PrintFile]:
    """Write the night's folder, record placements and files in the journal (same transaction as the caller's).

    The cover sheets and the deposit list come from `templates_dir`/mailroom and name the `fund`; both default
    to the configured ones (CORRESPONDENCE_TEMPLATES, CORRESPONDENCE_FUND). `seconds` receives the time spent
    on cover sheets (covers), building the print files (files), writing them (write) and the journal (journal).
    Memory holds one print file and the list of files, never the night's letters. With `workers` > 1 the
    print files are built that many at a time in worker processes (the same bytes as built here), and the
    deposit list is laid out beside them."""
    with contextlib.ExitStack() as stack:  # the print files' process pool, when there is one, shut down on leaving
        return _assemble(connection, day, output_dir, archive_dir, max_sheets, summary, summary_text, extra_files,
                         templates_dir=templates_dir, fund=fund, seconds=seconds, workers=workers, stack=stack)


def _assemble(
    connection: Connection, day: date, output_dir: Path, archive_dir: Path, max_sheets: int,
    summary: dict[str, Any], summary_text: str, extra_files: dict[str, bytes] | None = None,
    *, templates_dir: Path | None = None, fund: dict[str, Any] | None = None, seconds: Counter[str] | None = None,
    workers: int = 0, stack: contextlib.ExitStack,
) -> list[PrintFile]:
    seconds = Counter() if seconds is None else seconds
    clock = Stopwatch(seconds)
    if templates_dir is None or fund is None:
        configured = Settings.from_env()
        templates_dir = templates_dir or configured.templates_dir
        fund = fund if fund is not None else load_fund(configured.fund_file)
    final = night_folder(output_dir, day)
    staging = output_dir / f".{day.isoformat()}.partial"
    for stale in (staging, final):
        if stale.exists():
            shutil.rmtree(stale)  # an earlier attempt without READY: rebuilt identically below
    make_dir(staging)
    # The cover takes one sheet of the file's max_sheets; a letter bigger than the rest gets a file alone.
    per_file = max(max_sheets - 1, 1)
    groups = _groups(connection, day, per_file)
    clock.lap("journal")
    covers = _covers(day, groups)
    cover_pdfs = iter(mailroom_sheets.covers(templates_dir, fund, covers))
    clock.lap("covers")
    print_files: list[PrintFile] = []
    file_rows = []
    written: dict[str, tuple[int, str]] = {}  # path -> (bytes, sha256): the journal's record of the folder

    def put(name: str, data: bytes) -> None:
        atomic_write(staging / name, data, sync=False)
        written[name] = (len(data), hashlib.sha256(data).hexdigest())
        faults.checkpoint("mailroom.file")

    # The letters are read again in the same order, one print file's worth at a time; each file's placements
    # go to the journal and its manifest lines to disk before the next file is built.
    manifest = _StreamedFile(staging / "manifest.csv")
    manifest.write(_csv([], MANIFEST_COLUMNS))
    covers_in_order = iter(covers)
    groups_in_order = ((next(covers_in_order), next(cover_pdfs), group) for mail_class in groups
                       for group in split_into_files(_letters(connection, day, mail_class), per_file))
    files_side_by_side = workers if len(covers) > 1 else 0
    pool = stack.enter_context(ProcessPoolExecutor(files_side_by_side, mp_context=multiprocessing.get_context(
        "spawn"))) if files_side_by_side > 1 else None
    # The deposit list depends on the registered letters and the files' names only: laid out (seconds for a
    # few hundred lines) in the pool while the print files are built.
    registered = registered_rows(_letters(connection, day, "registered", REGISTERED_READ))
    registered_files = [c.file for c in covers if c.mail_class == "registered"]
    deposit_args = (templates_dir, fund, day, [dict(zip(REGISTERED_COLUMNS, r, strict=True)) for r in registered],
                    registered_files)
    deposit = pool.submit(mailroom_sheets.deposit_list, *deposit_args) if pool is not None and registered else None
    for cover, group, data, placed in _built(groups_in_order, archive_dir, pool, files_side_by_side):
        clock.lap("files")
        put(cover.file, data)
        clock.lap("write")
        journal.record_placements(connection, placed)
        pages = COVER_PAGES + sum(p.pages for p in placed)
        pf = PrintFile(cover.file, cover.mail_class, len(group), pages // 2, pages, written[cover.file][1])
        print_files.append(pf)
        file_rows.append([pf.file, pf.mail_class, cover.number, cover.of, pf.letters, pf.sheets, pf.pages,
                          COVER_PAGES, cover.registered, cover.first_postcode, cover.last_postcode, pf.sha256])
        manifest.write(_csv_rows(
            [letter["letter_id"], p.file, p.first_page, p.pages, p.sheets, letter["mail_class"],
             letter["letter_type"], letter["language"], letter["postcode"], letter["sha256"]]
            for letter, p in zip(group, placed, strict=True)))
        clock.lap("journal")
    written["manifest.csv"] = manifest.close()
    faults.checkpoint("mailroom.file")
    clock.lap("write")
    put("files.csv", _csv(file_rows, FILES_COLUMNS))
    if registered:
        put("registered.csv", _csv(registered, REGISTERED_COLUMNS))
        put(DEPOSIT_LIST, deposit.result() if deposit is not None else mailroom_sheets.deposit_list(*deposit_args))
    summary["print_files"] = [pf.__dict__ for pf in print_files]
    put("summary.json", json.dumps(summary, indent=2, sort_keys=True).encode())
    put("summary.txt", summary_text.encode())
    for name, data in (extra_files or {}).items():
        put(name, data)
    for path in staging.rglob("*"):
        if path.is_dir():
            sync_dir(path)
    sync_dir(staging)
    faults.checkpoint("mailroom.staged")
    staging.rename(final)
    faults.checkpoint("mailroom.renamed")
    sync_dir(output_dir)
    clock.lap("write")
    journal.record_print_files(connection, day, print_files)
    journal.record_folder_files(connection, day, written)
    clock.lap("journal")
    return print_files


def mark_ready(output_dir: Path, day: date) -> None:
    final = night_folder(output_dir, day)
    atomic_write(final / "READY", f"{day.isoformat()}\n".encode())
    faults.checkpoint("mailroom.ready_written")
    sync_dir(final)
