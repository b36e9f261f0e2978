"""Undeliverable letters the post brings back: the affiliate's address is marked unreliable (later letters
are quarantined until an import changes the address) and the case handlers get the affiliate on the next
night's returned_mail.csv list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, select

from correspondence import journal, schema
from correspondence.mailroom import addresses

LIST = "returned_mail"


@dataclass(frozen=True)
class Returned:
    letter_id: str
    affiliate_id: str
    status: str  # recorded | already recorded | address changed since
    list_night: date | None  # the night whose folder lists it for the case handlers
    message: str


class CannotRecord(Exception):
    """The letter is unknown, not yet printed, or not addressed to an affiliate."""


def record(connection: Connection, letter_id: str, reason: str, on: date, box_label: dict[str, str],
           today: date | None = None) -> Returned:
    """Record a returned letter once; mark the address only if it is still the one the letter went to. `on`, the
    day it came back, lies between the letter's night and `today` (default: `on`)."""
    today = today or on
    reason = " ".join(reason.split())
    if not reason:
        raise CannotRecord("give the reason the post wrote on the envelope (--reason)")
    if on > today:
        raise CannotRecord(f"the day it came back, {on}, is after today ({today})")
    l = schema.letters.c
    letter = connection.execute(select(schema.letters).where(l.letter_id == letter_id)).mappings().first()
    if letter is None:
        raise CannotRecord(f"no letter {letter_id} in the journal")
    if on < letter["run_date"]:
        raise CannotRecord(f"letter {letter_id} was printed on the night of {letter['run_date']}: it cannot have "
                           f"come back on {on}")
    if letter["recipient_type"] != "affiliate":
        raise CannotRecord(f"letter {letter_id} went to {letter['recipient_type']} {letter['recipient_id']}: "
                           "only affiliates' addresses are tracked; tell the case handler")
    affiliate_id = letter["recipient_id"]
    r = schema.returned_mail.c
    known = connection.execute(select(schema.returned_mail).where(r.letter_id == letter_id)).mappings().first()
    if known is not None:
        return Returned(letter_id, affiliate_id, "already recorded", None,
                        f"letter {letter_id} was already recorded as returned on {known['recorded_on']} "
                        f"({known['reason']}): nothing changed")
    a = schema.affiliates.c
    row = connection.execute(select(schema.affiliates).where(a.affiliate_id == affiliate_id)).mappings().first()
    if row is None:
        raise CannotRecord(f"affiliate {affiliate_id} of letter {letter_id} is no longer in the fund's data")
    current = addresses.of_row("affiliate", dict(row), on, box_label)
    sent_to = json.loads(letter["context"])["recipient"]["address_lines"][1:]
    connection.execute(schema.returned_mail.insert().values(
        letter_id=letter_id, affiliate_id=affiliate_id, reason=reason, recorded_on=on))
    if current is not None and current != sent_to:
        return Returned(letter_id, affiliate_id, "address changed since", None,
                        f"letter {letter_id} recorded as returned; affiliate {affiliate_id}'s address was changed "
                        "after it was sent, so the new address is kept and later letters go there "
                        f"(reprint it with: correspondence mailroom reprint {letter_id})")
    if row["address_unreliable_since"] is None:
        connection.execute(schema.affiliates.update().where(a.affiliate_id == affiliate_id).values(
            address_unreliable_since=on, address_returned_reason=reason[:200]))
    night = journal.open_night(connection, on)  # never a night skipped before the latest one run
    journal.record_case_entry(connection, night, f"{LIST}:{letter_id}", LIST, f"affiliate {affiliate_id}", {
        "affiliate_id": affiliate_id, "letter_id": letter_id, "letter_type": letter["letter_type"],
        "sent_on": letter["run_date"].isoformat(), "returned_on": on.isoformat(), "reason": reason})
    return Returned(letter_id, affiliate_id, "recorded", night,
                    f"letter {letter_id} recorded as returned ({reason}); affiliate {affiliate_id}'s letters are "
                    f"held from now on until an import changes the address; on the case handlers' list "
                    f"{LIST}.csv of the night of {night}")
