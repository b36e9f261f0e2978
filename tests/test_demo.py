"""The demo fund: deterministic per seed, realistic, and importable without a single rejected row."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

from stdnum.be import nn

from correspondence.demo.former import _typed
from correspondence.demo.fund import build, write_demo_fund
from correspondence.importing import import_dir
from correspondence.kinds.letter import Event, Held
from correspondence.kinds.regularisation import regularisation_notices
from correspondence.store import connect
from rules import postcodes
from rules.params import Parameters
from rules.plausibility import quarterly_contribution

DAY = date(2026, 11, 22)


def test_same_seed_same_fund_other_seed_other_fund() -> None:
    assert build(60, 7, DAY).rows == build(60, 7, DAY).rows
    assert build(60, 7, DAY).rows != build(60, 8, DAY).rows


def test_demo_fund_looks_like_a_belgian_fund() -> None:
    rows = build(600, 1, DAY).rows
    affiliates = rows["affiliates.csv"]
    assert all(nn.is_valid(a["national_number"]) for a in affiliates)
    assert all(postcodes.exists(a["postcode"]) for a in affiliates)
    provinces = {postcodes.lookup(a["postcode"]).province for a in affiliates}
    assert provinces == {"BRU", "ANT", "LIM", "OVL", "WVL", "VBR", "BRW", "HAI", "LIE", "LUX", "NAM"}
    assert any(4700 <= int(a["postcode"]) <= 4799 and a["language"] == "de" for a in affiliates)
    assert set(Counter(a["language"] for a in affiliates)) == {"nl", "fr", "de"}
    assert len({a["status"] for a in affiliates}) == 7
    quarters = {(c["year"], c["quarter"]) for c in rows["contributions.csv"] if c["kind"] == "provisional"}
    assert len(quarters) == 8 and max(quarters) == (2026, 4)
    paid = {p["payer_id"] for p in rows["payments.csv"]}
    assert 0.6 < len(paid) / len(affiliates) < 1.0  # mostly payers, some never pay


def test_no_demo_quarter_is_above_the_legal_maximum() -> None:
    """Issue 16: 78 demo due notices printed more than the year's maximum quarterly contribution (statuses other
    than the main ones were charged without the income ceiling). Every quarter is plausible now."""
    params = Parameters()
    rows = build(2000, 1, date(2026, 12, 2)).rows["contributions.csv"]
    assert [r["contribution_id"] for r in rows if r["kind"] == "provisional" and quarterly_contribution(
        int(r["year"]), Decimal(r["amount"]), Decimal(r["fee"]), params)] == []


def test_demo_files_import_without_rejections(sqlite_url: str, tmp_path: Path) -> None:
    write_demo_fund(tmp_path, affiliates=80, seed=3, day=DAY)
    reports = import_dir(connect(sqlite_url), tmp_path)
    assert all(not r.errors for r in reports), [r.errors[:3] for r in reports]
    assert {r.name for r in reports} >= {"affiliates.csv", "contributions.csv", "payments.csv"}


def test_a_small_demo_fund_still_has_every_collection_and_recovery_case() -> None:
    """Even 200 affiliates: an unpaid company per language (company reminder, then formal notice), one set up in
    December of last year per language (its due notice in the first quarter, its reminder from 30 April), and in
    each language a claim granted on the earlier night whose cared-for person's death is reported since (the
    recovery), and claims refused and incomplete."""
    from correspondence.demo.claims import before_death, recovery_claim_ids, recovery_night, unanswered_claim_id
    from rules.calendar import add_months

    rows = build(200, 1, DAY).rows
    unpaid, new = rows["companies.csv"][:3], rows["companies.csv"][3:6]
    assert [c["language"] for c in unpaid] == [c["language"] for c in new] == ["nl", "fr", "de"]
    assert {c["incorporated_on"][:7] for c in new} == {"2025-12"}
    assert not any(p["payer_id"] in {c["company_id"] for c in unpaid + new} for p in rows["payments.csv"])
    languages = {a["affiliate_id"]: a["language"] for a in rows["affiliates.csv"]}
    recovered = [c for c in rows["claims.csv"] if c["claim_id"] in recovery_claim_ids(DAY)]
    assert [languages[c["affiliate_id"]] for c in recovered] == ["nl", "fr", "de"]
    for claim in recovered:
        assert date.fromisoformat(claim["received_on"]) < recovery_night(DAY) < DAY
        assert date.fromisoformat(claim["care_recipient_died_on"]) > date.fromisoformat(claim["break_start"])
        [earlier] = [c for c in before_death(rows, DAY) if c["claim_id"] == claim["claim_id"]]
        assert earlier["care_recipient_died_on"] == "" and earlier["affiliate_id"] == claim["affiliate_id"]
        assert earlier["death_reported_on"] == "" and recovery_night(DAY) < date.fromisoformat(
            claim["death_reported_on"])
        # what the fund paid on it, month by month, until the death was reported: some of it after the right ended
        paid = [p for p in rows["benefit_payments.csv"] if p["claim_id"] == claim["claim_id"]]
        assert all(date.fromisoformat(p["paid_on"]) <= date.fromisoformat(claim["death_reported_on"]) for p in paid)
        died = date.fromisoformat(claim["care_recipient_died_on"])
        kept = add_months(died.year, died.month, 1)  # the month of the death and the month after
        assert any(p["month"] > f"{kept[0]}-{kept[1]:02d}" for p in paid), paid
    refused = Counter(languages[c["affiliate_id"]] for c in rows["claims.csv"] if c["care_recipient"] == "neighbour")
    # tonight's incomplete claims (the earlier night's claim whose documents never came is refused tonight)
    incomplete = Counter(languages[c["affiliate_id"]] for c in rows["claims.csv"] if c["mode"] == "partial"
                         and "sworn_statement" not in c["documents"] and c["claim_id"] != unanswered_claim_id(DAY))
    assert refused == incomplete == {"nl": 1, "fr": 1, "de": 1}


def test_the_showcase_never_paying_affiliates_are_not_held_back() -> None:
    """The first affiliates (demo/showcase.py): per language one who never pays, with a regularisation, and four
    who pay on time; none has a payment plan or a suspension, so their letters go out."""
    rows = build(200, 1, DAY).rows
    shown = rows["affiliates.csv"][:15]
    assert Counter(a["language"] for a in shown) == {"nl": 5, "fr": 5, "de": 5}
    assert {a["status"] for a in shown} == {"main"}
    ids = {a["affiliate_id"] for a in shown}
    assert not ids & {r["affiliate_id"] for r in rows["payment_plans.csv"] + rows["suspensions.csv"]}
    never = {a["affiliate_id"] for a in shown[:3]}
    assert not never & {p["payer_id"] for p in rows["payments.csv"]}
    assert {r["affiliate_id"] for r in rows["contributions.csv"] if r["kind"] == "regularisation"} & ids == never


def test_the_demo_asks_for_statements_on_its_night_and_its_incomes_agree_with_its_regularisations() -> None:
    """Issue 16 items 9 and 10: two statements and last year's fiscal certificate asked for per language on the
    demo night (so even 200 affiliates show them), and no regularisation whose reference income contradicts its figures (none held)."""
    night = date(2026, 12, 2)
    rows = build(200, 1, night).rows
    languages = {a["affiliate_id"]: a["language"] for a in rows["affiliates.csv"]}
    asked = rows["statement_requests.csv"]
    assert {r["requested_on"] for r in asked} == {night.isoformat()}
    assert Counter((languages[r["affiliate_id"]], r["letter_type"], r["year"]) for r in asked) == {
        (lang, t, y): n for lang in ("nl", "fr", "de")
        for t, y, n in (("account_statement", "", 2), ("fiscal_certificate", 2025, 1))}
    fund = _typed(rows)
    found = list(regularisation_notices(fund, night, Parameters()))
    assert [e.key for e in found if isinstance(e, Held) and e.quarantine.field == "income"] == []
    printed = [e for e in found if isinstance(e, Event) and e.facts.income is not None]
    assert len(printed) >= len([e for e in found if isinstance(e, Event)]) // 2  # the main statuses: checked
