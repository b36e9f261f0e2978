"""Payment reminders and registered formal notices for unpaid contributions, from the collection policy; and
the composer of every letter printing the affiliate's open account (reminder, formal notice, statement).

One reminder per affiliate and night at most, keyed by the newest period it is the first reminder for
(`reminder:A0000123:2026-Q1`); a period counts as reminded once a reminder keyed by it or by a later-due
period is in the journal, so a catch-up night that finds three unpaid quarters writes one letter listing
them all, and no period is ever reminded twice. The formal notice follows the reminder with the same rule
(`formal_notice:A0000123:2026-Q1`): every sum due, by period, with surcharges.

A formal notice lists every period overdue on its date, so no reminder goes out for those periods: not on its
night (a reminder asking to pay the same sum by another date, beside the registered letter, would contradict
it; a catch-up or go-live night can find both due) and not after it. A period that falls due after the notice
is reminded as usual.

A reminder first becomes due on its newest period's due date plus the policy's delay, a formal notice on
its reminder's date plus the policy's delay (`Event.due_on`). Letters of the fund's former system count as
sent (`Fund.sent`): stated in letters_sent.csv, or left to it at go-live; a formal notice that follows such a
reminder says so (`notice.after_former`).

The letters print the account the trigger computed (rules/account.py) and, when something is due, ask for
it with the structured communication of the whole account (period code 9 of rules/payment_reference.py), so
a payment pays the oldest debt first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from correspondence.kinds.blocks import payment_block
from correspondence.kinds.fund import Fund
from correspondence.kinds.interlocks import implausible_account
from correspondence.kinds.letter import ComposeEnv, Event, Held
from rules.account import ZERO, Account, PeriodLine, account
from rules.collection_policy import CollectionPolicy, collection_policy
from rules.money import fmt
from rules.params import Parameters
from rules.payment_reference import structured_reference
from rules.surcharges import surcharges_ahead


@dataclass(frozen=True)
class Notice:
    """A formal notice's one deadline (Royal Decree 19.12.1967 art. 46), and the day from which it runs: the
    day the registered letter counts as received (Judicial Code art. 53bis). ISO dates."""

    deadline: str
    received_on: str
    after_former: bool = False  # the reminder it follows was sent by the fund's former system (go-live)


@dataclass(frozen=True)
class AccountFacts:
    """The account as a letter prints it; money as text (rules.money.fmt), dates ISO.

    Every period whose money makes up the total is a row: contribution + fee - paid + each surcharge = the
    row's `owed`; the rows' `owed` less the credit is `total`. A reminder or formal notice lists the overdue
    periods and every period carrying surcharges (paid late), so its total is what is due now; a statement
    lists the whole account, so its total is the balance and `due` the part due now."""

    as_of: str
    periods: tuple[dict[str, Any], ...]  # see period_row
    unpaid: str
    surcharges: str
    credit: str
    due: str
    balance: str
    payments: tuple[dict[str, str], ...] = ()  # received_on, amount: shown on a statement
    notice: Notice | None = None
    total: str = "0.00"  # the rows' owed less the credit: what the table adds up to
    pay_by: str | None = None  # a reminder's date to pay by
    requested_on: str | None = None  # a statement the affiliate asked for: the day they asked
    # Surcharge days after the letter's date up to its pay-by date or deadline (rules.surcharges.Ahead): the
    # total printed does not hold them; paying it in full by `ahead[0].avoid_by` prevents them all.
    ahead: tuple[dict[str, str], ...] = ()


def period_row(p: PeriodLine) -> dict[str, Any]:
    """One period as the tables print it: charged = contribution + fee; owed = charged - paid + surcharges."""
    return {
        "period": p.period, **period_name(p.period), "due_date": p.due_date.isoformat(),
        "charged": fmt(p.charged), "contribution": fmt(p.charged - p.fee), "fee": fmt(p.fee), "paid": fmt(p.paid),
        "unpaid": fmt(p.unpaid), "surcharges": fmt(p.surcharge_total),
        "surcharge_items": tuple({"date": s.date.isoformat(), "rate": f"{(s.rate * 100).normalize():f}",
                                  "base": fmt(s.base), "amount": fmt(s.amount)} for s in p.surcharges),
        "owed": fmt(p.unpaid + p.surcharge_total),
    }


def account_facts(acc: Account, *, overdue_only: bool) -> AccountFacts:
    """The account as plain values for an event. `overdue_only` (reminder, formal notice): the overdue periods
    and every period carrying surcharges, which together make up what is due now."""
    overdue = {p.period for p in acc.overdue()}
    lines = [p for p in acc.periods if p.period in overdue or p.surcharge_total] if overdue_only else acc.periods
    owed = sum((p.unpaid + p.surcharge_total for p in lines), ZERO)
    return AccountFacts(
        as_of=acc.as_of.isoformat(),
        periods=tuple(period_row(p) for p in lines),
        unpaid=fmt(sum((p.unpaid for p in lines), ZERO)),
        surcharges=fmt(sum((p.surcharge_total for p in lines), ZERO)),
        credit=fmt(acc.credit),
        due=fmt(acc.overdue_balance),
        balance=fmt(acc.balance),
        total=fmt(owed - acc.credit),
    )


def ahead(acc: Account, until: date, params: Parameters) -> tuple[dict[str, str], ...]:
    """The surcharge days between the account's day and `until` on its overdue contributions, as text."""
    return tuple({"date": a.date.isoformat(), "kind": "quarterly" if a.key == "quarterly_rate" else "yearly",
                  "rate": f"{(a.rate * 100).normalize():f}", "year": str(a.year), "avoid_by": a.avoid_by.isoformat()}
                 for a in surcharges_ahead([p.due_date for p in acc.overdue()], acc.as_of, until, params))


