"""What every page of the desk shares: the desk's settings and database, the role a view requires (checked
on the server, 403 otherwise), and the audit log of what the signed-in person did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps
from typing import Any

from flask import abort, current_app, g
from flask_login import current_user, login_required
from sqlalchemy import Engine

from correspondence.brussels import BRUSSELS
from correspondence.config import Settings
from correspondence.desk import audit, people
from scheduler.web.words import BABEL, wording

KEY = "correspondence.desk"


def today() -> date:
    """The fund's day (Brussels): what "in force today" means on every page."""
    return datetime.now(BRUSSELS).date()


@dataclass(frozen=True)
class Desk:
    settings: Settings
    engine: Engine


def desk() -> Desk:
    found: Desk = current_app.extensions[KEY]
    return found


def person() -> people.Person:
    found: people.Person = current_user.person
    return found


def requires(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view for these roles (and admins); `requires()` is for admins only."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required  # type: ignore[misc]
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not people.may(person(), *roles):
                abort(403)
            return view(*args, **kwargs)

        return checked

    return decorate


def note(action: str, subject: str = "", detail: str = "", name: str | None = None) -> None:
    """Into the audit log, as the signed-in person (or `name`)."""
    with desk().engine.begin() as connection:
        audit.record(connection, name or person().name, action, subject, detail)


def night_in_address(text: str) -> date:
    """A night named in a page's address (YYYY-MM-DD), or 404: the address never names anything else."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)


def words(key: str) -> str:
    """A message of the desk's wording in the reader's language (scheduler/web/wording/)."""
    return wording(g.get("lang", "nl")).get(key, key)


def day(value: date) -> str:
    """A date as the reader writes it (Babel): 3 december 2026, 3 décembre 2026."""
    from babel.dates import format_date

    return format_date(value, "long", locale=BABEL[g.get("lang", "nl")])
