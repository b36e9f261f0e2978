"""The demo fund's collection cycle: companies, regularisations, refunds, payment plans and suspensions, and the
statements and fiscal certificates asked for, added to the rows of demo/fund.py so that a demo night shows
every collection letter the law's calendar allows that night (demo/former.py), in each language.

Deterministic per seed, with its own random stream so the affiliates and contributions of demo/fund.py stay the
same whatever is added here. The showcase affiliates (demo/showcase.py) get no payment plan nor suspension, and
only the one who never pays gets a regularisation, so their letters are never held back.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from stdnum.be import vat

from correspondence.demo import showcase
from correspondence.demo.samples import postcodes, read
from rules import contributions as contribution_rule
from rules.calendar import add_months, quarter_end, quarter_of
from rules.company_contribution import company_contribution
from rules.language import LANGUAGES
from rules.money import cents, fmt
from rules.params import Parameters
from rules.payment_reference import digits_of, structured_reference

SUSPENSIONS = (("bankruptcy", 0.01), ("death", 0.005), ("exemption_request", 0.01), ("appeal", 0.005))
REGULARISED_SHARE = 0.12
PLAN_SHARE = 0.25  # of the affiliates who paid nothing in the last quarter
# The first companies, one per language, never pay last year's contribution, so even a small demo fund has a
# company reminder and formal notice in each language.
UNPAID_COMPANIES = ("flanders", "wallonia", "german")
# The next three, one per language, were set up in December of last year and never pay that year's contribution,
# due at the end of March (three months after the month of incorporation): a company due notice in the first
# quarter, a company reminder from 30 April (demo/former.py).
NEW_COMPANIES = ("flanders", "wallonia", "german")
STATEMENT_REQUESTS = 2  # per language, asked for on the demo night


def enterprise_number(rng: random.Random) -> str:
    first = f"0{rng.randrange(2_000_000, 9_999_999):07d}"
    return vat.compact(f"{first}{97 - int(first) % 97:02d}")


def add_collection(rows: dict[str, list[dict[str, Any]]], seed: int, day: date) -> None:
    """Add companies.csv, payment_plans.csv, suspensions.csv, regularisations (with their incomes) and
    statement_requests.csv (statements and fiscal certificates asked for) to the demo's rows."""
    rng = random.Random(seed * 7919 + 3)
    affiliates = rows["affiliates.csv"]
    _companies(rows, rng, day, max(len(UNPAID_COMPANIES) + len(NEW_COMPANIES), len(affiliates) // 20))
    _regularisations(rows, rng, day)
    _plans_and_suspensions(rows, rng, day)
    _requests(rows, day)


def _companies(rows: dict[str, list[dict[str, Any]]], rng: random.Random, day: date, count: int) -> None:
    names = [r["name"] for r in read("company_names.csv")]
    places = postcodes()
    rows["companies.csv"] = []
    shown = (*UNPAID_COMPANIES, *NEW_COMPANIES)
    for number in range(1, count + 1):
        company_id = f"C{number:07d}"
        region = rng.choice(("flanders", "flanders", "wallonia", "brussels", "german"))
        if number <= len(shown):
            region = shown[number - 1]
        language = {"flanders": "nl", "wallonia": "fr", "german": "de"}.get(region) or "fr"
        postcode, city = rng.choice(places[region])
        incorporated = date(rng.randint(2005, day.year - 2), rng.randint(1, 12), rng.randint(1, 28))
        if len(UNPAID_COMPANIES) < number <= len(shown):
            incorporated = date(day.year - 1, 12, incorporated.day)
        total = Decimal(rng.randrange(5_000_000, 150_000_000)) / 100
        rows["companies.csv"].append({
            "company_id": company_id, "enterprise_number": enterprise_number(rng),
            "name": f"{rng.choice(names)} {number}", "street": rng.choice(("Markt", "Rue Haute", "Kirchstraße")),
            "house_number": str(rng.randint(1, 200)), "box": "", "postcode": postcode, "city": city,
            "country": "BE", "language": language, "incorporated_on": incorporated.isoformat(),
            "balance_sheet_total": fmt(total),
        })
        # Last year's contribution: most pay it on time, some late, some not at all.
        year = day.year - 1
        owed = company_contribution(year, total, incorporated)
        behaviour = rng.choices(("on_time", "late", "never"), weights=(0.7, 0.15, 0.15))[0]
        if number <= len(shown):
            behaviour = "never"
        paid_on = {"on_time": owed.due_date - timedelta(rng.randint(1, 30)),
                   "late": owed.due_date + timedelta(rng.randint(40, 100))}.get(behaviour)
        if paid_on and paid_on <= day:
            rows["payments.csv"].append({
                "payment_id": f"PC{number:07d}{year}", "payer_type": "company", "payer_id": company_id,
                "received_on": paid_on.isoformat(), "amount": fmt(owed.amount),
                "structured_reference": digits_of(structured_reference(company_id, year, "company")),
            })


def quarterly_amount(status: str, income: Decimal, year: int, params: Parameters) -> Decimal:
    """The demo's quarterly contribution on `income`: the rule's for the statuses it computes."""
    if status in contribution_rule.MAIN_MINIMUM_STATUSES:
        return contribution_rule.quarterly_contribution(year, status, income, Decimal(0), params).quarterly
    # Secondary and the other statuses have minimums not yet in the rule data ([confirm]): the demo charges
    # the year's brackets on the income, without minimum but up to the income ceiling, so no quarter exceeds
    # the legal maximum (issue 16: 78 demo due notices did). Demo data only, never a rule.
    return contribution_rule.year_figures(year, params).quarterly_on(income)


def _regularisations(rows: dict[str, list[dict[str, Any]]], rng: random.Random, day: date) -> None:
    """Some affiliates' last year regularised: charged this quarter, due at the end of the next one. Last year,
    not earlier, so the demo holds the provisional quarters the notice's calculation starts from. The final
    income is the provisional one (as the quarters' amounts give it) raised or lowered; the regularisation is
    the contribution on it for each quarter charged less the provisional ones, so the notice's reference income
    agrees with its figures (kinds/regularisation.py checks it) and a refund never exceeds what was charged."""
    year, month = add_months(day.year, 3 * quarter_of(day) - 2, 3)
    due = quarter_end(year, (month - 1) // 3 + 1)
    fee_rate = Decimal("0.0305")
    regularised = day.year - 1
    params = Parameters()
    rate = contribution_rule.year_figures(regularised, params).rate_1
    charged: dict[str, list[Decimal]] = {}
    for row in rows["contributions.csv"]:
        if row["kind"] == "provisional" and row["year"] == regularised:
            charged.setdefault(row["affiliate_id"], []).append(Decimal(row["amount"]))
    for affiliate in rows["affiliates.csv"]:
        forced = showcase.never_pays(affiliate["affiliate_id"])
        if (rng.random() >= REGULARISED_SHARE or showcase.member(affiliate["affiliate_id"])) and not forced:
            continue
        change = Decimal(rng.randrange(5_000, 250_000)) / 500_000  # 1 % to 50 % up, or down for a refund
        if rng.random() < 0.35:
            change = -change
        quarters = charged.get(affiliate["affiliate_id"], [])
        if not quarters:
            continue
        provisional = sum(quarters, Decimal(0))
        income = cents(provisional / len(quarters) * 4 / rate * (1 + change))
        amount = quarterly_amount(affiliate["status"], income, regularised, params) * len(quarters) - provisional
        if amount == 0:
            continue
        rows["contributions.csv"].append({
            "contribution_id": f"{affiliate['affiliate_id']}-{regularised}R", "affiliate_id": affiliate["affiliate_id"],
            "year": regularised, "quarter": 4, "kind": "regularisation", "amount": fmt(amount),
            "fee": fmt(cents(amount * fee_rate)), "due_date": due.isoformat(), "income": fmt(income),
        })


def _requests(rows: dict[str, list[dict[str, Any]]], day: date) -> None:
    """Statements and fiscal certificates asked for on the demo night, so every night shows both in each language:
    two statements per language, from its first affiliates neither deceased nor bankrupt (whose statements the
    interlocks stop or hold), and last year's certificate from the first of them who paid that year."""
    stopped = {s["affiliate_id"] for s in rows["suspensions.csv"] if s["kind"] in ("death", "bankruptcy")}
    paid_last_year = {p["payer_id"] for p in rows["payments.csv"]
                      if p["payer_type"] == "affiliate" and p["received_on"][:4] == str(day.year - 1)}
    asked = rows["statement_requests.csv"] = []
    for language in LANGUAGES:
        chosen = [a["affiliate_id"] for a in rows["affiliates.csv"]
                  if a["language"] == language and a["affiliate_id"] not in stopped]
        asked.extend({"affiliate_id": a, "requested_on": day.isoformat(), "letter_type": "account_statement", "year": ""}
                     for a in chosen[:STATEMENT_REQUESTS])
        asked.extend({"affiliate_id": a, "requested_on": day.isoformat(), "letter_type": "fiscal_certificate",
                      "year": day.year - 1} for a in [a for a in chosen if a in paid_last_year][:1])


def _plans_and_suspensions(rows: dict[str, list[dict[str, Any]]], rng: random.Random, day: date) -> None:
    paid_recently = {p["payer_id"] for p in rows["payments.csv"]
                     if p["payer_type"] == "affiliate" and date.fromisoformat(p["received_on"]) > day - timedelta(120)}
    rows["payment_plans.csv"], rows["suspensions.csv"] = [], []
    for affiliate in rows["affiliates.csv"]:
        affiliate_id = affiliate["affiliate_id"]
        if showcase.member(affiliate_id):
            continue
        if affiliate_id not in paid_recently and rng.random() < PLAN_SHARE:
            start = day - timedelta(rng.randint(10, 90))
            rows["payment_plans.csv"].append({"affiliate_id": affiliate_id, "kind": "payment_plan",
                                              "from": start.isoformat(), "until": (start + timedelta(365)).isoformat()})
            continue
        draw, edge = rng.random(), 0.0
        for kind, share in SUSPENSIONS:
            edge += share
            if draw < edge:
                start = day - timedelta(rng.randint(5, 200))
                until = "" if kind in ("bankruptcy", "death") else (start + timedelta(180)).isoformat()
                rows["suspensions.csv"].append({"affiliate_id": affiliate_id, "kind": kind,
                                                "from": start.isoformat(), "until": until})
                break