def period_name(label: str) -> dict[str, int | None]:
    """`2026-Q1` -> year 2026, quarter 1; `2024-REG` (a regularisation) -> year 2024, quarter None."""
    year, _, rest = label.partition("-")
    return {"year": int(year), "quarter": int(rest[1:]) if rest.startswith("Q") else None}


def covered_until(labels: list[str], due_of: dict[str, date]) -> date:
    """The latest due date among the periods named by these letters' keys: everything due by then is done."""
    return max((due_of[label] for label in labels if label in due_of), default=date.min)


def payment_reminders(fund: Fund, day: date, params: Parameters) -> Iterator[Event | Held]:
    policy = collection_policy(day, params)
    held, reminded, noticed = fund.holds(day), fund.sent("reminder"), fund.sent("formal_notice")
    for ledger in fund.ledgers():
        if ledger.payer_id in held:
            continue
        acc = account(ledger.charges, ledger.received, day, params)
        due_of = {p.period: p.due_date for p in acc.periods}
        done = covered_until([label for label, _ in reminded.get(ledger.payer_id, [])], due_of)
        # overdue on the date of a formal notice: that notice listed it
        listed = max((on for _, on in noticed.get(ledger.payer_id, [])), default=date.min)
        pending = [p for p in acc.overdue() if p.due_date > done and p.due_date >= listed
                   and policy.reminder_on(p.due_date) <= day]
        if not pending or acc.overdue_balance <= 0:
            continue
        if notice_follows(acc, day, policy, reminded.get(ledger.payer_id, []), noticed.get(ledger.payer_id, [])):
            continue  # tonight's formal notice lists these periods too
        newest = pending[-1]
        key, due_on = f"reminder:{ledger.payer_id}:{newest.period}", policy.reminder_on(newest.due_date)
        if (implausible := implausible_account(key, ledger.contributions, params)) is not None:
            yield replace(implausible, due_on=due_on)
            continue
        pay_by = policy.reminder_pay_by(day)
        facts = replace(account_facts(acc, overdue_only=True), pay_by=pay_by.isoformat(),
                        ahead=ahead(acc, pay_by, params))
        yield Event(key, "reminder", "affiliate", ledger.payer_id, facts, due_on=due_on)


