"""Who a letter goes to when its affiliate has died or is in bankruptcy: the fund's choice, as data in
rules/parameters/interlocks.toml (shared/domain/ is silent, so every choice carries a `[confirm]` mark).

A death comes first: a deceased affiliate's letter is never addressed to them, whatever else holds.
"""

from __future__ import annotations

from datetime import date

from rules.errors import RuleError
from rules.params import Parameters

NAME = "interlocks"
WAYS = ("affiliate", "estate", "heirs_list", "case_handler")


def way(letter_type: str, *, deceased: bool, bankrupt: bool, day: date, params: Parameters) -> str:
    """affiliate | estate | heirs_list | case_handler (see the parameter file)."""
    if not deceased and not bankrupt:
        return "affiliate"
    state = "deceased" if deceased else "bankrupt"
    ways = params.period(NAME, day, state).get(state)
    chosen = ways.get(letter_type, "case_handler")  # a type the data does not name: a person decides
    if chosen not in WAYS:
        raise RuleError(f"rules/parameters/{NAME}.toml: {state}.{letter_type} is '{chosen}', not one of {WAYS}")
    return chosen
