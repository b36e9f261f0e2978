"""The desk's people: a name, one role, an argon2id password hash, enabled or not.

A role is what the server lets a person do (scheduler/web/access.py checks it on every page and form): reviewers edit and submit
templates, approvers approve someone else's submission, the mailroom collects and records returned mail, the
operator watches the nights, an admin manages people and reads the audit log (and may do everything else).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Select, select

from correspondence import schema

ROLES = ("reviewer", "approver", "mailroom", "operator", "admin")
MIN_PASSWORD = 12  # characters: a passphrase, not a PIN
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,59}")
# A hash to check against when the name is unknown: an unknown name costs as much time as a wrong password.
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a password of anyone")


class PeopleError(ValueError):
    """A refused change to the desk's people, in one line naming the person and what is wrong."""


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    disabled: bool
    created_at: datetime


def valid_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name))


def check_name(name: str) -> str:
    if not valid_name(name):
        raise PeopleError(f"{name[:60]!r}: a desk name is 1 to 60 lower-case letters, digits, '.', '_' or '-', "
                          "starting with a letter or digit")
    return name


def add(connection: Connection, name: str, role: str, password: str) -> Person:
    check_name(name)
    if role not in ROLES:
        raise PeopleError(f"{name}: the role must be one of {', '.join(ROLES)}, not {role[:40]!r}")
    if len(password) < MIN_PASSWORD:
        raise PeopleError(f"{name}: the password must have at least {MIN_PASSWORD} characters")
    if find(connection, name) is not None:
        raise PeopleError(f"{name}: there is already a desk user of that name")
    now = datetime.now(UTC)
    connection.execute(schema.desk_users.insert().values(
        name=name, role=role, password_hash=_HASHER.hash(password), disabled=False, created_at=now))
    return Person(name, role, False, now)


def disable(connection: Connection, name: str) -> None:
    """Refused for the last admin who may still sign in: nobody could manage the desk's people from the desk any
    more, and a disabled name cannot be added again."""
    u = schema.desk_users.c
    person = find(connection, name)
    if person is None:
        raise PeopleError(f"{name[:60]}: no desk user of that name")
    admins = [p for p in everyone(connection) if p.role == "admin" and not p.disabled]
    if admins == [person]:
        raise PeopleError(f"{name}: the last admin who may sign in is not disabled; add another admin first")
    connection.execute(schema.desk_users.update().where(u.name == name).values(disabled=True))


def _people() -> Select[Any]:
    u = schema.desk_users.c
    return select(u.name, u.role, u.disabled, u.created_at, u.password_hash)


def _person(row: Any) -> Person:
    return Person(row.name, row.role, row.disabled, row.created_at)


def find(connection: Connection, name: str) -> Person | None:
    row = connection.execute(_people().where(schema.desk_users.c.name == name)).first()
    return _person(row) if row else None


def everyone(connection: Connection) -> list[Person]:
    return [_person(r) for r in connection.execute(_people().order_by(schema.desk_users.c.name))]


def authenticate(connection: Connection, name: str, password: str) -> Person | None:
    """The enabled person with this name and password, else None (unknown, disabled or wrong: one answer)."""
    u = schema.desk_users.c
    row = connection.execute(_people().where(u.name == name)).first()
    try:
        _HASHER.verify(row.password_hash if row else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    if _HASHER.check_needs_rehash(row.password_hash):  # argon2's parameters grew since: stored anew
        connection.execute(schema.desk_users.update().where(u.name == name)
                           .values(password_hash=_HASHER.hash(password)))
    return _person(row)


def may(person: Person, *roles: str) -> bool:
    """An admin may do everything; anyone else what their role is named for."""
    return not person.disabled and (person.role == "admin" or person.role in roles)
