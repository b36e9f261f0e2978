"""The interlocks of one night: whether a letter to an affiliate goes out, to whom, or is held — a deceased
affiliate's letter is never addressed to them, a bankrupt affiliate's follows the fund's rule
(rules/interlocks.py, data in rules/parameters/interlocks.toml); a date of death after the night is
implausible (rules/plausibility.py) and holds the letter. Also turns plausibility problems into `Held`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from correspondence.kinds.fund import Fund
from correspondence.kinds.letter import Held
from correspondence.quarantine import Quarantine
from rules.interlocks import way
from rules.params import Parameters
from rules.plausibility import Implausible, dated_after, quarterly_contribution

CHECK = "check the data in the core system; the letter goes out on the next night once it is plausible"


def held(key: str, record: str, problems: list[Implausible]) -> Held | None:
    """The first plausibility problem as a held event (None when there is none)."""
    if not problems:
        return None
    return Held(key, Quarantine(record, problems[0].field, f"implausible: {problems[0].reason}", CHECK))


def implausible_account(key: str, contributions: Iterable[dict[str, Any]], params: Parameters) -> Held | None:
    """A letter printing the account (reminder, formal notice, statement) is held while one of its provisional
    contributions is implausible — negative, or above the year's legal maximum — as a due notice is; the record
    named is the contribution. None when every one is plausible."""
    for row in contributions:
        if row["kind"] == "provisional":
            problem = held(key, f"contribution {row['contribution_id']}",
                           quarterly_contribution(row["year"], row["amount"], row["fee"], params))
            if problem is not None:
                return problem
    return None


class Interlocks:
    """What tonight's letters to affiliates must respect: deaths and bankruptcies, read once per trigger."""

    def __init__(self, fund: Fund, day: date, params: Parameters) -> None:
        self.day, self.params = day, params
        self.deaths = fund.deaths()
        self.bankrupt = {a for a, kinds in fund.holds(day).items() if "bankruptcy" in kinds}

    def check(self, key: str, letter_type: str, affiliate_id: str) -> str | Held:
        """affiliate | estate | heirs_list (no letter), or the event held for a case handler."""
        record = f"affiliate {affiliate_id}"
        died = self.deaths.get(affiliate_id)
        late = held(key, record, dated_after({"date_of_death": died}, self.day))
        if late is not None:
            return late
        chosen = way(letter_type, deceased=died is not None, bankrupt=affiliate_id in self.bankrupt,
                     day=self.day, params=self.params)
        if chosen == "case_handler":
            state = "deceased" if died is not None else "in bankruptcy (an active bankruptcy suspension)"
            return Held(key, Quarantine(
                record, "suspension", f"the affiliate is {state}: the fund's rules name no addressee for a "
                f"{letter_type} [confirm]",
                "a case handler decides whom to write to (the trustee, the affiliate) and sends it by hand"))
        return chosen
