"""Where each rule of a mantelzorg decision stands in the law, in the letter's language.

Data in rules/parameters/mantelzorg_sources.toml, by validity period: per ground code (and per rule a decision
states besides its grounds) the act and its article, or the act's condition where no source gives the article
yet (those are `[confirm]` and reported by the night like every other mark).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from rules.errors import RuleError
from rules.params import Parameters

NAME = "mantelzorg_sources"
# What a decision states besides its grounds: the monthly amount, the exemption of contributions, when it is
# paid, the documents a request needs, that the activity is interrupted and not stopped.
STATEMENTS = ("AMOUNT", "EXEMPTION", "PAYMENT", "DOCUMENTS", "CESSATION")


def sources(params: Parameters, day: date, language: str, codes: Iterable[str] = ()) -> dict[str, str]:
    """Every rule's source on `day` ("koninklijk besluit van 27 september 2015, artikel 1, eerste lid, a)"), by
    code; RuleError naming the file and entry when one of `codes` (the decision's grounds) or of STATEMENTS has
    none, or an entry lacks the language."""
    period = params.period(NAME, day, "rules")
    acts, rules = period.get("acts"), period.get("rules")
    where = f"rules/parameters/{NAME}.toml (from {period.valid_from})"
    missing = [code for code in (*STATEMENTS, *codes) if code not in rules]
    if missing:
        raise RuleError(
            f"{where}: no source for {', '.join(dict.fromkeys(missing))}: a decision must cite the "
            "rule of every ground"
        )
    return {code: _citation(code, entry, acts, language, where) for code, entry in rules.items()}


def _citation(code: str, entry: Mapping[str, Any], acts: Mapping[str, Any], language: str, where: str) -> str:
    act = acts.get(entry.get("act"), {})
    place = entry.get("article") or entry.get("condition") or {}
    if language not in act or language not in place:
        raise RuleError(
            f"{where}: rules.{code} needs an act of `acts` and an article or condition in '{language}'"
        )
    return f"{act[language]}, {place[language]}"
