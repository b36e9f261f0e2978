"""ebox.csv (who chose the e-Box, issue 20): hostile rows are named by file, line and field and skipped, the
good rows load as consents or withdrawals; the consent in force on a night is the latest row not after it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from correspondence.ebox import consent
from correspondence.importing import SPECS, FileReport, Known, import_dir, parse_rows
from correspondence.store import connect

SPEC = next(s for s in SPECS if s.name == "ebox.csv")
HEADER = "recipient_type,recipient_id,consent,since\n"
GOOD = "affiliate,A0000001,yes,2026-06-01"


def _parse(*lines: str) -> tuple[list[dict], FileReport]:
    report = FileReport("ebox.csv")
    text = HEADER + "".join(f"{line}\n" for line in lines)
    return parse_rows(SPEC, text, Known({"A0000001", "A0000002"}, {"C0000001"}), report), report


@pytest.mark.parametrize(("line", "error"), [
    ("affiliate,A0000404,yes,2026-06-01", "recipient_id: 'A0000404' is not a known affiliate"),
    ("company,A0000002,yes,2026-06-01", "recipient_id: 'A0000002' is not a known company"),
    ("person,A0000002,yes,2026-06-01", "recipient_type: 'person' is not one of affiliate, company"),
    ("affiliate,A0000002,maybe,2026-06-01", "consent: 'maybe' is not one of yes, no"),
    ("affiliate,A0000002,yes,01/06/2026", "since: '01/06/2026' is not a date written YYYY-MM-DD"),
    ("affiliate,../../etc,yes,2026-06-01", "recipient_id: contains '/'"),
    ("affiliate,A0000001,no,2026-06-01", "recipient_type: duplicate of line 2"),
])
def test_a_hostile_consent_is_named_by_line_and_field_and_skipped(line: str, error: str) -> None:
    rows, report = _parse(GOOD, line)
    assert rows == [{"recipient_type": "affiliate", "recipient_id": "A0000001", "consent": True,
                     "since": date(2026, 6, 1)}]
    [message] = report.errors
    assert message.startswith(f"ebox.csv:3: {error}"), message


def test_the_consent_in_force_is_the_latest_row_not_after_the_night(sqlite_url: str, tmp_path: Path) -> None:
    folder = Path(__file__).parent / "fixtures" / "small_fund"
    engine = connect(sqlite_url)
    import_dir(engine, folder)
    target = tmp_path / "fund"
    target.mkdir()
    (target / "ebox.csv").write_text(HEADER + "affiliate,A0000001,yes,2026-06-01\naffiliate,A0000001,no,2026-09-01\n"
                                     "affiliate,A0000002,yes,2026-09-01\n", encoding="utf-8")
    [report] = import_dir(engine, target)
    assert (report.inserted, report.errors) == (3, [])
    everyone = [("affiliate", "A0000001"), ("affiliate", "A0000002"), ("company", "A0000001")]
    with engine.connect() as connection:
        assert [consent.in_force(connection, day, everyone) for day in
                (date(2026, 5, 31), date(2026, 6, 1), date(2026, 8, 31), date(2026, 9, 1))] == [
            set(), {("affiliate", "A0000001")}, {("affiliate", "A0000001")}, {("affiliate", "A0000002")}]
