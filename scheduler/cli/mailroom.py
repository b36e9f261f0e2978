"""`correspondence mailroom list|collect|returned|reprint|verify|archive`: the mailroom's and case handlers'
commands — what is ready, who took it, what came back, an exact reprint, an integrity check, a recipient's
letters. Collect, returned and reprint go to the desk's audit log as the system user, as on the desk's /mailroom. Exit 0 when done, 1 when refused or a difference was found, 2 on a usage error.
"""

from __future__ import annotations

import sys
from datetime import date, datetime

import click

from correspondence.brussels import brussels_time
from correspondence.config import Settings, load_fund
from correspondence.desk import audit
from correspondence.mailroom import archive, pickups, reprints
from correspondence.mailroom import returned as returned_mail
from correspondence.mailroom import verify as mailroom_verify
from correspondence.plurals import counted
from correspondence.store import existing, init
from scheduler.cli.base import DATE, Command, Group, argument, pass_settings, today
from scheduler.cli.tables import Column, dump, show


@click.group("mailroom", cls=Group)
def mailroom() -> None:
    """The mailroom: ready nights, pick-up, returned mail, reprints."""


def _local(moment: datetime) -> str:
    return brussels_time(moment)


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    """The fund's database, which must exist: a mistyped CORRESPONDENCE_DB must not create an empty one in
    which a night already collected could be collected again (store.existing refuses in one line)."""
    engine = existing(settings.db_url)
    init(engine)
    return engine


NIGHT_COLUMNS = (Column("night", "night"), Column("files", "files", number=True),
                 Column("letters", "letters", number=True), Column("sheets", "sheets", number=True),
                 Column("cover_sheets", "cover sheets", number=True),
                 Column("registered", "registered", number=True), Column("collected", "collected", wrap=True))


@mailroom.command("list", cls=Command)
@click.option("--all", "every", is_flag=True, help="also the nights already collected")
@click.option("--json", "as_json", is_flag=True, help="JSON on standard output instead of a table")
@pass_settings()
def list_nights(settings: Settings, every: bool, as_json: bool) -> int:
    """Nights ready to collect: files, letters, sheets (--all: collected ones too)."""
    with _engine(settings).connect() as connection:
        found = [n for n in pickups.nights(connection, settings.output_dir) if every or not n.collected_by]
    rows = [{"night": n.day.isoformat(), "files": n.files, "letters": n.letters, "sheets": n.sheets,
             "cover_sheets": n.cover_sheets, "registered": n.registered, "collected_by": n.collected_by,
             "collected_at": n.collected_at.isoformat() if n.collected_at else None} for n in found]
    if as_json:
        dump(rows)
        return 0
    if not rows:
        print(f"no night {'is ready' if every else 'waits to be collected'} in {settings.output_dir}"
              + ("" if every else " (--all shows those collected)"))
        return 0
    for row, n in zip(rows, found, strict=True):
        row["collected"] = f"by {n.collected_by} at {_local(n.collected_at)}" if n.collected_at else "not collected"
    what = "ready" if every else "ready to collect"
    show(NIGHT_COLUMNS, rows, title=f"Nights {what} in {settings.output_dir} (sheets: the letters', as in "
                                    "summary.txt; each print file adds its cover sheet)")
    return 0


def _night(settings: Settings, day: date | None, command: str) -> date:
    """The night named, or the latest ready one."""
    if day is not None:
        return day
    ready = pickups.ready_nights(settings.output_dir)
    if not ready:
        raise click.ClickException(f"no night is ready in {settings.output_dir}")
    print(f"{command}: the latest ready night, {ready[-1]}", file=sys.stderr)
    return ready[-1]


@mailroom.command("collect", cls=Command)
@argument("day", "the night whose print files are collected (YYYY-MM-DD; default: the latest ready night)",
          type=DATE, required=False)
@click.option("--by", required=True, help="the name of who collects")
@pass_settings()
def collect(settings: Settings, day: date | None, by: str) -> int:
    """Check a night's print files against the journal, then record who collected them, and when."""
    day = _night(settings, day, "mailroom collect")
    try:
        with _engine(settings).begin() as connection:
            earlier = pickups.collected(connection, day)
            if earlier is None and pickups.is_ready(settings.output_dir, day):
                problems = mailroom_verify.verify(connection, settings.output_dir, settings.archive_dir, day)
                if problems:
                    for problem in problems:
                        print(f"DIFFERENCE: {problem}")
                    print(f"mailroom collect: not collected — the night of {day} has "
                          f"{counted(len(problems), 'difference')} with the journal; tell the operator",
                          file=sys.stderr)
                    return 1
            done = pickups.collect(connection, settings.output_dir, day, by)
            if done.first_time:
                audit.record(connection, audit.command_user(), "collect", f"night {day}", f"by {done.by}")
    except (ValueError, LookupError) as exc:
        print(f"mailroom collect: {exc}", file=sys.stderr)
        return 1
    if not done.first_time:
        print(f"the night of {done.day} was already collected by {done.by} at {_local(done.at)}")
        return 1
    print(f"night of {done.day} checked and collected by {done.by} at {_local(done.at)}")
    return 0


