"""Approvals: the night renders only the approved snapshot in force on its date, never the working copy."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from correspondence import journal, schema
from correspondence.config import TEMPLATES_DIR, Settings
from correspondence.importing import import_dir
from correspondence.render.dispatch import Job, Rendered, Renderer
from correspondence.store import connect
from correspondence.templates import approvals, catalog, snapshots
from scheduler.night import run_night

NIGHT = date(2026, 11, 22)
AFFILIATES = """affiliate_id,national_number,first_name,last_name,street,house_number,box,postcode,city,country,language,status,affiliated_since,affiliated_until
A0000001,71050860797,Jan,Peeters,Kerkstraat,12,,2000,Antwerpen,,nl,main,2010-01-01,
A0000004,83031193811,Els,Claes,Markt,1,,3000,Leuven,,nl,main,2012-01-01,
"""
CONTRIBUTIONS = "contribution_id,affiliate_id,year,quarter,kind,amount,fee,due_date\n"
ROWS = {"A0000001": "C1,A0000001,2026,4,provisional,890.42,27.16,2026-12-31\n",
        "A0000004": "C4,A0000004,2026,4,provisional,700.00,21.35,2026-12-31\n"}
SHIPPED = [(t.name, lang) for t in catalog.load(TEMPLATES_DIR).values() for lang in t.languages]


@pytest.mark.parametrize(("letter_type", "language"), SHIPPED)
def test_every_shipped_template_is_the_one_its_recorded_approval_names(letter_type: str, language: str) -> None:
    recorded = {(a.letter_type, a.language): a.hash for a in approvals.shipped(TEMPLATES_DIR)}
    working = snapshots.working_copy(TEMPLATES_DIR, letter_type, language).hash
    assert recorded.get((letter_type, language)) == working, (
        f"{letter_type}/{language} differs from its recorded approval in letter_templates/approvals.toml: "
        f"if the change is intended, run `{approvals.RECORD_COMMAND}` and commit approvals.toml")


def _templates(tmp_path: Path) -> Path:
    folder = tmp_path / "letter_templates"
    shutil.copytree(TEMPLATES_DIR, folder)
    return folder


def _import(settings: Settings, root: Path, *affiliates: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "affiliates.csv").write_text(AFFILIATES)
    (root / "contributions.csv").write_text(CONTRIBUTIONS + "".join(ROWS[a] for a in affiliates))
    import_dir(connect(settings.db_url), root)


def _letter_text(settings: Settings, day: date) -> dict[str, str]:
    with connect(settings.db_url).connect() as connection:
        rows = connection.execute(select(schema.letters).where(schema.letters.c.run_date == day)).mappings().all()
    return {r["recipient_id"]: "".join(p.extract_text() for p in PdfReader(settings.archive_dir / r["archive_path"]).pages)
            for r in rows}


def test_an_edit_after_approval_waits_for_its_approval_and_its_effective_date(settings: Settings,
                                                                               tmp_path: Path) -> None:
    templates = _templates(tmp_path)
    settings = replace(settings, templates_dir=templates)
    with connect(settings.db_url).begin() as connection:  # installed before the reviewer's edit
        approvals.import_shipped(connection, templates)
    nl = templates / "due_notice" / "nl.html"
    nl.write_text(nl.read_text().replace("Geachte", "Beste"))
    _import(settings, tmp_path / "fund1", "A0000001")
    tonight = run_night(settings, NIGHT)
    assert (tonight.letters, tonight.exit_code) == (1, 0)
    assert "Geachte Jan Peeters" in _letter_text(settings, NIGHT)["A0000001"]
    flagged = tonight.summary["unapproved_templates"]
    assert len(flagged) == 1 and flagged[0].startswith("due_notice/nl: due_notice/nl.html changed"), flagged

    tomorrow = date(2026, 11, 23)
    with connect(settings.db_url).begin() as connection:
        approvals.approve(connection, templates, "due_notice", "nl", "A. Reviewer", tomorrow)
        assert approvals.in_force(connection, "due_notice", "nl", NIGHT) != \
            approvals.in_force(connection, "due_notice", "nl", tomorrow)
    _import(settings, tmp_path / "fund2", "A0000001", "A0000004")
    next_night = run_night(settings, tomorrow)
    assert (next_night.letters, next_night.summary["unapproved_templates"]) == (1, [])
    assert "Beste Els Claes" in _letter_text(settings, tomorrow)["A0000004"]


@pytest.mark.parametrize(("effective", "expect_hint"), [(None, False), (date(2026, 12, 1), True)])
def test_a_template_with_no_approval_in_force_holds_its_letters(settings: Settings, tmp_path: Path,
                                                                 effective: date | None, expect_hint: bool) -> None:
    templates = _templates(tmp_path)
    (templates / approvals.SHIPPED_FILE).unlink()
    settings = replace(settings, templates_dir=templates)
    if effective:
        with connect(settings.db_url).begin() as connection:
            approvals.approve(connection, templates, "due_notice", "nl", "A. Reviewer", effective)
    _import(settings, tmp_path / "fund", "A0000001")
    result = run_night(settings, NIGHT)
    assert (result.letters, result.exit_code) == (0, 1)
    [held] = result.summary["quarantined"]
    assert (held["record"], held["field"]) == ("template due_notice/nl", "approval")
    assert ("approved from 2026-12-01" in held["reason"]) is expect_hint


def test_recording_the_shipped_approvals_keeps_unchanged_entries(tmp_path: Path) -> None:
    templates = _templates(tmp_path)
    before = {(a.letter_type, a.language): a for a in approvals.shipped(templates)}
    de = templates / "due_notice" / "de.html"
    de.write_text(de.read_text() + "\n")
    at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    after = {(a.letter_type, a.language): a for a in approvals.record_shipped(templates, "Dev", at)}
    assert after == {(a.letter_type, a.language): a for a in approvals.shipped(templates)}
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed == {("due_notice", "de")}
    assert (after[("due_notice", "de")].approved_by, after[("due_notice", "de")].approved_at) == ("Dev", at)


def test_a_letter_of_an_earlier_night_rerenders_byte_identical_from_its_snapshot(settings: Settings,
                                                                                   tmp_path: Path) -> None:
    import_dir(connect(settings.db_url), Path(__file__).parent / "fixtures" / "small_fund")
    assert run_night(settings, NIGHT).letters == 3
    with connect(settings.db_url).connect() as connection:
        rows = connection.execute(select(schema.letters)).mappings().all()
        renderer = Renderer(lambda h: snapshots.load(connection, h))
        stamped = journal.stamped_forms(connection, NIGHT)  # a rerendering chooses as the night did
        results = renderer.render(Job(r["letter_id"], r["letter_type"], r["language"], r["template_hash"],
                                      json.loads(r["context"]), (r["template_hash"], r["form"]) in stamped)
                                 for r in reversed(rows))
    for row, result in zip(reversed(rows), results, strict=True):
        assert isinstance(result, Rendered), result
        archived = (settings.archive_dir / row["archive_path"]).read_bytes()
        assert result.sha256 == row["sha256"] == hashlib.sha256(archived).hexdigest()
