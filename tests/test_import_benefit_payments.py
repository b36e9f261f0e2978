"""benefit_payments.csv (what the fund paid on each mantelzorg claim: a recovery claims back what was paid) and
the optional `death_reported_on` column of claims.csv: a hostile row is named by file, line and field and
skipped, the good rows load; a claim still referred to by its payments is never removed."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence import schema
from correspondence.importing import SPECS, FileReport, Known, import_dir, parse_rows
from correspondence.store import connect

SPECS_BY_NAME = {s.name: s for s in SPECS}
SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"
PAYMENTS = "claim_id,month,paid_on,amount\n"
GOOD_PAYMENT = "M1,2026-10,2026-10-31,1638.26"
CLAIMS = ("claim_id,affiliate_id,kind,received_on,break_start,months,mode,care_recipient,relative_degree,child_age,"
          "documents,care_recipient_died_on,other_benefit,months_before_engine,exempt_quarters_before_engine,"
          "death_reported_on\n")
GOOD_CLAIM = "M1,A0000001,mantelzorg,2026-06-20,2026-07-01,6,full,spouse,,,medical_certificate,2026-08-14,false,0,0,2026-11-18"


def _parse(name: str, header: str, *lines: str) -> tuple[list[dict], FileReport]:
    report = FileReport(name)
    known = Known(affiliates={"A0000001"}, claims={"M1", "M2"})
    rows = parse_rows(SPECS_BY_NAME[name], header + "".join(f"{line}\n" for line in lines), known, report)
    return rows, report


@pytest.mark.parametrize(("line", "error"), [
    ("M404,2026-10,2026-10-31,1638.26", "claim_id: 'M404' is not a known claim"),
    ("../M1,2026-10,2026-10-31,1638.26", "claim_id: contains '/'"),
    ("M2,2026-13,2026-10-31,1638.26", "month: '2026-13' is not a month written YYYY-MM"),
    ("M2,10/2026,2026-10-31,1638.26", "month: '10/2026' is not a month written YYYY-MM"),
    ("M2,2026-10,31/10/2026,1638.26", "paid_on: '31/10/2026' is not a date written YYYY-MM-DD"),
    ("M2,2026-10,2026-09-30,1638.26", "paid_on: 2026-09-30 is before the month it pays (2026-10)"),
    ("M2,2026-10,2026-10-31,-1638.26", "amount:"),
    ("M2,2026-10,2026-10-31,0.00", "amount: 0.00 is not above zero"),
    ("M2,2026-10,2026-10-31,\"1 638,26\"", "amount:"),
    ("M2,2026-10,2026-10-31", "row: has 3 fields, the header has 4"),
    ("M1,2026-10,2026-10-31,100.00", "claim_id: duplicate of line 2; the first one is kept"),
])
def test_a_hostile_payment_is_named_by_file_line_and_field_and_skipped(line: str, error: str) -> None:
    rows, report = _parse("benefit_payments.csv", PAYMENTS, GOOD_PAYMENT, line)
    assert rows == [{"claim_id": "M1", "month": "2026-10", "paid_on": date(2026, 10, 31), "amount": Decimal("1638.26")}]
    [message] = report.errors
    assert message.startswith(f"benefit_payments.csv:3: {error}"), message


def test_a_month_may_be_paid_twice_on_different_days() -> None:
    rows, report = _parse("benefit_payments.csv", PAYMENTS, GOOD_PAYMENT, "M1,2026-10,2026-11-05,100.00")
    assert report.errors == [] and len(rows) == 2


@pytest.mark.parametrize(("line", "error"), [
    (GOOD_CLAIM.replace(",2026-08-14,", ",,"), "death_reported_on: is given, but care_recipient_died_on is empty"),
    (GOOD_CLAIM.replace("2026-11-18", "2026-08-13"),
     "death_reported_on: 2026-08-13 is before care_recipient_died_on (2026-08-14)"),
    (GOOD_CLAIM.replace("2026-11-18", "18-11-2026"), "death_reported_on: '18-11-2026' is not a date"),
])
def test_a_bad_report_date_is_named_by_line_and_field(line: str, error: str) -> None:
    rows, report = _parse("claims.csv", CLAIMS, GOOD_CLAIM, line.replace("M1,", "M2,", 1))
    assert [(r["claim_id"], r["death_reported_on"]) for r in rows] == [("M1", date(2026, 11, 18))]
    [message] = report.errors
    assert message.startswith(f"claims.csv:3: {error}"), message


def test_the_report_date_column_may_be_absent() -> None:
    header, line = CLAIMS.replace(",death_reported_on", ""), GOOD_CLAIM.removesuffix(",2026-11-18")
    rows, report = _parse("claims.csv", header, line)
    assert report.errors == [] and report.warnings == [] and rows[0]["death_reported_on"] is None


def test_payments_load_with_their_claims_and_a_claim_they_name_is_never_removed(sqlite_url: str,
                                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SMALL_FUND, folder)
    (folder / "claims.csv").write_text(CLAIMS + GOOD_CLAIM + "\n", encoding="utf-8")
    (folder / "benefit_payments.csv").write_text(PAYMENTS + GOOD_PAYMENT + "\nM1,2026-09,2026-09-30,1638.26\n",
                                                 encoding="utf-8")
    engine = connect(sqlite_url)
    reports = {r.name: r for r in import_dir(engine, folder)}
    assert reports["benefit_payments.csv"].errors == [] and reports["benefit_payments.csv"].inserted == 2
    assert {r.name: r for r in import_dir(engine, folder)}["benefit_payments.csv"].unchanged == 2
    # M1 gone from the claims (M3 in its place), its payments still exported: M1 is kept
    (folder / "claims.csv").write_text(CLAIMS + GOOD_CLAIM.replace("M1,", "M3,", 1) + "\n", encoding="utf-8")
    claims = {r.name: r for r in import_dir(engine, folder, accept_removals=True)}["claims.csv"]
    assert claims.removed == [] and claims.gone == ["M1"]
    assert any("benefit_payments still refer to it" in line for line in claims.removals)
    (folder / "benefit_payments.csv").write_text(PAYMENTS + GOOD_PAYMENT + "\n", encoding="utf-8")
    payments = {r.name: r for r in import_dir(engine, folder, accept_removals=True)}["benefit_payments.csv"]
    assert payments.removed == ["M1 2026-09 2026-09-30"]
    with engine.connect() as connection:
        assert connection.execute(select(schema.benefit_payments)).all() == [
            ("M1", "2026-10", date(2026, 10, 31), Decimal("1638.26"))]
    engine.dispose()
