"""The import record (issue 22): each `correspondence import` is recorded with its files' sha256 and rows new,
changed, unchanged, rejected and disappeared; `correspondence imports` lists them (`--json` in its documented
shape); a night's summary names the import it planned on; a night refuses an export older than the fund
profile allows, measured against the clock — and a database no import was recorded in still runs."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from json_shapes import validate
from sqlalchemy import func, select
from test_mailroom_print_files import fund_profile, mailroom_templates

from correspondence import fund_profile as profile_shape
from correspondence import import_record, schema
from correspondence.config import Settings
from correspondence.store import connect
from scheduler import cli
from scheduler.night import run_night
from scheduler.report import summary_text

SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"
HEADER, A1, A2, A3 = (SMALL_FUND / "affiliates.csv").read_text(encoding="utf-8").splitlines()
BAD = A3.replace("A0000003", "A/3")  # an identifier that would leave the archive folder: rejected
NIGHT = date(2026, 11, 22)
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


def _cli(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv), settings=settings)
    out = capsys.readouterr()
    return code, out.out, out.err


def _write(folder: Path, *rows: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "affiliates.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return folder


def _imports(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    code, out, err = _cli(settings, capsys, "imports", "--json", *argv)
    data = json.loads(out)
    validate("imports", data)
    assert (code, err) == (0, "")
    return data


# Each step imports the folder as written, then reads the newest import's record of affiliates.csv.
STEPS = [
    # (rows in the file, extra arguments, exit, read, new, changed, unchanged, rejected, disappeared, removed)
    ((A1, A2, BAD), (), 1, 3, 2, 0, 0, 1, 0, 0),  # a rejected row: the others load
    ((A1, A2, BAD), (), 1, 3, 0, 0, 2, 1, 0, 0),  # the same file again: nothing new
    ((A1, A2.replace("Marie", "Maria")), (), 0, 2, 0, 1, 1, 0, 0, 0),  # a changed row
    ((A1,), (), 1, 1, 0, 0, 1, 0, 1, 0),  # A0000002 gone from the export: kept, exit 1
    ((A1,), ("--accept-removals",), 0, 1, 0, 0, 1, 0, 1, 1),  # and removed
]


def test_each_import_is_recorded_with_its_files_sha256_and_counts(
        settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "Maria" not in A2 and "Marie" in A2, "the fixture changed: pick another changed value"
    for number, (rows, extra, exit_code, *counts) in enumerate(STEPS, start=1):
        folder = _write(tmp_path / "export", *rows)
        code, out, _ = _cli(settings, capsys, "import", str(folder), *extra)
        assert code == exit_code, out
        [newest, *older] = _imports(settings, capsys)
        assert (newest["id"], len(older)) == (len(older) + 1, number - 1)
        [file] = newest["files"]
        keys = ("read", "new", "changed", "unchanged", "rejected", "disappeared", "removed")
        assert [file[k] for k in keys] == counts, (number, file)
        assert file["sha256"] == hashlib.sha256((folder / "affiliates.csv").read_bytes()).hexdigest()
        assert file["bytes"] == (folder / "affiliates.csv").stat().st_size
        assert {k: newest[k] for k in keys[:-1]} == {k: file[k] for k in keys[:-1]}  # the totals of one file
        assert newest["folder"] == str(folder.resolve()) and newest["accept_removals"] == bool(extra)
        assert newest["started_at"] <= newest["finished_at"]


def test_the_export_s_age_is_its_newest_file_s_modification_time(
        settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _write(tmp_path / "export", A1, A2, A3)
    (folder / "contributions.csv").write_text((SMALL_FUND / "contributions.csv").read_text(encoding="utf-8"),
                                              encoding="utf-8")
    written = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    os.utime(folder / "affiliates.csv", (written.timestamp() - 3600,) * 2)
    os.utime(folder / "contributions.csv", (written.timestamp(),) * 2)
    assert _cli(settings, capsys, "import", str(folder))[0] == 0
    [record] = _imports(settings, capsys)
    assert record["exported_at"] == "2026-12-01T22:00:00+00:00"
    assert [f["name"] for f in record["files"]] == ["affiliates.csv", "contributions.csv"]
    assert record["files"][0]["modified_at"] == "2026-12-01T21:00:00+00:00"


def test_a_folder_with_no_file_the_import_knows_is_not_recorded(
        settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "affiliate.csv").write_text(HEADER + "\n", encoding="utf-8")
    assert _cli(settings, capsys, "import", str(folder))[0] == 1
    assert _imports(settings, capsys) == []


def test_imports_lists_newest_first_as_a_table_and_limit_keeps_the_newest(
        settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for rows in ((A1,), (A1, A2)):
        _cli(settings, capsys, "import", str(_write(tmp_path / "export", *rows)))
    assert [x["id"] for x in _imports(settings, capsys, "--limit", "1")] == [2]
    code, out, err = _cli(settings, capsys, "imports")
    [title, header, second, first] = out.splitlines()
    assert (code, err) == (0, "") and "Brussels time" in title
    assert header.split() == ["import", "finished", "files", "written", "files", "new", "changed", "unchanged",
                              "rejected", "disappeared"]
    assert second.split()[0] == "2" and second.split()[-6:] == ["1", "1", "0", "1", "0", "0"]
    assert first.split()[0] == "1" and first.split()[-6:] == ["1", "1", "0", "0", "0", "0"]


# ---- the export's age, and the night -----------------------------------------------------------------------

LATEST = {"id": 7, "finished_at": datetime(2026, 12, 3, 23, 0), "exported_at": datetime(2026, 12, 1, 22, 0)}


@pytest.mark.parametrize(("latest", "allowed", "refused"), [
    (None, timedelta(hours=80), False),  # no import recorded: the night runs, its summary says so
    (LATEST, None, False),  # no [import] table in the profile: no limit
    (LATEST, timedelta(hours=52), False),  # 52 hours old: just allowed
    (LATEST, timedelta(hours=51), True),
    ({**LATEST, "exported_at": NOW + timedelta(minutes=5)}, timedelta(hours=1), False),  # a clock a little ahead
])
def test_an_export_older_than_the_profile_allows_is_refused(latest: dict | None, allowed: timedelta | None,
                                                            refused: bool) -> None:
    said = import_record.too_old(latest, allowed, NOW)
    assert (said is not None) == refused
    if said:
        assert said == ("the export is too old: the latest import (no. 7, 2026-12-04 00:00 Brussels time) read "
                        "files written 2026-12-01 23:00 Brussels time, 52 hours ago; the fund profile allows 51 "
                        "hours ([import] max_export_age_hours) — have the core system export again, run "
                        "correspondence import DIR, then run the night again")


def test_the_shipped_profile_sets_an_age_a_weekend_and_a_holiday_pass() -> None:
    from correspondence.config import load_fund

    allowed = profile_shape.max_export_age(load_fund(Path(__file__).parent.parent / "config" / "fund.toml"))
    assert allowed is not None and allowed >= timedelta(hours=76)  # Friday 22:00 to Tuesday 02:00
    assert profile_shape.problems({"max_export_age_hours": 0}, profile_shape.SHAPE.keys["import"]) == [
        "max_export_age_hours: must be a whole number, 1 or more"]


@pytest.mark.parametrize(("summary", "line"), [
    ({"import": {"id": 3, "finished_at": "2026-12-04T01:10:00+00:00", "exported_at": "2026-12-04T00:55:00+00:00"}},
     "Import: no. 3 of 2026-12-04 02:10 Brussels time, files written 2026-12-04 01:55 Brussels time "
     "(correspondence imports)"),
    ({"import": None}, "Import: none recorded (the fund's data was not loaded by correspondence import since "
                       "imports are recorded)"),
    ({}, None),  # a summary made before imports were recorded (runs show of an older night)
])
def test_the_summary_names_the_import(summary: dict, line: str | None) -> None:
    base = {"run_date": "2026-11-22", "letters": 0, "sheets": 0, "registered": 0, "by_type": {}, "by_language": {},
            "by_mail_class": {}, "quarantined": [], "notes": [], "case_lists": {}, "unapproved_templates": [],
            "confirm_marks": [], "timings_seconds": {}, "exit_code": 0}
    lines = summary_text({**base, **summary}).splitlines()
    assert [x for x in lines if x.startswith("Import:")] == ([line] if line else [])


@pytest.fixture
def fund(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The small fund imported by the command, with the shipped profile (its [import] limit) and templates."""
    profile, templates = fund_profile(tmp_path, 1000), mailroom_templates(tmp_path, registered_reminder=False)
    monkeypatch.setenv("CORRESPONDENCE_FUND", str(profile))
    monkeypatch.setenv("CORRESPONDENCE_TEMPLATES", str(templates))
    settings = replace(settings, fund_file=profile, templates_dir=templates)
    folder = tmp_path / "export"
    folder.mkdir()
    for path in SMALL_FUND.glob("*.csv"):
        (folder / path.name).write_bytes(path.read_bytes())  # written now: a fresh export
    assert cli.main(["import", str(folder)], settings=settings) == 0
    return settings


