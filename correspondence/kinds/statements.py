"""Account statements (on the policy's statement dates, and when an affiliate asks for one) and fiscal
certificates (once a year, for the year before), to every affiliate they concern.

A statement goes to every affiliate whose account is not square on the statement date — overdue
contributions or surcharges, or money the fund owes them — keyed `statement:<affiliate>:<date>`, on any
night from that date to 30 days after it (a missed night is caught up; a statement more than a month late
is stale, the next date brings a fresh one); it is composed as the other account letters
(kinds/collection.py). A statement asked for (statement_requests.csv) goes out from the day it was asked,
square account or not, keyed `statement:<affiliate>:<requested_on>` and first due that day (a request before
go-live was the former system's), showing the account on the night it is written (what the affiliate owes
now); it is answered by any statement sent on or after that day (one letter answers several requests), and
stale 30 days after it like a periodic one. An affiliate who asked but was never charged is held for a case
handler. A periodic statement written tonight answers tonight's requests too, unless its date is before the
fund's go-live (`Fund.go_live`): then it is the former system's, sent on its date, before the request.
The fiscal certificate for year Y goes out from the policy's certificate date in Y+1
to the end of Y+1 (`fiscal_certificate:<affiliate>:<Y>`), to everyone who paid contributions or was
refunded in Y: contributions received in the year (cash basis), refunds, and the total the affiliate may
deduct as professional costs; surcharges are never in it (not deductible since 2020). A certificate asked for
(statement_requests.csv, `letter_type` fiscal_certificate, a past `year`) goes out the same way as a statement
asked for — from the day asked, stale 30 days after, one letter for the requests of a year not yet answered,
answered by any certificate of that year sent on or after the day asked (the season's included) — keyed
`fiscal_certificate:<affiliate>:<Y>:<requested_on>`, and says it was asked for; a year with nothing received
nor refunded, or an affiliate never charged, is held for a case handler. A deceased affiliate
gets no statement (the heirs' list has the balance), a bankrupt one's is held for a case handler; their certificate is addressed to the heirs at the last
known address, who need it for the last tax return (rules/parameters/interlocks.toml, [confirm]); a date of
death after the night holds it (kinds/interlocks.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from correspondence.kinds.collection import account_facts, period_name
from correspondence.kinds.fund import Fund
from correspondence.kinds.interlocks import Interlocks, implausible_account
from correspondence.kinds.ledgers import Ledger
from correspondence.kinds.letter import ComposeEnv, Event, Held
from correspondence.quarantine import Quarantine
from rules.account import ZERO, Account, account, allocate
from rules.collection_policy import collection_policy
from rules.fiscal_certificate import declaration, fee_part
from rules.money import fmt
from rules.params import Parameters

STATEMENT_CATCH_UP_DAYS = 30
# A statement shows the payments received in the year before its date.
PAYMENTS_SHOWN_DAYS = 365


@dataclass(frozen=True)
class Certificate:
    year: int
    periods: tuple[dict[str, Any], ...]  # period, year, quarter, contribution received for it in the year
    contributions: str  # money as the letter prints it: contributions received in the year, the fee apart
    fee: str  # the fund's management fee in the payments received in the year
    refunds: str  # refunded in the year, as a positive amount
    estate: bool = False  # addressed to the heirs of the deceased affiliate (kinds/letter.py reads it)
    requested_on: str | None = None  # a certificate asked for: the day it was asked (None: the season's)


def statement_day(day: date, params: Parameters) -> date | None:
    """The statement date whose sending window holds `day`, if any."""
    policy = collection_policy(day, params)
    for year in (day.year, day.year - 1):
        for on in reversed(policy.account_statement_days(year)):
            if on <= day <= on + timedelta(STATEMENT_CATCH_UP_DAYS):
                return on
    return None


def account_statements(fund: Fund, day: date, params: Parameters) -> Iterator[Event | Held]:
    """The periodic statements of the statement date whose window holds `day`, and the statements asked for."""
    on = statement_day(day, params)
    asked: dict[str, list[date]] = {}
    for payer, requested_on in fund.statement_requests(day - timedelta(STATEMENT_CATCH_UP_DAYS), day):
        asked.setdefault(payer, []).append(requested_on)
    if on is None and not asked:
        return
    interlocks = Interlocks(fund, day, params)
    sent = fund.sent("account_statement") if asked else {}
    for ledger in fund.ledgers(payers=None if on is not None else set(asked)):  # off the statement date: the asked
        answered = [run_on for _, run_on in sent.get(ledger.payer_id, [])]
        if on is not None:
            acc = account(ledger.charges, ledger.received, on, params)
            if acc.overdue_unpaid + acc.surcharge_total - acc.credit != 0:
                key = f"statement:{ledger.payer_id}:{on.isoformat()}"
                if on.isoformat() not in {label for label, _ in sent.get(ledger.payer_id, [])} and _ours(fund, on):
                    answered.append(day)  # written tonight: it answers tonight's requests too
                yield from _statement(interlocks, ledger, acc, on, key, on)
        pending = [d for d in asked.pop(ledger.payer_id, []) if not any(run_on >= d for run_on in answered)]
        if pending:  # one letter answers them all: keyed by the latest, the others count as answered by it
            requested_on = max(pending)
            acc = account(ledger.charges, ledger.received, day, params)
            yield from _statement(interlocks, ledger, acc, day, f"statement:{ledger.payer_id}:{requested_on}",
                                  requested_on, requested_on=requested_on)
    for payer, dates in asked.items():  # asked, but never charged: nothing to state, a person answers
        requested_on = max(dates)
        yield Held(f"statement:{payer}:{requested_on}", Quarantine(
            f"affiliate {payer}", "affiliate_id", "asked for an account statement, but no contribution is "
            "recorded for this affiliate", "a case handler answers the request (check the affiliation)"),
            due_on=requested_on)


def _ours(fund: Fund, due_on: date) -> bool:
    """Whether a letter first due on `due_on` is the engine's to send, not left to the former system (go-live)."""
    return fund.go_live is None or due_on >= fund.go_live


