"""The declared shape of the fund profile (config/fund.toml): which tables and keys it has, of which kind.

The letters read the profile as plain values; checked once when it is loaded, a typo or a missing key is one
line naming the key before the night starts, instead of a KeyError in the middle of it. Unknown keys are
refused too (a mistyped optional key would otherwise be silently ignored).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from rules.language import LANGUAGES

Check = Callable[[Any], str | None]  # None when the value fits, else what it should be


def text(value: Any) -> str | None:
    """A text the letters print: one string, or one string per language."""
    if isinstance(value, str):
        return None
    return per_language(value) if isinstance(value, dict) else f"must be text, or a table of {_langs()}"


def per_language(value: Any) -> str | None:
    """One string per language, every language present: nl = "…", fr = "…", de = "…"."""
    if not isinstance(value, dict):
        return f"must be a table with one text per language ({_langs()})"
    if missing := [x for x in LANGUAGES if x not in value]:
        return f"has no {', '.join(missing)} (every language needs one: {_langs()})"
    if unknown := sorted(set(value) - set(LANGUAGES)):
        return f"has unknown language(s) {', '.join(unknown)} (known: {_langs()})"
    if wrong := [x for x in LANGUAGES if not isinstance(value[x], str)]:
        return f"{wrong[0]} must be text"
    return None


def string(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be text (in quotes)"


def decimal(value: Any) -> str | None:
    """A rate or amount written as text, so that it is exact: "0.0305"."""
    if not isinstance(value, str):
        return 'must be a decimal number in quotes, e.g. "0.0305"'
    try:
        Decimal(value)
    except InvalidOperation:
        return f"'{value}' is not a decimal number"
    return None


def millimetres(value: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
    return None if ok else "must be a number of millimetres, 0 or more"


def count(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return None if ok else "must be a whole number, 1 or more"


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false (without quotes)"


def iso_day(value: Any) -> str | None:
    """A calendar day written as text, "YYYY-MM-DD" (a TOML date is accepted too)."""
    if isinstance(value, date):
        return None
    if isinstance(value, str):
        try:
            date.fromisoformat(value)
            return None if len(value) == 10 else f"'{value}' is not a date written YYYY-MM-DD"
        except ValueError:
            pass
    return f"{value!r} is not a date written YYYY-MM-DD, e.g. \"2027-01-01\""


def go_live(profile: Mapping[str, Any]) -> date | None:
    """The fund's go-live day (`[cutover] go_live`): events that became due before it were handled by the former
    system and are never printed; None without a cut-over (every event is the engine's)."""
    value = profile.get("cutover", {}).get("go_live")
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(value)


def _langs() -> str:
    return ", ".join(LANGUAGES)


@dataclass(frozen=True)
class Table:
    """A table with these keys; `optional` ones may be left out; `each`: a table of named tables of that shape
    (the services)."""

    keys: Mapping[str, Check | Table]
    optional: frozenset[str] = frozenset()
    each: Table | None = None


# The fund's identity in each language (issue 16): its name, short name, street and municipality are words a
# letter prints, so one per language is required — a Dutch street in a French letter is a mistake, not a
# default. A mailbox or the website may be one string when it is the same in every language.
# `signatory` and `capacity`: who signs the service's decisions, named (issue 17: the charter promises the
# insured someone who knows the file).
SERVICE = Table({"name": per_language, "phone": string, "email": text, "signatory": string, "capacity": per_language})

# The e-Box (issue 20): what the fund publishes there, per letter type (a type left out stays on paper), under
# the sender application and message type its onboarding assigned, with the subject the recipient sees.
EBOX_TYPE = Table({"sender_application_id": string, "message_type_id": string, "subject": per_language})
EBOX = Table({"sender_organization_id": string, "fallback_days": count, "registered": boolean,
              "letter_types": Table({}, each=EBOX_TYPE)})

SHAPE = Table({
    "fund": Table({
        "name": per_language, "short_name": per_language, "street": per_language, "postcode": string,
        "city": per_language,
        "enterprise_number": string, "recognition": string, "phone": string, "email": text, "website": text,
        "iban": string, "bic": string,
        "fee_rate": decimal, "fee_rate_source": string,  # the demo fund's management fee; the night reads neither
    }, optional=frozenset({"fee_rate", "fee_rate_source"})),
    "services": Table({}, each=SERVICE),
    # The GDPR art. 13 notice of every letter: the controller is the fund; its DPO and the full notice.
    "privacy": Table({"dpo_email": string, "notice_url": text}),
    "envelope_window": Table({"left_mm": millimetres, "top_mm": millimetres, "width_mm": millimetres,
                              "height_mm": millimetres}),
    "postal": Table({"box_label": per_language}),
    "mailroom": Table({"max_sheets_per_file": count}),
    # Mantelzorg requests (issue 17): the fund's request form as the letter asking for documents names it, where
    # to find it, and whether that letter (a request, not yet a decision) carries the appeal block of art. 14.
    "mantelzorg": Table({"form": per_language, "form_url": text, "incomplete_appeal": boolean}),
    # The switch-on day (README: How a fund switches on); absent, the engine owns every event.
    "cutover": Table({"go_live": iso_day}),
    "ebox": EBOX,
    # The import (issue 22): how old the core system's export may be when a night plans on it (README: Import
    # files); absent, a night does not check the export's age.
    "import": Table({"max_export_age_hours": count}),
}, optional=frozenset({"cutover", "ebox", "import"}))


def max_export_age(profile: Mapping[str, Any]) -> timedelta | None:
    """How old the latest import's export may be when a night plans (`[import] max_export_age_hours`); None
    without the table: no limit."""
    hours = profile.get("import", {}).get("max_export_age_hours")
    return None if hours is None else timedelta(hours=hours)


def problems(profile: Mapping[str, Any], shape: Table = SHAPE, where: str = "") -> list[str]:
    """What does not fit the shape, each naming its key ("fund.iban: missing"); empty when it fits."""
    found: list[str] = []
    if shape.each is not None:
        for name, value in profile.items():
            key = f"{where}{name}"
            if not isinstance(value, dict):
                found.append(f"{key}: must be a table")
            else:
                found += problems(value, shape.each, f"{key}.")
        return found
    for name in sorted(set(profile) - set(shape.keys)):
        found.append(f"{where}{name}: unknown key (known here: {', '.join(shape.keys)})")
    for name, check in shape.keys.items():
        key = f"{where}{name}"
        if name not in profile:
            if name not in shape.optional:
                found.append(f"{key}: missing")
        elif isinstance(check, Table):
            value = profile[name]
            found += problems(value, check, f"{key}.") if isinstance(value, dict) else [f"{key}: must be a table"]
        elif reason := check(profile[name]):
            found.append(f"{key}: {reason}")
    return found
