"""`correspondence import FOLDER` as the operator reads it (issue 21): a `;`-separated or Windows-1252 export
imports exactly as its `,` UTF-8 twin and the import says what it found; every bad field of a row is named;
files it does not know are named with the name meant; a national number is one affiliate's; messages are
`file:line: field: reason`, grammatical, and never show a national number."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence import csv_in, schema
from correspondence.config import Settings
from correspondence.demo.fund import write_demo_fund
from correspondence.importing import SPECS, import_dir
from correspondence.store import connect, init
from scheduler import cli
from tests.conftest import settings_for

DAY = date(2026, 11, 22)
SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"
AFFILIATES = (SMALL_FUND / "affiliates.csv").read_text(encoding="utf-8").splitlines()
HEADER, A1, A2, A3 = AFFILIATES  # A0000001 71050860797, A0000002 98102913457, A0000003 83031193811
EXPECTED = ", ".join(spec.name for spec in SPECS)
NOTHING = f"import: no file the import knows in {{folder}}; expected names: {EXPECTED}"
TABLES = (schema.affiliates, schema.companies, schema.contributions, schema.payments, schema.payment_plans,
          schema.suspensions, schema.claims, schema.benefit_payments, schema.statement_requests,
          schema.ebox_consents, schema.letters_sent)


def _settings(tmp_path: Path, name: str) -> Settings:
    url = f"sqlite:///{tmp_path / f'{name}.db'}"
    init(connect(url))
    return settings_for(url, tmp_path / name)


def _import(settings: Settings, capsys: pytest.CaptureFixture[str], folder: Path) -> tuple[int, str, str]:
    code = cli.main(["import", str(folder)], settings=settings)
    out = capsys.readouterr()
    return code, out.out, out.err


def _dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    with connect(url).connect() as connection:
        return {t.name: sorted(connection.execute(select(t)).all(), key=repr) for t in TABLES}


def _twin(source: Path, target: Path, separator: str, encoding: str) -> Path:
    """Every CSV of `source` as a spreadsheet would save it: another separator, another encoding, CRLF."""
    target.mkdir()
    for path in sorted(source.glob("*.csv")):
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=separator, lineterminator="\r\n").writerows(
            csv.reader(path.open(encoding="utf-8", newline="")))
        (target / path.name).write_bytes(buffer.getvalue().encode(encoding))
    return target


def _folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# ---- separator and encoding ------------------------------------------------------------------------------

@pytest.mark.parametrize(("separator", "encoding", "found"), [
    (";", "utf-8-sig", "separator ';', encoding UTF-8 (BOM)"),  # Excel's "CSV UTF-8" on a Belgian machine
    (";", "cp1252", "separator ';', encoding Windows-1252 (not UTF-8)"),  # Excel's plain "CSV" there
    ("\t", "utf-8", "separator tab, encoding UTF-8"),
])
def test_a_spreadsheet_export_imports_exactly_as_its_comma_twin(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], separator: str, encoding: str,
        found: str) -> None:
    comma = tmp_path / "comma"
    write_demo_fund(comma, affiliates=30, seed=3, day=DAY)  # names with ß, à, é, ë, ü; documents "a;b"
    twin = _twin(comma, tmp_path / "twin", separator, encoding)
    first, second = _settings(tmp_path, "first"), _settings(tmp_path, "second")
    code, out, err = _import(first, capsys, comma)
    assert (code, err) == (0, "") and "affiliates.csv: 30 rows read, 30 new" in out
    code, twin_out, err = _import(second, capsys, twin)
    assert (code, err) == (0, "")
    assert twin_out.splitlines() == [_found_in(line, twin, found) for line in out.splitlines()]
    assert f"affiliates.csv: 30 rows read, 30 new, 0 changed, 0 unchanged, 0 rejected; {found}" in twin_out
    assert _dump(first.db_url) == _dump(second.db_url)
    code, again, _ = _import(first, capsys, twin)  # over the comma import: the same rows, nothing changes
    assert code == 0 and [line for line in again.splitlines() if " 0 new, 0 changed, " not in line] == []


def _found_in(line: str, twin: Path, found: str) -> str:
    """The comma import's line as the twin's says it: a file of ASCII alone is UTF-8 in all of these."""
    assert line.endswith("; separator ',', encoding UTF-8"), line
    if (twin / line.split(":")[0]).read_bytes().isascii():
        found = found.split(", encoding")[0] + ", encoding UTF-8"
    return line.replace("separator ',', encoding UTF-8", found)


@pytest.mark.parametrize(("header", "separator"), [
    ("affiliate_id,national_number,first_name", ","),
    ("affiliate_id;national_number;first_name", ";"),
    ("affiliate_id\tnational_number\tfirst_name", "\t"),
    ('"affiliate_id";"national_number";"first_name"', ";"),
    ("affiliate_id;national_number,first_name;last_name", ";"),  # the separator naming the most columns wins
    ("id|nn|name", ","),  # none names one: ',', and the header's message says what was expected
    ("", ","),
])
def test_the_separator_is_the_one_that_gives_the_expected_header(header: str, separator: str) -> None:
    expected = ("affiliate_id", "national_number", "first_name", "last_name")
    assert csv_in.separator(f"{header}\nA1;1,2;3\tx\n", expected) == separator


@pytest.mark.parametrize(("raw", "text", "encoding"), [
    (b"a,b\n", "a,b\n", "UTF-8"),
    (b"\xef\xbb\xbfa,b\n", "a,b\n", "UTF-8 (BOM)"),
    ("Maës;Lefèvre €\n".encode("cp1252"), "Maës;Lefèvre €\n", "Windows-1252 (not UTF-8)"),
    (b"M\xe4\x81s\n", "M\xe4\x81s\n", "Latin-1 (not UTF-8)"),  # 0x81: no character in Windows-1252
    ("Maës\n".encode("utf-16"), "Maës\n", "UTF-16 (BOM)"),
])
def test_the_encoding_is_found_and_named(raw: bytes, text: str, encoding: str) -> None:
    assert csv_in.decode(raw) == csv_in.Decoded(text, encoding)


@pytest.mark.parametrize(("raw", "problem"), [
    # UTF-8 with one broken byte: read as Windows-1252, every accent of the file would come out garbled
    ("a,b\nJosé,Müller\n".encode() + b"Ma\xebs\n", "is UTF-8 except byte 0xeb on line 3: correct that line"),
    (b"PK\x03\x04rest", "is a zip file"),
    ("a,b\n".encode("utf-16-le"), "is UTF-16 without a BOM"),
])
def test_a_file_that_is_no_one_encoding_is_refused_whole(raw: bytes, problem: str) -> None:
    decoded = csv_in.decode(raw)
    assert decoded.text is None and decoded.problem.startswith(problem), decoded


@pytest.mark.parametrize(("separator", "encoding", "said"), [
    (",", "UTF-8", "separator ',', encoding UTF-8"),
    ("\t", "UTF-8 (BOM)", "separator tab, encoding UTF-8 (BOM)"),
    (None, "UTF-8", "encoding UTF-8"),  # a file refused before its header was read
    (None, None, ""),
])
def test_what_was_found_is_said_in_one_phrase(separator: str | None, encoding: str | None, said: str) -> None:
    assert csv_in.described(separator, encoding) == said


# ---- every error of a row --------------------------------------------------------------------------------

def test_three_bad_fields_of_a_semicolon_row_give_three_messages(sqlite_url: str, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The acceptance case: a `;` export (the header found under `;`), a row with three bad fields."""
    bad = "A0000002;;Marie;Dupont;Rue Haute;5;;1000;Brussel;BE;fr;boss;2026-02-30;"
    text = "\n".join([HEADER.replace(",", ";"), A1.replace(",", ";"), bad]) + "\n"
    folder = _folder(tmp_path, **{"affiliates.csv": text})
    code, out, err = _import(settings_for(sqlite_url, tmp_path), capsys, folder)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "affiliates.csv: 2 rows read, 1 new, 0 changed, 0 unchanged, 1 rejected; "
        "separator ';', encoding UTF-8",
        "  affiliates.csv:3: national_number: is empty",
        "  affiliates.csv:3: status: 'boss' is not one of main, secondary, helper_main, spouse_maxi, "
        "spouse_mini, pensioner, art37",
        "  affiliates.csv:3: affiliated_since: '2026-02-30' is not a date that exists",
    ]


