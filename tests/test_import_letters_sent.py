"""letters_sent.csv: what the fund's former system sent before go-live. Each row names a letter the engine
would otherwise write (its event key), checked row by row; a bad row is named by line and field, and skipped."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence import schema
from correspondence.importing import SPECS, FileReport, Known, import_dir, parse_rows
from correspondence.store import connect

SPEC = next(s for s in SPECS if s.name == "letters_sent.csv")
HEADER = "recipient_type,recipient_id,letter_type,period,sent_on\n"
KNOWN = Known(affiliates={"A0000001"}, companies={"C0000001"})
SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"


def _parse(*lines: str) -> tuple[list[dict], FileReport]:
    report = FileReport(SPEC.name)
    rows = parse_rows(SPEC, HEADER + "".join(f"{line}\n" for line in lines), Known(set(KNOWN.affiliates),
                                                                                   set(KNOWN.companies)), report)
    return rows, report


@pytest.mark.parametrize(("line", "event_key"), [
    ("affiliate,A0000001,reminder,2026-Q3,2026-10-20", "reminder:A0000001:2026-Q3"),
    ("affiliate,A0000001,reminder,2024-REG,2026-10-20", "reminder:A0000001:2024-REG"),
    ("affiliate,A0000001,formal_notice,2026-Q2,2026-08-20", "formal_notice:A0000001:2026-Q2"),
    ("affiliate,A0000001,due_notice,2026-Q4,2026-10-01", "due_notice:A0000001:2026-Q4"),
    ("affiliate,A0000001,account_statement,2026-09-15,2026-09-15", "statement:A0000001:2026-09-15"),
    ("affiliate,A0000001,fiscal_certificate,2025,2026-03-01", "fiscal_certificate:A0000001:2025"),
    ("company,C0000001,company_due_notice,2026,2026-10-01", "company_due:C0000001:2026"),
    ("company,C0000001,company_reminder,2025,2026-01-30", "company_reminder:C0000001:2025"),
    ("company,C0000001,company_formal_notice,2025,2026-03-01", "company_formal_notice:C0000001:2025"),
])
def test_a_row_names_the_event_key_the_engine_would_give(line: str, event_key: str) -> None:
    rows, report = _parse(line)
    assert report.errors == []
    assert [r["event_key"] for r in rows] == [event_key]


@pytest.mark.parametrize(("line", "error"), [
    ("affiliate,A0000404,reminder,2026-Q3,2026-10-20", "recipient_id: 'A0000404' is not a known affiliate"),
    ("company,A0000001,reminder,2026-Q3,2026-10-20", "recipient_type: is 'company', but reminder goes to the affiliate"),
    ("affiliate,A0000001,mantelzorg_granted,K1,2026-10-20", "letter_type: 'mantelzorg_granted' is not one of"),
    ("affiliate,A0000001,reminder,2026-Q5,2026-10-20", "period: '2026-Q5' is not the newest period reminded"),
    ("affiliate,A0000001,fiscal_certificate,2025-Q1,2026-03-01", "period: '2025-Q1' is not the year certified"),
    ("affiliate,A0000001,account_statement,2026-02-30,2026-03-01", "period: '2026-02-30' is not a calendar day"),
    ("affiliate,A0000001,reminder,2026-Q3,20/10/2026", "sent_on:"),
    ("affiliate,A0000001,reminder,2026-Q3,", "sent_on:"),
    ("affiliate,A0000001,reminder,=cmd|' /C calc'!A0,2026-10-20", "period:"),
    ("affiliate,A0000001,reminder,2026-Q3", "row: has 4 fields, the header has 5"),
])
def test_a_hostile_row_is_named_by_line_and_field_and_skipped(line: str, error: str) -> None:
    rows, report = _parse("affiliate,A0000001,due_notice,2026-Q4,2026-10-01", line)
    assert [r["event_key"] for r in rows] == ["due_notice:A0000001:2026-Q4"]  # the good row still loads
    [message] = report.errors
    assert message.startswith(f"letters_sent.csv:3: {error}"), message


def test_the_same_letter_twice_keeps_the_first() -> None:
    rows, report = _parse("affiliate,A0000001,reminder,2026-Q3,2026-10-20", "affiliate,A0000001,reminder,2026-Q3,2026-10-21")
    assert [r["sent_on"] for r in rows] == [date(2026, 10, 20)]
    assert report.errors == ["letters_sent.csv:3: recipient_type: duplicate of line 2; the first one is kept"]


def test_letters_sent_import_and_reimport_changes_nothing(sqlite_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SMALL_FUND, folder)
    (folder / "letters_sent.csv").write_text(HEADER + "affiliate,A0000001,reminder,2026-Q3,2026-10-20\n"
                                             "affiliate,A0000009,reminder,2026-Q3,2026-10-20\n", encoding="utf-8")
    engine = connect(sqlite_url)
    reports = {r.name: r for r in import_dir(engine, folder)}
    assert reports["letters_sent.csv"].errors == [
        "letters_sent.csv:3: recipient_id: 'A0000009' is not a known affiliate"]
    assert reports["letters_sent.csv"].inserted == 1
    again = {r.name: r for r in import_dir(engine, folder)}["letters_sent.csv"]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    with engine.connect() as connection:
        assert connection.execute(select(schema.letters_sent.c.event_key, schema.letters_sent.c.sent_on)).all() == [
            ("reminder:A0000001:2026-Q3", date(2026, 10, 20))]
