"""The e-Box in a real night (issue 20), against the local double of its API (tests/ebox_double.py): each
consenting recipient's letters are published once and printed never, the others printed; a rerun and the next
night publish nothing new; a night killed after publishing and before journaling ends, rerun, with every letter
delivered exactly once; an e-Box answering 500 all night loses nothing: the letters wait, then go on paper
after the fund's fallback delay."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence import schema
from correspondence.config import DEFAULT_FUND, Ebox, Settings
from correspondence.ebox import client as ebox_client
from correspondence.ebox.client import idempotency_key
from correspondence.importing import import_dir
from correspondence.mailroom.verify import verify
from correspondence.stats import statistics
from correspondence.store import connect
from scheduler import cli
from scheduler.night import run_night
from tests.conftest import settings_for
from tests.ebox_double import EboxDouble
from tests.test_collection_year import AFFILIATES, COMPANIES

NIGHT = date(2026, 10, 2)
# A0000001 and A0000002 chose the e-Box; A0000003 chose it and withdrew before the night; C0000001 (a company)
# chose it from after the night; the rest never did.
CONSENTS = ("recipient_type,recipient_id,consent,since\n"
            "affiliate,A0000001,yes,2026-06-01\naffiliate,A0000002,yes,2026-10-01\n"
            "affiliate,A0000003,yes,2026-01-01\naffiliate,A0000003,no,2026-09-01\n"
            "company,C0000001,yes,2026-11-01\n")
CHOSEN = {"A0000001", "A0000002"}


def _fund(folder: Path) -> Path:
    """Six affiliates owing the last quarter of 2026 (a due notice each on the night) and one company; with
    ebox.csv."""
    folder.mkdir()
    (folder / "affiliates.csv").write_text(AFFILIATES, encoding="utf-8")
    (folder / "companies.csv").write_text(COMPANIES, encoding="utf-8")
    rows = ["contribution_id,affiliate_id,year,quarter,kind,amount,fee,due_date"]
    for n in range(1, 7):
        rows.append(f"A000000{n}-2026-4,A000000{n},2026,4,provisional,1000.00,30.50,2026-12-31")
    (folder / "contributions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "ebox.csv").write_text(CONSENTS, encoding="utf-8")
    return folder


@pytest.fixture
def ebox() -> EboxDouble:
    with EboxDouble() as double:
        yield double


def _settings(url: str, tmp_path: Path, double: EboxDouble, fallback_days: int = 5) -> Settings:
    profile = tmp_path / "fund.toml"
    profile.write_text(DEFAULT_FUND.read_text(encoding="utf-8").replace("fallback_days = 5",
                                                                         f"fallback_days = {fallback_days}"))
    base = settings_for(url, tmp_path, fund_file=profile)
    return replace(base, ebox=Ebox(double.base_url, double.token_url, "fund-client", "fund-secret", timeout=5.0))


def _imported(settings: Settings, tmp_path: Path) -> None:
    reports = import_dir(connect(settings.db_url), _fund(tmp_path / "fund"))
    assert all(not r.errors for r in reports), [r.errors for r in reports]


def _letters(settings: Settings) -> dict[str, dict[str, object]]:
    with connect(settings.db_url).connect() as connection:
        return {r["letter_id"]: dict(r) for r in connection.execute(select(schema.letters)).mappings()}


def _manifest(settings: Settings, day: date) -> set[str]:
    text = (settings.output_dir / day.isoformat() / "manifest.csv").read_text(encoding="utf-8")
    return {row["letter_id"] for row in csv.DictReader(io.StringIO(text))}


def _ebox_csv(settings: Settings, day: date) -> dict[str, dict[str, str]]:
    path = settings.output_dir / day.isoformat() / "ebox.csv"
    return {row["letter_id"]: row for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))}


def _verified(settings: Settings, day: date) -> None:
    with connect(settings.db_url).connect() as connection:
        assert verify(connection, settings.output_dir, settings.archive_dir, day) == []


@pytest.mark.slow
def test_consenting_recipients_get_their_letters_in_the_ebox_once_and_never_on_paper(
        sqlite_url: str, tmp_path: Path, ebox: EboxDouble, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    settings = _settings(sqlite_url, tmp_path, ebox)
    _imported(settings, tmp_path)
    ebox.never_visited.add("85010100123")  # not one of ours: the double answers NO_DIGITAL_USER to it only

    night = run_night(settings, NIGHT)
    letters = _letters(settings)
    chosen = {k: x for k, x in letters.items() if x["recipient_id"] in CHOSEN}
    others = {k: x for k, x in letters.items() if x["recipient_id"] not in CHOSEN}
    assert chosen and others and "A0000003" in {x["recipient_id"] for x in others.values()}  # withdrawn: paper
    assert {x["status"] for x in chosen.values()} == {"ebox"}
    assert {x["status"] for x in others.values()} == {"batched"}
    # Published once each, under its event key's idempotency key, as the archived PDF, to the right e-Box.
    assert {idempotency_key(str(x["event_key"])).strip('"') for x in chosen.values()} == set(ebox.published)
    for letter_id, letter in chosen.items():
        publication = ebox.published[idempotency_key(str(letter["event_key"])).strip('"')]
        assert publication.message_id == letter["ebox_message_id"]
        assert publication.pdf == (settings.archive_dir / str(letter["archive_path"])).read_bytes()
        assert publication.recipient_type == "citizen" and len(publication.recipient_id) == 11
        assert publication.filename == f"{letter_id}-{letter['letter_type']}.pdf"
        assert set(publication.subject) == {letter["language"]}
    # On paper: the others only; the night's ebox.csv lists the e-Box's letters; verify checks both channels.
    assert _manifest(settings, NIGHT) == set(others)
    listed = _ebox_csv(settings, NIGHT)
    assert {k: (r["status"], r["message_id"]) for k, r in listed.items()} == {
        k: ("delivered", x["ebox_message_id"]) for k, x in chosen.items()}
    assert night.summary["ebox"] == {"delivered": len(chosen), "pending": 0, "printed": 0}
    assert night.summary["sheets"] == sum((int(x["pages"]) + 1) // 2 for x in others.values())
    assert "e-Box: " in (settings.output_dir / NIGHT.isoformat() / "summary.txt").read_text()
    _verified(settings, NIGHT)
    # The journal's commands know the channel: letters --json, and the statistics.
    monkeypatch.setenv("CORRESPONDENCE_DB", settings.db_url)
    assert cli.main(["letters", "--run-date", NIGHT.isoformat(), "--json"]) == 0
    listed_json = {row["letter_id"]: row for row in json.loads(capsys.readouterr().out)}
    assert {k: (r["channel"], r["ebox_message_id"]) for k, r in listed_json.items() if k in chosen} == {
        k: ("ebox", x["ebox_message_id"]) for k, x in chosen.items()}
    assert {r["channel"] for k, r in listed_json.items() if k in others} == {"paper"}
    with connect(settings.db_url).connect() as connection:
        figures = statistics(connection, NIGHT.year, 4)
    assert figures.by_channel == {"e-Box": len(chosen), "paper": len(others)}

    # A rerun and the next night publish nothing new.
    calls = len(ebox.answers)
    assert run_night(settings, NIGHT).status == "already complete"
    run_night(settings, NIGHT + timedelta(days=1))
    assert len(ebox.answers) == calls

    # A listed letter the journal does not have as delivered, and a delivered one missing, are named.
    folder = settings.output_dir / NIGHT.isoformat()
    (folder / "ebox.csv").write_text("letter_id,recipient_type,message_id,status,answer\n", encoding="utf-8")
    with connect(settings.db_url).connect() as connection:
        problems = verify(connection, settings.output_dir, settings.archive_dir, NIGHT)
    assert "ebox.csv: altered (sha256 differs from the journal's)" in problems
    assert any("delivered in the e-Box according to the journal, is not listed" in p for p in problems)


@pytest.mark.slow
def test_a_refusal_goes_on_paper_the_same_night(sqlite_url: str, tmp_path: Path, ebox: EboxDouble) -> None:
    settings = _settings(sqlite_url, tmp_path, ebox)
    _imported(settings, tmp_path)
    with connect(settings.db_url).connect() as connection:
        number = connection.scalar(select(schema.affiliates.c.national_number)
                                   .where(schema.affiliates.c.affiliate_id == "A0000002"))
    ebox.unknown.add(number)
    night = run_night(settings, NIGHT)
    refused = {k: x for k, x in _letters(settings).items() if x["recipient_id"] == "A0000002"}
    assert {x["status"] for x in refused.values()} == {"batched"}
    assert all(str(x["ebox_answer"]).startswith("refused: 404") for x in refused.values())
    assert set(refused) <= _manifest(settings, NIGHT)
    assert night.summary["ebox"]["printed"] == len(refused)
    _verified(settings, NIGHT)


@pytest.mark.slow
def test_an_ebox_answering_500_loses_nothing_and_prints_after_the_fallback_delay(
        sqlite_url: str, tmp_path: Path, ebox: EboxDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ebox_client, "BACKOFF", 0.01)
    settings = _settings(sqlite_url, tmp_path, ebox, fallback_days=2)
    _imported(settings, tmp_path)
    ebox.fail(500)
    first = run_night(settings, NIGHT)
    waiting = {k for k, x in _letters(settings).items() if x["recipient_id"] in CHOSEN}
    assert {_letters(settings)[k]["status"] for k in waiting} == {"ebox_pending"}
    assert first.summary["ebox"] == {"delivered": 0, "pending": len(waiting), "printed": 0}
    assert not waiting & _manifest(settings, NIGHT)
    assert {r["status"] for r in _ebox_csv(settings, NIGHT).values()} == {"pending"}
    _verified(settings, NIGHT)

    # The next night: still no answer, still waiting on no paper — but A0000002 withdrew their consent since:
    # their waiting letters are printed that night, without calling the e-Box.
    folder = tmp_path / "fund"
    (folder / "ebox.csv").write_text(CONSENTS + f"affiliate,A0000002,no,{NIGHT + timedelta(days=1)}\n",
                                     encoding="utf-8")
    assert all(not r.errors for r in import_dir(connect(settings.db_url), folder))
    calls = len(ebox.answers)
    run_night(settings, NIGHT + timedelta(days=1))
    letters = _letters(settings)
    withdrawn = {k for k in waiting if letters[k]["recipient_id"] == "A0000002"}
    assert withdrawn and {letters[k]["status"] for k in withdrawn} == {"batched"}
    assert withdrawn <= _manifest(settings, NIGHT + timedelta(days=1))
    assert len(ebox.answers) - calls == 3 * len(waiting - withdrawn)  # three tries each, none for the withdrawn
    waiting -= withdrawn
    assert {_letters(settings)[k]["status"] for k in waiting} == {"ebox_pending"}
    late = NIGHT + timedelta(days=2)
    run_night(settings, late)  # the fallback delay is over: printed in that night's print files
    letters = _letters(settings)
    assert {letters[k]["status"] for k in waiting} == {"batched"}
    assert {letters[k]["print_night"] for k in waiting} == {late}
    assert waiting <= _manifest(settings, late)
    assert not ebox.published
    _verified(settings, NIGHT)
    _verified(settings, late)


@pytest.mark.slow
def test_a_night_killed_after_publishing_and_before_journaling_delivers_each_letter_once(
        sqlite_url: str, tmp_path: Path, ebox: EboxDouble) -> None:
    settings = _settings(sqlite_url, tmp_path, ebox)
    _imported(settings, tmp_path)
    environment = {**os.environ, "CORRESPONDENCE_DB": settings.db_url, "CORRESPONDENCE_OUTPUT": str(settings.output_dir),
                   "CORRESPONDENCE_ARCHIVE": str(settings.archive_dir), "CORRESPONDENCE_FUND": str(settings.fund_file),
                   "CORRESPONDENCE_WORKERS": "0", "CORRESPONDENCE_EBOX_URL": ebox.base_url,
                   "CORRESPONDENCE_EBOX_TOKEN_URL": ebox.token_url, "CORRESPONDENCE_EBOX_CLIENT_ID": "fund-client",
                   "CORRESPONDENCE_EBOX_CLIENT_SECRET": "fund-secret"}
    # The first letter of the night's e-Box stage: planned letters get their ids in order, so it is known.
    killed = subprocess.run([sys.executable, "-m", "scheduler.cli", "run", "--as-of", NIGHT.isoformat()],
                            env={**environment, "CORRESPONDENCE_FAULT": "ebox.published#1"},
                            capture_output=True, text=True, timeout=600)
    assert killed.returncode == -9, killed.stderr[-2000:]
    published = dict(ebox.published)
    assert published  # the e-Box has them …
    letters = _letters(settings)
    assert not any(x["status"] == "ebox" for x in letters.values())  # … the journal does not

    assert run_night(settings, NIGHT).status == "complete"
    letters = _letters(settings)
    chosen = {k: x for k, x in letters.items() if x["recipient_id"] in CHOSEN}
    assert {x["status"] for x in chosen.values()} == {"ebox"}
    assert ebox.published.keys() == published.keys()  # nothing published twice: the rerun got 409s
    assert sorted(status for _, status in ebox.answers) == sorted([201] * len(published) + [409] * len(published))
    for letter in chosen.values():
        key = idempotency_key(str(letter["event_key"])).strip('"')
        assert letter["ebox_message_id"] == ebox.published[key].message_id
    _verified(settings, NIGHT)


@pytest.mark.slow
def test_the_demo_night_with_the_ebox_on(tmp_path: Path, ebox: EboxDouble, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """`correspondence demo` with the e-Box switched on: the demo fund's consenting affiliates (a fifth, some of
    them withdrawn since) get their letters in the e-Box once, everyone else on paper; a rerun adds nothing."""
    for name, value in {"VAR": tmp_path / "var", "OUTPUT": tmp_path / "output", "WORKERS": "0",
                        "EBOX_URL": ebox.base_url, "EBOX_TOKEN_URL": ebox.token_url, "EBOX_CLIENT_ID": "fund-client",
                        "EBOX_CLIENT_SECRET": "fund-secret"}.items():
        monkeypatch.setenv(f"CORRESPONDENCE_{name}", str(value))
    night = date(2026, 11, 23)
    assert cli.main(["demo", "--affiliates", "40", "--as-of", night.isoformat()]) in (0, 1)
    consents = list(csv.DictReader((tmp_path / "var" / "demo" / "ebox.csv").open(encoding="utf-8")))
    withdrawn = {r["recipient_id"] for r in consents if r["consent"] == "no"}
    chosen = {r["recipient_id"] for r in consents} - withdrawn
    assert chosen
    settings = Settings.from_env()
    letters = {k: x for k, x in _letters(settings).items() if x["run_date"] == night}
    mine = {k: x for k, x in letters.items() if x["recipient_id"] in chosen and x["mail_class"] == "ordinary"}
    assert mine and {x["status"] for x in mine.values()} == {"ebox"}
    assert {x["status"] for k, x in letters.items() if k not in mine} == {"batched"}  # registered stay on paper
    delivered = [x for x in _letters(settings).values() if x["status"] == "ebox"]  # the earlier night's too
    assert len(ebox.published) == len(delivered) >= len(mine) and not set(mine) & _manifest(settings, night)
    _verified(settings, night)
    calls = len(ebox.answers)
    capsys.readouterr()
    assert cli.main(["run", "--as-of", night.isoformat()]) in (0, 1)
    assert "already complete" in capsys.readouterr().out + capsys.readouterr().err
    assert len(ebox.answers) == calls
