"""The regularisation notice: the difference between the provisional contributions and those due on the real
income — an extra amount to pay by its due date (with how to pay), or a refund.

A regularisation supplement is due by the last day of the quarter after the quarter it was charged in
(domain/contributions.md), so the row's due date tells when it was charged: the notice goes out on any
night from the first day of that quarter up to the due date (`regularisation:<contribution_id>`).
Never to a deceased affiliate (the heirs' list has the balance); held for a case handler during a
bankruptcy or when the date of death lies after the night (kinds/interlocks.py).

The reference income (contributions.csv `income`, the year's final professional income) is printed when the
contribution rule (rules/contributions.py) gives, on it and for the affiliate's status, the final total the
notice charges (one quarterly amount per quarter charged provisionally); an inconsistent income holds the
notice for a case handler; one the rule cannot compute is left out, with a remark in the morning report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from correspondence.kinds.blocks import payment_block
from correspondence.kinds.fund import Fund
from correspondence.kinds.interlocks import Interlocks
from correspondence.kinds.letter import ComposeEnv, Event, Held
from correspondence.quarantine import Quarantine
from rules.calendar import add_months, quarter_of, quarter_start
from rules.errors import RuleError
from rules.money import cents, fmt
from rules.params import Parameters
from rules.payment_reference import structured_reference
from rules.plausibility import regularisation_income


@dataclass(frozen=True)
class Regularisation:
    year: int
    amount: str  # money as the letter prints it; negative for a refund
    fee: str
    total: str
    due_date: str  # ISO date
    refund: bool
    # The calculation, per quarter of the year charged: provisional, final and their difference (money as printed).
    quarters: tuple[dict[str, Any], ...] = ()
    # The reference income (the final professional income of the year, as the tax authority reported it), when
    # given and consistent with the final contribution; None otherwise. `notes`: remarks for the morning report.
    income: str | None = None
    notes: tuple[tuple[str, str], ...] = ()


def charged_on(due_date: date) -> date:
    """The first day of the quarter before the one the regularisation is due in."""
    year, month = add_months(due_date.year, 3 * quarter_of(due_date) - 2, -3)
    return quarter_start(year, (month - 1) // 3 + 1)


def calculation(provisional: dict[int, Decimal], difference: Decimal) -> tuple[dict[str, Any], ...]:
    """Per quarter charged provisionally: provisional, final and difference contribution (fee apart).

    The final contribution is one yearly amount in four equal quarters (domain/contributions.md: quarterly =
    annual / 4, to the cent), so the year's final total (provisional + `difference`) is shared equally over the
    quarters the affiliate was charged for, the last quarter taking the cents left: the rows' differences add
    up to `difference` exactly."""
    if not provisional:
        return ()
    quarters = sorted(provisional)
    final_total = sum(provisional.values(), Decimal(0)) + difference
    share = cents(final_total / len(quarters))
    finals = {q: share for q in quarters[:-1]}
    finals[quarters[-1]] = final_total - share * (len(quarters) - 1)
    return tuple({"quarter": q, "provisional": fmt(provisional[q]), "final": fmt(finals[q]),
                  "difference": fmt(finals[q] - provisional[q])} for q in quarters)


def provisional_of(rows: tuple[dict[str, Any], ...], year: int) -> dict[int, Decimal]:
    """The provisional contribution charged per quarter of `year` (fee apart)."""
    found: dict[int, Decimal] = {}
    for row in rows:
        if row["kind"] == "provisional" and row["year"] == year:
            found[row["quarter"]] = found.get(row["quarter"], Decimal(0)) + row["amount"]
    return found


def regularisation_notices(fund: Fund, day: date, params: Parameters) -> Iterator[Event | Held]:
    interlocks = Interlocks(fund, day, params)
    for ledger in fund.ledgers(payers=fund.regularised(day)):  # a notice goes out up to its due date
        for row in ledger.regularisations:
            total = row["amount"] + row["fee"]
            if total == 0 or not charged_on(row["due_date"]) <= day <= row["due_date"]:
                continue
            key = f"regularisation:{row['contribution_id']}"
            addressee = interlocks.check(key, "regularisation", ledger.payer_id)
            if isinstance(addressee, Held):
                yield replace(addressee, due_on=charged_on(row["due_date"]))
            if addressee != "affiliate":
                continue  # held, or deceased: the heirs' list has it
            provisional = provisional_of(ledger.contributions, row["year"])
            facts = Regularisation(year=row["year"], amount=fmt(row["amount"]), fee=fmt(row["fee"]), total=fmt(total),
                                   due_date=row["due_date"].isoformat(), refund=total < 0,
                                   quarters=calculation(provisional, row["amount"]))
            checked = reference_income(fund, ledger.payer_id, row, provisional, params)
            if isinstance(checked, Quarantine):
                yield Held(key, checked, due_on=charged_on(row["due_date"]))
                continue
            yield Event(key, "regularisation", "affiliate", ledger.payer_id, replace(facts, **checked),
                        due_on=charged_on(row["due_date"]))


def reference_income(fund: Fund, payer: str, row: dict[str, Any], provisional: dict[int, Decimal],
                     params: Parameters) -> dict[str, Any] | Quarantine:
    """The income a regularisation prints, checked against its figures by the contribution rule for the
    affiliate's status: printed when consistent, held for a case handler when not (never contradicting figures),
    left out with a remark when the rule cannot compute it (a status or year without figures [confirm])."""
    income = row.get("income")
    if income is None:
        return {}
    status = fund.recipients("affiliate", [payer]).get(payer, {}).get("status", "")
    final_total = sum(provisional.values(), Decimal(0)) + row["amount"]
    try:
        problems = regularisation_income(row["year"], status, income, len(provisional), final_total, params)
    except RuleError as exc:
        note = f"the reference income of {row['contribution_id']} was not printed: it cannot be checked ({exc})"
        return {"notes": (("income", note),)}
    if problems:
        return Quarantine(f"contribution {row['contribution_id']}", "income", f"inconsistent: {problems[0].reason}",
                          "a case handler checks the income and the regularisation in the core system; the notice "
                          "goes out on the next night once they agree")
    return {"income": fmt(income)}


def compose(event: Event, recipient: dict[str, Any], env: ComposeEnv, language: str) -> dict[str, Any]:
    facts: Regularisation = event.facts
    total = Decimal(facts.total)
    refund = total < 0
    payment = None
    if not refund:
        reference = structured_reference(event.recipient_id, facts.year, "regularisation")
        payment = payment_block(env.fund, language, fmt(total), reference)
    return {
        "regularisation": {
            "year": facts.year,
            "income_year": facts.year,  # the contributions of a year are due on that year's income
            "income": facts.income,  # the reference income, checked; None when not given or not checkable
            "quarters": list(facts.quarters),
            "difference": facts.amount,  # signed: the sum of the quarters' differences
            "provisional_total": fmt(sum((Decimal(q["provisional"]) for q in facts.quarters), Decimal(0))),
            "final_total": fmt(sum((Decimal(q["final"]) for q in facts.quarters), Decimal(0))),
            "amount": fmt(abs(Decimal(facts.amount))),
            "fee": fmt(abs(Decimal(facts.fee))),
            "total": fmt(abs(total)),
            "refund": refund,
            "due_date": facts.due_date,
        },
        "payment": payment,
    }
