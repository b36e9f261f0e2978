"""The mailroom's commands on a real night: collect once, returned mail holds the affiliate's next letter until
an address-change import, an exact reprint, verify naming every difference, the archive lookup."""

from __future__ import annotations

import csv
import grp
import hashlib
import os
import shutil
import stat
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from test_mailroom_print_files import fund_profile, mailroom_templates

from correspondence import schema
from correspondence.config import Settings
from correspondence.desk import audit
from correspondence.files import atomic_write, make_dir
from correspondence.importing import import_dir
from correspondence.mailroom.print_files import split_into_files
from correspondence.store import connect
from scheduler import cli
from scheduler.night import run_night

SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"
NIGHT = date(2026, 11, 22)


def _cli(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv), settings=settings)
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def night(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    fund, templates = fund_profile(tmp_path, 1000), mailroom_templates(tmp_path, registered_reminder=False)
    monkeypatch.setenv("CORRESPONDENCE_FUND", str(fund))
    monkeypatch.setenv("CORRESPONDENCE_TEMPLATES", str(templates))
    settings = replace(settings, fund_file=fund, templates_dir=templates)
    import_dir(connect(settings.db_url), SMALL_FUND)
    assert run_night(settings, NIGHT).letters == 3
    return settings


def _letter_of(settings: Settings, affiliate_id: str, day: date = NIGHT) -> dict[str, object] | None:
    l = schema.letters.c
    with connect(settings.db_url).connect() as connection:
        row = connection.execute(select(schema.letters).where(l.recipient_id == affiliate_id, l.run_date == day)
                                 ).mappings().first()
    return dict(row) if row else None


def test_collect_records_who_and_refuses_a_second_time(night: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(night, capsys, "mailroom", "collect", "2026-11-23", "--by", "Els")[0] == 1  # not ready
    code, out = _cli(night, capsys, "mailroom", "list")
    assert code == 0 and "2026-11-22" in out and "not collected" in out
    code, out = _cli(night, capsys, "mailroom", "collect", "2026-11-22", "--by", "Els Peeters")
    assert code == 0 and "collected by Els Peeters" in out
    code, out = _cli(night, capsys, "mailroom", "collect", "2026-11-22", "--by", "Jan")
    assert code == 1 and "already collected by Els Peeters" in out
    assert "by Els Peeters at" in _cli(night, capsys, "mailroom", "list", "--all")[1]
    assert "2026-11-22" not in _cli(night, capsys, "mailroom", "list")[1]  # nothing left to collect
    with connect(night.db_url).connect() as connection:  # in the desk's audit log, as the system user
        [entry] = audit.latest(connection)
    assert (entry.action, entry.subject, entry.detail) == ("collect", "night 2026-11-22", "by Els Peeters")
    assert entry.user_name.startswith("system")


@pytest.mark.slow
def test_returned_mail_holds_the_next_letter_until_the_address_changes(
        night: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    letter = _letter_of(night, "A0000001")
    assert letter is not None
    code, out = _cli(night, capsys, "mailroom", "returned", str(letter["letter_id"]), "--reason", "verhuisd",
                     "--on", "2026-11-22")
    assert code == 0 and "2026-11-23" in out
    assert "already recorded" in _cli(night, capsys, "mailroom", "returned", str(letter["letter_id"]),
                                      "--reason", "verhuisd")[1]
    run_night(night, date(2026, 11, 23))  # the next night lists it for the case handlers
    [entry] = csv.DictReader((night.output_dir / "2026-11-23" / "returned_mail.csv").open(encoding="utf-8"))
    assert (entry["affiliate_id"], entry["letter_id"], entry["reason"]) == ("A0000001", letter["letter_id"], "verhuisd")
    quarter = tmp_path / "q1"
    quarter.mkdir()
    (quarter / "contributions.csv").write_text(
        "contribution_id,affiliate_id,year,quarter,kind,amount,fee,due_date\n"
        "Q1A,A0000001,2027,1,provisional,890.42,27.16,2027-03-31\nQ1B,A0000002,2027,1,provisional,100.00,3.05,2027-03-31\n",
        encoding="utf-8")
    import_dir(connect(night.db_url), quarter)
    result = run_night(night, date(2027, 1, 4))
    held = [q for q in result.summary["quarantined"] if q["event_key"] == "due_notice:A0000001:2027-Q1"]
    assert [q["reason"] for q in held] == ["address unknown — returned mail on 2026-11-22 (verhuisd)"]
    assert _letter_of(night, "A0000002", date(2027, 1, 4)) is not None
    moved = tmp_path / "moved"
    moved.mkdir()
    rows = (SMALL_FUND / "affiliates.csv").read_text(encoding="utf-8").replace("Kerkstraat,12", "Nieuwstraat,3")
    (moved / "affiliates.csv").write_text(rows, encoding="utf-8")
    import_dir(connect(night.db_url), moved)
    run_night(night, date(2027, 1, 5))
    assert _letter_of(night, "A0000001", date(2027, 1, 5)) is not None  # the new address: the letter goes out


@pytest.mark.parametrize(("on", "says"), [
    ("2099-01-01", "the day it came back, 2099-01-01, is after today"),
    ("2026-11-21", f"was printed on the night of {NIGHT}: it cannot have come back on 2026-11-21")],
    ids=["in the future", "before its night"])
def test_returned_mail_refuses_a_day_it_cannot_have_come_back(night: Settings, capsys: pytest.CaptureFixture[str],
                                                              on: str, says: str) -> None:
    letter = _letter_of(night, "A0000001")
    assert letter is not None
    code, out = _cli(night, capsys, "mailroom", "returned", str(letter["letter_id"]), "--reason", "verhuisd",
                     "--on", on)
    assert code == 1 and says in out
    with connect(night.db_url).connect() as connection:
        assert connection.scalar(select(schema.returned_mail.c.letter_id)) is None  # nothing recorded


def test_reprint_is_byte_identical_to_the_archived_letter(night: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    letter = _letter_of(night, "A0000002")
    assert letter is not None
    code, out = _cli(night, capsys, "mailroom", "reprint", str(letter["letter_id"]))
    assert code == 0 and "re-rendered" in out
    [path] = (night.output_dir / "reprints").rglob("*.pdf")
    archived = night.archive_dir / str(letter["archive_path"])
    assert hashlib.sha256(path.read_bytes()).hexdigest() == letter["sha256"] == hashlib.sha256(archived.read_bytes()).hexdigest()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and stat.S_IMODE(path.parent.stat().st_mode) == 0o750
    with connect(night.db_url).connect() as connection:
        assert connection.scalar(select(schema.reprints.c.sha256)) == letter["sha256"]
    code, out = _cli(night, capsys, "mailroom", "archive", "A0000002")
    assert code == 0 and str(letter["letter_id"]) in out and "ok" in out


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


DAMAGES = [  # (what is done to the night's folder or archive, what verify must name)
    ("nothing", None),
    ("byte in a print file", "ordinary/batch-0001.pdf: altered"),
    ("byte in the manifest", "manifest.csv: altered"),
    ("byte in an archived letter", "archive affiliate/A0000003/"),
    ("extra file", "notes.txt: extra file"),
    ("missing file", "summary.json: missing"),
]


def test_verify_names_every_difference_with_the_journal(night: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    folder = night.output_dir / "2026-11-22"
    archived = next((night.archive_dir / "affiliate" / "A0000003").glob("*.pdf"))
    targets = {"byte in a print file": (folder / "ordinary" / "batch-0001.pdf", 5000),
               "byte in the manifest": (folder / "manifest.csv", 60), "byte in an archived letter": (archived, 3000)}
    for damage, named in DAMAGES:  # one night, each damage undone before the next
        saved = {p: p.read_bytes() for p in [*folder.rglob("*"), archived] if p.is_file()}
        if damage in targets:
            _flip(*targets[damage])
        elif damage == "extra file":
            (folder / "notes.txt").write_text("x")
        elif damage == "missing file":
            (folder / "summary.json").unlink()
        code, out = _cli(night, capsys, "mailroom", "verify", "2026-11-22")
        if named is None:
            assert code == 0 and "matches the journal" in out
        else:
            assert code == 1 and named in out, (damage, out)
            lines = [x for x in out.splitlines() if x.startswith("DIFFERENCE")]
            assert all(named.split(":")[0] in x for x in lines), out  # nothing else is blamed
        (folder / "notes.txt").unlink(missing_ok=True)
        for path, data in saved.items():
            path.write_bytes(data)


def test_reprint_falls_back_to_the_archive_when_the_snapshot_is_gone(night: Settings,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    letter = _letter_of(night, "A0000003")
    assert letter is not None
    with connect(night.db_url).begin() as connection:  # a snapshot that cannot be loaded any more
        connection.execute(schema.letters.update().where(schema.letters.c.letter_id == letter["letter_id"])
                           .values(template_hash="0" * 64))
    code, out = _cli(night, capsys, "mailroom", "reprint", str(letter["letter_id"]))
    assert code == 0 and "printed the archived copy" in out
    _flip(night.archive_dir / str(letter["archive_path"]), 3000)
    code, out = _cli(night, capsys, "mailroom", "reprint", str(letter["letter_id"]))
    assert code == 1 and "does not match" in out


@pytest.mark.parametrize(("pages", "max_sheets", "files"), [
    ([1, 1, 1, 1], 2, [[1, 1], [1, 1]]),
    ([1, 2, 3, 1], 2, [[1, 2], [3], [1]]),  # a three-page letter needs two sheets: never split
    ([5, 1], 2, [[5], [1]]),  # bigger than a file: alone
    ([2, 2, 2], 10, [[2, 2, 2]]),
    ([], 5, []),
])
def test_split_into_files_never_splits_a_letter(pages: list[int], max_sheets: int, files: list[list[int]]) -> None:
    letters = [{"letter_id": str(n), "pages": p} for n, p in enumerate(pages)]
    assert [[x["pages"] for x in f] for f in split_into_files(letters, max_sheets)] == files


def test_files_go_to_the_mailroom_group_when_it_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    others = [g for g in os.getgroups() if g != os.getegid()] or ([0] if os.geteuid() == 0 and os.getegid() != 0 else [])
    if not others and os.geteuid() == 0:
        others = [next(g.gr_gid for g in grp.getgrall() if g.gr_gid != os.getegid())]
    if not others:
        pytest.skip("the test user belongs to no second group to hand files to")
    monkeypatch.setenv("CORRESPONDENCE_MAILROOM_GROUP", grp.getgrgid(others[0]).gr_name)
    folder = make_dir(tmp_path / "out" / "night")
    atomic_write(folder / "file.pdf", b"%PDF")
    for path in (tmp_path / "out", folder, folder / "file.pdf"):
        assert path.stat().st_gid == others[0], path
    monkeypatch.setenv("CORRESPONDENCE_MAILROOM_GROUP", "no-such-group-here")
    atomic_write(folder / "other.pdf", b"%PDF")
    assert (folder / "other.pdf").stat().st_gid == os.getegid()
    shutil.rmtree(tmp_path / "out")