def _statement(interlocks: Interlocks, ledger: Ledger, acc: Account, on: date, key: str, due_on: date,
               requested_on: date | None = None) -> Iterator[Event | Held]:
    """The statement of `acc` (the account on `on`) under `key`, if the interlocks let it go to the affiliate."""
    addressee = interlocks.check(key, "account_statement", ledger.payer_id)
    if isinstance(addressee, Held):
        yield replace(addressee, due_on=due_on)
    if addressee != "affiliate":
        return  # held, or deceased: the heirs' list has the balance
    if (implausible := implausible_account(key, ledger.contributions, interlocks.params)) is not None:
        yield replace(implausible, due_on=due_on)
        return
    facts = account_facts(acc, overdue_only=False)
    shown = [p for p in acc.periods if p.unpaid or p.surcharges or p.due_date.year >= on.year - 1]
    keep = {p.period for p in shown}
    since = on - timedelta(PAYMENTS_SHOWN_DAYS)
    yield Event(key, "account_statement", "affiliate", ledger.payer_id, replace(
        facts, periods=tuple(p for p in facts.periods if p["period"] in keep),
        payments=tuple({"received_on": r.received_on.isoformat(), "amount": fmt(r.amount)}
                       for r in acc.payments if r.received_on > since),
        requested_on=None if requested_on is None else requested_on.isoformat()), due_on=due_on)


def fiscal_certificates(fund: Fund, day: date, params: Parameters) -> Iterator[Event | Held]:
    """Last year's certificates from the policy's certificate date to the year's end, and the certificates asked for."""
    year = day.year - 1
    certificate_day = collection_policy(day, params).fiscal_certificate_day(day.year)
    season = day >= certificate_day
    asked: dict[str, dict[int, list[date]]] = {}
    for payer, requested_on, asked_year in fund.certificate_requests(day - timedelta(STATEMENT_CATCH_UP_DAYS), day):
        asked.setdefault(payer, {}).setdefault(asked_year, []).append(requested_on)
    if not season and not asked:
        return
    interlocks = Interlocks(fund, day, params)
    sent = fund.sent("fiscal_certificate") if asked else {}
    for ledger in fund.ledgers(payers=None if season else set(asked)):  # out of season: those who asked
        answered: dict[int, list[date]] = {}
        for label, run_on in sent.get(ledger.payer_id, []):  # `2025`, or `2025:<requested_on>` when asked for
            answered.setdefault(int(label.split(":")[0]), []).append(run_on)
        certificate = certified(ledger, year) if season else None
        if certificate is not None:
            if year not in answered and _ours(fund, certificate_day):
                answered[year] = [day]  # written tonight: it answers tonight's requests for the year too
            yield from _certificate(interlocks, ledger.payer_id, certificate,
                                    f"fiscal_certificate:{ledger.payer_id}:{year}", certificate_day)
        for asked_year, dates in sorted(asked.pop(ledger.payer_id, {}).items()):
            pending = [d for d in dates if not any(on >= d for on in answered.get(asked_year, []))]
            if not pending:
                continue
            requested_on = max(pending)  # one letter answers them all, keyed by the latest
            key = f"fiscal_certificate:{ledger.payer_id}:{asked_year}:{requested_on}"
            found = certified(ledger, asked_year)
            if found is None:
                yield _unanswerable(key, ledger.payer_id, asked_year, requested_on, "year",
                                    f"no contribution was received nor refunded in {asked_year}")
                continue
            yield from _certificate(interlocks, ledger.payer_id, replace(found, requested_on=requested_on.isoformat()),
                                    key, requested_on)
    for payer, years in asked.items():  # asked, but never charged: nothing to certify, a person answers
        for asked_year, dates in sorted(years.items()):
            requested_on = max(dates)
            yield _unanswerable(f"fiscal_certificate:{payer}:{asked_year}:{requested_on}", payer, asked_year,
                                requested_on, "affiliate_id", "no contribution is recorded for this affiliate")


