"""`correspondence mailroom list|collect|returned|reprint|verify|archive`: the mailroom's and case handlers'
commands — what is ready, who took it, what came back, an exact reprint, an integrity check, a recipient's
letters. Exit 0 when done, 1 when refused or a difference was found, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

from correspondence.config import Settings, load_fund
from correspondence.mailroom import archive, pickups, reprints
from correspondence.mailroom import returned as returned_mail
from correspondence.mailroom import verify as mailroom_verify
from correspondence.store import existing, init

BRUSSELS = ZoneInfo("Europe/Brussels")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date written YYYY-MM-DD") from None


def _today() -> date:
    return datetime.now(BRUSSELS).date()


def _local(moment: datetime) -> str:
    return moment.astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M")


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    """The fund's database, which must exist: a mistyped CORRESPONDENCE_DB must not create an empty one in
    which a night already collected could be collected again (store.existing refuses in one line)."""
    engine = existing(settings.db_url)
    init(engine)
    return engine


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
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


def cmd_collect(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with _engine(settings).begin() as connection:
            done = pickups.collect(connection, settings.output_dir, args.date, args.by)
    except (ValueError, LookupError) as exc:
        print(f"mailroom collect: {exc}", file=sys.stderr)
        return 1
    if not done.first_time:
        print(f"the night of {done.day} was already collected by {done.by} at {_local(done.at)}")
        return 1
    print(f"night of {done.day} collected by {done.by} at {_local(done.at)}")
    return 0


def cmd_returned(args: argparse.Namespace, settings: Settings) -> int:
    box_label = load_fund(settings.fund_file)["postal"]["box_label"]
    try:
        with _engine(settings).begin() as connection:
            result = returned_mail.record(connection, args.letter_id, args.reason, args.on or _today(), box_label)
    except returned_mail.CannotRecord as exc:
        print(f"mailroom returned: {exc}", file=sys.stderr)
        return 1
    print(result.message)
    return 0


def cmd_reprint(args: argparse.Namespace, settings: Settings) -> int:
    try:
        done = reprints.reprint(_engine(settings), settings.output_dir, settings.archive_dir, args.letter_id,
                                _today())
    except reprints.CannotReprint as exc:
        print(f"mailroom reprint: {exc}", file=sys.stderr)
        return 1
    print(f"reprint of {done.letter_id}: {done.path}")
    print(done.message)
    return 0


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    with _engine(settings).connect() as connection:
        problems = mailroom_verify.verify(connection, settings.output_dir, settings.archive_dir, args.date)
    for problem in problems:
        print(f"DIFFERENCE: {problem}")
    if problems:
        print(f"night of {args.date}: {len(problems)} difference(s) with the journal", file=sys.stderr)
        return 1
    print(f"night of {args.date}: every file, manifest row and archived letter matches the journal")
    return 0


def cmd_archive(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.table import Table

    with _engine(settings).connect() as connection:
        letters = archive.letters_of(connection, settings.archive_dir, args.recipient_id)
    if not letters:
        print(f"mailroom archive: no letter to {args.recipient_id} in the journal", file=sys.stderr)
        return 1
    table = Table("letter", "night", "type", "lang", "class", "pages", "printed in", "archived files", "check",
                  "reprints", "returned", title=f"Every letter to {args.recipient_id} ({settings.archive_dir})")
    for a in letters:
        table.add_row(a.letter_id, a.run_date.isoformat(), a.letter_type, a.language, a.mail_class,
                      str(a.pages or ""), f"{a.print_file} p.{a.first_page}" if a.print_file else "",
                      "\n".join(a.files), "ok" if a.intact else "MISSING OR ALTERED", str(a.reprints), a.returned)
    Console(width=220).print(table)
    return 0 if all(a.intact for a in letters) else 1


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = subparsers.add_parser("mailroom", help="the mailroom: ready nights, pick-up, returned mail, reprints")
    sub = group.add_subparsers(dest="mailroom_command", required=True)
    sub.add_parser("list", help="nights with READY: files, letters, sheets, collected or not").set_defaults(
        func=cmd_list)
    s = sub.add_parser("collect", help="record who collected a night's print files, and when")
    s.add_argument("date", type=_date)
    s.add_argument("--by", required=True, help="the name of who collects")
    s.set_defaults(func=cmd_collect)
    s = sub.add_parser("returned", help="a letter came back undeliverable: hold the affiliate's later letters")
    s.add_argument("letter_id")
    s.add_argument("--reason", required=True, help="what the post wrote (moved, unknown, refused …)")
    s.add_argument("--on", type=_date, help="the day it came back (default: today)")
    s.set_defaults(func=cmd_returned)
    s = sub.add_parser("reprint", help="a print file with one letter, byte-identical to the one sent")
    s.add_argument("letter_id")
    s.set_defaults(func=cmd_reprint)
    s = sub.add_parser("verify", help="re-check a night's folder and archive against the journal")
    s.add_argument("date", type=_date)
    s.set_defaults(func=cmd_verify)
    s = sub.add_parser("archive", help="every letter an affiliate or company ever got, with its archived files")
    s.add_argument("recipient_id")
    s.set_defaults(func=cmd_archive)