GOOD = "A0000009,71050860896,An,Maes,Kerkstraat,1,,9000,Gent,,nl,main,2010-01-01,"


@pytest.mark.parametrize(("row", "messages"), [
    # a row check (the postcode in use) is said beside the fields that did not parse
    (GOOD.replace(",9000,", ",9999,").replace(",nl,", ",en,"),
     ["language: 'en' is not one of nl, fr, de", "postcode: '9999' is not a Belgian postcode in use"]),
    # a check that needs a field that did not parse is not run: that field's message says it all
    (GOOD.replace("2010-01-01,", "2010-13-01,2009-12-31"),
     ["affiliated_since: '2010-13-01' is not a date that exists"]),
    (GOOD.replace("2010-01-01,", "2010-01-01,2009-12-31").replace(",An,", ",,"),
     ["first_name: is empty", "affiliated_until: is before affiliated_since"]),
    # an empty field is said to be empty, with what was expected
    (GOOD.replace(",main,", ",,").replace(",9000,", ",,"),
     ["postcode: is empty", "status: is empty; expected one of main, secondary, helper_main, spouse_maxi, "
                            "spouse_mini, pensioner, art37"]),
    (GOOD.replace("71050860896", "").replace("A0000009", ""),
     ["affiliate_id: is empty", "national_number: is empty"]),
    # a row of another width is one message, its fields are not guessed at
    (GOOD + ",x", ["row: has 15 fields, the header has 14"]),
    ("A0000009", ["row: has 1 field, the header has 14"]),
])
def test_every_bad_field_of_a_row_is_named_and_the_row_rejected(sqlite_url: str, tmp_path: Path, row: str,
                                                                messages: list[str]) -> None:
    folder = _folder(tmp_path, **{"affiliates.csv": f"{HEADER}\n{A1}\n{row}\n"})
    [report] = import_dir(connect(sqlite_url), folder)
    assert (report.read, report.inserted, report.rejected) == (2, 1, 1)
    assert report.errors == [f"affiliates.csv:3: {m}" for m in messages]


