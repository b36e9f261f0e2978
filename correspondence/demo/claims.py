"""The demo fund's mantelzorg claims: every outcome in each language, so the demo night prints each decision
letter in nl, fr and de.

Granted; refused (two grounds); incomplete (a partial break without the sworn statement); limited (a late
request, the career cap, the cared-for person's death during the break) — as many of these as the language has
eligible affiliates, the first three always (the showcase of demo/showcase.py has enough). A recovery letter
needs a decision from an earlier night: in each language one more claim is received `RECOVERY_NIGHT_DAYS` before
the demo night and granted on that earlier night; the cared-for person's death, five days into the break, is
reported afterwards, so the demo night claims back the months paid beyond the month after the death
(`before_death` gives the claims as the earlier night knew them; the demo command runs that night first).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rules.calendar import add_months, quarter_of
from rules.language import LANGUAGES
from rules.payment_reference import digits_of, structured_reference

# (name, changes to the standard claim: full break from the 1st of this month, 3 months, a spouse, certificate)
# The three outcomes first: a language with few eligible affiliates still shows each.
CASES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("granted", {}),
    ("refused", {"care_recipient": "neighbour", "other_benefit": "true"}),
    ("incomplete", {"mode": "partial", "documents": "medical_certificate"}),
    ("granted_6", {"months": 6}),
    ("late", {"break_start": -3}),  # months before the month preceding receipt are dropped
    ("career_cap", {"months": 4, "months_before_engine": 10}),
    ("died", {"months": 6, "died_after_days": 20}),
    ("relative", {"care_recipient": "relative", "relative_degree": "2", "mode": "partial",
                  "documents": "medical_certificate;sworn_statement"}),
)


# Days before the demo night on which the claim that is recovered tonight was granted: long enough for the
# months after the death to have been paid by the demo night.
RECOVERY_NIGHT_DAYS = 100


def recovery_night(day: date) -> date:
    return day - timedelta(days=RECOVERY_NIGHT_DAYS)


def recovery_claim_ids(day: date) -> tuple[str, ...]:
    """The claims granted on the earlier night and recovered on the demo night, one per language."""
    return tuple(f"MZ{day:%y}{9001 + n:04d}" for n in range(len(LANGUAGES)))


def add_claims(rows: dict[str, list[dict[str, Any]]], seed: int, day: date) -> None:
    """Add claims.csv: in each language, the claim granted on the earlier night whose cared-for person's death is
    reported since, and one claim per case, each for a main-profession affiliate with the two quarters paid."""
    rng = random.Random(seed * 104729 + 4)
    language = {a["affiliate_id"]: a["language"] for a in rows["affiliates.csv"]}
    break_start = day.replace(day=1)
    received = recovery_night(day) - timedelta(days=2)
    earlier_start = received.replace(day=1)
    now, earlier = _paid_up(rows, break_start), set(_paid_up(rows, earlier_start))
    claims = rows.setdefault("claims.csv", [])
    number = 0
    for claim_id, spoken in zip(recovery_claim_ids(day), LANGUAGES, strict=True):
        eligible = [a for a in now if language[a] == spoken]
        rng.shuffle(eligible)
        # the recovery's claimant first (paid up before the earlier break too), so the outcomes keep the rest
        recovered = next((a for a in eligible if a in earlier), None)
        if recovered is not None:
            eligible.remove(recovered)
            claims.append(claim_row(claim_id, recovered, received, earlier_start, {"months": 6, "died_after_days": 5}))
        for (_, changes), affiliate_id in zip(CASES, eligible, strict=False):
            number += 1
            claims.append(claim_row(f"MZ{day:%y}{number:04d}", affiliate_id,
                                    day - timedelta(days=rng.randint(1, 5)), break_start, changes))


def before_death(rows: dict[str, list[dict[str, Any]]], day: date) -> list[dict[str, Any]]:
    """The claims as the earlier night knew them: the recovered claims' deaths not yet reported."""
    recovered = recovery_claim_ids(day)
    return [{**c, "care_recipient_died_on": ""} if c["claim_id"] in recovered else c
            for c in rows.get("claims.csv", [])]


def claim_row(claim_id: str, affiliate_id: str, received_on: date, break_start: date,
              changes: dict[str, Any]) -> dict[str, Any]:
    """A claims.csv row for one of CASES: a three-month full-time break for a spouse, as `changes` alters it."""
    start = break_start
    if isinstance(changes.get("break_start"), int):
        start = date(*add_months(break_start.year, break_start.month, changes["break_start"]), 1)
    died = (start + timedelta(days=changes["died_after_days"])).isoformat() if "died_after_days" in changes else ""
    return {
        "claim_id": claim_id, "affiliate_id": affiliate_id, "kind": "mantelzorg",
        "received_on": received_on.isoformat(),
        "break_start": start.isoformat(), "months": changes.get("months", 3), "mode": changes.get("mode", "full"),
        "care_recipient": changes.get("care_recipient", "spouse"),
        "relative_degree": changes.get("relative_degree", ""), "child_age": "",
        "documents": changes.get("documents", "medical_certificate"), "care_recipient_died_on": died,
        "other_benefit": changes.get("other_benefit", "false"),
        "months_before_engine": changes.get("months_before_engine", 0), "exempt_quarters_before_engine": 0,
    }


def _paid_up(rows: dict[str, list[dict[str, Any]]], break_start: date) -> list[str]:
    """Main-profession affiliates who paid the two quarters before the break's quarter in full."""
    index = break_start.year * 4 + quarter_of(break_start) - 1
    wanted = [((index - n) // 4, (index - n) % 4 + 1) for n in (1, 2)]
    due: dict[tuple[str, int, int], Decimal] = {}
    for row in rows["contributions.csv"]:
        key = (row["affiliate_id"], int(row["year"]), int(row["quarter"]))
        due[key] = due.get(key, Decimal(0)) + Decimal(row["amount"]) + Decimal(row["fee"])
    paid: dict[tuple[str, str], Decimal] = {}
    for row in rows["payments.csv"]:
        key = (row["payer_id"], row["structured_reference"])
        paid[key] = paid.get(key, Decimal(0)) + Decimal(row["amount"])
    found = []
    for affiliate in rows["affiliates.csv"]:
        aid = affiliate["affiliate_id"]
        if affiliate["status"] != "main":
            continue
        if all((aid, y, q) in due and paid.get((aid, digits_of(structured_reference(aid, y, f"Q{q}"))), Decimal(0))
               >= due[(aid, y, q)] for y, q in wanted):
            found.append(aid)
    return sorted(found)