def formal_notices(fund: Fund, day: date, params: Parameters) -> Iterator[Event | Held]:
    policy = collection_policy(day, params)
    held, reminded, noticed = fund.holds(day), fund.sent("reminder"), fund.sent("formal_notice")
    former = fund.former("reminder")
    for ledger in fund.ledgers(payers=reminded):  # a formal notice follows a reminder
        if ledger.payer_id in held or ledger.payer_id not in reminded:
            continue
        acc = account(ledger.charges, ledger.received, day, params)
        label = notice_follows(acc, day, policy, reminded[ledger.payer_id], noticed.get(ledger.payer_id, []))
        if label is None:
            continue
        reminded_on = max(on for lbl, on in reminded[ledger.payer_id] if lbl == label)
        key, due_on = f"formal_notice:{ledger.payer_id}:{label}", policy.formal_notice_on(reminded_on)
        if (implausible := implausible_account(key, ledger.contributions, params)) is not None:
            yield replace(implausible, due_on=due_on)
            continue
        facts = account_facts(acc, overdue_only=True)
        notice = notice_terms(day, params, after_former=label in former.get(ledger.payer_id, set()))
        facts = replace(facts, notice=notice, ahead=ahead(acc, date.fromisoformat(notice.deadline), params))
        yield Event(key, "formal_notice", "affiliate", ledger.payer_id, facts, due_on=due_on)


def notice_follows(acc: Account, day: date, policy: CollectionPolicy, reminded: list[tuple[str, date]],
                   noticed: list[tuple[str, date]]) -> str | None:
    """The reminder (its key's period) a formal notice follows tonight, or None: the newest reminder whose delay
    has run, for a period after those already noticed, while it or an earlier period is still overdue."""
    due_of = {p.period: p.due_date for p in acc.periods}
    done = covered_until([label for label, _ in noticed], due_of)
    open_dues = [p.due_date for p in acc.overdue()]
    ready = sorted((due_of[label], label) for label, on in reminded
                   if label in due_of and due_of[label] > done and policy.formal_notice_on(on) <= day
                   and any(d <= due_of[label] for d in open_dues))
    if not ready or acc.overdue_balance <= 0:
        return None
    return ready[-1][1]


def notice_terms(day: date, params: Parameters, *, after_former: bool = False) -> Notice:
    """The terms of a formal notice dated `day` (affiliate's or company's); `after_former`: the reminder it
    follows was sent by the fund's former system."""
    policy = collection_policy(day, params)
    return Notice(policy.formal_notice_deadline(day, params).isoformat(),
                  policy.notice_received_on(day, params).isoformat(), after_former=after_former)


def compose(event: Event, recipient: dict[str, Any], env: ComposeEnv, language: str) -> dict[str, Any]:
    """The account part of a reminder, formal notice or account statement."""
    facts: AccountFacts = event.facts
    payment = None
    if Decimal(facts.due) > 0:
        reference = structured_reference(event.recipient_id, env.day.year, "account")
        payment = payment_block(env.fund, language, facts.due, reference, whole_account=True)
    periods = [dict(p, surcharge_items=[dict(s) for s in p["surcharge_items"]]) for p in facts.periods]
    shown = {"as_of": facts.as_of, "periods": periods, "unpaid": facts.unpaid,
             "surcharges": facts.surcharges, "credit": facts.credit, "due": facts.due, "balance": facts.balance,
             "payments": [dict(p) for p in facts.payments], "total": facts.total,
             "in_favour": fmt(-Decimal(facts.total)) if Decimal(facts.total) < 0 else None,
             "listed": "all" if event.letter_type == "account_statement" else "overdue",
             "ahead": [dict(a) for a in facts.ahead]}
    if event.letter_type == "account_statement":
        shown["requested_on"] = facts.requested_on
    out: dict[str, Any] = {"account": shown, "payment": payment}
    if facts.notice is not None:
        out["notice"] = asdict(facts.notice)
    if facts.pay_by is not None:
        out["reminder"] = {"pay_by": facts.pay_by}
    return out
