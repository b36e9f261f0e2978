"""Mantelzorg claims → decision letters (granted, refused, incomplete, recovery): first decision, re-decision of
an incomplete claim, recovery after a death; the decision recorded for the next claims; the letter's context.

Keys: `decision:mantelzorg:<claim>` (the first decision); `decision:mantelzorg:<claim>:<docs>` (an incomplete
claim decided again because its documents changed; <docs> = first 12 hex of sha256 of the sorted documents);
`decision:mantelzorg:<claim>:no-documents` (an incomplete claim refused because its documents did not arrive by
the date its letter asked them for, rules/parameters/mantelzorg_policy.toml);
`decision:mantelzorg:<claim>:recovery` and `…:ended` (after the cared-for person's death: the months paid beyond
the month after it claimed back, or, nothing paid yet, cancelled — kinds/mantelzorg_recovery.py).
A claim dated after the night (its cared-for person's death, its completion) is held as implausible; one
received after the night waits for its day (a catch-up night decides what the fund had received by then).
The applicant's history (quarters paid, months and exempt quarters received) comes from the fund, its
decisions included, and `record` gives the row each planned decision leaves there (the night writes it in
its transaction), so the next claim sees it. An affiliate gets at most one new decision a night, in order of
receipt. A claim the rule cannot read is held, naming the field, until its data is corrected.

Go-live: a decision's event carries no `due_on` (None), so a cut-over never leaves it to the former system:
a claim in the fund's data that has no decision in the journal is owed one, whatever its date of receipt. A
fund switching on exports only the claims its former system has not decided (those it did are counted in
`months_before_engine` and `exempt_quarters_before_engine` of the next claims).

The decision itself is taken here with rules.mantelzorg; the composer only shapes it for the Word templates.
The court and language are added for every decision by `compose()` of kinds/letter.py.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby
from typing import Any

from correspondence.kinds import mantelzorg_recovery
from correspondence.kinds.blocks import in_language
from correspondence.kinds.fund import Fund
from correspondence.kinds.interlocks import held
from correspondence.kinds.letter import ComposeEnv, Event, Held
from correspondence.kinds.mantelzorg_recovery import RecoveryFacts
from correspondence.quarantine import Quarantine
from rules.calendar import month_end, quarter_end, quarter_label, quarter_of, quarter_start
from rules.errors import RuleError
from rules.mantelzorg import decide_mantelzorg, documents_not_received
from rules.mantelzorg_input import parse_payload
from rules.mantelzorg_policy import NAME as POLICY
from rules.mantelzorg_policy import documents_deadline
from rules.mantelzorg_sources import sources
from rules.money import fmt
from rules.params import Parameters
from rules.payment_reference import digits_of, structured_reference
from rules.plausibility import dated_after

PREFIX = "decision:mantelzorg:"
LETTER_TYPES = {"granted": "mantelzorg_granted", "refused": "mantelzorg_refused",
                "incomplete": "mantelzorg_incomplete", "recovery": "mantelzorg_recovery"}


@dataclass(frozen=True)
class History:
    """What the applicant received before this claim, as the rule counts it."""

    months_already_received: int
    exempt_quarters_already_used: int


@dataclass(frozen=True)
class ClaimDecision:
    """A decision on one claim: the claim as plain values (dates ISO, documents sorted), the history it was
    taken on, the rule's decision (its JSON output; for a recovery, the granting decision's result)."""

    claim: dict[str, Any]
    history: History
    decision: dict[str, Any]
    recovery: RecoveryFacts | None = None
    deadline: str | None = None  # incomplete: the day the missing documents must have arrived (ISO)
    notes: tuple[tuple[str, str], ...] = ()  # remarks for the morning report


def mantelzorg_decisions(fund: Fund, day: date, params: Parameters) -> Iterator[Event | Held]:
    taken = fund.mantelzorg_decisions()
    for affiliate_id, group in groupby(fund.mantelzorg_claims(), key=lambda c: c["affiliate_id"]):
        claims = [c for c in group if c["received_on"] <= day]
        before_engine = max((c["months_before_engine"] for c in claims), default=0)
        exempt_before = max((c["exempt_quarters_before_engine"] for c in claims), default=0)
        history = {"months": set(), "exempt": set()}
        affiliate = fund.recipients("affiliate", [affiliate_id]).get(affiliate_id)
        for claim in claims:
            past = taken.get(claim["claim_id"], [])
            others = [json.loads(d["result"]) for c in claims if c is not claim for d in taken.get(c["claim_id"], [])]
            event = _next_event(fund, day, params, claim, past, affiliate, History(
                months_already_received=before_engine + len(history["months"]),
                exempt_quarters_already_used=exempt_before + len(history["exempt"]),
            ), others)
            if event is not None:
                yield event
                break  # later claims of this affiliate wait until this decision is in the database
            _add_history(history, past)


def _next_event(fund: Fund, day: date, params: Parameters, claim: dict[str, Any], past: list[dict[str, Any]],
                affiliate: dict[str, Any] | None, history: History, others: list[dict[str, Any]]) -> Event | Held | None:
    documents = sorted(d for d in (claim["documents"] or "").split(";") if d.strip())
    results = [json.loads(d["result"]) for d in past]
    latest = next((r for r in reversed(results) if r["outcome"] not in mantelzorg_recovery.OUTCOMES), None)
    record = f"affiliate {claim['affiliate_id']}"
    # A fact no letter of tonight may state: a death or a completion after the night (rules/plausibility.py).
    late = dated_after({"care_recipient_died_on": claim["care_recipient_died_on"],
                        "completed_on": claim.get("completed_on")}, day)
    completed_on, notes = claim.get("completed_on"), ()
    if latest is None:
        key = f"{PREFIX}{claim['claim_id']}"
    elif latest["outcome"] == "incomplete" and sorted(latest["basis"]["documents"]) != documents:
        key = f"{PREFIX}{claim['claim_id']}:{hashlib.sha256(';'.join(documents).encode()).hexdigest()[:12]}"
        if completed_on is None:  # §6: the first payment counts from the day the request became complete
            completed_on = day
            note = (f"claim {claim['claim_id']}: the documents arrived after the request, on a day the claim "
                    f"does not give (completed_on): counted as complete on {day.isoformat()}, the night that found "
                    "them [confirm]")
            notes = (("completed_on", note),)
    elif latest["outcome"] == "incomplete":
        return held(f"{PREFIX}{claim['claim_id']}:no-documents", record, late) or _documents_expired(
            day, params, claim, past, latest, history)
    elif latest["outcome"] == "granted":
        return held(f"{PREFIX}{claim['claim_id']}:recovery", record, late) or _recovery(
            fund, day, params, claim, past, latest, history, others)
    else:
        return None
    if affiliate is None:
        return Held(key, Quarantine(record, "recipient_id", "is not in the fund's data", "import the recipient, then rerun"))
    if late:
        return held(key, record, late)
    if claim["other_benefit"] and not claim.get("other_benefit_kind"):
        return Held(key, Quarantine(record, "other_benefit_kind", "is empty: the claim says another benefit is "
                                    "received, and a refusal for it must name that benefit",
                                    "name the benefit in the core system (claims.csv other_benefit_kind)"))
    try:
        payload = _payload(fund, claim, documents, affiliate, history, completed_on)
        decision = decide_mantelzorg(*parse_payload(payload), params).to_json()
        deadline = documents_deadline(day, params).isoformat() if decision["outcome"] == "incomplete" else None
    except RuleError as exc:  # the claim's data cannot be read by the rule: held, naming the field
        return Held(key, Quarantine(record, getattr(exc, "field", "claim"), str(exc),
                                    "complete the rule parameters or the data"))
    plain = {**_plain_claim(claim, documents), "completed_on": _iso(completed_on)}
    return Event(key, LETTER_TYPES[decision["outcome"]], "affiliate", claim["affiliate_id"],
                 ClaimDecision(plain, history, decision, deadline=deadline, notes=notes))


def _documents_expired(day: date, params: Parameters, claim: dict[str, Any], past: list[dict[str, Any]],
                       asked: dict[str, Any], history: History) -> Event | Held | None:
    """An incomplete claim whose documents did not arrive by the date its letter gave: refused, naming them."""
    asked_on = next(d["decided_on"] for d in reversed(past) if json.loads(d["result"])["outcome"] == "incomplete")
    asked_on = asked_on if isinstance(asked_on, date) else date.fromisoformat(str(asked_on))
    try:
        deadline = date.fromisoformat(asked["deadline"]) if asked.get("deadline") else documents_deadline(
            asked_on, params)
    except RuleError as exc:
        return Held(f"{PREFIX}{claim['claim_id']}:no-documents", Quarantine(
            f"affiliate {claim['affiliate_id']}", "claim", str(exc), "complete the rule parameters"))
    if day <= deadline:
        return None
    decision = documents_not_received(tuple(asked["missing_documents"]), asked_on, deadline).to_json()
    documents = sorted(d for d in (claim["documents"] or "").split(";") if d.strip())
    return Event(f"{PREFIX}{claim['claim_id']}:no-documents", "mantelzorg_refused", "affiliate",
                 claim["affiliate_id"], ClaimDecision(_plain_claim(claim, documents), history, decision))


def _payload(fund: Fund, claim: dict[str, Any], documents: list[str], affiliate: dict[str, Any],
             history: History, completed_on: date | None = None) -> dict[str, Any]:
    start: date = claim["break_start"]
    year, quarter = start.year, quarter_of(start)
    quarters = {}
    for offset in (1, 2):
        index = year * 4 + quarter - 1 - offset
        quarters[quarter_label(index // 4, index % 4 + 1)] = quarter_state(fund, affiliate, index // 4, index % 4 + 1)
    return {
        "applicant": {
            "status": affiliate["status"],
            "provisional_quarterly_contribution": fmt(sum((amount for amount, _ in fund.provisional(affiliate["affiliate_id"], year, quarter)), Decimal(0))),
            "quarters": quarters,
            "months_already_received": history.months_already_received,
            "exempt_quarters_already_used": history.exempt_quarters_already_used,
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
            "completed_on": _iso(completed_on),
        },
    }


def quarter_state(fund: Fund, affiliate: dict[str, Any], year: int, quarter: int) -> str:
    """paid | unpaid | not_affiliated for one quarter, as the mantelzorg rule reads it.

    (fund policy) Not affiliated on any day of the quarter, or no provisional contribution recorded for it:
    not_affiliated. Otherwise paid when the payments carrying that quarter's structured communication
    cover the contribution and the fee.
    """
    start, end = quarter_start(year, quarter), quarter_end(year, quarter)
    until = affiliate.get("affiliated_until")
    if affiliate["affiliated_since"] > end or (until is not None and until < start):
        return "not_affiliated"
    due = fund.provisional(affiliate["affiliate_id"], year, quarter)
    if not due:
        return "not_affiliated"
    reference = digits_of(structured_reference(affiliate["affiliate_id"], year, f"Q{quarter}"))
    paid = fund.paid_under("affiliate", affiliate["affiliate_id"], reference)
    return "paid" if paid >= sum((amount + fee for amount, fee in due), Decimal(0)) else "unpaid"


def _recovery(fund: Fund, day: date, params: Parameters, claim: dict[str, Any], past: list[dict[str, Any]],
              granted: dict[str, Any], history: History, others: list[dict[str, Any]]) -> Event | Held | None:
    """After the cared-for person's death: what was paid for months without a right is claimed back, the
    granted months not yet paid are cancelled (kinds/mantelzorg_recovery.py)."""
    decided_on = next(d["decided_on"] for d in reversed(past) if json.loads(d["result"])["outcome"] == "granted")
    earlier = [r for r in (json.loads(d["result"]) for d in past) if r["outcome"] in mantelzorg_recovery.OUTCOMES]
    found = mantelzorg_recovery.find(fund, day, params, claim, granted, _iso(decided_on), earlier, others)
    if found is None:
        return None
    if isinstance(found, Quarantine):
        suffix = "recovery" if not earlier else "recovery:held"
        return Held(f"{PREFIX}{claim['claim_id']}:{suffix}", found)
    suffix, facts = found
    documents = sorted(d for d in (claim["documents"] or "").split(";") if d.strip())
    return Event(f"{PREFIX}{claim['claim_id']}:{suffix}", "mantelzorg_recovery", "affiliate", claim["affiliate_id"],
                 ClaimDecision(_plain_claim(claim, documents), history, granted, facts))


def record(event: Event, day: date) -> tuple[dict[str, Any], ...]:
    """The row a planned decision leaves in `schema.decisions`, from the event's facts: the basis of later
    claims (months and exempt quarters received, the documents an incomplete claim was decided on)."""
    facts: ClaimDecision = event.facts
    decision, claim = facts.decision, facts.claim
    if facts.recovery is not None:
        result = mantelzorg_recovery.result(facts.recovery)
    else:
        result = {
            "outcome": decision["outcome"], "grounds": decision["grounds"], "months": list(decision["months"]),
            "amounts": {label: decision["amounts"][label] for label in decision["months"]},
            "total": decision["total"], "exempt_quarters": decision["exempt_quarters"],
            "first_payment_on": decision["first_payment_on"], "missing_documents": decision["missing_documents"],
            **({"deadline": facts.deadline} if facts.deadline else {}),
            "basis": {"documents": list(claim["documents"]),
                      "months_already_received": facts.history.months_already_received,
                      "exempt_quarters_already_used": facts.history.exempt_quarters_already_used},
        }
    return ({"event_key": event.key, "claim_id": claim["claim_id"], "decided_on": day, "outcome": result["outcome"],
             "result": json.dumps(result, sort_keys=True)},)


def _add_history(history: dict[str, set[str]], past: list[dict[str, Any]]) -> None:
    for row in past:
        result = json.loads(row["result"])
        if result["outcome"] == "granted":
            history["months"].update(result["months"])
            history["exempt"].update(result["exempt_quarters"])
        elif result["outcome"] in mantelzorg_recovery.OUTCOMES:  # the career counters stop counting what it took back
            history["months"].difference_update(result["withdrawn"])
            history["exempt"].difference_update(result.get("exemption_lost", ()))


def _plain_claim(claim: dict[str, Any], documents: list[str]) -> dict[str, Any]:
    return {**{k: _iso(v) for k, v in claim.items()}, "documents": documents}


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def reference(claim_id: str) -> str:
    """The file reference printed on the letter and in the appeal block: the claim's number in the fund's core
    system, as the affiliate and the case handler know it (never prefixed again: "MZ260003", not "MZ-MZ260003")."""
    return claim_id


def compose(event: Event, recipient: dict[str, Any], env: ComposeEnv, language: str) -> dict[str, Any]:
    facts: ClaimDecision = event.facts
    claim, result = facts.claim, facts.decision
    first_payment = result["first_payment_on"]
    months = [_month(label, result["amounts"][label]) for label in result["months"]]
    context: dict[str, Any] = {
        "claim": {
            "id": claim["claim_id"],
            "received_on": claim["received_on"],
            "break_start": claim["break_start"],
            "months_asked": claim["months"],
            "mode": claim["mode"],
            "care_recipient": claim["care_recipient"],
            "relative_degree": claim["relative_degree"],
            "child_age": claim["child_age"],
            "documents": list(claim["documents"]),
            "other_benefit": claim.get("other_benefit_kind"),
            "completed_on": claim.get("completed_on"),
            "died_on": claim["care_recipient_died_on"],
        },
        "decision": {
            "reference": reference(claim["claim_id"]),
            "outcome": facts.recovery.outcome if facts.recovery is not None else result["outcome"],
            "grounds": result["grounds"],
            "months": months,
            "total": result["total"],
            "exempt_quarters": result["exempt_quarters"],
            "first_payment_on": first_payment,
            "payments": payment_schedule(months, first_payment, None if facts.recovery else env.day),
            "missing_documents": result["missing_documents"],
            "months_already_received": facts.history.months_already_received,
            "exempt_quarters_already_used": facts.history.exempt_quarters_already_used,
            # Where each rule stands in the law, in the letter's language (rules/parameters/mantelzorg_sources.toml)
            "sources": sources(env.params, date.fromisoformat(claim["break_start"]), language,
                               [g["code"] for g in result["grounds"]]),
        },
    }
    if any(p["catch_up"] for p in context["decision"]["payments"]):
        env.params.period(POLICY, env.day)  # the night reports the fund's choice it relied on ([confirm])
    if facts.recovery is None and result["outcome"] == "incomplete":
        profile = env.fund["mantelzorg"]
        context["request"] = {  # the trigger's deadline is the one recorded; the same day's when composed alone
            "deadline": facts.deadline or documents_deadline(env.day, env.params).isoformat(),
            "form": in_language(profile["form"], language),
            "form_url": in_language(profile["form_url"], language),
            "appeal": bool(profile["incomplete_appeal"]),
        }
    if facts.recovery is not None:
        context.update(mantelzorg_recovery.context(facts.recovery, env.fund, language))
    return context


def payment_schedule(months: list[dict[str, str]], first_payment_on: str | None,
                     decided_on: date | None = None) -> list[dict[str, Any]]:
    """Each month is paid at its end, but never before the first payment day: months due by then go together.

    (fund policy [confirm], rules/parameters/mantelzorg_policy.toml) Nothing is paid before the decision: months
    whose payment day fell before it (a late decision, a request completed later) are paid together at the end
    of the decision's month, and their payment says so (`catch_up`)."""
    if first_payment_on is None:
        return []
    first = date.fromisoformat(first_payment_on)
    catch_up = None if decided_on is None else month_end(decided_on.year, decided_on.month)
    by_day: dict[date, list[dict[str, str]]] = defaultdict(list)
    for month in months:
        due = max(first, month_end(*_year_month(month["label"])))
        by_day[max(due, catch_up) if catch_up is not None and due < decided_on else due].append(month)
    return [
        {"on": day.isoformat(), "months": [m["label"] for m in group],
         "amount": fmt(sum((Decimal(m["amount"]) for m in group), Decimal(0))),
         "catch_up": day == catch_up and any(max(first, month_end(*_year_month(m["label"]))) < decided_on
                                             for m in group)}
        for day, group in sorted(by_day.items())
    ]


def _month(label: str, amount: str) -> dict[str, str]:
    return {"label": label, "first_day": f"{label}-01", "amount": amount}


def _year_month(label: str) -> tuple[int, int]:
    year, month = label.split("-")
    return int(year), int(month)
