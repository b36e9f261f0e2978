"""Who receives the fund's letters in the e-Box: the consents of ebox.csv, in force on a night.

A recipient's rows are a history: `consent = yes` from a day, `no` from a later day (a withdrawal), and so on.
The row in force on a night is the one with the latest `since` not after it; none means paper.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, and_, func, select

from correspondence import schema


def in_force(connection: Connection, day: date, recipients: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Of these (recipient type, recipient id), those whose consent is in force on `day`."""
    c = schema.ebox_consents.c
    wanted = sorted(set(recipients))
    chosen: set[tuple[str, str]] = set()
    for start in range(0, len(wanted), 500):
        part = set(wanted[start:start + 500])
        latest = (select(c.recipient_type, c.recipient_id, func.max(c.since).label("since"))
                  .where(c.since <= day, c.recipient_id.in_(sorted({rid for _, rid in part})))
                  .group_by(c.recipient_type, c.recipient_id).subquery())
        rows = connection.execute(
            select(c.recipient_type, c.recipient_id)
            .join(latest, and_(c.recipient_type == latest.c.recipient_type, c.recipient_id == latest.c.recipient_id,
                               c.since == latest.c.since))
            .where(c.consent.is_(True)))
        chosen.update((t, i) for t, i in rows if (t, i) in part)
    return chosen
