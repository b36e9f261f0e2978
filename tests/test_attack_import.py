"""Attacks through the import: ids that name folders, folders whose mode the engine changed, rows that vanish
from an export, headers and fields built to confuse the reader, messages that leak the personal data they
are about, and foreign postcodes cut from printed lines. Each test replays one and shows it contained."""

from __future__ import annotations

import csv
import json
import os
import re
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Table, select

from correspondence import files, schema
from correspondence.config import DEFAULT_FUND, Settings, load_fund
from correspondence.demo.fund import write_demo_fund
from correspondence.fields import ID_RULE
from correspondence.files import OutsideRoot, inside, make_dir
from correspondence.importing import MAX_FIELD, import_dir
from correspondence.kinds.blocks import recipient_block
from correspondence.mailroom import verify as mailroom_verify
from correspondence.mailroom.print_files import registered_rows
from correspondence.store import connect
from correspondence.templates.preview import preview
from scheduler import cli
from scheduler.night import run_night

SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"
NIGHT = date(2026, 11, 22)
AFFILIATES = (SMALL_FUND / "affiliates.csv").read_text(encoding="utf-8")
HEADER = AFFILIATES.splitlines()[0]
GOOD = "A0000009,71050860797,An,Maes,Kerkstraat,1,,9000,Gent,,nl,main,2010-01-01,"
ROWS = {  # a valid row of every file with an id column, and the header it goes under
    "affiliates.csv": (HEADER, GOOD),
    "companies.csv": ("company_id,enterprise_number,name,street,house_number,box,postcode,city,country,"
                      "language,incorporated_on,balance_sheet_total",
                      "C0000009,0403170701,Dupont,Rue Haute,3,,1000,Bruxelles,BE,fr,2019-05-02,900000.00"),
    "contributions.csv": ("contribution_id,affiliate_id,year,quarter,kind,amount,fee,due_date",
                          "K9,A0000001,2026,4,provisional,890.42,27.16,2026-12-31"),
    "payments.csv": ("payment_id,payer_type,payer_id,received_on,amount,structured_reference",
                     "P9,affiliate,A0000001,2026-12-01,917.58,000000126403"),
    "payment_plans.csv": ("affiliate_id,kind,from,until", "A0000001,payment_plan,2026-01-01,"),
    "suspensions.csv": ("affiliate_id,kind,from,until", "A0000001,bankruptcy,2026-01-01,"),
    "claims.csv": ("claim_id,affiliate_id,kind,received_on,break_start,months,mode,care_recipient,"
                   "relative_degree,child_age,documents,care_recipient_died_on,other_benefit,"
                   "months_before_engine,exempt_quarters_before_engine",
                   "M9,A0000001,mantelzorg,2026-02-20,2026-03-01,3,full,spouse,,,medical_certificate,,false,"
                   "0,0"),
}


