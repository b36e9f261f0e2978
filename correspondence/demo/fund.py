"""A synthetic but realistic fund, deterministic per seed, written as the core system's CSV exports.

Names in Dutch, French and German by language area; real Belgian postcodes from every province, Brussels
and the German-speaking area; the statuses of the import; eight quarters of contributions from the rules'
figures; mostly timely payers, some late, some partial, some not at all. The first affiliates are the
showcase (demo/showcase.py): in each language, one who never pays, four who pay on time and one who stopped
paying at the last due date. The demo then
imports these files through the ordinary importer, so it exercises the same path as a real fund.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from correspondence.config import DEFAULT_FUND, load_fund
from correspondence.demo import former, showcase
from correspondence.demo.claims import add_claims
from correspondence.demo.collection import add_collection, quarterly_amount
from correspondence.demo.samples import REGIONS, postcodes, sample_names
from correspondence.files import atomic_write, make_dir
from correspondence.importing import SPECS
from rules.calendar import add_months, quarter_end, quarter_of
from rules.money import cents, fmt
from rules.params import Parameters
from rules.payment_reference import digits_of, structured_reference

STATUSES = (("main", 0.58), ("secondary", 0.24), ("helper_main", 0.03), ("spouse_maxi", 0.03),
            ("spouse_mini", 0.02), ("pensioner", 0.08), ("art37", 0.02))
PAYERS = (("timely", 0.80), ("late", 0.08), ("partial", 0.05), ("never", 0.07))


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def national_number(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 53 * 365))
    serial = rng.randrange(1, 998)
    first9 = f"{born:%y%m%d}{serial:03d}"
    base = int(("2" if born.year >= 2000 else "") + first9)
    return f"{first9}{97 - base % 97:02d}"


def _unique(drawn: str, given: set[str], again: random.Random) -> str:
    while drawn in given:
        drawn = national_number(again)
    given.add(drawn)
    return drawn


@dataclass
class DemoFund:
    rows: dict[str, list[dict[str, Any]]]


def _quarters_back(day: date, n: int) -> list[tuple[int, int]]:
    year, month = day.year, 3 * quarter_of(day) - 2
    quarters = []
    for back in range(n - 1, -1, -1):
        y, m = add_months(year, month, -3 * back)
        quarters.append((y, (m - 1) // 3 + 1))
    return quarters


def build(affiliates: int, seed: int, day: date, quarters: int = 8) -> DemoFund:
    """The demo fund on `day`: `affiliates` affiliates with `quarters` quarters of contributions up to `day`'s."""
    rng = random.Random(seed)
    params = Parameters()
    fee_rate = Decimal(load_fund(DEFAULT_FUND)["fund"]["fee_rate"])
    names, places = sample_names(), postcodes()
    rows: dict[str, list[dict[str, Any]]] = {"affiliates.csv": [], "contributions.csv": [], "payments.csv": []}
    periods = _quarters_back(day, quarters)
    # Each affiliate's own national number (the import refuses one given twice). A number drawn twice is
    # drawn again from its own generator, so the main draws, and every demo fund built before, stay the same.
    given: set[str] = set()
    again = random.Random(f"{seed}-national-numbers")
    for number in range(1, affiliates + 1):
        affiliate_id = f"A{number:07d}"
        shown = showcase.role(number)  # the first affiliates show every letter in each language (demo/showcase.py)
        region = shown[0] if shown else _pick(rng, REGIONS)
        language = {"flanders": "nl", "wallonia": "fr", "german": "de"}.get(region) or rng.choice(("nl", "fr", "fr"))
        postcode, city = rng.choice(places[region])
        status = "main" if shown else _pick(rng, STATUSES)
        rows["affiliates.csv"].append({
            "affiliate_id": affiliate_id, "national_number": _unique(national_number(rng), given, again),
            "first_name": rng.choice(names["first"][language]), "last_name": rng.choice(names["last"][language]),
            "street": rng.choice(names["street"][language]), "house_number": str(rng.randint(1, 240)),
            "box": str(rng.randint(1, 12)) if rng.random() < 0.12 else "", "postcode": postcode, "city": city,
            "country": "BE", "language": language, "status": status,
            "affiliated_since": date(rng.randint(1995, day.year - 3), rng.randint(1, 12), 1).isoformat(),
            "affiliated_until": "",
        })
        income = Decimal(rng.randrange(900_000, 13_000_000)) / 100 if status != "secondary" else \
            Decimal(rng.randrange(200_000, 3_000_000)) / 100
        payer = _pick(rng, PAYERS)
        if shown:
            income, payer = showcase.income(number), shown[1]
        for year, quarter in periods:
            amount = quarterly_amount(status, income, year, params)
            fee = cents(amount * fee_rate)
            due = quarter_end(year, quarter)
            rows["contributions.csv"].append({
                "contribution_id": f"{affiliate_id}-{year}Q{quarter}", "affiliate_id": affiliate_id,
                "year": year, "quarter": quarter, "kind": "provisional", "amount": fmt(amount), "fee": fmt(fee),
                "due_date": due.isoformat(),
            })
            paid_on, paid = _payment(rng, payer, due, amount + fee, (year, quarter) == periods[-1],
                                     (year, quarter) == periods[-2])
            if paid_on and paid_on <= day and paid > 0:
                rows["payments.csv"].append({
                    "payment_id": f"P{affiliate_id[1:]}{year}{quarter}", "payer_type": "affiliate",
                    "payer_id": affiliate_id, "received_on": paid_on.isoformat(), "amount": fmt(paid),
                    "structured_reference": digits_of(structured_reference(affiliate_id, year, f"Q{quarter}")),
                })
    add_collection(rows, seed, day)
    add_claims(rows, seed, day)
    rows["letters_sent.csv"] = former.letters_sent(rows, day)  # what the former system sent (go-live)
    rows["ebox.csv"] = _ebox_consents(rows, seed, day)
    return DemoFund(rows)


