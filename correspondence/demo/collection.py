"""The demo fund's collection cycle: companies, regularisations, refunds, payment plans and suspensions, added
to the rows of correspondence/demo.py so that a few months of demo nights show every collection letter.

Deterministic per seed, with its own random stream so the affiliates and contributions of demo.py stay the
same whatever is added here.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from stdnum.be import vat

from correspondence.demo.samples import postcodes, read
from rules.calendar import add_months, quarter_end, quarter_of
from rules.company_contribution import company_contribution
from rules.money import cents, fmt
from rules.payment_reference import digits_of, structured_reference

SUSPENSIONS = (("bankruptcy", 0.01), ("death", 0.005), ("exemption_request", 0.01), ("appeal", 0.005))
REGULARISED_SHARE = 0.12
PLAN_SHARE = 0.25  # of the affiliates who paid nothing in the last quarter
# The first companies, one per language, never pay last year's contribution, so even a small demo fund has a
# company reminder and formal notice in each language.
UNPAID_COMPANIES = ("flanders", "wallonia", "german")


def enterprise_number(rng: random.Random) -> str:
    first = f"0{rng.randrange(2_000_000, 9_999_999):07d}"
    return vat.compact(f"{first}{97 - int(first) % 97:02d}")


def add_collection(rows: dict[str, list[dict[str, Any]]], seed: int, day: date) -> None:
    """Add companies.csv, payment_plans.csv, suspensions.csv and regularisations to the demo's rows."""
    rng = random.Random(seed * 7919 + 3)
    affiliates = rows["affiliates.csv"]
    _companies(rows, rng, day, max(3, len(affiliates) // 20))
    _regularisations(rows, rng, day)
    _plans_and_suspensions(rows, rng, day)


def _companies(rows: dict[str, list[dict[str, Any]]], rng: random.Random, day: date, count: int) -> None:
    names = [r["name"] for r in read("company_names.csv")]
    places = postcodes()
    rows["companies.csv"] = []
    for number in range(1, count + 1):
        company_id = f"C{number:07d}"
        region = rng.choice(("flanders", "flanders", "wallonia", "brussels", "german"))
        if number <= len(UNPAID_COMPANIES):
            region = UNPAID_COMPANIES[number - 1]
        language = {"flanders": "nl", "wallonia": "fr", "german": "de"}.get(region) or "fr"
        postcode, city = rng.choice(places[region])
        incorporated = date(rng.randint(2005, day.year - 2), rng.randint(1, 12), rng.randint(1, 28))
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
        if number <= len(UNPAID_COMPANIES):
            behaviour = "never"
        paid_on = {"on_time": owed.due_date - timedelta(rng.randint(1, 30)),
                   "late": owed.due_date + timedelta(rng.randint(40, 100))}.get(behaviour)
        if paid_on and paid_on <= day:
            rows["payments.csv"].append({
                "payment_id": f"PC{number:07d}{year}", "payer_type": "company", "payer_id": company_id,
                "received_on": paid_on.isoformat(), "amount": fmt(owed.amount),
                "structured_reference": digits_of(structured_reference(company_id, year, "company")),
            })


def _regularisations(rows: dict[str, list[dict[str, Any]]], rng: random.Random, day: date) -> None:
    """Some affiliates' last year regularised: charged this quarter, due at the end of the next one. Last year,
    not earlier, so the demo holds the provisional quarters the notice's calculation starts from; a refund
    never exceeds what was charged provisionally."""
    year, month = add_months(day.year, 3 * quarter_of(day) - 2, 3)
    due = quarter_end(year, (month - 1) // 3 + 1)
    fee_rate = Decimal("0.0305")
    regularised = day.year - 1
    charged: dict[str, Decimal] = {}
    for row in rows["contributions.csv"]:
        if row["kind"] == "provisional" and row["year"] == regularised:
            charged[row["affiliate_id"]] = charged.get(row["affiliate_id"], Decimal(0)) + Decimal(row["amount"])
    for affiliate in rows["affiliates.csv"]:
        if rng.random() >= REGULARISED_SHARE:
            continue
        amount = Decimal(rng.randrange(5_000, 250_000)) / 100
        if rng.random() < 0.35:
            amount = -min(amount, cents(charged.get(affiliate["affiliate_id"], Decimal(0)) * Decimal("0.9")))
        if amount == 0:
            continue
        rows["contributions.csv"].append({
            "contribution_id": f"{affiliate['affiliate_id']}-{regularised}R", "affiliate_id": affiliate["affiliate_id"],
            "year": regularised, "quarter": 4, "kind": "regularisation", "amount": fmt(amount),
            "fee": fmt(cents(amount * fee_rate)), "due_date": due.isoformat(),
        })


def _plans_and_suspensions(rows: dict[str, list[dict[str, Any]]], rng: random.Random, day: date) -> None:
    paid_recently = {p["payer_id"] for p in rows["payments.csv"]
                     if p["payer_type"] == "affiliate" and date.fromisoformat(p["received_on"]) > day - timedelta(120)}
    rows["payment_plans.csv"], rows["suspensions.csv"] = [], []
    for affiliate in rows["affiliates.csv"]:
        affiliate_id = affiliate["affiliate_id"]
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
