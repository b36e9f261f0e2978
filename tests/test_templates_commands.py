"""The reviewers' commands end to end: approve (refused when the check fails), list, preview from a sample or a
real affiliate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from correspondence.config import TEMPLATES_DIR
from correspondence.importing import import_dir
from correspondence.store import connect
from scheduler import cli
from tests.json_shapes import validate

SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"


@pytest.fixture
def reviewer(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A reviewer's working copy of the templates, and the engine pointed at it and at a fresh database."""
    templates = tmp_path / "letter_templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    monkeypatch.setenv("CORRESPONDENCE_TEMPLATES", str(templates))
    monkeypatch.setenv("CORRESPONDENCE_DB", db_url)
    monkeypatch.chdir(tmp_path)
    return templates


def test_approve_then_list_shows_who_and_from_when(reviewer: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["templates", "list"]) == 0  # the install: shipped approvals recorded
    assert "due_notice/nl" not in capsys.readouterr().out
    nl = reviewer / "due_notice" / "nl.html"
    nl.write_text(nl.read_text().replace("Geachte", "Beste"))
    assert cli.main(["templates", "list", "--as-of", "2026-12-01"]) == 0
    assert "file on disk: CHANGED: due_notice/nl.html" in capsys.readouterr().out
    assert cli.main(["templates", "approve", "due_notice", "--lang", "nl", "--by", "An Jurist",
                     "--effective", "2026-12-01"]) == 0
    assert "in force from the night of 2026-12-01" in capsys.readouterr().out
    assert cli.main(["templates", "list", "--as-of", "2026-12-01"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("due_notice ")]
    assert [line.split()[1] for line in listed] == ["nl", "fr", "de"]
    assert "by An Jurist" in listed[0] and "from 2026-12-01; file on disk: same as approved" in listed[0]
    assert "by Fund legal service" in listed[1] and "from 2000-01-01" in listed[1]


def test_approve_governs_only_nights_not_yet_started(reviewer: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A night prints from the versions in force when it starts: an approval dated on or before the latest night
    that started is refused, and without --effective it governs from the first night still open."""
    from sqlalchemy import insert

    from correspondence import schema

    with connect(os.environ["CORRESPONDENCE_DB"]).begin() as connection:
        connection.execute(insert(schema.runs).values(run_date=date(2099, 1, 10), status="complete", attempts=1,
                                                      started_at=datetime(2099, 1, 10, 1, tzinfo=UTC)))
    nl = reviewer / "due_notice" / "nl.html"
    nl.write_text(nl.read_text().replace("Geachte", "Beste"))
    approve = ["templates", "approve", "due_notice", "--lang", "nl", "--by", "An Jurist"]
    assert cli.main([*approve, "--effective", "2099-01-10"]) == 1
    assert ("the night of 2099-01-10 has already started: a version approved now is in force from the night of "
            "2099-01-11 at the earliest") in capsys.readouterr().err
    assert cli.main(approve) == 0
    assert "in force from the night of 2099-01-11" in capsys.readouterr().out
    assert cli.main(approve) == 0  # the same version again: nothing to approve
    assert "is already approved and in force on the night of 2099-01-11 (by An Jurist)" in capsys.readouterr().out


def test_list_json_has_the_documented_shape_and_says_what_changed(reviewer: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["templates", "list", "--json"]) == 0  # the install: shipped approvals recorded
    capsys.readouterr()
    nl = reviewer / "due_notice" / "nl.html"
    nl.write_text(nl.read_text().replace("Geachte", "Beste"))
    assert cli.main(["templates", "list", "--json"]) == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    validate("templates-list", rows)
    assert err == ""
    assert {r["letter_type"] for r in rows} == {p.parent.name for p in reviewer.glob("*/letter.toml")}
    by_name = {(r["letter_type"], r["language"]): r for r in rows}
    assert by_name[("due_notice", "nl")]["on_disk"] == {"state": "changed", "files": ["due_notice/nl.html"]}
    fr = by_name[("due_notice", "fr")]
    assert fr["on_disk"] == {"state": "same"} and (fr["format"], fr["mail_class"]) == ("html", "ordinary")
    assert fr["approved"]["by"] == "Fund legal service" and fr["approved"]["at"].endswith("+00:00")
    assert fr["approved"]["effective_from"] == "2000-01-01" and len(fr["approved"]["hash"]) == 64
    assert cli.main(["templates", "list", "--json", "--as-of", "1999-12-31"]) == 0  # before any approval
    rows = json.loads(capsys.readouterr().out)
    validate("templates-list", rows)
    assert {(r["approved"] is None, r["on_disk"]["state"]) for r in rows} == {(True, "unapproved")}


def test_approve_refuses_a_template_that_fails_the_check(reviewer: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fr = reviewer / "due_notice" / "fr.html"
    fr.write_text(fr.read_text().replace("{{ contribution.total | money }}", "{{ contribution.totaal | money }}"))
    assert cli.main(["templates", "approve", "due_notice", "--lang", "fr", "--by", "An Jurist"]) == 1
    err = capsys.readouterr().err
    assert 'due_notice/fr.html, line' in err and "not approved" in err


@pytest.mark.parametrize(("argv", "expected"), [
    (["--sample", "fr-brussels"], "Marie Dupont & Fils <BV> {{ 7*7 }}"),
    (["--affiliate", "A0000002"], "Marie Dupont & Fils <BV>\nRue de la Station 5 bte 2"),
])
def test_preview_prints_the_working_copy_for_a_sample_or_a_real_affiliate(
        reviewer: Path, tmp_path: Path, argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    import_dir(connect(os.environ["CORRESPONDENCE_DB"]), SMALL_FUND)
    fr = reviewer / "due_notice" / "fr.html"
    fr.write_text(fr.read_text().replace("Madame, Monsieur,", "Chère affiliée, cher affilié,"))
    out = tmp_path / "preview.pdf"
    assert cli.main(["templates", "preview", "due_notice", "--lang", "fr", "--out", str(out), "--png", *argv]) == 0
    written = capsys.readouterr().out.split()
    assert written[0] == str(out) and written[1].endswith("preview-1.png")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Chère affiliée, cher affilié," in text
    assert expected in "\n".join(line.strip() for line in text.splitlines())
