"""The desk's audit log: who did what, when (login, a refused login, submit, approve, withdraw, collect,
returned, reprint, people changed). Staff names only: no affiliate's name or national number goes in."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from correspondence import schema

SYSTEM = "system"  # the user of a command typed at the server (`correspondence users add`, …)


def command_user() -> str:
    """Who typed a command at the server, as the audit log names them: `system (<login name>)`."""
    try:
        return f"{SYSTEM} ({getpass.getuser()})"
    except (KeyError, OSError):  # no name for this uid (a container's)
        return SYSTEM


@dataclass(frozen=True)
class Entry:
    at: datetime
    user_name: str
    action: str
    subject: str
    detail: str


def record(connection: Connection, user_name: str, action: str, subject: str = "", detail: str = "") -> None:
    connection.execute(schema.desk_audit.insert().values(
        at=datetime.now(UTC), user_name=user_name[:100], action=action[:40], subject=subject[:200], detail=detail))


def latest(connection: Connection, limit: int = 200) -> list[Entry]:
    a = schema.desk_audit.c
    rows = connection.execute(select(a.at, a.user_name, a.action, a.subject, a.detail)
                              .order_by(a.id.desc()).limit(limit))
    return [Entry(r.at, r.user_name, r.action, r.subject, r.detail) for r in rows]
