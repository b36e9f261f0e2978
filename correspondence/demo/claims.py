"""The demo fund's mantelzorg claims: every outcome in each language, so the demo night prints each decision
letter in nl, fr and de.

Granted; limited (a late request, the career cap, the cared-for person's death during the break, reported
before the night); refused (three grounds, the other benefit named; a death before the break); incomplete (a
partial break without the sworn statement) — as many of these as the language has eligible affiliates, the
first three outcomes always (the showcase of demo/showcase.py has enough). More claims need a decision from an
earlier night, received just before it (`RECOVERY_NIGHT_DAYS` before the demo night): in each language one
granted there whose cared-for person's death, five days into the break, is reported to the fund `REPORTED_DAYS_BEFORE`
the demo night, so the demo night claims back what the fund paid (benefit_payments.csv: each granted month at
its payment date, up to the day the death was reported) for the months after the month after the death, and
cancels the rest; one asked for its sworn statement there,
which came ten days later (the demo night grants it, paying from the month after it became complete); one asked
for its documents there that never came (the demo night refuses it). `before_death` gives the claims as the
earlier night knew them; the demo command runs that night first.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rules.calendar import add_months, month_end, quarter_of
from rules.language import LANGUAGES
from rules.mantelzorg_months import first_payment_on, monthly_amounts
from rules.money import fmt
from rules.params import Parameters
from rules.payment_reference import digits_of, structured_reference

# (name, changes to the standard claim: full break from the 1st of this month, 3 months, a spouse, certificate)
# The three outcomes first: a language with few eligible affiliates still shows each.
CASES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("granted", {}),
    ("refused", {"care_recipient": "neighbour", "other_benefit": "true", "other_benefit_kind": "career_break_care"}),
    ("incomplete", {"mode": "partial", "documents": "medical_certificate"}),
    ("granted_6", {"months": 6}),
    ("late", {"break_start": -3}),  # months before the month preceding receipt are dropped
    ("career_cap", {"months": 4, "months_before_engine": 10}),
    # a break since last month, asked for before it; the death reported before tonight
    ("died", {"months": 6, "break_start": -1, "received_before_break": 3, "died_after_days": 20}),
    ("died_before", {"died_before_break_days": 3}),  # refused: no care during the break
    ("relative", {"care_recipient": "relative", "relative_degree": "2", "mode": "partial",
                  "documents": "medical_certificate;sworn_statement"}),
)


# Days before the demo night on which the claim that is recovered tonight was granted: long enough for the
# months after the death to have been paid by the demo night.
RECOVERY_NIGHT_DAYS = 100
REPORTED_DAYS_BEFORE = 3  # the death of a recovered claim's cared-for person reaches the fund then


def recovery_night(day: date) -> date:
    return day - timedelta(days=RECOVERY_NIGHT_DAYS)


def recovery_claim_ids(day: date) -> tuple[str, ...]:
    """The claims granted on the earlier night and recovered on the demo night, one per language."""
    return tuple(f"MZ{day:%y}{9001 + n:04d}" for n in range(len(LANGUAGES)))


def completed_claim_id(day: date) -> str:
    """The claim asked for its sworn statement on the earlier night, completed ten days after it."""
    return f"MZ{day:%y}9101"


def unanswered_claim_id(day: date) -> str:
    """The claim asked for its documents on the earlier night, which never came."""
    return f"MZ{day:%y}9102"


COMPLETED_AFTER_DAYS = 10  # after the earlier night, well within the documents' deadline


def add_claims(rows: dict[str, list[dict[str, Any]]], seed: int, day: date) -> None:
    """Add claims.csv: in each language, the claim granted on the earlier night whose cared-for person's death is
    reported since, and one claim per case, each for a main-profession affiliate with the two quarters paid;
    and the two claims that asked for documents on the earlier night (one completed since, one never)."""
    rng = random.Random(seed * 104729 + 4)
    language = {a["affiliate_id"]: a["language"] for a in rows["affiliates.csv"]}
    break_start = day.replace(day=1)
    received = recovery_night(day) - timedelta(days=2)
    earlier_start = received.replace(day=1)
    now, earlier = _paid_up(rows, break_start), set(_paid_up(rows, earlier_start))
    claims = rows.setdefault("claims.csv", [])
    paid = rows.setdefault("benefit_payments.csv", [])
    reported = day - timedelta(days=REPORTED_DAYS_BEFORE)
    number = 0
    for claim_id, spoken in zip(recovery_claim_ids(day), LANGUAGES, strict=True):
        eligible = [a for a in now if language[a] == spoken]
        rng.shuffle(eligible)
        # the recovery's claimant first (paid up before the earlier break too), so the outcomes keep the rest
        recovered = next((a for a in eligible if a in earlier), None)
        if recovered is not None:
            eligible.remove(recovered)
            claim = claim_row(claim_id, recovered, received, earlier_start, {"months": 6, "died_after_days": 5})
            claim["death_reported_on"] = reported.isoformat()
            claims.append(claim)
            paid.extend(paid_until(claim, reported))
        for (_, changes), affiliate_id in zip(CASES, eligible, strict=False):
            number += 1
            claims.append(claim_row(f"MZ{day:%y}{number:04d}", affiliate_id,
                                    day - timedelta(days=rng.randint(1, 5)), break_start, changes))
    taken = {c["affiliate_id"] for c in claims}
    candidates = sorted(a for a in earlier if a not in taken)
    completed = (recovery_night(day) + timedelta(days=COMPLETED_AFTER_DAYS)).isoformat()
    asked = ((completed_claim_id(day), {"mode": "partial", "documents": "medical_certificate;sworn_statement",
                                        "completed_on": completed}),
             (unanswered_claim_id(day), {"mode": "partial", "documents": ""}))
    for (claim_id, changes), affiliate_id in zip(asked, rng.sample(candidates, min(2, len(candidates))),
                                                 strict=False):
        claims.append(claim_row(claim_id, affiliate_id, received, earlier_start, changes))


def paid_until(claim: dict[str, Any], until: date) -> list[dict[str, Any]]:
    """benefit_payments.csv rows of a granted claim: each month paid on its schedule (at its end, never before
    the first payment day: rules/mantelzorg_months.py), up to `until`."""
    start, received = date.fromisoformat(claim["break_start"]), date.fromisoformat(claim["received_on"])
    months = [date(*add_months(start.year, start.month, n), 1) for n in range(int(claim["months"]))]
    first = first_payment_on(months, received)
    amounts = monthly_amounts(months, claim["mode"], Parameters())
    payments = []
    for month in amounts:
        paid_on = max(first, month_end(month.month.year, month.month.month))
        if paid_on <= until:
            payments.append({"claim_id": claim["claim_id"], "month": month.label, "paid_on": paid_on.isoformat(),
                             "amount": fmt(month.amount)})
    return payments


def before_death(rows: dict[str, list[dict[str, Any]]], day: date) -> list[dict[str, Any]]:
    """The claims as the earlier night knew them: the recovered claims' deaths not yet reported, the completed
    claim's sworn statement not yet received."""
    recovered = recovery_claim_ids(day)
    known = []
    for c in rows.get("claims.csv", []):
        if c["claim_id"] in recovered:
            c = {**c, "care_recipient_died_on": "", "death_reported_on": ""}
        elif c["claim_id"] == completed_claim_id(day):
            c = {**c, "documents": "medical_certificate", "completed_on": ""}
        known.append(c)
    return known


