"""`correspondence letters [filters] [--json]`: the journal of letters, as a table or as JSON.

The table shows what a clerk looks a letter up by; `--json` every field the journal keeps of it, its context
(the values its template was filled with) included, in the shape of scheduler/cli/shapes/letters.schema.json.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

import click
from sqlalchemy import select

from correspondence import journal, schema
from correspondence.config import Settings
from correspondence.store import existing
from scheduler.cli.base import DATE, Command, pass_settings
from scheduler.cli.tables import Column, show

# `--json`: every field, in this order (the shape's); the table: the columns below.
FIELDS = ("letter_id", "event_key", "run_date", "letter_type", "recipient_type", "recipient_id", "language",
          "mail_class", "status", "pages", "sha256", "template_hash", "archive_path", "print_file", "first_page",
          "ebox_message_id", "ebox_answer", "print_night")
COLUMNS = (Column("letter_id", "letter"), Column("run_date", "night"),
           Column("letter_type", "type"), Column("recipient_id", "recipient"),
           Column("language", "lang"), Column("mail_class", "class"), Column("channel", "channel"),
           Column("status", "status"), Column("pages", "pages", number=True))
STATUSES = ("planned", *journal.PRINTED, *journal.ELECTRONIC)


@click.command("letters", cls=Command)
@click.option("--run-date", type=DATE, help="only the letters of this night")
@click.option("--since", type=DATE, help="only the letters of this night and later ones")
@click.option("--until", type=DATE, help="only the letters of this night and earlier ones")
@click.option("--type", "letter_type", help="only letters of this type (due_notice, reminder …)")
@click.option("--recipient", help="only the letters to this affiliate or company (e.g. A0000001)")
@click.option("--status", type=click.Choice(STATUSES), help="only letters in this state")
@click.option("--json", "as_json", is_flag=True,
              help="JSON on standard output instead of a table, with every field and the letter's context")
@pass_settings()
def letters(settings: Settings, run_date: date | None, since: date | None, until: date | None,
            letter_type: str | None, recipient: str | None, status: str | None, as_json: bool) -> int:
    """List the journal's letters, oldest first (default: every letter)."""
    from correspondence.kinds.registry import by_name  # the engine's kinds: loaded for this command only

    known = by_name()
    if letter_type is not None and letter_type not in known:
        raise click.BadParameter(f"'{letter_type}' is not one of {', '.join(known)}", param_hint="'--type'")
    l = schema.letters.c
    wanted = {"run_date": run_date, "letter_type": letter_type, "recipient_id": recipient, "status": status}
    conditions = [l[field] == value for field, value in wanted.items() if value is not None]
    conditions += [l.run_date >= since] if since else []
    conditions += [l.run_date <= until] if until else []
    columns = [l[f] for f in FIELDS] + ([l.context] if as_json else [])
    query = select(*columns).where(*conditions).order_by(l.letter_id)
    with existing(settings.db_url).connect() as connection:
        rows = (_row(row) for row in connection.execution_options(yield_per=1000).execute(query).mappings())
        if as_json:
            _stream(rows)
            return 0
        found = list(rows)
    if not found:
        print("no letter in the journal" + (" matches" if conditions else ""), file=sys.stderr)
    show(COLUMNS, found)
    return 0


def _row(row: Any) -> dict[str, Any]:
    out = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
    out["channel"] = journal.channel(out["status"])
    if "context" in out:
        out["context"] = json.loads(out["context"])
    return out


def _stream(rows: Any) -> None:
    """A JSON array written a letter at a time: a year's journal is not held in memory to be printed."""
    write = sys.stdout.write
    write("[")
    for n, row in enumerate(rows):
        write(("," if n else "") + "\n " + json.dumps(row, ensure_ascii=False))
    write("\n]\n")