@mailroom.command("returned")
@argument("letter_id", "the letter that came back (its id is printed on it, e.g. 20261122-000001)")
@click.option("--reason", required=True, help="what the post wrote (moved, unknown, refused …)")
@click.option("--on", type=DATE, help="the day it came back (default: today)")
@pass_settings()
def returned(settings: Settings, letter_id: str, reason: str, on: date | None) -> int:
    """A letter came back undeliverable: hold the affiliate's later letters."""
    box_label = load_fund(settings.fund_file)["postal"]["box_label"]
    try:
        with _engine(settings).begin() as connection:
            result = returned_mail.record(connection, letter_id, reason, on or today(), box_label, today())
            if result.status != "already recorded":
                audit.record(connection, audit.command_user(), "returned", f"letter {letter_id}", reason)
    except returned_mail.CannotRecord as exc:
        print(f"mailroom returned: {exc}", file=sys.stderr)
        return 1
    print(result.message)
    return 0


@mailroom.command("reprint")
@argument("letter_id", "the letter to print again (e.g. 20261122-000001)")
@pass_settings()
def reprint(settings: Settings, letter_id: str) -> int:
    """A print file with one letter, byte-identical to the one sent."""
    try:
        done = reprints.reprint(_engine(settings), settings.output_dir, settings.archive_dir, letter_id,
                                today())
    except reprints.CannotReprint as exc:
        print(f"mailroom reprint: {exc}", file=sys.stderr)
        return 1
    with _engine(settings).begin() as connection:
        audit.record(connection, audit.command_user(), "reprint", f"letter {done.letter_id}", done.source)
    print(f"reprint of {done.letter_id}: {done.path}")
    print(done.message)
    return 0


@mailroom.command("verify", cls=Command)
@argument("day", "the night to re-check (YYYY-MM-DD; default: the latest ready night)", type=DATE, required=False)
@pass_settings()
def verify(settings: Settings, day: date | None) -> int:
    """Re-check a night's folder and archive against the journal."""
    day = _night(settings, day, "mailroom verify")
    with _engine(settings).connect() as connection:
        if not mailroom_verify.ran(connection, day):
            print(f"mailroom verify: no night of {day} in the journal", file=sys.stderr)
            return 1
        problems = mailroom_verify.verify(connection, settings.output_dir, settings.archive_dir, day)
    for problem in problems:
        print(f"DIFFERENCE: {problem}")
    if problems:
        print(f"night of {day}: {counted(len(problems), 'difference')} with the journal", file=sys.stderr)
        return 1
    print(f"night of {day}: every file, manifest row and archived letter matches the journal")
    return 0


@mailroom.command("archive")
@argument("recipient_id", "the affiliate's or company's id (e.g. A0000001)")
@pass_settings()
def archive_of(settings: Settings, recipient_id: str) -> int:
    """Every letter an affiliate or company ever got, with its archived files."""
    with _engine(settings).connect() as connection:
        letters = archive.letters_of(connection, settings.archive_dir, recipient_id)
    if not letters:
        print(f"mailroom archive: no letter to {recipient_id} in the journal", file=sys.stderr)
        return 1
    rows = [{"letter": a.letter_id, "night": a.run_date.isoformat(), "type": a.letter_type, "lang": a.language,
             "class": a.mail_class, "pages": a.pages or "",
             "printed": f"{a.print_file} p.{a.first_page}" if a.print_file else "", "files": "\n".join(a.files),
             "check": "ok" if a.intact else "MISSING OR ALTERED", "reprints": a.reprints, "returned": a.returned}
            for a in letters]
    show(ARCHIVE_COLUMNS, rows, title=f"Every letter to {recipient_id} ({settings.archive_dir})")
    return 0 if all(a.intact for a in letters) else 1


ARCHIVE_COLUMNS = (Column("letter", "letter"), Column("night", "night"),
                   Column("type", "type"), Column("lang", "lang"), Column("class", "class"),
                   Column("pages", "pages", number=True), Column("printed", "printed in", wrap=True),
                   Column("files", "archived files", wrap=True), Column("check", "check"),
                   Column("reprints", "reprints", number=True), Column("returned", "returned", wrap=True))
