"""`correspondence mailroom list|collect|returned|reprint|verify|archive`: the mailroom's and case handlers'
commands — what is ready, who took it, what came back, an exact reprint, an integrity check, a recipient's
letters. Collect, returned and reprint go to the desk's audit log as the system user, as on the desk's /mailroom. Exit 0 when done, 1 when refused or a difference was found, 2 on a usage error.
"""

from __future__ import annotations

import sys
from datetime import date, datetime

import click

from correspondence.config import Settings, load_fund
from correspondence.desk import audit
from correspondence.mailroom import archive, pickups, reprints
from correspondence.mailroom import returned as returned_mail
from correspondence.mailroom import verify as mailroom_verify
from correspondence.store import existing, init
from scheduler.cli.base import BRUSSELS, DATE, Group, argument, pass_settings, today


@click.group("mailroom", cls=Group)
def mailroom() -> None:
    """The mailroom: ready nights, pick-up, returned mail, reprints."""


def _local(moment: datetime) -> str:
    return moment.astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M")


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    """The fund's database, which must exist: a mistyped CORRESPONDENCE_DB must not create an empty one in
    which a night already collected could be collected again (store.existing refuses in one line)."""
    engine = existing(settings.db_url)
    init(engine)
    return engine


@mailroom.command("list")
@pass_settings()
def list_nights(settings: Settings) -> int:
    """Nights with READY: files, letters, sheets, collected or not."""
    from rich.console import Console
    from rich.table import Table

    with _engine(settings).connect() as connection:
        found = pickups.nights(connection, settings.output_dir)
    table = Table("night", "files", "letters", "sheets", "registered", "collected",
                  title=f"Nights ready in {settings.output_dir}")
    for n in found:
        table.add_row(n.day.isoformat(), str(n.files), str(n.letters), str(n.sheets), str(n.registered),
                      f"by {n.collected_by} at {_local(n.collected_at)}" if n.collected_at else "not collected")
    Console(width=140).print(table)
    return 0


@mailroom.command("collect")
@argument("day", "the night whose print files are collected (YYYY-MM-DD)", type=DATE)
@click.option("--by", required=True, help="the name of who collects")
@pass_settings()
def collect(settings: Settings, day: date, by: str) -> int:
    """Record who collected a night's print files, and when."""
    try:
        with _engine(settings).begin() as connection:
            done = pickups.collect(connection, settings.output_dir, day, by)
            if done.first_time:
                audit.record(connection, audit.command_user(), "collect", f"night {day}", f"by {done.by}")
    except (ValueError, LookupError) as exc:
        print(f"mailroom collect: {exc}", file=sys.stderr)
        return 1
    if not done.first_time:
        print(f"the night of {done.day} was already collected by {done.by} at {_local(done.at)}")
        return 1
    print(f"night of {done.day} collected by {done.by} at {_local(done.at)}")
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
            result = returned_mail.record(connection, letter_id, reason, on or today(), box_label)
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


@mailroom.command("verify")
@argument("day", "the night to re-check (YYYY-MM-DD)", type=DATE)
@pass_settings()
def verify(settings: Settings, day: date) -> int:
    """Re-check a night's folder and archive against the journal."""
    with _engine(settings).connect() as connection:
        problems = mailroom_verify.verify(connection, settings.output_dir, settings.archive_dir, day)
    for problem in problems:
        print(f"DIFFERENCE: {problem}")
    if problems:
        print(f"night of {day}: {len(problems)} difference(s) with the journal", file=sys.stderr)
        return 1
    print(f"night of {day}: every file, manifest row and archived letter matches the journal")
    return 0


@mailroom.command("archive")
@argument("recipient_id", "the affiliate's or company's id (e.g. A0000001)")
@pass_settings()
def archive_of(settings: Settings, recipient_id: str) -> int:
    """Every letter an affiliate or company ever got, with its archived files."""
    from rich.console import Console
    from rich.table import Table

    with _engine(settings).connect() as connection:
        letters = archive.letters_of(connection, settings.archive_dir, recipient_id)
    if not letters:
        print(f"mailroom archive: no letter to {recipient_id} in the journal", file=sys.stderr)
        return 1
    table = Table("letter", "night", "type", "lang", "class", "pages", "printed in", "archived files", "check",
                  "reprints", "returned", title=f"Every letter to {recipient_id} ({settings.archive_dir})")
    for a in letters:
        table.add_row(a.letter_id, a.run_date.isoformat(), a.letter_type, a.language, a.mail_class,
                      str(a.pages or ""), f"{a.print_file} p.{a.first_page}" if a.print_file else "",
                      "\n".join(a.files), "ok" if a.intact else "MISSING OR ALTERED", str(a.reprints), a.returned)
    Console(width=220).print(table)
    return 0 if all(a.intact for a in letters) else 1