def _folder(tmp_path: Path, **files_: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name, text in files_.items():
        (folder / name.replace("_csv", ".csv")).write_text(text, encoding="utf-8")
    return folder


def _with(name: str, column: str, value: str) -> str:
    header, row = ROWS[name]
    cells = row.split(",")
    cells[header.split(",").index(column)] = value
    return f"{header}\n{','.join(cells)}\n"


# ---- item 1: an id is a file name, so it must be a safe one ------------------------------------------------

@pytest.mark.parametrize(("value", "reason"), [
    ("../../../x", "contains '/'"),
    ("../../../../proc/0", "contains '/'"),
    ("/etc", "contains '/'"),
    ("..", "starts with '.'"),
    (".hidden", "starts with '.'"),
    ("A\\..\\x", "contains '\\\\'"),
    ("A 1", "contains ' '"),
    ("Aé1", "contains 'é'"),
    ("A" * 21, "is 21 characters long, at most 20 fit"),
])
def test_an_affiliate_id_that_is_not_a_safe_file_name_is_rejected(sqlite_url: str, tmp_path: Path, value: str,
                                                                   reason: str) -> None:
    row = GOOD.replace("A0000009", f'"{value}"')
    folder = _folder(tmp_path, affiliates_csv=f"{HEADER}\n{GOOD.replace('A0000009', 'A0000001')}\n{row}\n")
    [report] = import_dir(connect(sqlite_url), folder)
    assert report.inserted == 1
    assert report.errors == [f"affiliates.csv:3: affiliate_id: {reason}"
                             + ("" if reason.startswith("is ") else f": {ID_RULE}")]


@pytest.mark.parametrize(("name", "column"), [
    ("companies.csv", "company_id"), ("contributions.csv", "contribution_id"),
    ("contributions.csv", "affiliate_id"), ("payments.csv", "payment_id"), ("payments.csv", "payer_id"),
    ("payment_plans.csv", "affiliate_id"),
    ("suspensions.csv", "affiliate_id"), ("claims.csv", "claim_id"), ("claims.csv", "affiliate_id"),
])
def test_every_id_column_refuses_a_path(sqlite_url: str, tmp_path: Path, name: str, column: str) -> None:
    engine = connect(sqlite_url)
    import_dir(engine, SMALL_FUND)
    folder = _folder(tmp_path, **{name.replace(".", "_"): _with(name, column, "../../x")})
    [report] = import_dir(engine, folder, only=[name])
    assert report.inserted == 0
    assert report.errors == [f"{name}:2: {column}: contains '/': {ID_RULE}"]
    real = dict(zip(ROWS[name][0].split(","), ROWS[name][1].split(","), strict=True))[column]
    folder = _folder(tmp_path, **{name.replace(".", "_"): _with(name, column, real)})
    ok = import_dir(engine, folder, only=[name])
    assert ok[0].errors == [] and ok[0].inserted == 1  # the same row with its real id loads


def test_an_id_imported_before_the_check_holds_its_letter_and_nothing_is_written_outside(
        settings: Settings) -> None:
    """Data from before this check (or written to the database by hand): the night quarantines the letter."""
    settings.archive_dir.mkdir(parents=True)
    engine = connect(settings.db_url)
    import_dir(engine, SMALL_FUND)
    with engine.begin() as connection:
        a, c = schema.affiliates, schema.contributions
        row = dict(connection.execute(select(a).where(a.c.affiliate_id == "A0000001")).mappings().one())
        connection.execute(a.insert().values(**dict(row, affiliate_id="../../escaped")))
        contribution = dict(connection.execute(select(c).where(c.c.contribution_id == "C1")).mappings().one())
        connection.execute(c.insert().values(**dict(contribution, contribution_id="C9",
                                                     affiliate_id="../../escaped")))
    result = run_night(settings, NIGHT)
    assert (result.status, result.letters, result.exit_code) == ("complete", 3, 1)
    [held] = [q for q in result.summary["quarantined"] if "escaped" in q["record"]]
    assert held["field"] == "affiliate_id" and "outside the archive" in held["reason"]
    root = settings.archive_dir.parent  # archive/affiliate/../../escaped would be here
    assert [p for p in root.rglob("*") if "escaped" in p.name] == []


@pytest.mark.parametrize(("parts", "escapes"), [
    (("affiliate/A0000001/x.pdf",), False),
    (("affiliate", "A.1", "x.pdf"), False),
    (("affiliate/../../x.pdf",), True),
    (("affiliate/../../../../proc/0/x.pdf",), True),
    (("/etc/passwd",), True),
    (("affiliate", "/etc/passwd"), True),
    (("",), True),  # the root itself is not a file inside it
    (("link/x.pdf",), True),  # a symbolic link in the archive that points out of it
])
def test_a_path_built_from_data_is_proven_inside_its_root(tmp_path: Path, parts: tuple[str, ...],
                                                          escapes: bool) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    (root / "link").symlink_to(tmp_path)
    if escapes:
        with pytest.raises(OutsideRoot, match="is not a path inside"):
            inside(root, *parts)
    else:
        assert inside(root, *parts) == root.joinpath(*parts)


def test_make_dir_changes_the_mode_of_no_folder_it_did_not_create(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The attack chmodded / to 0750 on its way to a folder named by an id; existing ones stay as they are."""
    existing = tmp_path / "shared"
    existing.mkdir()
    os.chmod(existing, 0o755)
    os.chmod(tmp_path, 0o711)
    calls: list[Path] = []
    monkeypatch.setattr(files, "_give_to_group", lambda path: calls.append(Path(path)))
    make_dir(existing / "a" / "b")
    make_dir(existing)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o755 and stat.S_IMODE(tmp_path.stat().st_mode) == 0o711
    assert [stat.S_IMODE(p.stat().st_mode) for p in (existing / "a", existing / "a" / "b")] == [0o750, 0o750]
    assert calls == [existing / "a", existing / "a" / "b"]  # only the new folders are given to the group


# ---- item 8: a full export that lost rows, a header that says a column twice, a field built to be huge -----

def _cli(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv), settings=settings)
    out = capsys.readouterr()
    return code, out.out + out.err


def _ids(url: str, table: Table, column: str) -> list[str]:
    with connect(url).connect() as connection:
        return sorted(connection.scalars(select(table.c[column])))


def test_rows_gone_from_a_full_export_are_reported_and_kept(settings: Settings, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import_dir(connect(settings.db_url), SMALL_FUND)
    lines = (SMALL_FUND / "contributions.csv").read_text(encoding="utf-8").splitlines()
    folder = _folder(tmp_path, contributions_csv="\n".join(lines[:2]) + "\n")  # C2 and C3 left out
    code, out = _cli(settings, capsys, "import", str(folder))
    assert code == 1
    assert ("contributions.csv: 2 rows gone from the export, kept: C2, C3; import again with "
            "--accept-removals to remove them") in out
    assert _ids(settings.db_url, schema.contributions, "contribution_id") == ["C1", "C2", "C3"]


def test_accept_removals_removes_children_first_and_keeps_what_is_still_referred_to(
        settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = connect(settings.db_url)
    import_dir(engine, SMALL_FUND)
    contributions = (SMALL_FUND / "contributions.csv").read_text(encoding="utf-8").splitlines()
    folder = _folder(tmp_path, affiliates_csv="\n".join(AFFILIATES.splitlines()[:2]) + "\n",  # only A0000001
                     contributions_csv="\n".join(contributions[:3]) + "\n")  # C3 of A0000003 gone, C2 kept
    code, out = _cli(settings, capsys, "import", str(folder), "--accept-removals")
    assert code == 1, out  # A0000002 cannot go: C2 is still in the export
    assert "contributions.csv: 1 row gone from the export, removed: C3" in out
    assert "affiliates.csv: 1 row gone from the export, removed: A0000003" in out
    assert ("affiliates.csv: A0000002 is gone from the export but kept: contributions still refer to it "
            "(import those files too)") in out
    assert _ids(settings.db_url, schema.affiliates, "affiliate_id") == ["A0000001", "A0000002"]
    assert _ids(settings.db_url, schema.contributions, "contribution_id") == ["C1", "C2"]
    code, out = _cli(settings, capsys, "import", str(folder), "--accept-removals")
    assert code == 1 and "A0000002 is gone from the export but kept" in out  # still said, every time


@pytest.mark.parametrize(("content", "message"), [
    # a file cut after its header: nothing is removed, even when asked
    (f"{HEADER}\n", "affiliates.csv: 3 rows gone from the export, kept: A0000001, A0000002, A0000003; not "
                    "removed: the file has no rows"),
    # a rejected row whose key cannot be read may be one of the missing rows
    (f"{HEADER}\n{AFFILIATES.splitlines()[1]}\n{GOOD.replace('A0000009', 'A/2')}\n",
     "affiliates.csv: 2 rows gone from the export, kept: A0000002, A0000003; not removed: 1 rejected row "
     "without a readable key may be among them"),
    # a broken quote stops the reading: the rest of the file is unknown, nothing is said about it
    (f'{HEADER}\n{AFFILIATES.splitlines()[1]}\n"A0000002,x\n', None),
])
def test_a_file_not_read_whole_removes_nothing(sqlite_url: str, tmp_path: Path, content: str,
                                               message: str | None) -> None:
    engine = connect(sqlite_url)
    import_dir(engine, SMALL_FUND)
    [report] = import_dir(engine, _folder(tmp_path, affiliates_csv=content), accept_removals=True)
    assert report.removed == []
    if message is None:
        assert (report.removals, report.gone) == ([], [])
    else:
        assert len(report.removals) == 1 and report.removals[0].startswith(message), report.removals
        assert report.gone  # said, and the import exits 1
    assert _ids(sqlite_url, schema.affiliates, "affiliate_id") == ["A0000001", "A0000002", "A0000003"]


def test_a_rejected_row_is_not_taken_for_a_removed_one(sqlite_url: str, tmp_path: Path) -> None:
    engine = connect(sqlite_url)
    import_dir(engine, SMALL_FUND)
    bad = AFFILIATES.replace(",2000,Antwerpen", ",9999,Antwerpen")  # A0000001 rejected: its key is read
    [report] = import_dir(engine, _folder(tmp_path, affiliates_csv=bad), accept_removals=True)
    assert [e.split(": ")[1] for e in report.errors] == ["postcode"]
    assert (report.gone, report.removed, report.removals) == ([], [], [])


def test_periods_gone_from_the_export_are_named_by_their_whole_key(db_url: str, tmp_path: Path) -> None:
    engine = connect(db_url)
    import_dir(engine, SMALL_FUND)
    header = "affiliate_id,kind,from,until\n"
    import_dir(engine, _folder(tmp_path, payment_plans_csv=header + "A0000001,payment_plan,2026-01-01,\n"
                                                                     "A0000002,payment_plan,2026-02-01,\n"))
    one_left = _folder(tmp_path, payment_plans_csv=header + "A0000002,payment_plan,2026-02-01,\n")
    [report] = import_dir(engine, one_left)
    assert report.gone == ["A0000001 payment_plan 2026-01-01"]
    [report] = import_dir(engine, one_left, accept_removals=True)
    assert (report.gone, report.removed) == ([], ["A0000001 payment_plan 2026-01-01"])
    assert _ids(db_url, schema.payment_plans, "affiliate_id") == ["A0000002"]


@pytest.mark.parametrize(("header", "message"), [
    (HEADER + ",affiliate_id", "affiliates.csv:1: header: column 'affiliate_id' appears more than once"),
    (HEADER.replace("first_name", "last_name"), "affiliates.csv:1: header: missing column first_name"),
    (HEADER + ",status,status", "affiliates.csv:1: header: column 'status' appears more than once"),
    (HEADER + ",status,city", "affiliates.csv:1: header: columns 'city', 'status' appear more than once"),
])
def test_a_column_named_twice_rejects_the_file(sqlite_url: str, tmp_path: Path, header: str,
                                               message: str) -> None:
    """With a second affiliate_id column, csv.DictReader would silently take the last one as the key."""
    row = GOOD + ",A0000666" * (header.count(",") - HEADER.count(","))
    [report] = import_dir(connect(sqlite_url), _folder(tmp_path, affiliates_csv=f"{header}\n{row}\n"))
    assert report.inserted == 0
    assert report.errors == [f"{message}; nothing of this file was imported"]


@pytest.mark.parametrize("size", [MAX_FIELD + 1, 200_000])  # 200 000: over csv's own limit of 131 072
@pytest.mark.parametrize("column", ["last_name", "note"])  # a known column, and one the import ignores
def test_an_oversized_field_rejects_its_row_and_the_rest_of_the_file_loads(
        sqlite_url: str, tmp_path: Path, size: int, column: str) -> None:
    header = HEADER + ",note"
    rows = [f"{GOOD.replace('A0000009', f'A000000{n}').replace('71050860797', number)},"
            for n, number in enumerate(("71050860797", "71050860896", "71050860995", "71050861094"), start=1)]
    big = "x" * size
    if column == "last_name":
        rows[1] = rows[1].replace(",Maes,", f',"{big[:-10]}\n{big[-9:]}",')
    else:
        rows[1] += big
    folder = _folder(tmp_path, affiliates_csv="\n".join([header, *rows]) + "\n")
    [report] = import_dir(connect(sqlite_url), folder)
    line = 4 if column == "last_name" else 3  # a quoted field over two lines: the row ends on line 4
    assert report.errors == [f"affiliates.csv:{line}: {column}: is {size} characters long, a field holds at "
                             f"most {MAX_FIELD}; the row was skipped"]
    assert report.inserted == 3 and report.read == 4
    assert csv.field_size_limit() == 131072  # the reader's limit is put back


# ---- item 12: import messages reach terminals and logs; they never repeat whom a row is about -----------

OTHER = "85073012345"  # a number that is not the row's own: the row's own national_number is never repeated


def _in_full(number: str, text: str) -> bool:
    return re.search(r"(?<!\d)" + r"[\s./-]?".join(number) + r"(?!\d)", text) is not None


@pytest.mark.parametrize(("column", "value", "shown"), [
    ("status", OTHER, "'**.**.**-***.45' is not one of"),  # a number pasted into the wrong column
    ("language", "85.07.30-123.45", "'**.**.**-***.45' is not one of"),
    ("affiliated_since", "850730 123 45", "'**.**.**-***.45' is not a date"),
    ("postcode", OTHER, "'**.**.**-***.45' is not a Belgian postcode"),
    ("country", OTHER, "'**.**.**-***.45' is not a two-letter"),
    ("status", "71050860797", "'…' is not one of"),  # the row's own number: not repeated at all
    ("postcode", "Vandenbroucke-Verstraeten", "is 25 characters long, a postcode has at most 12"),
    ("affiliate_id", OTHER + "/1", "contains '/'"),
    ("national_number", "71.05.08-607.98", "is not a valid national register number"),  # a wrong check digit
])
def test_a_rejected_row_never_shows_a_national_number_in_full(sqlite_url: str, tmp_path: Path, column: str,
                                                              value: str, shown: str) -> None:
    row = _with("affiliates.csv", column, value).splitlines()[1]
    [report] = import_dir(connect(sqlite_url), _folder(tmp_path, affiliates_csv=f"{HEADER}\n{row}\n"))
    [message] = report.errors
    assert message.startswith(f"affiliates.csv:2: {column}: {shown}"), message
    assert not _in_full(OTHER, message) and not _in_full("71050860797", message) and "607.98" not in message


@pytest.mark.parametrize(("column", "name_column"), [
    ("status", "last_name"), ("language", "first_name"), ("affiliated_since", "street"), ("country", "city"),
])
def test_a_name_in_the_wrong_column_is_not_repeated(sqlite_url: str, tmp_path: Path, column: str,
                                                    name_column: str) -> None:
    cells = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    cells[name_column] = cells[column] = "Vandenbroucke"
    row = ",".join(cells.values())
    [report] = import_dir(connect(sqlite_url), _folder(tmp_path, affiliates_csv=f"{HEADER}\n{row}\n"))
    [message] = report.errors
    assert message.startswith(f"affiliates.csv:2: {column}: '…'") and "Vandenbroucke" not in message, message


def test_an_extra_header_column_holding_a_number_is_masked(sqlite_url: str, tmp_path: Path) -> None:
    folder = _folder(tmp_path, affiliates_csv=f"{HEADER},{OTHER}\n{GOOD},\n")
    [report] = import_dir(connect(sqlite_url), folder)
    assert report.warnings == ["affiliates.csv:1: header: column **.**.**-***.45 is ignored"]


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The umask of a careless shell: without the engine's own modes, files would come out 0644."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
def test_a_preview_of_a_real_affiliate_is_readable_by_the_service_and_its_group_only(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import_dir(connect(settings.db_url), SMALL_FUND)
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "preview-due_notice-nl-A0000001.pdf"
    old.write_bytes(b"an earlier preview")
    os.chmod(old, 0o644)
    (tmp_path / "preview-due_notice-nl-A0000001-1.png").write_bytes(b"an earlier page")
    written = preview(settings, "due_notice", "nl", affiliate="A0000001", png=True, day=NIGHT)
    assert [p.name for p in written][:2] == [old.name, "preview-due_notice-nl-A0000001-1.png"]
    assert {p.name: _mode(tmp_path / p) for p in written} == {p.name: 0o640 for p in written}
    nested = preview(settings, "due_notice", "nl", affiliate="A0000001", out=tmp_path / "new" / "p.pdf",
                     day=NIGHT)
    assert (_mode(nested[0]), _mode(tmp_path / "new")) == (0o640, 0o750)


@pytest.mark.usefixtures("open_umask")
def test_the_demo_fund_csvs_are_readable_by_the_service_and_its_group_only(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "demo"
    write_demo_fund(folder, affiliates=5, seed=1, day=NIGHT)
    assert {p.name: _mode(p) for p in folder.iterdir()} == {p.name: 0o640 for p in folder.iterdir()}
    assert (_mode(folder), _mode(folder.parent)) == (0o750, 0o750)
    assert "affiliates.csv" in {p.name for p in folder.iterdir()}


# ---- item 11: a foreign postcode is a field, never cut out of a printed line ------------------------------

PERSON = {"affiliate_id": "A0000001", "first_name": "Anke", "last_name": "de Vries", "street": "Damrak",
          "house_number": "1", "box": "", "language": "nl"}


@pytest.mark.parametrize(("country", "postcode", "city", "journaled_before"), [
    ("NL", "1012 AB", "Amsterdam", False),
    ("GB", "SW1A 1AA", "London", False),
    ("BE", "2000", "Antwerpen", False),
    ("NL", "1012 AB", "Amsterdam", True),  # a letter journaled before the address fields were columns
    ("BE", "2000", "Antwerpen", True),
])
def test_registered_list_takes_postcode_and_city_from_the_address_fields(
        country: str, postcode: str, city: str, journaled_before: bool) -> None:
    box_label = load_fund(DEFAULT_FUND)["postal"]["box_label"]
    row = dict(PERSON, country=country, postcode=postcode, city=city)
    recipient = recipient_block("affiliate", row, NIGHT, box_label)
    letter = {"mail_class": "registered", "letter_id": "20261122-000001"}
    if journaled_before:  # the columns are NULL: the recipient block's fields answer
        letter |= {"street": None, "postcode": postcode, "city": None, "country": None}
    else:  # the journal's columns answer; the block keeps its printed lines only
        letter |= {k: recipient[k] for k in ("street", "postcode", "city", "country")}
        recipient = {k: v for k, v in recipient.items() if k not in ("street", "postcode", "city", "country")}
    context = {"recipient": recipient, "letter": {"id": "20261122-000001"}}
    [line] = registered_rows([{**letter, "context": json.dumps(context)}])
    assert line == [1, "Anke de Vries", "Damrak 1", postcode, city.upper(), "20261122-000001",
                    "20261122-000001", country]


def test_a_journaled_archive_path_that_leaves_the_archive_is_never_read(settings: Settings) -> None:
    """A journal altered by hand (or by an older engine) to point at a file outside the archive: `mailroom
    verify` names it instead of reading the file there, however well that file matches."""
    import_dir(connect(settings.db_url), SMALL_FUND)
    assert run_night(settings, NIGHT).exit_code == 0
    l = schema.letters.c
    engine = connect(settings.db_url)
    with engine.begin() as connection:
        letter_id, relative = connection.execute(select(l.letter_id, l.archive_path).order_by(l.letter_id)).first()
        outside = settings.archive_dir.parent / "outside.pdf"
        outside.write_bytes((settings.archive_dir / relative).read_bytes())  # the same bytes: sha256 would match
        connection.execute(schema.letters.update().where(l.letter_id == letter_id)
                           .values(archive_path="../outside.pdf"))
    with engine.connect() as connection:
        problems = mailroom_verify.verify(connection, settings.output_dir, settings.archive_dir, NIGHT)
    assert f"archive ../outside.pdf: not inside the archive folder (letter {letter_id})" in problems
