"""`correspondence letters [--run-date D] [--json]`: the journal of letters, as a table or as JSON."""

from __future__ import annotations

import json
from datetime import date

import click
from sqlalchemy import select

from correspondence import journal, schema
from correspondence.config import Settings
from correspondence.store import existing
from scheduler.cli.base import DATE, Command, pass_settings

LETTER_FIELDS = ("letter_id", "event_key", "letter_type", "recipient_id", "language", "mail_class", "run_date",
                 "status", "pages", "sha256")
# JSON only: the channel (paper, or the e-Box and its message id and last answer; correspondence/ebox/).
EBOX_FIELDS = ("ebox_message_id", "ebox_answer", "print_night")


@click.command("letters", cls=Command)
@click.option("--run-date", type=DATE, help="only the letters of this night (default: every night)")
@click.option("--json", "as_json", is_flag=True, help="JSON on standard output instead of a table")
@pass_settings()
def letters(settings: Settings, run_date: date | None, as_json: bool) -> int:
    """List the journal."""
    engine = existing(settings.db_url)
    l = schema.letters.c
    query = select(*(l[f] for f in LETTER_FIELDS + EBOX_FIELDS)).order_by(l.letter_id)
    if run_date:
        query = query.where(l.run_date == run_date)
    with engine.connect() as connection:
        rows = [
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
            for row in connection.execute(query).mappings()
        ]
    for row in rows:
        row["channel"] = journal.channel(row["status"])
    if as_json:
        print(json.dumps(rows, indent=1))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(*LETTER_FIELDS[:-1])
    for row in rows:
        table.add_row(*(str(row[f]) for f in LETTER_FIELDS[:-1]))
    Console().print(table)
    return 0