def _age(settings: Settings, hours: float) -> None:
    """Make the latest import's export `hours` old, as if its files had been written then."""
    with connect(settings.db_url).begin() as connection:
        connection.execute(schema.imports.update().values(
            exported_at=datetime.now(UTC) - timedelta(hours=hours)))


def test_a_night_on_a_stale_export_refuses_in_one_line_and_starts_nothing(
        fund: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    _age(fund, 81)
    capsys.readouterr()
    code, out, err = _cli(fund, capsys, "run", "--as-of", NIGHT.isoformat())
    assert code == 2 and out == "" and "Traceback" not in err
    [line] = [x for x in err.splitlines() if not x.startswith("{")]  # log lines are JSON
    assert line.startswith("run: the export is too old: the latest import (no. 1, ")
    assert "81 hours ago; the fund profile allows 80 hours ([import] max_export_age_hours)" in line
    assert "run correspondence import DIR" in line
    with connect(fund.db_url).connect() as connection:
        assert connection.scalar(select(func.count()).select_from(schema.runs)) == 0  # the night never started


def test_a_completed_night_is_not_refused_for_a_stale_export(
        fund: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    with connect(fund.db_url).begin() as connection:
        connection.execute(schema.runs.insert().values(run_date=NIGHT, status="complete", attempts=1,
                                                       started_at=datetime.now(UTC), summary="{}"))
    _age(fund, 500)
    code, out, _ = _cli(fund, capsys, "run", "--as-of", NIGHT.isoformat())
    assert code == 0 and "already complete" in out


def test_a_night_on_a_database_no_import_was_recorded_in_runs_and_says_so(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Filled before imports were recorded, or by import_dir itself (as many tests do): the night runs."""
    from correspondence.importing import import_dir

    profile, templates = fund_profile(tmp_path, 1000), mailroom_templates(tmp_path, registered_reminder=False)
    monkeypatch.setenv("CORRESPONDENCE_FUND", str(profile))
    settings = replace(settings, fund_file=profile, templates_dir=templates)
    import_dir(connect(settings.db_url), SMALL_FUND)
    result = run_night(settings, NIGHT)
    assert result.status == "complete" and result.summary["import"] is None
    text = (settings.output_dir / NIGHT.isoformat() / "summary.txt").read_text(encoding="utf-8")
    assert "Import: none recorded" in text


def test_a_night_on_a_fresh_export_names_the_import_it_planned_on(
        fund: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _age(fund, 79)
    result = run_night(fund, NIGHT)
    assert result.status == "complete" and result.letters == 3
    named = result.summary["import"]
    with connect(fund.db_url).connect() as connection:
        latest = import_record.latest(connection)
        assert connection.scalar(select(schema.runs.c.import_id)) == latest["id"] == named["id"] == 1
    assert named["exported_at"] == import_record.utc_text(latest["exported_at"])
    text = (fund.output_dir / NIGHT.isoformat() / "summary.txt").read_text(encoding="utf-8")
    assert "Import: no. 1 of " in text and json.loads(
        (fund.output_dir / NIGHT.isoformat() / "summary.json").read_text())["import"] == named
    # an import after the night changes nothing of what it names
    assert cli.main(["import", str(tmp_path / "export")], settings=fund) == 0
    capsys.readouterr()
    code, out, _ = _cli(fund, capsys, "runs", "show", NIGHT.isoformat())
    assert code == 0 and "Import: no. 1 of " in out
