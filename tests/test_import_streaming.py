"""The import reads a file in batches and remembers what it passed in the database (importing.py, import_keys.py):
its results must be those of checking each file's whole text at once (importing.parse_rows, the import as it
was before it streamed), row for row and message for message — with batches of 7 rows, so that every
duplicate, every national number given twice and every reference crosses a batch's edge."""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from correspondence import csv_in, import_keys, importing, removals, schema
from correspondence.demo.fund import write_demo_fund
from correspondence.importing import SPECS, FileReport, import_dir, known_ids, parse_rows, upsert
from correspondence.national_numbers import conflicts
from correspondence.store import connect

DAY = date(2026, 10, 1)
TABLES = [spec.table for spec in SPECS]


def _append(path: Path, *rows: dict[str, str]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=header, lineterminator="\n").writerows(rows)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo fund's export, with what a real one brings now and then, far from what it collides with."""
    folder = tmp_path_factory.mktemp("export")
    write_demo_fund(folder, 60, 1, DAY)
    affiliates, contributions = _rows(folder / "affiliates.csv"), _rows(folder / "contributions.csv")
    _append(folder / "affiliates.csv",
            {**affiliates[3], "affiliate_id": "A0009001"},  # the number of line 5, given again
            {**affiliates[10], "affiliate_id": "A0009002", "postcode": "9999"},  # rejected: its number stays free
            {**affiliates[40], "house_number": "7"},  # a duplicate of line 42
            {**affiliates[11], "affiliate_id": "", "national_number": affiliates[12]["national_number"]})
    _append(folder / "contributions.csv",
            {**contributions[2], "fee": "1.00"},  # a duplicate of line 4, hundreds of lines on
            {**contributions[5], "contribution_id": "X-1", "affiliate_id": "A0009002"},  # an affiliate rejected above
            {**contributions[6], "contribution_id": "X-2", "affiliate_id": "A0009001"})
    return folder


def _whole_text_import(engine: Engine, folder: Path) -> list[FileReport]:
    """Each file's whole text checked at once, as the import did before it streamed, then written."""
    with engine.connect() as connection:
        known = known_ids(connection)
    reports = []
    for spec in SPECS:
        path = folder / spec.name
        if not path.exists():
            continue
        report = FileReport(spec.name)
        reports.append(report)
        text = importing.decode(path, report)
        rows = parse_rows(spec, text or "", known, report)
        with engine.begin() as connection:
            upsert(connection, spec, rows, report)
    with engine.connect() as connection:
        removals.settle(connection, {spec.name: spec for spec in SPECS}, reports, False)
    return reports


def _tables(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as connection:
        return {table.name: sorted(connection.execute(select(table)).all(), key=repr) for table in TABLES}


def _seen(reports: list[FileReport]) -> list[tuple[object, ...]]:
    return [(r.name, r.read, r.inserted, r.updated, r.unchanged, r.rejected, r.errors, r.warnings, r.gone,
             r.read_whole, r.keyless, r.sha256, r.encoding, r.separator) for r in reports]


def test_streaming_gives_what_the_whole_text_gave(export: Path, db_url: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    whole = connect(f"sqlite:///{tmp_path / 'whole.db'}")
    schema.metadata.create_all(whole)
    expected = _whole_text_import(whole, export)
    errors = [e for r in expected for e in r.errors]
    assert any("national_number: already given to affiliate" in e for e in errors), errors
    assert any("duplicate of line 4;" in e for e in errors) and any("'A0009002' is not a known" in e for e in errors)

    monkeypatch.setattr(importing, "BATCH", 7)
    streamed = connect(db_url)
    assert _seen(import_dir(streamed, export)) == _seen(expected)
    assert _tables(streamed) == _tables(whole)
    again = import_dir(streamed, export)  # and again: nothing changes, the same rows rejected
    assert [(r.inserted, r.updated, r.errors) for r in again] == [(0, 0, r.errors) for r in expected]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 20])
