"""The case handlers' collection lists: whom to phone before a first judicial collection (`call_list`),
what to hand to the fund's lawyers or bailiffs (`handover`), and deceased affiliates with an open account
(`heirs`: a person takes them up; only the fiscal certificate is written to the heirs, kinds/statements.py).

- call_list: the term of EVERY formal notice sent to the affiliate expired (plus the policy's delay): the
  newest governs, whoever sent it (the engine, tonight included, since the lists are made after the night's
  letters are journaled; the former system, stated in letters_sent.csv or assumed at go-live), because each
  promises no judicial collection before its deadline. Then, with a contribution claimed still unpaid,
  nothing holding collection back and no hand-over before: one entry, for the newest formal notice's period.
  Key `call_list:<affiliate>:<period of the formal notice>`. `formal_notice_by` says who sent the notice the
  entry rests on; `assumed` (left to the former system at go-live, stated nowhere) means nobody here knows a
  registered letter went out: the case handler checks before any summons (the law requires it).
- handover: the call-list entry is `handover_after_call_list_days` old and the debt is still unpaid; an
  affiliate handed over before goes there straight after the formal notice's term (no second personal
  contact: the charter asks one before the *first* judicial collection). Key `handover:<affiliate>:<period>`.
- heirs: `heirs:<affiliate>:<newest period charged>`, when the account is not square: once, and again when a
  period is charged after the entry (a quarter whose due notice was not sent after the death), so what is
  due after the death always reaches the heirs' list with the whole balance.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from correspondence.kinds.case_lists import Entry, ListFunction
from correspondence.kinds.collection import covered_until
from correspondence.kinds.fund import Fund
from rules.account import account
from rules.collection_policy import collection_policy
from rules.money import fmt
from rules.params import Parameters

HANDOVER = "collection_handover"


def _row(payer: str, label: str, acc_due: str, periods: str, since: date, by: str) -> dict[str, str]:
    return {"affiliate_id": payer, "formal_notice_period": label, "periods_unpaid": periods, "amount_due": acc_due,
            "formal_notice_sent_on": since.isoformat(), "formal_notice_by": by}


def sender(label: str, stated: set[str], assumed: set[str]) -> str:
    """Who sent the formal notice of `label`: `engine`, `former_stated` (letters_sent.csv) or `assumed`
    (left to the former system at go-live: check it went out by registered mail before any summons)."""
    return "former_stated" if label in stated else "assumed" if label in assumed else "engine"


def collection_lists(fund: Fund, day: date, params: Parameters) -> Iterator[Entry]:
    policy = collection_policy(day, params)
    handover_days = int(params.decimal(HANDOVER, day, "handover_after_call_list_days"))
    held, noticed = fund.holds(day), fund.sent("formal_notice")
    stated, assumed = fund.former_stated("formal_notice"), fund.former_assumed("formal_notice")
    called, handed = fund.listed("call_list"), fund.listed("handover")
    for ledger in fund.ledgers(payers=noticed):  # the lists follow a formal notice
        payer = ledger.payer_id
        if payer in held or payer not in noticed:
            continue
        acc = account(ledger.charges, ledger.received, day, params)
        due_of = {p.period: p.due_date for p in acc.periods}
        overdue = acc.overdue()
        if not overdue or acc.overdue_balance <= 0:
            continue
        # The newest formal notice governs: none of the lists before its deadline (and the delay) has passed.
        if policy.call_list_on(max(on for _, on in noticed[payer]), params) > day:
            continue
        periods = " ".join(p.period for p in overdue)
        claims = sorted((n for n in noticed[payer] if n[0] in due_of and any(p.due_date <= due_of[n[0]]
                                                                             for p in overdue)),
                        key=lambda n: (due_of[n[0]], n[1]))
        for label, sent_on in claims:
            by = sender(label, stated.get(payer, set()), assumed.get(payer, set()))
            row = _row(payer, label, fmt(acc.overdue_balance), periods, sent_on, by)
            before = [lbl for lbl, _ in handed.get(payer, []) if lbl != label]
            if before:  # judicial collection before: straight to the hand-over list
                if due_of[label] > covered_until([lbl for lbl, _ in handed.get(payer, [])], due_of):
                    yield Entry(f"handover:{payer}:{label}", "handover", f"affiliate {payer}", row)
                continue
            newest = label == claims[-1][0]  # one call-list entry a night: the newest notice's, covering all
            if newest and due_of[label] > covered_until([lbl for lbl, _ in called.get(payer, [])], due_of):
                yield Entry(f"call_list:{payer}:{label}", "call_list", f"affiliate {payer}", row)
            on = dict(called.get(payer, [])).get(label)
            if on is not None and on + timedelta(handover_days) <= day:
                yield Entry(f"handover:{payer}:{label}", "handover", f"affiliate {payer}", row)


def heirs_list(fund: Fund, day: date, params: Parameters) -> Iterator[Entry]:
    dead = fund.deceased(day)
    if not dead:
        return
    for ledger in fund.ledgers(payers=dead):
        if ledger.payer_id not in dead:
            continue
        acc = account(ledger.charges, ledger.received, day, params)
        if acc.balance == 0:
            continue
        newest = max(ledger.charges, key=lambda c: (c.due_date, c.period)).period if ledger.charges else "none"
        yield Entry(f"heirs:{ledger.payer_id}:{newest}", "heirs", f"affiliate {ledger.payer_id}", {
            "affiliate_id": ledger.payer_id, "balance": fmt(acc.balance), "surcharges": fmt(acc.surcharge_total),
            "periods_unpaid": " ".join(p.period for p in acc.periods if p.unpaid),
        })


LISTS: tuple[ListFunction, ...] = (collection_lists, heirs_list)
