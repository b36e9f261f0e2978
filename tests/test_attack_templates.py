"""Attacks through the template folder: a symbolic link that would print a file of the machine in a letter,
and a Word template whose external relationships or fields would pull a file or a URL into the conversion."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from correspondence import approvals, cli, snapshots
from correspondence.config import TEMPLATES_DIR, Settings
from correspondence.importing import import_dir
from correspondence.store import connect
from correspondence.template_check import check
from scheduler.night import run_night

NIGHT = date(2026, 11, 22)
SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"
SECRET = "ROOT-PASSWORD-HASH-0xC0FFEE"


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A reviewer's working copy, the engine pointed at it, and a file of the machine outside it."""
    folder = tmp_path / "letter_templates"
    shutil.copytree(TEMPLATES_DIR, folder)
    outside = tmp_path / "etc"
    outside.mkdir()
    (outside / "passwd").write_text(f"root:{SECRET}:0:0\n")
    (outside / "sample.json").write_text(f'{{"recipient": {{"name": "{SECRET}"}}}}')
    shutil.copytree(folder / "due_notice", outside / "due_notice")
    shutil.copytree(folder / "assets" / "fonts", outside / "fonts")
    monkeypatch.setenv("CORRESPONDENCE_TEMPLATES", str(folder))
    monkeypatch.setenv("CORRESPONDENCE_DB", f"sqlite:///{tmp_path / 'correspondence.db'}")
    monkeypatch.chdir(tmp_path)
    return folder


def _link(templates: Path, where: str, target: str) -> None:
    path = templates / where
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    path.symlink_to(templates.parent / "etc" / target)


LINKS = [
    # (the link planted in letter_templates/, what it points to outside)
    ("partials/nl/leak.html", "passwd"),  # a new partial, included by an edited letter
    ("partials/nl/letter.html", "passwd"),  # an existing partial replaced by a link
    ("due_notice/nl.html", "passwd"),  # the letter itself
    ("assets/fonts", "fonts"),  # a folder: rglob used to walk into it
    ("due_notice/samples/leak.json", "sample.json"),  # a sample the check and the preview read
    ("due_notice", "due_notice"),  # the whole letter type's folder
]


@pytest.mark.parametrize(("where", "target"), LINKS, ids=[w for w, _ in LINKS])
def test_a_symlink_in_the_templates_is_an_error_of_the_check_naming_it(
        templates: Path, where: str, target: str, capsys: pytest.CaptureFixture[str]) -> None:
    _link(templates, where, target)
    assert cli.main(["templates", "check", "due_notice"]) == 1
    out = capsys.readouterr().out
    assert f"ERROR   {where}: is a symbolic link" in out
    assert SECRET not in out


@pytest.mark.parametrize(("where", "target"), LINKS, ids=[w for w, _ in LINKS])
def test_a_symlink_is_never_approved_nor_previewed(templates: Path, where: str, target: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _link(templates, where, target)
    for argv in (["templates", "approve", "due_notice", "--by", "Mallory"],
                 ["templates", "approve", "--shipped", "--by", "Mallory"],
                 ["templates", "preview", "due_notice", "--lang", "nl", "--out", "p.pdf"]):
        assert cli.main(argv) == 1, argv
        captured = capsys.readouterr()
        [line] = captured.err.splitlines()
        assert f"{where} is a symbolic link" in line.replace(f"{where}: is", f"{where} is"), line
        assert SECRET not in captured.out + captured.err
    assert not Path("p.pdf").exists()
    assert approvals.shipped(templates) == approvals.shipped(TEMPLATES_DIR)  # --shipped rewrote nothing


@pytest.mark.parametrize(("where", "target"), LINKS[:4], ids=[w for w, _ in LINKS[:4]])
def test_a_snapshot_never_reads_through_a_link(templates: Path, where: str, target: str) -> None:
    _link(templates, where, target)
    with pytest.raises(snapshots.UnsafeFile, match=f"^{where} is a symbolic link"):
        snapshots.collect(templates, "due_notice", "nl")


@pytest.mark.parametrize(("letter_type", "language"), [("../etc", "passwd"), ("due_notice", "../../etc/passwd")])
def test_a_snapshot_of_a_name_that_leads_outside_is_refused(templates: Path, letter_type: str, language: str) -> None:
    with pytest.raises(snapshots.UnsafeFile, match="outside the templates folder"):
        snapshots.collect(templates, letter_type, language)


def test_a_link_in_another_letter_type_does_not_block_checking_this_one(templates: Path) -> None:
    _link(templates, "reminder/nl.html", "passwd")
    assert [f for f in check(templates, "due_notice") if f.level == "error"] == []
    assert [str(f) for f in check(templates, "reminder") if f.level == "error"] == [
        f"reminder/nl.html: is a symbolic link (to {templates.parent / 'etc' / 'passwd'}): templates may only be "
        "plain files inside letter_templates/ (replace the link by the file itself)"]


def test_an_editors_hidden_lock_link_is_ignored(templates: Path) -> None:
    (templates / "partials" / "nl" / ".#letter.html").symlink_to("mallory@host.1234:1700000000")
    assert snapshots.collect(templates, "due_notice", "nl") == snapshots.collect(TEMPLATES_DIR, "due_notice", "nl")
    assert [f for f in check(templates, "due_notice") if f.level == "error"] == []


def _pdf_text(folder: Path) -> str:
    pdfs = sorted(folder.rglob("*.pdf"))
    assert pdfs, f"no PDF under {folder}"
    return "".join(subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True, check=True).stdout
                   for p in pdfs)


def test_the_night_renders_the_approved_snapshot_never_a_linked_working_copy(
        settings: Settings, templates: Path) -> None:
    settings = replace(settings, templates_dir=templates)
    with connect(settings.db_url).begin() as connection:  # the shipped approvals, recorded before the attack
        approvals.import_shipped(connection, templates)
    (templates.parent / "etc" / "passwd").write_text('{% extends "partials/layout.html" %}{% block body %}'
                                                     f"{SECRET}{{% endblock %}}")
    _link(templates, "partials/nl/letter.html", "passwd")
    import_dir(connect(settings.db_url), SMALL_FUND)
    result = run_night(settings, NIGHT)
    assert (result.exit_code, result.quarantined) == (0, 0) and result.letters > 0
    text = _pdf_text(settings.output_dir) + _pdf_text(settings.archive_dir)
    assert "Geachte" in text and SECRET not in text
    flagged = "\n".join(result.summary["unapproved_templates"])
    assert "due_notice/nl: partials/nl/letter.html is a symbolic link" in flagged
    assert SECRET not in flagged
    assert os.path.islink(templates / "partials" / "nl" / "letter.html")
