"""Mantelzorg claims → decision letters: first decision, re-decision of an incomplete claim, recovery after a death.

Keys: `decision:mantelzorg:<claim>` (the first decision); `decision:mantelzorg:<claim>:<docs>` (an incomplete
claim decided again because its documents changed; <docs> = first 12 hex of sha256 of the sorted documents);
`decision:mantelzorg:<claim>:recovery` (months paid beyond the month after the cared-for person's death).
The applicant's history (quarters paid, months and exempt quarters received) comes from the database, the
`decisions` table included, and `record_decisions` writes each planned decision there in the night's
transaction, so the next claim sees it. An affiliate gets at most one new decision a night, in order of receipt.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from itertools import groupby
from typing import Any

from sqlalchemy import Connection

from correspondence import journal
from correspondence.compose import Event
from rules.calendar import add_months, month_end, quarter_label, quarter_of
from rules.errors import RuleError
from rules.mantelzorg import decide_mantelzorg
from rules.mantelzorg_input import parse_payload
from rules.mantelzorg_months import conditions
from rules.money import fmt
from rules.params import Parameters
from scheduler.fund import FundView

PREFIX = "decision:mantelzorg:"
LETTER_TYPES = {"granted": "mantelzorg_granted", "refused": "mantelzorg_refused",
                "incomplete": "mantelzorg_incomplete", "recovery": "mantelzorg_recovery"}


def mantelzorg_decisions(fund: FundView, day: date, params: Parameters) -> Iterator[Event]:
    taken = fund.mantelzorg_decisions()
    for affiliate_id, group in groupby(fund.mantelzorg_claims(), key=lambda c: c["affiliate_id"]):
        claims = [c for c in group if c["received_on"] <= day]
        before_engine = max((c["months_before_engine"] for c in claims), default=0)
        exempt_before = max((c["exempt_quarters_before_engine"] for c in claims), default=0)
        history = {"months": set(), "exempt": set()}
        affiliate = fund.recipients("affiliate", [affiliate_id]).get(affiliate_id)
        for claim in claims:
            past = taken.get(claim["claim_id"], [])
            event = _next_event(fund, day, params, claim, past, affiliate, {
                "months_already_received": before_engine + len(history["months"]),
                "exempt_quarters_already_used": exempt_before + len(history["exempt"]),
            })
            if event is not None:
                yield event
                break  # later claims of this affiliate wait until this decision is in the database
            _add_history(history, past)


def _next_event(fund: FundView, day: date, params: Parameters, claim: dict[str, Any], past: list[dict[str, Any]],
                affiliate: dict[str, Any] | None, history: dict[str, int]) -> Event | None:
    documents = sorted(d for d in (claim["documents"] or "").split(";") if d.strip())
    results = [json.loads(d["result"]) for d in past]
    latest = next((r for r in reversed(results) if r["outcome"] != "recovery"), None)
    if latest is None:
        key = f"{PREFIX}{claim['claim_id']}"
    elif latest["outcome"] == "incomplete" and sorted(latest["basis"]["documents"]) != documents:
        key = f"{PREFIX}{claim['claim_id']}:{hashlib.sha256(';'.join(documents).encode()).hexdigest()[:12]}"
    elif latest["outcome"] == "granted" and not any(r["outcome"] == "recovery" for r in results):
        return _recovery(day, params, claim, past, latest, history)
    else:
        return None
    facts = {"claim": _plain_claim(claim, documents), "history": history}
    try:
        if affiliate is None:
            raise RuleError(f"affiliate {claim['affiliate_id']} of claim {claim['claim_id']} is not in the fund")
        payload = _payload(fund, claim, documents, affiliate, history)
        decision = decide_mantelzorg(*parse_payload(payload), params).to_json()
    except RuleError as exc:  # the composer quarantines the letter with this reason
        facts["invalid"] = {"field": getattr(exc, "field", "claim"), "reason": str(exc)}
        return Event(key, "mantelzorg_refused", "affiliate", claim["affiliate_id"], facts)
    facts["decision"] = decision
    return Event(key, LETTER_TYPES[decision["outcome"]], "affiliate", claim["affiliate_id"], facts)


def _payload(fund: FundView, claim: dict[str, Any], documents: list[str], affiliate: dict[str, Any],
             history: dict[str, int]) -> dict[str, Any]:
    start: date = claim["break_start"]
    year, quarter = start.year, quarter_of(start)
    quarters = {}
    for offset in (1, 2):
        index = year * 4 + quarter - 1 - offset
        quarters[quarter_label(index // 4, index % 4 + 1)] = fund.quarter_state(affiliate, index // 4, index % 4 + 1)
    return {
        "applicant": {
            "status": affiliate["status"],
            "provisional_quarterly_contribution": fmt(fund.provisional_contribution(affiliate["affiliate_id"], year, quarter)),
            "quarters": quarters,
            "months_already_received": history["months_already_received"],
            "exempt_quarters_already_used": history["exempt_quarters_already_used"],
            "other_benefit": bool(claim["other_benefit"]),
        },
        "request": {
            "received_on": claim["received_on"].isoformat(),
            "break_start": start.isoformat(),
            "months": claim["months"],
            "mode": claim["mode"],
            "care_recipient": claim["care_recipient"],
            "relative_degree": claim["relative_degree"],
            "child_age": claim["child_age"],
            "documents": documents,
            "care_recipient_died_on": _iso(claim["care_recipient_died_on"]),
        },
    }


def _recovery(day: date, params: Parameters, claim: dict[str, Any], past: list[dict[str, Any]],
              granted: dict[str, Any], history: dict[str, int]) -> Event | None:
    """The months paid beyond the month after the death are claimed back; later unpaid ones are cancelled."""
    died: date | None = claim["care_recipient_died_on"]
    if died is None:
        return None
    kept = conditions(params, claim["break_start"]).months_kept_after_death_month
    year, month = add_months(died.year, died.month, kept)
    last = f"{year:04d}-{month:02d}"
    first_payment = date.fromisoformat(granted["first_payment_on"])
    undue, cancelled = [], []
    for label in granted["months"]:
        if label <= last:
            continue
        paid_on = max(first_payment, month_end(int(label[:4]), int(label[5:])))
        if paid_on <= day:
            undue.append({"label": label, "amount": granted["amounts"][label], "paid_on": paid_on.isoformat()})
        else:
            cancelled.append(label)
    if not undue:
        return None  # (fund policy) nothing paid unduly yet: the payment run stops the later months itself
    decided_on = next(d["decided_on"] for d in reversed(past) if json.loads(d["result"])["outcome"] == "granted")
    total = sum((Decimal(m["amount"]) for m in undue), Decimal(0))
    documents = sorted(d for d in (claim["documents"] or "").split(";") if d.strip())
    return Event(f"{PREFIX}{claim['claim_id']}:recovery", "mantelzorg_recovery", "affiliate", claim["affiliate_id"], {
        "claim": _plain_claim(claim, documents), "history": history, "decision": granted,
        "recovery": {"decided_on": _iso(decided_on), "died_on": died.isoformat(), "last_month": last,
                     "undue": undue, "total": fmt(total), "cancelled": cancelled},
    })


def record_decisions(connection: Connection, day: date, rows: list[dict[str, Any]]) -> None:
    """Record the decisions among the night's planned letters (same transaction): the basis of later claims."""
    records = []
    for row in rows:
        if not row["event_key"].startswith(PREFIX):
            continue
        context = json.loads(row["context"])
        decision, claim = context["decision"], context["claim"]
        if "recovery" in context:
            withdrawn = [m["label"] for m in context["recovery"]["undue"]] + context["recovery"]["cancelled"]
            result = {"outcome": "recovery", "withdrawn": withdrawn, "total": context["recovery"]["total"],
                      "died_on": context["recovery"]["died_on"]}
        else:
            result = {
                "outcome": decision["outcome"], "grounds": decision["grounds"],
                "months": [m["label"] for m in decision["months"]],
                "amounts": {m["label"]: m["amount"] for m in decision["months"]}, "total": decision["total"],
                "exempt_quarters": decision["exempt_quarters"], "first_payment_on": decision["first_payment_on"],
                "missing_documents": decision["missing_documents"],
                "basis": {"documents": claim["documents"],
                          "months_already_received": decision["months_already_received"],
                          "exempt_quarters_already_used": decision["exempt_quarters_already_used"]},
            }
        records.append({"event_key": row["event_key"], "claim_id": claim["id"], "outcome": result["outcome"],
                        "result": result})
    journal.record_decisions(connection, day, records)


def _add_history(history: dict[str, set[str]], past: list[dict[str, Any]]) -> None:
    for row in past:
        result = json.loads(row["result"])
        if result["outcome"] == "granted":
            history["months"].update(result["months"])
            history["exempt"].update(result["exempt_quarters"])
        elif result["outcome"] == "recovery":
            history["months"].difference_update(result["withdrawn"])


def _plain_claim(claim: dict[str, Any], documents: list[str]) -> dict[str, Any]:
    return {**{k: _iso(v) for k, v in claim.items()}, "documents": documents}


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
