"""The import contract: `file:line: field: reason` for a bad row, good rows loaded, re-import changes nothing."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from correspondence import schema
from correspondence.importing import import_dir
from correspondence.store import connect

SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"
HEADER = ("affiliate_id,national_number,first_name,last_name,street,house_number,box,postcode,city,country,"
          "language,status,affiliated_since,affiliated_until")
GOOD = "A0000009,71050860797,An,Maes,Kerkstraat,1,,9000,Gent,,nl,main,2010-01-01,"


def _dump(url: str) -> dict[str, list[tuple]]:
    engine = connect(url)
    with engine.connect() as connection:
        return {t.name: sorted(connection.execute(select(t)).all()) for t in
                (schema.affiliates, schema.contributions, schema.payments)}


def test_small_fund_imports_and_reimport_changes_nothing(db_url: str) -> None:
    engine = connect(db_url)
    reports = import_dir(engine, SMALL_FUND)
    assert [(r.name, r.inserted, r.errors) for r in reports] == [("affiliates.csv", 3, []), ("contributions.csv", 3, [])]
    before = _dump(db_url)
    again = import_dir(engine, SMALL_FUND)
    assert [(r.inserted, r.updated, r.unchanged) for r in again] == [(0, 0, 3), (0, 0, 3)]
    assert _dump(db_url) == before


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (GOOD.replace("71050860797", "71050860798"), "affiliates.csv:3: national_number: is not a valid national register number"),
        (GOOD.replace(",9000,", ",9999,"), "affiliates.csv:3: postcode: '9999' is not a Belgian postcode in use"),
        (GOOD.replace(",nl,", ",en,"), "affiliates.csv:3: language: 'en' is not one of nl, fr, de"),
        (GOOD.replace(",main,", ",boss,"), "affiliates.csv:3: status: 'boss' is not one of"),
        (GOOD.replace("2010-01-01", "2026-02-30"), "affiliates.csv:3: affiliated_since: '2026-02-30' is not a date that exists"),
        (GOOD.replace("2010-01-01", "01/01/2010"), "affiliates.csv:3: affiliated_since: '01/01/2010' is not a date written YYYY-MM-DD"),
        (GOOD.replace("2010-01-01,", "2010-01-01,2009-12-31"), "affiliates.csv:3: affiliated_until: is before affiliated_since"),
        (GOOD.replace(",An,", ",,"), "affiliates.csv:3: first_name: is empty"),
        (GOOD.replace("71050860797", ""), "affiliates.csv:3: national_number: is empty"),
        (GOOD.replace(",main,", ",,"), "affiliates.csv:3: status: is empty; expected one of main, secondary"),
        (GOOD.replace("2010-01-01", ""), "affiliates.csv:3: affiliated_since: is empty; expected a date written YYYY-MM-DD"),
        (GOOD.replace("Kerkstraat", "K" * 201), "affiliates.csv:3: street: is 201 characters long, at most 200 fit"),
        (GOOD + ",extra", "affiliates.csv:3: row: has 15 fields, the header has 14"),
        (GOOD.rsplit(",", 3)[0], "affiliates.csv:3: row: has 11 fields, the header has 14"),
        ("A0000001" + GOOD[8:], "affiliates.csv:3: affiliate_id: duplicate of line 2"),
    ],
)
def test_bad_affiliate_row_is_named_and_the_good_row_loads(sqlite_url: str, tmp_path: Path, row: str, message: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    first = GOOD.replace("A0000009", "A0000001").replace("71050860797", "71050860896")
    (folder / "affiliates.csv").write_text(f"{HEADER}\n{first}\n{row}\n", encoding="utf-8")
    [report] = import_dir(connect(sqlite_url), folder)
    assert report.inserted == 1
    assert len(report.errors) == 1 and report.errors[0].startswith(message), report.errors


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER.replace(",status", "").encode() + b"\n", "affiliates.csv:1: header: missing column status"),
        (HEADER.replace(",status,affiliated_since", "").encode() + b"\n",
         "affiliates.csv:1: header: missing columns status, affiliated_since"),
        (b"", "affiliates.csv:1: header: the file is empty, not even a header"),
        (GOOD.encode() + b"\n", "affiliates.csv:1: header: names none of the expected columns (affiliate_id, "),
        (HEADER.replace(",", "|").encode() + b"\n", "affiliates.csv:1: header: names none of the expected columns"),
        (b"PK\x03\x04rest of a workbook", "affiliates.csv:1: file: is a zip file (an .xlsx or .ods workbook?)"),
        (HEADER.encode("utf-16-le"), "affiliates.csv:1: file: is UTF-16 without a BOM: export the file as CSV UTF-8"),
    ],
)
def test_unreadable_file_imports_nothing(sqlite_url: str, tmp_path: Path, content: bytes, message: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "affiliates.csv").write_bytes(content)
    [report] = import_dir(connect(sqlite_url), folder)
    assert report.inserted == 0 and report.errors[0].startswith(message), report.errors


def test_bom_and_extra_column_are_accepted_with_a_warning(sqlite_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "affiliates.csv").write_bytes(("\ufeff" + HEADER + ",note\n" + GOOD + ",x\n").encode())
    [report] = import_dir(connect(sqlite_url), folder)
    assert (report.inserted, report.errors) == (1, [])
    assert report.warnings == ["affiliates.csv:1: header: column note is ignored"]
    assert (report.separator, report.encoding) == (",", "UTF-8 (BOM)")


def test_contribution_of_unknown_affiliate_is_rejected(sqlite_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SMALL_FUND, folder)
    with (folder / "contributions.csv").open("a") as handle:
        handle.write("C9,A0000404,2026,4,provisional,10.00,0.31,2026-12-31\n")
    reports = import_dir(connect(sqlite_url), folder)
    assert reports[1].errors == ["contributions.csv:5: affiliate_id: 'A0000404' is not a known affiliate"]
    engine = connect(sqlite_url)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(schema.contributions)) == 3


def test_address_change_clears_returned_mail_mark(sqlite_url: str, tmp_path: Path) -> None:
    engine = connect(sqlite_url)
    import_dir(engine, SMALL_FUND)
    with engine.begin() as connection:
        connection.execute(schema.affiliates.update().values(address_unreliable_since=date(2026, 1, 5)))
    folder = tmp_path / "in"
    folder.mkdir()
    text = (SMALL_FUND / "affiliates.csv").read_text().replace("Kerkstraat,12", "Kerkstraat,14")
    (folder / "affiliates.csv").write_text(text)
    [report] = import_dir(engine, folder)
    assert (report.updated, report.unchanged) == (1, 2)
    with engine.connect() as connection:
        marks = dict(connection.execute(select(schema.affiliates.c.affiliate_id,
                                               schema.affiliates.c.address_unreliable_since)).all())
    assert marks["A0000001"] is None and marks["A0000002"] is not None