def claim_row(claim_id: str, affiliate_id: str, received_on: date, break_start: date,
              changes: dict[str, Any]) -> dict[str, Any]:
    """A claims.csv row for one of CASES: a three-month full-time break for a spouse, as `changes` alters it."""
    start = break_start
    if isinstance(changes.get("break_start"), int):
        start = date(*add_months(break_start.year, break_start.month, changes["break_start"]), 1)
    if "received_before_break" in changes:
        received_on = start - timedelta(days=changes["received_before_break"])
    died = (start + timedelta(days=changes["died_after_days"])).isoformat() if "died_after_days" in changes else ""
    if "died_before_break_days" in changes:
        died = (start - timedelta(days=changes["died_before_break_days"])).isoformat()
    return {
        "claim_id": claim_id, "affiliate_id": affiliate_id, "kind": "mantelzorg",
        "received_on": received_on.isoformat(),
        "break_start": start.isoformat(), "months": changes.get("months", 3), "mode": changes.get("mode", "full"),
        "care_recipient": changes.get("care_recipient", "spouse"),
        "relative_degree": changes.get("relative_degree", ""), "child_age": "",
        "documents": changes.get("documents", "medical_certificate"), "care_recipient_died_on": died,
        "other_benefit": changes.get("other_benefit", "false"),
        "months_before_engine": changes.get("months_before_engine", 0), "exempt_quarters_before_engine": 0,
        "other_benefit_kind": changes.get("other_benefit_kind", ""), "completed_on": changes.get("completed_on", ""),
        "death_reported_on": "",
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