@pytest.mark.parametrize("raw", [
    "a,b\né,ü\n".encode(),
    b"\xef\xbb\xbfa,b\n\xc3\xa9,x\n",
    "a;b\né;x\n".encode("cp1252"),
    b"a,b\n\x81,x\n",  # undefined in Windows-1252: Latin-1
    "a,b\né,x\n".encode() + b"\xff\n" + "ü\n".encode(),  # UTF-8 but one byte: refused with its line
    "a,b\nx,y\n".encode("utf-16"),
    b"\xff\xfea\x00,\x00b\x00\n\x00\x00\xd8",  # a broken UTF-16
    b"PK\x03\x04rest",
    b"a\x00,\x00",
    b"",
], ids=range(10))
def test_a_file_read_in_chunks_is_decided_as_a_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     chunk: int, raw: bytes) -> None:
    """The encoding found reading a file chunk by chunk is the one found in its whole bytes; so is a broken
    byte's line, whichever chunk it falls in, and the file's sha256."""
    monkeypatch.setattr(csv_in, "CHUNK", chunk)
    path = tmp_path / "file.csv"
    path.write_bytes(raw)
    sniffed, whole = csv_in.sniff(path), csv_in.decode(raw)
    assert (sniffed.encoding, sniffed.problem) == (whole.encoding, whole.problem)
    if sniffed.codec is not None:
        with path.open(encoding=sniffed.codec, newline="") as handle:
            assert handle.read() == whole.text
    assert sniffed.sha256 == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize(("rows", "expected"), [
    ([(2, "A1", "N1", None, None, False), (5, "A2", "N1", None, None, False)],
     {5: "already given to affiliate A1 on line 2"}),
    ([(2, "A1", "N1", "A9", None, True)], {2: "already given to affiliate A9 in the database"}),
    ([(2, "A1", "N1", "A9", None, False)],
     {2: "already given to affiliate A9 in the database, which this export no longer holds"}),
    ([(2, "A1", "N1", "A9", "N2", True)], {}),  # A9 gives the number up further down the file
    ([(2, "A1", "N1", "A1", "N1", True)], {}),  # its own number
    ([(2, "A1", "N1", "A9", None, True), (3, "A2", "N1", "A9", None, True)],  # neither kept: both for the database
     {2: "already given to affiliate A9 in the database", 3: "already given to affiliate A9 in the database"}),
    ([(4, "A9", "N1", "A9", "N1", True), (7, "A1", "N1", "A9", "N1", True)],
     {7: "already given to affiliate A9 on line 4"}),
    ([(2, "A1", "N1", None, None, False), (3, "A2", "N2", None, None, False)], {}),
])
def test_a_national_number_is_one_persons(rows: list[tuple[int, str, str, str | None, str | None, bool]],
                                          expected: dict[int, str]) -> None:
    assert conflicts(rows) == expected


def test_new_rows_go_to_sqlite_as_sqlalchemy_would_store_them(export: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite a batch's new rows go straight to the driver, each value through its column's own bind
    processing (import_keys.insert): the database holds, byte for byte, what SQLAlchemy's INSERT stored."""
    direct = connect(f"sqlite:///{tmp_path / 'direct.db'}")
    schema.metadata.create_all(direct)
    import_dir(direct, export)
    monkeypatch.setattr(import_keys, "insert", lambda connection, table, rows: connection.execute(table.insert(), rows))
    through = connect(f"sqlite:///{tmp_path / 'through.db'}")
    schema.metadata.create_all(through)
    import_dir(through, export)

    def stored(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
        with engine.connect() as connection:
            return {t.name: sorted(connection.exec_driver_sql(f"SELECT * FROM {t.name}").all(), key=repr)
                    for t in TABLES}

    held = stored(direct)
    assert held == stored(through)
    assert held["contributions"] and held["payments"] and held["affiliates"]
    assert {type(v) for row in held["contributions"] for v in row} <= {str, int, type(None)}  # cents, ISO dates


@pytest.mark.parametrize(("drop_line", "compared"), [(None, set()), (3, {"contributions.csv"})])
def test_a_table_holding_only_what_the_file_wrote_is_not_compared_key_by_key(
        export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drop_line: int | None,
        compared: set[str]) -> None:
    """After a file is read whole, its table's rows are compared with the file's keys to find rows gone from
    the export — unless the table holds exactly as many rows as the import wrote of the file (new, changed or
    the same), when none can be gone: the first import of a large export, and most nights."""
    engine = connect(f"sqlite:///{tmp_path / 'db.db'}")
    schema.metadata.create_all(engine)
    import_dir(engine, export)
    folder = tmp_path / "again"
    folder.mkdir()
    for source in export.iterdir():
        lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
        if source.name == "contributions.csv" and drop_line is not None:
            del lines[drop_line - 1]
        (folder / source.name).write_text("".join(lines), encoding="utf-8")
    paged: list[str] = []
    gone = removals._gone
    monkeypatch.setattr(removals, "_gone", lambda connection, spec, keys: (
        paged.append(spec.table.name), gone(connection, spec, keys))[1])
    reports = {r.name: r for r in import_dir(engine, folder)}
    names = {spec.table.name: spec.name for spec in SPECS}
    assert {names[t] for t in paged} == compared
    assert bool(reports["contributions.csv"].gone) == (drop_line is not None)
