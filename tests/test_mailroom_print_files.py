"""Acceptance of the mailroom's print files: a night with ordinary and registered letters and more sheets than
one file holds — split at letter boundaries, postcode order, odd first pages, cover sheets, page counts,
the address in the envelope window, fonts embedded, the deposit list, file modes."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import stat
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from correspondence import schema
from correspondence.config import PROJECT_ROOT, Settings, load_fund
from correspondence.importing import import_dir
from correspondence.store import connect
from correspondence.templates import approvals
from scheduler.night import run_night

NIGHT = date(2026, 11, 22)
MAX_SHEETS = 3  # the cover and two sheets of letters per file
MM = 72 / 25.4
EDGE = 0.5  # points: pdftotext rounds word boxes to 6 decimals; text set at the window's very edge is inside
AFFILIATES = "affiliate_id,national_number,first_name,last_name,street,house_number,box,postcode,city,country,language,status,affiliated_since,affiliated_until"
# Ordinary: due notices for the fourth quarter. Registered: the test-only registered "reminder" for an unpaid third quarter.
FUND = [
    ("A0000001", "71050860797", "Jan", "Peeters", "Kerkstraat", "12", "", "9000", "Gent", "nl", "Q4"),
    ("A0000002", "98102913457", "Marie", "Dupont", "Rue de la Station", "5", "2", "1050", "Ixelles", "fr", "Q4"),
    ("A0000003", "83031193811", "Jürgen", "Müller", "Kirchstraße", "3", "", "4700", "Eupen", "de", "Q4"),
    ("A0000004", "71050860896", "An", "Claes", "Markt", "1", "", "3000", "Leuven", "nl", "Q4"),
    ("A0000005", "71050860995", "Luc", "Aerts", "Markt", "2", "", "3000", "Leuven", "nl", "Q4"),
    ("A0000006", "71050861094", "Els", "Wouters", "Dorp", "7", "", "2000", "Antwerpen", "nl", "Q3"),
    ("A0000007", "98102913556", "Paul", "Lambert", "Rue Haute", "9", "", "4000", "Liège", "fr", "Q3"),
    ("A0000008", "71050861193", "Bart", "Maes", "Zeedijk", "4", "", "8400", "Oostende", "nl", "Q3"),
]


def _write_fund(folder: Path) -> Path:
    folder.mkdir()
    rows = [f"{a},{n},{f},{l},{s},{h},{b},{p},{c},BE,{lang},main,2010-01-01," for a, n, f, l, s, h, b, p, c, lang, _ in FUND]
    (folder / "affiliates.csv").write_text("\n".join([AFFILIATES, *rows]) + "\n", encoding="utf-8")
    contributions = ["contribution_id,affiliate_id,year,quarter,kind,amount,fee,due_date"]
    for number, (affiliate, *_, quarter) in enumerate(FUND, start=1):
        due = "2026-12-31" if quarter == "Q4" else "2026-09-30"
        contributions.append(f"C{number},{affiliate},2026,{quarter[1]},provisional,890.42,27.16,{due}")
    (folder / "contributions.csv").write_text("\n".join(contributions) + "\n", encoding="utf-8")
    return folder


def mailroom_templates(root: Path, registered_reminder: bool = True) -> Path:
    """A copy of the letter templates this test needs, approved as shipped; plus a test-only registered letter."""
    source = PROJECT_ROOT / "letter_templates"
    target = root / "letter_templates"
    for folder in ("due_notice", "partials", "assets", "mailroom"):
        shutil.copytree(source / folder, target / folder)
    if registered_reminder:
        own = target / "reminder"
        own.mkdir()
        (own / "letter.toml").write_text('description = "test only: a registered letter of three pages"\n'
                                         'mail_class = "registered"\nservice = "collection"\n', encoding="utf-8")
        for language in ("nl", "fr", "de"):
            (own / f"{language}.html").write_text(
                f'{{% extends "partials/{language}/letter.html" %}}{{% block subject %}}Test{{% endblock %}}'
                '{% block body %}{% for i in range(150) %}<p>{{ recipient.name }} {{ i }}</p>{% endfor %}{% endblock %}',
                encoding="utf-8")
    approvals.record_shipped(target, "test")
    return target


def fund_profile(root: Path, max_sheets: int) -> Path:
    text = (PROJECT_ROOT / "config" / "fund.toml").read_text(encoding="utf-8")
    path = root / "fund.toml"
    path.write_text(re.sub(r"max_sheets_per_file = \d+", f"max_sheets_per_file = {max_sheets}", text), encoding="utf-8")
    return path


def _night(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Path]:
    fund = fund_profile(tmp_path, MAX_SHEETS)
    templates = mailroom_templates(tmp_path)
    monkeypatch.setenv("CORRESPONDENCE_FUND", str(fund))
    monkeypatch.setenv("CORRESPONDENCE_TEMPLATES", str(templates))
    settings = replace(settings, fund_file=fund, templates_dir=templates)
    import_dir(connect(settings.db_url), _write_fund(tmp_path / "fund"))
    result = run_night(settings, NIGHT)
    assert result.status == "complete"
    return settings, settings.output_dir / NIGHT.isoformat()


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def _journal(settings: Settings) -> dict[str, dict[str, object]]:
    with connect(settings.db_url).connect() as connection:
        return {r["letter_id"]: dict(r) for r in connection.execute(
            select(schema.letters).where(schema.letters.c.run_date == NIGHT)).mappings()}


def _print_files_split_at_letters_in_postcode_order_with_cover_sheets(night: tuple[Settings, Path]) -> None:
    settings, folder = night
    manifest, files = _rows(folder / "manifest.csv"), _rows(folder / "files.csv")
    journal = _journal(settings)
    assert {r["mail_class"] for r in manifest} == {"ordinary", "registered"}
    assert len(manifest) == len(FUND) == len(journal)
    for mail_class in ("ordinary", "registered"):
        in_class = [f for f in files if f["mail_class"] == mail_class]
        letters = [r for r in manifest if r["mail_class"] == mail_class]
        assert [int(f["number"]) for f in in_class] == list(range(1, len(in_class) + 1))
        assert {int(f["of"]) for f in in_class} == {len(in_class)}
        assert len(in_class) > 1  # more sheets than one file holds
        order = [(journal[r["letter_id"]]["postcode"], journal[r["letter_id"]]["sort_name"]) for r in letters]
        assert order == sorted(order)
        assert [r["file"] for r in letters] == sorted(r["file"] for r in letters)  # files follow the order
    for listed in files:
        path = folder / listed["file"]
        reader = PdfReader(path)
        rows = [r for r in manifest if r["file"] == listed["file"]]
        pages = len(reader.pages)
        assert (int(listed["pages"]), int(listed["sheets"]), int(listed["letters"])) == (pages, pages // 2, len(rows))
        assert sum(int(r["pages"]) for r in rows) + int(listed["cover_pages"]) == pages
        assert int(listed["sheets"]) <= MAX_SHEETS or len(rows) == 1
        assert hashlib.sha256(path.read_bytes()).hexdigest() == listed["sha256"]
        expected_first = 3
        for row in rows:  # each letter whole, from an odd page, exactly its archived pages then blank padding
            assert int(row["first_page"]) == expected_first and expected_first % 2 == 1
            archived = PdfReader(settings.archive_dir / str(journal[row["letter_id"]]["archive_path"]))
            assert int(row["pages"]) == len(archived.pages) + len(archived.pages) % 2
            for offset, page in enumerate(archived.pages):
                assert reader.pages[expected_first - 1 + offset].extract_text() == page.extract_text()
            if len(archived.pages) % 2:
                assert reader.pages[expected_first - 1 + len(archived.pages)].extract_text() == ""
            expected_first += int(row["pages"])
        cover = reader.pages[0].extract_text()
        for label, value in (("Bestand", f"{listed['number']} / {listed['of']}"), ("Brieven", listed["letters"]),
                             ("Vellen", listed["sheets"]), ("Aangetekende", listed["registered"])):
            assert re.search(rf"{label}.*?\b{re.escape(value)}\b", cover, re.DOTALL), (label, value, cover)
        assert "22/11/2026" in cover and f"{listed['first_postcode']} – {listed['last_postcode']}" in cover
        assert reader.pages[1].extract_text() == ""
        registered = len(rows) if listed["mail_class"] == "registered" else 0
        assert int(listed["registered"]) == registered


def _the_address_lands_in_the_envelope_window_on_every_first_page(night: tuple[Settings, Path]) -> None:
    settings, folder = night
    window = load_fund(settings.fund_file)["envelope_window"]
    left, top = window["left_mm"] * MM - EDGE, window["top_mm"] * MM - EDGE
    right, bottom = left + window["width_mm"] * MM + 2 * EDGE, top + window["height_mm"] * MM + 2 * EDGE
    journal = _journal(settings)
    for row in _rows(folder / "manifest.csv"):
        page = row["first_page"]
        html = subprocess.run(["pdftotext", "-bbox", "-f", page, "-l", page, str(folder / row["file"]), "-"],
                              check=True, capture_output=True, text=True).stdout
        boxes = [(float(x0), float(y0), float(x1), float(y1), word) for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]
        lines = json.loads(str(journal[row["letter_id"]]["context"]))["recipient"]["address_lines"]
        for line in lines:
            for word in line.split():
                inside = [b for b in boxes if b[4] == word.replace("&", "&amp;")
                          and left <= b[0] and b[2] <= right and top <= b[1] and b[3] <= bottom]
                assert inside, f"{row['letter_id']}: '{word}' of the address is not inside the window"


def _fonts_are_embedded_in_every_print_file_and_the_deposit_list(night: tuple[Settings, Path]) -> None:
    _, folder = night
    for path in [*folder.glob("*/*.pdf"), folder / "deposit_list.pdf"]:
        out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
        fonts = out.splitlines()[2:]
        assert fonts, path
        assert all(line.split()[-5] == "yes" for line in fonts), (path, out)


def _registered_deposit_list_follows_the_print_order(night: tuple[Settings, Path]) -> None:
    _, folder = night
    deposit = _rows(folder / "registered.csv")
    registered = [r for r in _rows(folder / "manifest.csv") if r["mail_class"] == "registered"]
    assert [d["letter_id"] for d in deposit] == [r["letter_id"] for r in registered]
    assert [d["sequence"] for d in deposit] == [str(n) for n in range(1, len(registered) + 1)]
    assert [(d["recipient"], d["postcode"], d["city"]) for d in deposit] == [
        ("Els Wouters", "2000", "ANTWERPEN"), ("Paul Lambert", "4000", "LIÈGE"), ("Bart Maes", "8400", "OOSTENDE")]
    assert deposit[0]["address"] == "Dorp 7" and {d["country"] for d in deposit} == {"BE"}
    text = "".join(p.extract_text() for p in PdfReader(folder / "deposit_list.pdf").pages)
    assert all(d["letter_id"] in text and d["recipient"] in text for d in deposit)


def _files_and_folders_are_readable_by_the_service_and_its_group_only(night: tuple[Settings, Path]) -> None:
    settings, folder = night
    for root in (folder, settings.archive_dir):
        for path in [root, *root.rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o750 if path.is_dir() else 0o640), (path, oct(mode))


@pytest.mark.slow
def test_a_night_with_ordinary_and_registered_letters_gives_print_files_a_print_shop_takes(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    night = _night(settings, tmp_path, monkeypatch)  # one night, every check on it (a night costs seconds)
    _print_files_split_at_letters_in_postcode_order_with_cover_sheets(night)
    _the_address_lands_in_the_envelope_window_on_every_first_page(night)
    _fonts_are_embedded_in_every_print_file_and_the_deposit_list(night)
    _registered_deposit_list_follows_the_print_order(night)
    _files_and_folders_are_readable_by_the_service_and_its_group_only(night)