def _unanswerable(key: str, payer: str, year: int, requested_on: date, field: str, why: str) -> Held:
    return Held(key, Quarantine(f"affiliate {payer}", field, f"asked for a fiscal certificate for {year}, but {why}",
                                "a case handler answers the request (check the affiliation and the payments)"),
                due_on=requested_on)


def certified(ledger: Ledger, year: int) -> Certificate | None:
    """The certificate of `year` for one affiliate's ledger; None when nothing was received nor refunded in it.
    Cash basis: the parts of payments received in the year that paid contributions (never surcharges)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    paid, _ = allocate(ledger.charges, [r for r in ledger.received if r.received_on <= end])
    received: dict[str, Decimal] = {}
    for period, parts in paid.items():
        for part in parts:
            if start <= part.received_on <= end:
                received[period] = received.get(period, ZERO) + part.amount
    refunds = -sum((r.amount for r in ledger.received if r.amount < 0 and start <= r.received_on <= end), ZERO)
    if sum(received.values(), ZERO) == 0 and refunds == 0:
        return None
    charged = charged_per_period(ledger.contributions)
    fees = {k: fee_part(v, *charged.get(k, (v, ZERO))) for k, v in received.items()}
    return Certificate(
        year=year,
        periods=tuple({"period": k, **period_name(k), "amount": fmt(v - fees[k])} for k, v in sorted(received.items())),
        contributions=fmt(sum(received.values(), ZERO) - sum(fees.values(), ZERO)),
        fee=fmt(sum(fees.values(), ZERO)), refunds=fmt(refunds),
    )


def _certificate(interlocks: Interlocks, payer: str, certificate: Certificate, key: str,
                 due_on: date) -> Iterator[Event | Held]:
    """The certificate under `key`, to the affiliate or their heirs as the interlocks say, or held."""
    addressee = interlocks.check(key, "fiscal_certificate", payer)
    if isinstance(addressee, Held):
        yield replace(addressee, due_on=due_on)
    if addressee not in ("affiliate", "estate"):
        return
    yield Event(key, "fiscal_certificate", "affiliate", payer, replace(certificate, estate=addressee == "estate"),
                due_on=due_on)


def charged_per_period(rows: tuple[dict[str, Any], ...]) -> dict[str, tuple[Decimal, Decimal]]:
    """Contribution and fee charged per period, named as the ledger's charges (`2025-Q1`, `2024-REG`)."""
    charged: dict[str, tuple[Decimal, Decimal]] = {}
    for row in rows:
        period = f"{row['year']}-REG" if row["kind"] == "regularisation" else f"{row['year']}-Q{row['quarter']}"
        amount, fee = charged.get(period, (ZERO, ZERO))
        charged[period] = (amount + row["amount"], fee + row["fee"])
    return charged


def compose_certificate(event: Event, recipient: dict[str, Any], env: ComposeEnv, language: str) -> dict[str, Any]:
    """The certificate with what the tax return asks: assessment year, the codes for the affiliate's status,
    the fee apart, and the deductible total (contributions, the fee when deductible, less refunds)."""
    facts: Certificate = event.facts
    declared = declaration(facts.year, recipient["status"], env.params)
    contributions, fee, refunds = Decimal(facts.contributions), Decimal(facts.fee), Decimal(facts.refunds)
    certificate = asdict(facts)
    certificate.pop("estate")  # in the address block: recipient.estate (kinds/letter.py)
    certificate["periods"] = list(certificate["periods"])
    certificate.update(
        assessment_year=declared.assessment_year, code=declared.code, partner_code=declared.partner_code,
        fee_deductible=declared.fee_deductible,
        deductible=fmt(contributions + (fee if declared.fee_deductible else ZERO) - refunds),
    )
    return {"certificate": certificate}
