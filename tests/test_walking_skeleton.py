"""One night end to end: import → night → print batch; what the mailroom and the bank will check."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from stdnum.be import ogm_vcs

from correspondence.config import Settings, load_fund
from correspondence.importing import import_dir
from correspondence.store import connect
from scheduler import cli
from scheduler.night import run_night

SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"
NIGHT = date(2026, 11, 22)


def _tree(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def night(settings: Settings) -> Path:
    import_dir(connect(settings.db_url), SMALL_FUND)
    result = run_night(settings, NIGHT)
    assert (result.status, result.letters, result.exit_code) == ("complete", 3, 0)
    return settings.output_dir / NIGHT.isoformat()


def test_night_folder_has_the_contracted_files(night: Path) -> None:
    names = {str(p.relative_to(night)) for p in night.rglob("*") if p.is_file()}
    assert {"ordinary/batch-0001.pdf", "manifest.csv", "summary.json", "READY"} <= names
    summary = json.loads((night / "summary.json").read_text())
    assert summary["by_type"] == {"due_notice": 3}
    assert summary["by_language"] == {"de": 1, "fr": 1, "nl": 1}


def test_rerun_adds_no_letter_and_leaves_the_folder_as_it_was(settings: Settings, night: Path) -> None:
    before = _tree(night)
    again = run_night(settings, NIGHT)
    assert (again.status, again.exit_code) == ("already complete", 0)
    assert _tree(night) == before


def test_manifest_pages_add_up_and_every_letter_starts_on_an_odd_page(settings: Settings, night: Path) -> None:
    rows = list(csv.DictReader((night / "manifest.csv").open()))
    assert [r["postcode"] for r in rows] == sorted(r["postcode"] for r in rows)
    for file in {r["file"] for r in rows}:
        in_file = [r for r in rows if r["file"] == file]
        # the file opens with a cover sheet (front + blank back) before the letters
        assert sum(int(r["pages"]) for r in in_file) + 2 == len(PdfReader(night / file).pages)
        assert all(int(r["first_page"]) % 2 == 1 for r in in_file)
    archived = {p.name.split("-due")[0]: p for p in settings.archive_dir.rglob("*.pdf")}
    for row in rows:
        assert hashlib.sha256(archived[row["letter_id"]].read_bytes()).hexdigest() == row["sha256"]


def test_each_due_notice_carries_a_valid_ogm_and_a_matching_epc_qr(settings: Settings, night: Path,
                                                                   tmp_path: Path) -> None:
    fund = load_fund(settings.fund_file)["fund"]
    letters = json.loads(_cli(["letters", "--run-date", NIGHT.isoformat(), "--json"], settings))
    assert len(letters) == 3
    rows = {r["letter_id"]: r for r in csv.DictReader((night / "manifest.csv").open())}
    batch = night / "ordinary" / "batch-0001.pdf"
    for letter in letters:
        page = int(rows[letter["letter_id"]]["first_page"])
        text = PdfReader(batch).pages[page - 1].extract_text()
        ogm = next(w for w in text.split() if w.startswith("+++"))
        assert ogm_vcs.is_valid(ogm), ogm
        image = tmp_path / f"p{page}"
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page), str(batch), str(image)],
                       check=True)
        [png] = tmp_path.glob(f"p{page}*.png")
        payload = subprocess.run(["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(png)], check=True,
                                 capture_output=True, text=True).stdout.strip().split("\n")
        scanned = subprocess.run(["zbarimg", "--raw", "-q", "-Sdisable", "-Scode128.enable", str(png)], check=True,
                                 capture_output=True, text=True).stdout.split()
        assert scanned == [letter["letter_id"]]  # the barcode beside the address: what the mailroom scans
        assert payload[:4] == ["BCD", "002", "1", "SCT"]
        assert payload[6] == fund["iban"]
        total = Decimal(payload[7].removeprefix("EUR"))
        printed = "".join(ch for ch in text if ch not in " .\u00a0\u202f")  # any thousands separator
        assert f"{total:.2f}".replace(".", ",") in printed
        assert f"{total:.2f}" == json.loads(_letter_context(settings, letter["letter_id"]))["payment"]["amount"]
        assert payload[9] == ogm_vcs.compact(ogm)
        png.unlink()


def _letter_context(settings: Settings, letter_id: str) -> str:
    from sqlalchemy import select

    from correspondence import schema

    with connect(settings.db_url).connect() as connection:
        return connection.scalar(select(schema.letters.c.context).where(schema.letters.c.letter_id == letter_id))


def _cli(argv: list[str], settings: Settings) -> str:
    import contextlib
    import io
    import os

    env = {"CORRESPONDENCE_DB": settings.db_url, "CORRESPONDENCE_OUTPUT": str(settings.output_dir),
           "CORRESPONDENCE_ARCHIVE": str(settings.archive_dir)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            assert cli.main(argv) == 0
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return buffer.getvalue()
