"""Sample events of the collection letters, their amounts straight from the rules, composed into the
contexts the journal stores; `python -m tests.collection_samples` rewrites letter_templates/<type>/samples/."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

from correspondence.config import DEFAULT_FUND, TEMPLATES_DIR, load_fund
from correspondence.kinds.collection import account_facts, notice_terms
from correspondence.kinds.company import CompanyContribution
from correspondence.kinds.ledgers import reference
from correspondence.kinds.letter import ComposeEnv, Event, compose
from correspondence.kinds.registry import by_name
from correspondence.kinds.regularisation import Regularisation, calculation
from correspondence.kinds.statements import Certificate
from correspondence.templates import catalog
from rules.account import Charge, Received, account
from rules.collection_policy import collection_policy
from rules.company_contribution import company_contribution, late_interest
from rules.fiscal_certificate import fee_part
from rules.money import fmt
from rules.params import Parameters

DAY = date(2026, 5, 20)
D = Decimal
RECIPIENTS = {
    "nl": {"affiliate_id": "A0000001", "first_name": "Jan", "last_name": "Peeters", "street": "Kerkstraat",
           "house_number": "12", "box": "", "postcode": "2000", "city": "Antwerpen", "country": "BE", "language": "nl",
           "status": "main"},
    "fr": {"affiliate_id": "A0000002", "first_name": "Marie", "last_name": "Dupont & Fils <BV>",
           "street": "Rue de la Station", "house_number": "5", "box": "2", "postcode": "1050", "city": "Ixelles",
           "country": "BE", "language": "fr", "status": "main"},
    "de": {"affiliate_id": "A0000003", "first_name": "Jürgen", "last_name": "Müller", "street": "Kirchstraße",
           "house_number": "3", "box": "", "postcode": "4700", "city": "Eupen", "country": "BE", "language": "de",
           "status": "spouse_maxi"},
}
COMPANY = {"company_id": "C0000007", "enterprise_number": "0417497106", "name": "Bakkerij Janssens BV",
           "street": "Markt", "house_number": "1", "box": "", "postcode": "3000", "city": "Leuven", "country": "BE"}
# A company's letters are in its seat's language area (rules/language.py): one seat per language.
SEATS = {"nl": {}, "fr": {"name": "Boulangerie Lambert SRL", "street": "Rue de Fer", "postcode": "5000", "city": "Namur"},
         "de": {"name": "Bäckerei Schmitz GmbH", "street": "Klosterstraße", "postcode": "4700", "city": "Eupen"}}


def affiliate_account(payer: str) -> object:
    charges = [Charge(f"2025-Q{q}", date(2025, 3 * q, 30 if q in (2, 3) else 31), D("935.21"),
                      reference(payer, 2025, f"Q{q}"), D("27.24")) for q in (1, 2, 3, 4)]
    charges.append(Charge("2026-Q1", date(2026, 3, 31), D("917.58"), reference(payer, 2026, "Q1"), D("26.73")))
    received = [Received(date(2025, 3, 20), D("935.21"), reference(payer, 2025, "Q1")),
                Received(date(2025, 7, 10), D("935.21"), reference(payer, 2025, "Q2")),
                Received(date(2025, 11, 3), D("500.00"), "")]
    return account(charges, received, DAY)


def certificate_2025() -> Certificate:
    """What the account's 2025 payments paid, as the trigger splits it: 935.21 a quarter is a contribution of
    907.53 and the fund's fee of 27.68; the part payment of 500.00 pays both in proportion."""
    received = {"2025-Q1": D("935.21"), "2025-Q2": D("935.21"), "2025-Q3": D("500.00")}
    fees = {k: fee_part(v, D("907.53"), D("27.68")) for k, v in received.items()}
    return Certificate(
        year=2025,
        periods=tuple({"period": k, "year": 2025, "quarter": int(k[-1]), "amount": fmt(v - fees[k])}
                      for k, v in received.items()),
        contributions=fmt(sum(received.values()) - sum(fees.values())), fee=fmt(sum(fees.values())), refunds="0.00")