EBOX_SHARE = 0.2  # affiliates who chose the e-Box (used only when it is switched on: README, The e-Box)


def _ebox_consents(rows: dict[str, list[dict[str, Any]]], seed: int, day: date) -> list[dict[str, Any]]:
    """A fifth of the affiliates (never the showcase's, whose letters show the paper) chose the e-Box a year
    before `day`, and one in ten of them withdrew a month before it. Drawn from a generator of their own, so
    the rest of the fund is what it was without them."""
    rng = random.Random(seed * 7919 + 20)
    consents = []
    for affiliate in rows["affiliates.csv"]:
        if showcase.member(affiliate["affiliate_id"]) or rng.random() >= EBOX_SHARE:
            continue
        since = day - timedelta(days=365)
        consents.append({"recipient_type": "affiliate", "recipient_id": affiliate["affiliate_id"], "consent": "yes",
                         "since": since.isoformat()})
        if rng.random() < 0.1:
            consents.append({"recipient_type": "affiliate", "recipient_id": affiliate["affiliate_id"],
                             "consent": "no", "since": (day - timedelta(days=30)).isoformat()})
    return consents


def _payment(rng: random.Random, payer: str, due: date, total: Decimal, current: bool,
             last_due: bool) -> tuple[date | None, Decimal]:
    """When and how much the affiliate paid of a quarter's contribution; `current`: the quarter of the night,
    `last_due`: the one before, the last that fell due. A showcase payer who "stops" pays on time until then."""
    if payer == "never" or (current and payer != "timely") or (payer == "stops" and last_due):
        return None, Decimal(0)
    if payer == "stops":
        payer = "timely"
    if payer == "timely":
        return due - timedelta(days=rng.randint(0, 40)), total
    if payer == "late":
        return due + timedelta(days=rng.randint(10, 80)), total
    return due - timedelta(days=rng.randint(0, 20)), cents(total / 2)


def write_demo_fund(folder: Path, affiliates: int, seed: int, day: date, profile: Path = DEFAULT_FUND,
                    quarters: int = 8) -> DemoFund:
    """The demo's CSV exports in `folder`, and `fund.toml`: the fund `profile` switched on (demo/former.py)."""
    fund = build(affiliates, seed, day, quarters)
    make_dir(folder)
    atomic_write(folder / "fund.toml", former.switched_on(profile.read_text(encoding="utf-8"), day).encode(), sync=False)
    for name, rows in fund.rows.items():
        write_rows(folder, name, rows)
    return fund


def write_rows(folder: Path, name: str, rows: list[dict[str, Any]]) -> None:
    """One of the fund's CSV files, with the importer's columns."""
    columns = {spec.name: list(spec.columns) for spec in SPECS}
    handle = io.StringIO(newline="")
    writer = csv.DictWriter(handle, fieldnames=columns[name], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    # Names, addresses and national numbers, made up or not: 0640 like every file of personal data
    atomic_write(folder / name, handle.getvalue().encode("utf-8"), sync=False)
