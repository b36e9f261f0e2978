"""Every euro explained: a simulated year of collection nights over the in-memory fund (payers who pay late,
half, never, too much, or are refunded, and a company), every reminder, formal notice, statement and company
letter composed as the night composes it; in each, the table's rows add up to the printed total, which is the
amount asked, and that total is what the account (rules/account.py) says is due."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from correspondence.config import DEFAULT_FUND, TEMPLATES_DIR, load_fund
from correspondence.kinds import collection, company, statements
from correspondence.kinds.letter import ComposeEnv, Event, compose
from correspondence.kinds.memory import MemoryFund
from correspondence.kinds.registry import by_name
from correspondence.templates import catalog
from rules.account import account
from rules.params import Parameters
from tests.collection_totals import table_faults
from tests.kinds.fund_rows import affiliate, letter, paid, quarter
from tests.kinds.fund_rows import company as company_row

PARAMS = Parameters()
ENV_PARTS = (load_fund(DEFAULT_FUND), catalog.load(TEMPLATES_DIR), PARAMS)
QUARTERS = [(y, q) for y in (2025, 2026) for q in (1, 2, 3, 4)]
DUE = {(y, q): quarter("A", y, q)["due_date"] for y, q in QUARTERS}


def _fund() -> MemoryFund:
    fund = MemoryFund(company_rows=[company_row("C0000007"),
                                    company_row("C0000008", incorporated_on=date(2010, 3, 1), language="fr",
                                                postcode="5000", city="Namur")])
    profiles = {  # payer: payment (days after the due date, amount or None: nothing, referenced?) per quarter
        "A0000001": (40, "917.58", True),  # always 40 days late: surcharges on paid quarters
        "A0000002": (-5, "458.79", False),  # half, without a reference: pays the oldest first
        "A0000003": (None, None, False),  # never
        "A0000004": (100, "1200.00", False),  # too much, very late: a credit against surcharges
    }
    languages = {"A0000001": "nl", "A0000002": "fr", "A0000003": "de", "A0000004": "nl", "A0000005": "fr"}
    places = {"nl": ("2000", "Antwerpen"), "fr": ("5000", "Namur"), "de": ("4700", "Eupen")}
    for payer, lang in languages.items():
        fund.affiliate_rows.append(affiliate(payer, *places[lang], language=lang))
        fund.contributions.extend(quarter(payer, y, q) for y, q in QUARTERS)
    for payer, (offset, amount, referenced) in profiles.items():
        if offset is None:
            continue
        for y, q in QUARTERS:
            row = paid(payer, y, q, DUE[(y, q)] + timedelta(offset), amount)
            fund.payments.append(row if referenced else {**row, "structured_reference": ""})
    # A0000005: paid 2025 late after 1 January (the 7 %), a regularisation refund, then nothing in 2026
    fund.payments.extend(paid("A0000005", 2025, q, date(2026, 2, 10)) for q in (1, 2, 3, 4))
    fund.contributions.append(quarter("A0000005", 2024, 4, "-300.00", "-9.15", "regularisation", date(2026, 6, 30)))
    # the companies: C7 pays part of 2025 late, C8 nothing
    fund.payments.append(paid("C0000007", 2025, 0, date(2026, 2, 20), "400.00", "company", "company"))
    return fund


def _night(fund: MemoryFund, day: date) -> list[Event]:
    found = [*collection.payment_reminders(fund, day, PARAMS), *collection.formal_notices(fund, day, PARAMS),
             *statements.account_statements(fund, day, PARAMS), *company.company_letters(fund, day, PARAMS)]
    sent = {row["event_key"] for row in fund.letters}
    return [e for e in found if isinstance(e, Event) and e.key not in sent and e.letter_type != "company_due_notice"]


def _year() -> list[tuple[Event, dict]]:
    fund, out = _fund(), []
    day = date(2026, 1, 1)
    while day <= date(2026, 12, 31):
        for event in _night(fund, day):
            recipient = fund.recipients(event.recipient_type, [event.recipient_id])[event.recipient_id]
            made = compose(by_name()[event.letter_type], event, recipient, ComposeEnv(day, *ENV_PARTS),
                           f"{day:%Y%m%d}-{len(out):06d}")
            out.append((event, made.context))
            if event.recipient_type == "affiliate":
                ledger = next(x for x in fund.ledgers() if x.payer_id == event.recipient_id)
                acc = account(ledger.charges, ledger.received, day, PARAMS)
                assert Decimal(made.context["account"]["due"]) == acc.overdue_balance, event.key
            fund.letters.append(letter(event.letter_type, event.key, event.recipient_id, day))
        day += timedelta(1)
    return out


YEAR = _year()


def test_the_year_writes_every_collection_letter_in_every_language() -> None:
    kinds = {(e.letter_type, c["letter"]["language"]) for e, c in YEAR}
    for kind in ("reminder", "formal_notice", "account_statement"):
        assert {(kind, lang) for lang in ("nl", "fr", "de")} <= kinds, kind
    assert {("company_reminder", "nl"), ("company_formal_notice", "nl"), ("company_formal_notice", "fr")} <= kinds
    # the fault of issue 16: reminders listing one period while the total held surcharges of quarters paid late
    assert any(e.letter_type == "reminder" and any(p["unpaid"] == "0.00" for p in c["account"]["periods"])
               for e, c in YEAR)


@pytest.mark.parametrize(("key", "context"), [(e.key, c) for e, c in YEAR], ids=[e.key for e, _ in YEAR])
def test_the_rows_add_up_to_the_printed_total(key: str, context: dict) -> None:
    assert table_faults(context) == []


def test_the_check_can_fail() -> None:
    """The old table (only the overdue periods, the account's surcharges as total) does not pass."""
    _, context = next((e, c) for e, c in YEAR if e.letter_type == "reminder"
                      and any(p["unpaid"] == "0.00" for p in c["account"]["periods"]))
    old = {**context, "account": {**context["account"], "periods": [
        p for p in context["account"]["periods"] if p["unpaid"] != "0.00"]}}
    assert table_faults(old)


def test_a_formal_notice_states_one_deadline_a_month_after_it_counts_as_received() -> None:
    notices = [c for e, c in YEAR if e.letter_type.endswith("formal_notice")]
    for context in notices:
        sent, notice = date.fromisoformat(context["letter"]["date"]), context["notice"]
        assert set(notice) - {"after_former"} == {"deadline", "received_on"}  # one date to act by
        received, deadline = date.fromisoformat(notice["received_on"]), date.fromisoformat(notice["deadline"])
        assert timedelta(3) <= received - sent <= timedelta(9)  # three working days, over a weekend or holidays
        assert timedelta(28) <= deadline - received <= timedelta(34)  # one month, moved to a working day
        assert deadline.weekday() < 5


def test_a_reminder_asks_payment_by_a_date_before_the_formal_notice_can_come() -> None:
    for event, context in YEAR:
        if event.letter_type.endswith("reminder"):
            sent, pay_by = date.fromisoformat(context["letter"]["date"]), date.fromisoformat(context["reminder"]["pay_by"])
            assert sent < pay_by < sent + timedelta(30)  # the policy's formal_notice_after_reminder_days