def test_a_row_of_separators_only_is_no_row(sqlite_url: str, tmp_path: Path) -> None:
    """A spreadsheet saves a touched empty row as `;;;;`: nothing is in it, so nothing is said of it."""
    text = "\n".join([HEADER.replace(",", ";"), A1.replace(",", ";"), ";" * 13, " ;;", ""])
    [report] = import_dir(connect(sqlite_url), _folder(tmp_path, **{"affiliates.csv": text}))
    assert (report.read, report.inserted, report.errors) == (1, 1, [])


READ_ONE = ("affiliates.csv: 1 row read, 1 new, 0 changed, 0 unchanged, 0 rejected; "
            "separator ',', encoding UTF-8")


@pytest.mark.parametrize(("rows", "summary"), [
    ([A1], READ_ONE),
    ([A1, A2], READ_ONE.replace("1 row read, 1 new", "2 rows read, 2 new")),
    ([], READ_ONE.replace("1 row read, 1 new", "0 rows read, 0 new")),
])
def test_counts_are_grammatical(sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                rows: list[str], summary: str) -> None:
    folder = _folder(tmp_path, **{"affiliates.csv": "\n".join([HEADER, *rows]) + "\n"})
    code, out, _ = _import(settings_for(sqlite_url, tmp_path), capsys, folder)
    assert (code, out.splitlines()) == (0, [summary])


# ---- one national number, one affiliate ------------------------------------------------------------------

NEW = "A0000008,71050860896,An,Maes,Kerkstraat,1,,9000,Gent,,nl,main,2010-01-01,"


@pytest.mark.parametrize(("rows", "messages", "code"), [
    # two new affiliates with one number: the second is refused, naming the first and its line
    ([A1, A2, A3, NEW, NEW.replace("A0000008", "A0000009")],
     ["affiliates.csv:6: national_number: already given to affiliate A0000008 on line 5"], 1),
    # a new affiliate with the number of one the database holds, and the file too: the file's line is named
    ([A1, A2, A3, NEW.replace("71050860896", "98102913457")],
     ["affiliates.csv:5: national_number: already given to affiliate A0000002 on line 3"], 1),
    # the same, the database's affiliate gone from the export (renumbered by the core system?)
    ([A1, A3, NEW.replace("71050860896", "98102913457")],
     ["affiliates.csv:4: national_number: already given to affiliate A0000002 in the database, which this "
      "export no longer holds"], 1),
    # the holder comes later in the file with the same number: the newcomer is still the one refused
    ([NEW.replace("71050860896", "98102913457"), A1, A2, A3],
     ["affiliates.csv:2: national_number: already given to affiliate A0000002 in the database"], 1),
    # two affiliates swap their numbers (a correction): each number is still one person's
    ([A1.replace("71050860797", "98102913457"), A2.replace("98102913457", "71050860797"), A3], [], 0),
    # the holder takes another number in this export: its old number is free for a newcomer
    ([A1, A2.replace("98102913457", "71050860995"), A3, NEW.replace("71050860896", "98102913457")], [], 0),
])
def test_a_national_number_is_one_affiliates(sqlite_url: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str], rows: list[str],
                                            messages: list[str], code: int) -> None:
    settings = settings_for(sqlite_url, tmp_path)
    assert not any(r.errors for r in import_dir(connect(sqlite_url), SMALL_FUND))
    folder = _folder(tmp_path, **{"affiliates.csv": "\n".join([HEADER, *rows]) + "\n"})
    got, out, err = _import(settings, capsys, folder)
    said = [line.strip() for line in out.splitlines() if "national_number" in line]
    assert (said, got) == (messages, code), out
    assert not re.search(r"\d{6}[^\d]?\d{3}[^\d]?\d{2}", out + err)  # no national number, however written
    with connect(sqlite_url).connect() as connection:
        numbers = list(connection.scalars(select(schema.affiliates.c.national_number)))
    assert len(numbers) == len(set(numbers))  # what the import refused never reached the table


