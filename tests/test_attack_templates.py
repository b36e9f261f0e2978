"""Attacks through the template folder: a symbolic link that would print a file of the machine in a letter,
and a Word template whose external relationships or fields would pull a file or a URL into the conversion."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from PIL import Image

from correspondence.config import TEMPLATES_DIR, Settings
from correspondence.importing import import_dir
from correspondence.render.dispatch import Job, Rendered
from correspondence.render.docx import DocxRenderer
from correspondence.render.libreoffice import LibreOffice
from correspondence.store import connect
from correspondence.templates import approvals, snapshots, word_links
from correspondence.templates.check import check
from scheduler import cli
from scheduler.night import CannotRun, run_night

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


def test_a_link_among_the_mailroom_sheets_stops_the_night_before_it_prints_through_it(
        settings: Settings, templates: Path) -> None:
    """The cover sheets are not letter types (no approval), so they are read from the working copy: never
    through a link. The night stops with one line naming the file, prints nothing of the target, and resumes
    once the link is replaced by a file."""
    settings = replace(settings, templates_dir=templates)
    with connect(settings.db_url).begin() as connection:
        approvals.import_shipped(connection, templates)
    (templates.parent / "etc" / "passwd").write_text(f"<p>{SECRET}</p>")
    real = (templates / "mailroom" / "cover.html").read_bytes()
    _link(templates, "mailroom/cover.html", "passwd")
    import_dir(connect(settings.db_url), SMALL_FUND)
    with pytest.raises(CannotRun, match=r"mailroom/cover\.html is a symbolic link"):
        run_night(settings, NIGHT)
    if settings.output_dir.exists():
        assert not list(settings.output_dir.rglob("READY"))
        assert SECRET not in "".join(p.read_text(errors="replace") for p in settings.output_dir.rglob("*") if p.is_file())
    (templates / "mailroom" / "cover.html").unlink()
    (templates / "mailroom" / "cover.html").write_bytes(real)
    result = run_night(settings, NIGHT)
    assert result.exit_code == 0 and result.letters > 0
    assert SECRET not in _pdf_text(settings.output_dir)


# -- Word templates that point outside themselves -----------------------------------------------------------

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
EMPTY_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
WORD_LETTER = "mantelzorg_granted"
SECRET_PICTURE = (37, 41)  # a size no picture of the shipped templates has


def _hostile(docx: bytes, body: str = "", rels: tuple[tuple[str, str, str, str], ...] = (), settings: str = "") -> bytes:
    """A copy of a Word template with `body` XML at the start of its body, `settings` XML at the start of its
    settings, and external relationships (part, id, type, target) added, written with zipfile as Word would."""
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    if body:
        parts["word/document.xml"] = re.sub(rb"(<w:body[^>]*>)", lambda m: m.group(1) + body.encode(),
                                            parts["word/document.xml"], count=1)
    if settings:
        parts["word/settings.xml"] = re.sub(rb"(<w:settings[^>]*>)", lambda m: m.group(1) + settings.encode(),
                                            parts["word/settings.xml"], count=1)
    for part, rid, kind, target in rels:
        name = f"word/_rels/{part}.rels"
        xml = parts.get(name, EMPTY_RELS.encode()).decode()
        parts[name] = xml.replace("</Relationships>", f'<Relationship Id="{rid}" Type="{R}/{kind}" '
                                  f'Target="{target}" TargetMode="External"/></Relationships>').encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target_zip:
        for name, data in parts.items():
            target_zip.writestr(name, data)
    return out.getvalue()


def _linked_picture(rid: str) -> str:
    return ('<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/'
            'wordprocessingDrawing"><wp:extent cx="914400" cy="914400"/><wp:docPr id="990" name="logo"/>'
            '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData '
            'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic="http://schemas.'
            'openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="990" name="logo"/><pic:cNvPicPr/>'
            f'</pic:nvPicPr><pic:blipFill><a:blip xmlns:r="{R}" r:link="{rid}"/><a:stretch><a:fillRect/></a:stretch>'
            '</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
            '</wp:inline></w:drawing></w:r></w:p>')


def _field(instruction: str) -> str:
    """A complex field whose instruction Word split over two runs, with the result Word printed last."""
    return ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {instruction[:9]}</w:instrText></w:r>'
            f'<w:r><w:instrText xml:space="preserve">{instruction[9:]} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>cached</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def _simple_field(instruction: str) -> str:
    return f'<w:p><w:fldSimple w:instr={quoteattr(" " + instruction + " ")}><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>'


# (the attack, the file changed, its hostile copy from (shipped bytes, local secret folder, URL of a listening
# socket), the target `templates check` must name, whether this LibreOffice follows it when nothing stops it)
WORD_ATTACKS: list[tuple[str, str, Callable[[bytes, Path, str], bytes], str, bool]] = [
    ("a picture linked to a local file", f"{WORD_LETTER}/nl.docx",
     lambda d, s, u: _hostile(d, _linked_picture("rIdX1"), (("document.xml", "rIdX1", "image",
                                                              (s / "secret.png").as_uri()),)), "secret.png", True),
    ("a picture linked to a URL", f"{WORD_LETTER}/nl.docx",
     lambda d, s, u: _hostile(d, _linked_picture("rIdX1"), (("document.xml", "rIdX1", "image", f"{u}/pic.png"),)),
     "/pic.png", True),
    ("an attached template on a server", f"{WORD_LETTER}/nl.docx",
     lambda d, s, u: _hostile(d, settings=f'<w:attachedTemplate xmlns:r="{R}" r:id="rIdT"/>',
                              rels=(("settings.xml", "rIdT", "attachedTemplate", f"{u}/normal.dotm"),)),
     "/normal.dotm", False),
    ("an altChunk of a local file", f"{WORD_LETTER}/nl.docx",
     lambda d, s, u: _hostile(d, f'<w:altChunk xmlns:r="{R}" r:id="rIdA"/>',
                              (("document.xml", "rIdA", "aFChunk", (s / "secret.html").as_uri()),)),
     "secret.html", False),
    ("a sub-document on a server", f"{WORD_LETTER}/nl.docx",
     lambda d, s, u: _hostile(d, f'<w:p><w:subDoc xmlns:r="{R}" r:id="rIdS"/></w:p>',
                              (("document.xml", "rIdS", "subDocument", f"{u}/sub.docx"),)), "/sub.docx", False),
    ("a linked OLE object in a footer's relationships", f"{WORD_LETTER}/nl.docx",
     lambda d, s, u: _hostile(d, rels=(("footer7.xml", "rIdO", "oleObject", (s / "secret.txt").as_uri()),)),
     "secret.txt", False),
    ("an INCLUDETEXT field split over runs", f"{WORD_LETTER}/nl.docx",
     lambda d, s, u: _hostile(d, _field(f'INCLUDETEXT "{s / "secret.txt"}"')), "secret.txt", False),
    ("an INCLUDEPICTURE simple field", f"{WORD_LETTER}/nl.docx",
     lambda d, s, u: _hostile(d, _simple_field(f'INCLUDEPICTURE "{u}/field.png" \\d')), "/field.png", False),
    ("a LINK field", f"{WORD_LETTER}/nl.docx",
     lambda d, s, u: _hostile(d, _field(f'LINK Word.Document.12 "{u}/link.docx" "" \\a \\t')), "/link.docx", False),
    ("an IMPORT field", f"{WORD_LETTER}/nl.docx",
     lambda d, s, u: _hostile(d, _field(f'IMPORT "{s / "secret.png"}"')), "secret.png", False),
    ("a linked picture in the appeal partial", "partials/nl/appeal.docx",
     lambda d, s, u: _hostile(d, _linked_picture("rIdX1"), (("document.xml", "rIdX1", "image", f"{u}/appeal.png"),)),
     "/appeal.png", False),
]
IDS = [a[0] for a in WORD_ATTACKS]


class Listener:
    """A socket on 127.0.0.1 that counts the connections made to it (and answers 404 at once)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with client:
                client.settimeout(2)
                with contextlib.suppress(OSError):
                    self.requests.append(client.recv(4096).split(b"\r\n")[0])
                    client.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    def seen(self) -> list[bytes]:
        time.sleep(0.2)  # a connection LibreOffice made while loading is accepted by now
        return list(self.requests)


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Listener]]:
    """Files of the machine a letter must never show, and a server it must never call."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "secret.txt").write_text(f"{SECRET}\n")
    (folder / "secret.html").write_text(f"<html><body><p>{SECRET}</p></body></html>")
    Image.new("RGB", SECRET_PICTURE, "red").save(folder / "secret.png")
    listener = Listener()
    yield folder, listener
    listener.server.close()


@pytest.fixture(scope="module")
def word_renderer() -> Iterator[tuple[DocxRenderer, dict[str, snapshots.Snapshot]]]:
    """One LibreOffice for every render of this module, as one render worker has for its night."""
    known: dict[str, snapshots.Snapshot] = {}
    renderer = DocxRenderer(known.__getitem__)
    yield renderer, known
    renderer.close()


def _plant(tmp_path: Path, outside: tuple[Path, Listener], file: str,
           build: Callable[[bytes, Path, str], bytes]) -> Path:
    folder = tmp_path / "letter_templates"
    shutil.copytree(TEMPLATES_DIR, folder)
    (folder / file).write_bytes(build((TEMPLATES_DIR / file).read_bytes(), outside[0], outside[1].url))
    return folder


@pytest.mark.parametrize(("what", "file", "build", "target", "live"), WORD_ATTACKS, ids=IDS)
def test_a_word_template_pointing_outside_is_an_error_of_the_check_naming_file_and_target(
        tmp_path: Path, outside: tuple[Path, Listener], what: str, file: str,
        build: Callable[[bytes, Path, str], bytes], target: str, live: bool) -> None:
    templates = _plant(tmp_path, outside, file, build)
    errors = [str(f) for f in check(templates, WORD_LETTER) if f.level == "error"]
    assert any(e.startswith(f"{file}: points outside the letter: ") and target in e for e in errors), errors


def _pdf_facts(pdf: bytes, folder: Path) -> tuple[str, list[tuple[int, int]]]:
    path = folder / "letter.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    return text, [(int(row.split()[3]), int(row.split()[4])) for row in listed.splitlines()[2:]]


@pytest.mark.parametrize(("what", "file", "build", "target", "live"), WORD_ATTACKS, ids=IDS)
def test_an_approved_word_template_pointing_outside_reads_no_file_and_calls_no_server_when_printed(
        tmp_path: Path, outside: tuple[Path, Listener], word_renderer: tuple[DocxRenderer, dict[str, snapshots.Snapshot]],
        what: str, file: str, build: Callable[[bytes, Path, str], bytes], target: str, live: bool) -> None:
    templates = _plant(tmp_path, outside, file, build)
    renderer, known = word_renderer
    snapshot = snapshots.working_copy(templates, WORD_LETTER, "nl")  # as if approved without the check
    known[snapshot.hash] = snapshot
    context = json.loads((templates / WORD_LETTER / "samples" / "nl-simple.json").read_text(encoding="utf-8"))
    before = len(outside[1].seen())
    [result] = renderer.render([Job("20261122-000001", WORD_LETTER, "nl", snapshot.hash, context)])
    assert isinstance(result, Rendered), result  # the letter still prints, without what it pointed to
    assert outside[1].seen()[before:] == []
    text, pictures = _pdf_facts(result.pdf, tmp_path)
    assert SECRET not in text and SECRET_PICTURE not in pictures
    assert word_links.references(result.docx or b"") == []  # the archived DOCX points nowhere either


@pytest.mark.parametrize(("what", "file", "build", "target", "live"), [a for a in WORD_ATTACKS if a[4]],
                         ids=[a[0] for a in WORD_ATTACKS if a[4]])
def test_the_attacks_above_are_real_libreoffice_follows_them_unless_they_are_removed(
        tmp_path: Path, outside: tuple[Path, Listener], word_renderer: tuple[DocxRenderer, dict[str, snapshots.Snapshot]],
        what: str, file: str, build: Callable[[bytes, Path, str], bytes], target: str, live: bool) -> None:
    """The control of the test above: the same DOCX, given to LibreOffice without word_links, leaks."""
    renderer, _ = word_renderer
    hostile = build((TEMPLATES_DIR / file).read_bytes(), outside[0], outside[1].url)
    before = len(outside[1].seen())
    if renderer.office is None:  # this test ran first
        renderer.office = LibreOffice()
    pdf = renderer.office.convert({"control": hostile}, normalised=False)["control"]
    assert isinstance(pdf, bytes), pdf
    _, pictures = _pdf_facts(pdf, tmp_path)
    assert outside[1].seen()[before:] != [] or SECRET_PICTURE in pictures