def events(payer: str) -> dict[str, Event]:
    acc = affiliate_account(payer)
    policy = collection_policy(DAY, Parameters())
    terms = notice_terms(DAY, Parameters())
    pay_by = policy.reminder_pay_by(DAY).isoformat()
    notice = replace(account_facts(acc, overdue_only=True), notice=terms)
    statement = replace(account_facts(acc, overdue_only=False), payments=tuple(
        {"received_on": r.received_on.isoformat(), "amount": fmt(r.amount)} for r in acc.payments))
    company = company_contribution(2025, D("900000.00"), date(2019, 5, 2))
    interest = late_interest(company.amount, company.due_date, [], DAY)
    company_facts = CompanyContribution(
        year=2025, amount=fmt(company.amount), rate=company.rate, due_date=company.due_date.isoformat(),
        paid="0.00", unpaid=fmt(interest.unpaid), interest_total=fmt(interest.total),
        interest=tuple({"month": m.date.isoformat(), "base": fmt(m.base), "amount": fmt(m.amount)}
                       for m in interest.months),
        due=fmt(interest.unpaid + interest.total),
    )
    c = COMPANY["company_id"]
    return {
        # 2024 charged provisionally at the minimum all year; 2023 from April only: its final total shares
        # unevenly into cents, the last quarter taking what is left.
        "regularisation": Event(f"regularisation:{payer}-2024R", "regularisation", "affiliate", payer, Regularisation(
            year=2024, amount="1204.88", fee="36.75", total="1241.63", due_date="2026-09-30", refund=False,
            quarters=calculation({q: D("864.15") for q in (1, 2, 3, 4)}, D("1204.88")),
            income="22738.93")),  # 1,165.37 a quarter on it (rules/contributions.py): 4 x 1,165.37 = 3,456.60 + 1,204.88
        "regularisation_refund": Event(f"regularisation:{payer}-2023R", "regularisation", "affiliate", payer,
                                       Regularisation(year=2023, amount="-410.00", fee="-12.51", total="-422.51",
                                                      due_date="2026-09-30", refund=True,
                                                      quarters=calculation({q: D("1200.00") for q in (2, 3, 4)},
                                                                           D("-410.00")))),
        "reminder": Event(f"reminder:{payer}:2026-Q1", "reminder", "affiliate", payer,
                          replace(account_facts(acc, overdue_only=True), pay_by=pay_by)),
        "formal_notice": Event(f"formal_notice:{payer}:2026-Q1", "formal_notice", "affiliate", payer, notice),
        "account_statement": Event(f"statement:{payer}:2026-03-15", "account_statement", "affiliate", payer, statement),
        "fiscal_certificate": Event(f"fiscal_certificate:{payer}:2025", "fiscal_certificate", "affiliate", payer,
                                    certificate_2025()),
        "company_due_notice": Event(f"company_due:{c}:2025", "company_due_notice", "company", c,
                                    replace(company_facts, interest=(), interest_total="0.00",
                                            unpaid=company_facts.amount, due=company_facts.amount)),
        "company_reminder": Event(f"company_reminder:{c}:2025", "company_reminder", "company", c,
                                  replace(company_facts, pay_by=pay_by)),
        "company_formal_notice": Event(f"company_formal_notice:{c}:2025", "company_formal_notice", "company", c,
                                       replace(company_facts, notice=terms)),
    }


def contexts() -> dict[tuple[str, str], dict]:
    """(sample name, language) -> the context composed exactly as the night does."""
    env = ComposeEnv(DAY, load_fund(DEFAULT_FUND), catalog.load(TEMPLATES_DIR), Parameters())
    out = {}
    for language, person in RECIPIENTS.items():
        for name, event in events(person["affiliate_id"]).items():
            recipient = dict(COMPANY, **SEATS[language], language=language) if event.recipient_type == "company" else person
            letter = compose(by_name()[event.letter_type], event, recipient, env, f"{DAY:%Y%m%d}-0000{len(out) + 1:02d}")
            assert letter.language == language, (name, language, letter.language)
            out[(name, language)] = json.loads(json.dumps(letter.context, sort_keys=True, ensure_ascii=False))
    for language, person in RECIPIENTS.items():  # after the others, so that their letter ids stay as they were
        certificate = events(person["affiliate_id"])["fiscal_certificate"]
        event = replace(certificate, facts=replace(certificate.facts, estate=True))  # to a deceased's heirs
        letter = compose(by_name()[event.letter_type], event, person, env, f"{DAY:%Y%m%d}-0000{len(out) + 1:02d}")
        out[("estate", language)] = json.loads(json.dumps(letter.context, sort_keys=True, ensure_ascii=False))
    for language, person in RECIPIENTS.items():  # a statement the affiliate asked for, the account of that night
        statement = events(person["affiliate_id"])["account_statement"]
        event = replace(statement, key=f"statement:{person['affiliate_id']}:{DAY.isoformat()}",
                        facts=replace(statement.facts, requested_on=DAY.isoformat()))
        letter = compose(by_name()[event.letter_type], event, person, env, f"{DAY:%Y%m%d}-0000{len(out) + 1:02d}")
        out[("requested", language)] = json.loads(json.dumps(letter.context, sort_keys=True, ensure_ascii=False))
    for language, person in RECIPIENTS.items():  # a fiscal certificate the affiliate asked for again
        certificate = events(person["affiliate_id"])["fiscal_certificate"]
        event = replace(certificate, key=f"{certificate.key}:{DAY.isoformat()}",
                        facts=replace(certificate.facts, requested_on=DAY.isoformat()))
        letter = compose(by_name()[event.letter_type], event, person, env, f"{DAY:%Y%m%d}-0000{len(out) + 1:02d}")
        out[("duplicate", language)] = json.loads(json.dumps(letter.context, sort_keys=True, ensure_ascii=False))
    return out


def write() -> None:
    for (name, language), context in contexts().items():
        kind = context["letter"]["type"]
        path = TEMPLATES_DIR / kind / "samples" / f"{language}-{name}.json"
        path.write_text(json.dumps(context, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write()
