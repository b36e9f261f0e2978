"""statement_requests.csv (the account statements affiliates asked for) and the `income` column of
contributions.csv (a regularisation's final income): hostile rows are named by file, line and field and
skipped, the good rows load; a contributions.csv without the column still loads; both are full exports."""

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
KNOWN = {"A0000001", "A0000002"}
SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"
REQUESTS = "affiliate_id,requested_on\n"
CONTRIBUTIONS = "contribution_id,affiliate_id,year,quarter,kind,amount,fee,due_date,income\n"
GOOD_REQUEST = "A0000001,2026-12-02"
GOOD_REGULARISATION = "R1,A0000001,2025,4,regularisation,1204.88,36.75,2027-03-31,22738.93"


def _parse(name: str, header: str, *lines: str) -> tuple[list[dict], FileReport]:
    report = FileReport(name)
    rows = parse_rows(SPECS_BY_NAME[name], header + "".join(f"{line}\n" for line in lines), Known(set(KNOWN)), report)
    return rows, report


@pytest.mark.parametrize(("line", "error"), [
    ("A0000404,2026-12-02", "affiliate_id: 'A0000404' is not a known affiliate"),
    ("../etc,2026-12-02", "affiliate_id: contains '/'"),
    ("A0000002,02/12/2026", "requested_on: '02/12/2026' is not a date written YYYY-MM-DD"),
    ("A0000002,2026-02-30", "requested_on: '2026-02-30' is not a date that exists"),
    ("A0000002,", "requested_on: is empty; expected a date written YYYY-MM-DD"),
    ("A0000002,=cmd|' /C calc'!A0", "requested_on:"),
    ("A0000002", "row: has 1 field, the header has 2"),
    ("A0000001,2026-12-02", "affiliate_id: duplicate of line 2; the first one is kept"),
])
def test_a_hostile_request_is_named_by_line_and_field_and_skipped(line: str, error: str) -> None:
    rows, report = _parse("statement_requests.csv", REQUESTS, GOOD_REQUEST, line)
    assert rows[0] == {"affiliate_id": "A0000001", "requested_on": date(2026, 12, 2), "letter_type": "account_statement",
                       "year": 0}  # the good row still loads; without the optional columns, an account statement
    [message] = report.errors
    assert message.startswith(f"statement_requests.csv:3: {error}"), message


TYPED = "affiliate_id,requested_on,letter_type,year\n"


@pytest.mark.parametrize(("line", "error"), [
    ("A0000002,2026-12-02,fiscal_certificate,2026", ("year: 2026 was not over on 2026-12-02 (requested_on): "
                                                     "a fiscal certificate certifies a past year")),
    ("A0000002,2026-12-02,fiscal_certificate,2027", "year: 2027 was not over on 2026-12-02"),
    ("A0000002,2026-12-02,fiscal_certificate,", "year: is empty: a fiscal certificate is asked for a year, e.g. 2025"),
    ("A0000002,2026-12-02,account_statement,2025", "year: is given for an account statement"),
    ("A0000002,2026-12-02,,2025", "year: is given for an account statement"),
    ("A0000002,2026-12-02,due_notice,", "letter_type: 'due_notice' is not one of account_statement, fiscal_certificate"),
    ("A0000002,2026-12-02,fiscal_certificate,twenty", "year: 'twenty' is not a whole number"),
    ("A0000002,2026-12-02,fiscal_certificate,1989", "year: 1989 is outside 1990..2100"),
    ("A0000404,2026-12-02,fiscal_certificate,2025", "affiliate_id: 'A0000404' is not a known affiliate"),
    ("A0000001,2026-12-02,fiscal_certificate,2025", "affiliate_id: duplicate of line 3; the first one is kept"),
])
def test_a_hostile_certificate_request_is_named_by_line_and_field_and_skipped(line: str, error: str) -> None:
    rows, report = _parse("statement_requests.csv", TYPED, "A0000001,2026-12-02,,", "A0000001,2026-12-02,fiscal_certificate,2025",
                          line)
    assert [(r["letter_type"], r["year"]) for r in rows] == [("account_statement", 0), ("fiscal_certificate", 2025)]
    [message] = report.errors
    assert message.startswith(f"statement_requests.csv:4: {error}"), message


