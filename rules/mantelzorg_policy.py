"""The fund's choices in handling a mantelzorg request (rules/parameters/mantelzorg_policy.toml, [confirm]):
by when missing documents must arrive."""

from __future__ import annotations

from datetime import date, timedelta

from rules.errors import RuleError
from rules.params import Parameters
from rules.working_days import on_or_next_working_day

NAME = "mantelzorg_policy"


def documents_deadline(asked_on: date, params: Parameters) -> date:
    """The day missing documents must have arrived: `documents_days` after the letter asking for them, moved to
    the next working day."""
    days = params.period(NAME, asked_on, "documents_days").get("documents_days")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise RuleError(
            f"rules/parameters/{NAME}.toml: documents_days must be a whole number of days, 1 or more"
        )
    return on_or_next_working_day(asked_on + timedelta(days=days), params)
