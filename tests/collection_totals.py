"""Does a collection letter's table add up? Checked on the context a letter was composed with (the values its
template prints, rows and total), so the same check serves the sample letters, the in-memory year and the
letters a night on a database journaled."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

D = Decimal
ACCOUNT_LETTERS = ("reminder", "formal_notice", "account_statement")
COMPANY_LETTERS = ("company_reminder", "company_formal_notice")


def table_faults(context: dict[str, Any]) -> list[str]:
    """What does not add up in this letter's amounts table (empty: every row adds up to the printed total)."""
    kind = context["letter"]["type"]
    if kind in ACCOUNT_LETTERS:
        return _account_faults(kind, context)
    if kind in COMPANY_LETTERS:
        return _company_faults(context)
    return []


def _account_faults(kind: str, context: dict[str, Any]) -> list[str]:
    account, faults = context["account"], []
    for p in account["periods"]:
        items = sum((D(s["amount"]) for s in p["surcharge_items"]), D(0))
        if items != D(p["surcharges"]):
            faults.append(f"{p['period']}: surcharges {p['surcharges']} but its items add up to {items}")
        row = D(p["contribution"]) + D(p["fee"]) - D(p["paid"]) + items
        if row != D(p["owed"]):
            faults.append(f"{p['period']}: row adds up to {row}, prints {p['owed']}")
    rows = sum((D(p["owed"]) for p in account["periods"]), D(0)) - D(account["credit"])
    printed = -D(account["in_favour"]) if account.get("in_favour") else D(account["total"])
    if rows != printed:
        faults.append(f"the rows add up to {rows}, the total prints {printed}")
    asked = D(context["payment"]["amount"]) if context.get("payment") else D(0)
    if kind != "account_statement" and printed != asked:
        faults.append(f"the table's total {printed} is not the amount asked {asked}")
    if kind == "account_statement" and asked != D(account["due"]):
        faults.append(f"the statement asks {asked}, prints {account['due']} as due now")
    return faults


def _company_faults(context: dict[str, Any]) -> list[str]:
    owed, faults = context["company_contribution"], []
    rows = D(owed["amount"]) - D(owed["paid"]) + D(owed["interest_total"])
    if rows != D(owed["due"]):
        faults.append(f"the rows add up to {rows}, the total prints {owed['due']}")
    if sum((D(m["amount"]) for m in owed["interest"]), D(0)) != D(owed["interest_total"]):
        faults.append("the months of interest do not add up to the interest printed")
    if D(context["payment"]["amount"]) != D(owed["due"]):
        faults.append(f"asks {context['payment']['amount']}, the table's total is {owed['due']}")
    return faults