@pytest.mark.parametrize(("line", "error"), [
    ("P1,A0000001,2025,4,provisional,890.42,27.16,2025-12-31,22738.93",
     "income: is given on a provisional row: only a regularisation row carries the year's final income"),
    ("R2,A0000001,2025,4,regularisation,1204.88,36.75,2027-03-31,\"22 738,93\"", "income:"),
    ("R2,A0000001,2025,4,regularisation,1204.88,36.75,2027-03-31,twenty", "income:"),
    ("R2,A0000001,2025,4,regularisation,1204.88,36.75,2027-03-31,1.005", "income:"),
])
def test_a_bad_income_is_named_by_line_and_field_and_skipped(line: str, error: str) -> None:
    rows, report = _parse("contributions.csv", CONTRIBUTIONS, GOOD_REGULARISATION, line)
    assert [(r["contribution_id"], r["income"]) for r in rows] == [("R1", Decimal("22738.93"))]
    [message] = report.errors
    assert message.startswith(f"contributions.csv:3: {error}"), message


def test_an_income_may_be_a_loss_or_empty_and_the_column_may_be_absent() -> None:
    rows, report = _parse("contributions.csv", CONTRIBUTIONS, "R1,A0000001,2025,4,regularisation,-900.00,-27.45,"
                          "2027-03-31,-1500.00", "P1,A0000001,2025,4,provisional,890.42,27.16,2025-12-31,")
    assert report.errors == [] and [r["income"] for r in rows] == [Decimal("-1500.00"), None]
    rows, report = _parse("contributions.csv", CONTRIBUTIONS.replace(",income", ""),
                          "P1,A0000001,2025,4,provisional,890.42,27.16,2025-12-31")
    assert report.errors == [] and report.warnings == [] and rows[0]["income"] is None


def test_requests_import_again_change_nothing_and_a_gone_one_is_kept_until_accepted(sqlite_url: str,
                                                                                      tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SMALL_FUND, folder)
    (folder / "statement_requests.csv").write_text(REQUESTS + "A0000001,2026-12-02\nA0000001,2026-11-20\n",
                                                   encoding="utf-8")
    engine = connect(sqlite_url)
    reports = {r.name: r for r in import_dir(engine, folder)}
    assert reports["statement_requests.csv"].errors == [] and reports["statement_requests.csv"].inserted == 2
    assert {r.name: r for r in import_dir(engine, folder)}["statement_requests.csv"].unchanged == 2
    (folder / "statement_requests.csv").write_text(REQUESTS + "A0000001,2026-12-02\n", encoding="utf-8")
    kept = {r.name: r for r in import_dir(engine, folder)}["statement_requests.csv"]
    assert kept.gone == ["A0000001 2026-11-20 account_statement 0"]
    removed = {r.name: r for r in import_dir(engine, folder, accept_removals=True)}["statement_requests.csv"]
    assert removed.removed == ["A0000001 2026-11-20 account_statement 0"]
    with engine.connect() as connection:
        assert connection.execute(select(schema.statement_requests)).all() == [
            ("A0000001", date(2026, 12, 2), "account_statement", 0)]
    # a certificate asked for the same day is another request; the file without the typed columns still matches
    (folder / "statement_requests.csv").write_text(TYPED + "A0000001,2026-12-02,,\nA0000001,2026-12-02,"
                                                   "fiscal_certificate,2025\n", encoding="utf-8")
    typed = {r.name: r for r in import_dir(engine, folder)}["statement_requests.csv"]
    assert (typed.errors, typed.inserted, typed.unchanged, typed.gone) == ([], 1, 1, [])
    (folder / "statement_requests.csv").write_text(REQUESTS + "A0000001,2026-12-02\n", encoding="utf-8")
    assert {r.name: r for r in import_dir(engine, folder)}["statement_requests.csv"].gone == [
        "A0000001 2026-12-02 fiscal_certificate 2025"]
    engine.dispose()