# ---- files the import does not know ----------------------------------------------------------------------

@pytest.mark.parametrize(("files", "code", "out", "err"), [
    # beside a known file: named with the names expected, and the exit code is the known file's
    (["affiliates.csv", "unknown.csv"], 0,
     [f"unknown.csv: not a file the import knows, ignored; expected names: {EXPECTED}", READ_ONE], []),
    (["affiliates.csv", "payment.csv"], 0,
     ["payment.csv: not a file the import knows, ignored; did you mean payments.csv?", READ_ONE], []),
    # alone: nothing was imported, exit 1, the names expected
    (["affiliate.csv"], 1, [],
     ["affiliate.csv: not a file the import knows, ignored; did you mean affiliates.csv?", NOTHING]),
    (["Affiliates.CSV", "affiliates.xlsx"], 1, [],
     ["Affiliates.CSV: not a file the import knows, ignored; did you mean affiliates.csv?",
      "affiliates.xlsx: not a file the import knows, ignored; did you mean affiliates.csv?",
      NOTHING]),
    # what does not look like an export (the demo's fund.toml, a README) is not the import's business
    (["fund.toml", "README", ".affiliates.csv.swp"], 1, [],
     [NOTHING]),
    ([], 1, [], [NOTHING]),
])
def test_files_the_import_does_not_know_are_named(sqlite_url: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str], files: list[str],
                                                  code: int, out: list[str], err: list[str]) -> None:
    folder = _folder(tmp_path, **{name: f"{HEADER}\n{A1}\n" for name in files})
    got = _import(settings_for(sqlite_url, tmp_path), capsys, folder)
    expected = (code, out, [e.format(folder=folder) for e in err])
    assert (got[0], got[1].splitlines(), got[2].splitlines()) == expected


@pytest.mark.parametrize(("bad_rows", "kept", "more"), [(2, 2, 0), (3, 3, 0), (7, 3, 4)])
def test_a_file_of_bad_rows_shows_its_first_errors_and_counts_the_rest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        bad_rows: int, kept: int, more: int) -> None:
    """The import keeps the first MESSAGES errors of a file to show and counts the others: a file whose every
    row is bad (a date format the core system changed) does not fill the import's memory with messages."""
    from correspondence import importing

    monkeypatch.setattr(importing, "MESSAGES", 3)
    folder = tmp_path / "export"
    folder.mkdir()
    row = A1.split(",")
    at = HEADER.split(",").index("affiliated_since")
    lines = [HEADER] + [",".join([f"B{n:07d}", *row[1:at], "01/01/2020", *row[at + 1:]]) for n in range(bad_rows)]
    (folder / "affiliates.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    reports = import_dir(connect(_settings(tmp_path, "db").db_url), folder)
    assert (len(reports[0].errors), reports[0].more_errors, reports[0].rejected) == (kept, more, bad_rows)
    assert "affiliates.csv:2: affiliated_since: '01/01/2020' is not a date written YYYY-MM-DD" in reports[0].errors
    code, out, _ = _import(_settings(tmp_path, "cli"), capsys, folder)
    assert code == 1 and out.count("affiliated_since:") == kept
    shown = (f"  … and {more} more error{'s' if more != 1 else ''} in affiliates.csv, not shown "
             "(the first 3 found are above)")
    assert (shown in out) == bool(more), out
