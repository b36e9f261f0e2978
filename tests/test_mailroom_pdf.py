"""Print files assembled with qpdf: identical objects (fonts, images, form XObjects, a stamped letter's
background) are held once per file whatever their structure, pages and what points back to them never are,
the bytes depend only on the letters, and qpdf finds nothing wrong with the file."""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name
from sqlalchemy import select

from bench import fund
from correspondence import schema
from correspondence.config import Settings
from correspondence.mailroom import pdf as mailroom_pdf
from correspondence.mailroom.pdf import PrintFileWriter
from correspondence.mailroom.print_files import build_print_file
from correspondence.store import connect, init
from scheduler.night import run_night

FONT = b"\x00\x01\x00\x00" + bytes(range(256)) * 64  # stands for an embedded font program: the bytes are what count
IMAGE = bytes(range(256)) * 12


def _letter(text: str, *, image: bytes = IMAGE, image_kind: str = "/XObject", link_back: bool = False,
            form: bool = False, pages: int = 1) -> bytes:
    """A small letter PDF built with pikepdf: a font with its file, an image, optionally a form XObject
    drawing the image and a link annotation pointing back to its page."""
    pdf = pikepdf.new()
    font_file = pdf.make_stream(FONT)
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.TrueType, BaseFont=Name("/LetterSans"),
                                        FontDescriptor=pdf.make_indirect(Dictionary(
                                            Type=Name.FontDescriptor, FontName=Name("/LetterSans"),
                                            FontFile2=font_file))))
    picture = pdf.make_stream(image, Type=Name(image_kind), Subtype=Name.Image, Width=64, Height=12,
                              ColorSpace=Name.DeviceGray, BitsPerComponent=8)
    xobjects = Dictionary(Im1=picture)
    if form:
        xobjects.Fm1 = pdf.make_stream(b"q 64 0 0 12 0 0 cm /Im1 Do Q", Type=Name.XObject, Subtype=Name.Form,
                                       BBox=[0, 0, 64, 12], Resources=Dictionary(XObject=Dictionary(Im1=picture)))
    for number in range(pages):
        content = f"BT /F1 12 Tf 72 720 Td ({text} {number}) Tj ET q 64 0 0 12 72 600 cm /Im1 Do Q".encode()
        page = pdf.add_blank_page(page_size=(595, 842))
        page.obj.Resources = Dictionary(Font=Dictionary(F1=font), XObject=xobjects)
        page.obj.Contents = pdf.make_stream(content)
        if link_back:
            page.obj.Annots = Array([pdf.make_indirect(Dictionary(
                Type=Name.Annot, Subtype=Name.Link, Rect=[0, 0, 10, 10], P=page.obj,
                Dest=Array([page.obj, Name.Fit])))])
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id=True)
    return buffer.getvalue()


def _streams(data: bytes, where: Callable[[pikepdf.Stream], bool]) -> list[pikepdf.Stream]:
    pdf = pikepdf.open(io.BytesIO(data))
    return [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and where(o)]


def _assembled(letters: list[bytes]) -> tuple[bytes, PrintFileWriter]:
    writer = PrintFileWriter()
    for letter in letters:
        sizes = writer.add(letter)
        if len(sizes) % 2:
            writer.blank_page(*sizes[-1])
    return writer.bytes(), writer


def _is_font_file(stream: pikepdf.Stream) -> bool:
    return stream.read_bytes() == FONT


def _is_image(stream: pikepdf.Stream) -> bool:
    return stream.get("/Subtype") == Name.Image


def _qpdf_check(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "batch.pdf"
    path.write_bytes(data)
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(("letters", "fonts", "images"), [
    ([_letter(f"letter {n}") for n in range(50)], 1, 1),                          # fifty letters, one font, one image
    ([_letter(f"letter {n}", form=True) for n in range(10)], 1, 1),               # the image also inside a form XObject
    ([_letter("a"), _letter("b", image=IMAGE[::-1])], 1, 2),                      # different image bytes: two images
    ([_letter("a"), _letter("b", image_kind="/Thumb")], 1, 2),                    # same bytes, other dictionary: two
    ([_letter(f"letter {n}", link_back=True, pages=3) for n in range(5)], 1, 1),  # links back to their pages
])
def test_identical_objects_are_held_once_per_print_file(letters: list[bytes], fonts: int, images: int,
                                                        tmp_path: Path) -> None:
    data, writer = _assembled(letters)
    assert len(_streams(data, _is_font_file)) == fonts
    assert len(_streams(data, _is_image)) == images
    _qpdf_check(data, tmp_path)
    batch = pikepdf.open(io.BytesIO(data))
    expected = sum(len(pikepdf.open(io.BytesIO(x)).pages) + len(pikepdf.open(io.BytesIO(x)).pages) % 2
                   for x in letters)
    assert len(batch.pages) == expected
    assert len({p.obj.objgen for p in batch.pages}) == expected  # pages are never shared
    for page in batch.pages:  # what pointed back to a page points to its own page in the file
        for annot in page.obj.get("/Annots", []):
            assert annot.P.objgen == page.obj.objgen and annot.Dest[0].objgen == page.obj.objgen
    assert writer.counts["shared"] > 0


def test_the_same_letters_give_the_same_bytes_and_each_page_its_content() -> None:
    letters = [_letter(f"letter {n}", pages=n % 3 + 1) for n in range(12)]
    first, _ = _assembled(letters)
    assert _assembled(letters)[0] == first
    batch = pikepdf.open(io.BytesIO(first))
    contents = [p.obj.Contents.read_bytes() for p in batch.pages if "/Contents" in p.obj]
    assert contents == [f"BT /F1 12 Tf 72 720 Td (letter {n} {k}) Tj ET q 64 0 0 12 72 600 cm /Im1 Do Q".encode()
                        for n in range(12) for k in range(n % 3 + 1)]


def _update(base: bytes, text: str, image: bytes | None = None) -> bytes:
    """`base` plus an incremental update, as the stamper writes one: page 1 gets a new content stream; with
    `image`, the update also defines the shared image object again (which no stamped letter does)."""
    pdf = pikepdf.open(io.BytesIO(base))
    page = pdf.pages[0].obj
    size, root = int(pdf.trailer.Size), pdf.trailer.Root.objgen
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET q 64 0 0 12 72 600 cm /Im1 Do Q".encode()
    page_text = re.sub(rb"/Contents \d+ 0 R", b"/Contents %d 0 R" % size, page.unparse(resolved=True))
    objects = {size: b"<< /Length %d >>\nstream\n%b\nendstream" % (len(content), content),
               page.objgen[0]: page_text}
    if image is not None:
        picture = page.Resources.XObject.Im1
        objects[picture.objgen[0]] = (b"<< /Type /XObject /Subtype /Image /Width 64 /Height 12 /ColorSpace "
                                      b"/DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n%b\nendstream"
                                      % (len(image), image))
    out, offsets = [base], {}
    for number, body in objects.items():
        offsets[number] = sum(len(part) for part in out)
        out.append(b"%d 0 obj\n%b\nendobj\n" % (number, body))
    at = sum(len(part) for part in out)
    table = b"xref\n" + b"".join(b"%d 1\n%010d 00000 n \n" % (n, offsets[n]) for n in sorted(offsets))
    prev = int(base[base.rindex(b"startxref") + 9:].split()[0])
    out.append(table + b"trailer\n<< /Size %d /Root %d %d R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size + 1, *root, prev, at))
    return b"".join(out)


def _walked_whole(letters: list[bytes], monkeypatch: pytest.MonkeyPatch) -> bytes:
    with monkeypatch.context() as patch:
        patch.setattr(mailroom_pdf, "_revision", lambda data: None)
        return _assembled(letters)[0]


def test_letters_of_one_shape_take_its_objects_without_walking_them_and_the_file_is_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    base = _letter("the shape")
    letters = [_update(base, f"letter {n}") for n in range(8)]
    data, writer = _assembled(letters)
    assert writer.counts["seeded"] > 0
    assert data == _walked_whole(letters, monkeypatch)
    _qpdf_check(data, tmp_path)
    batch = pikepdf.open(io.BytesIO(data))
    assert [p.obj.Contents.read_bytes().split(b" Tj")[0] for p in batch.pages if "/Contents" in p.obj] == [
        f"BT /F1 12 Tf 72 720 Td (letter {n})".encode() for n in range(8)]
    assert len(_streams(data, _is_font_file)) == 1 and len(_streams(data, _is_image)) == 1


def test_a_letter_whose_update_defines_a_shared_object_again_is_walked_whole(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    base = _letter("the shape")
    other = bytes(reversed(IMAGE))
    letters = [_update(base, "a"), _update(base, "b", image=other), _update(base, "c")]
    data, writer = _assembled(letters)
    assert data == _walked_whole(letters, monkeypatch)
    _qpdf_check(data, tmp_path)
    images = [p.obj.Resources.XObject.Im1.read_bytes() for p in pikepdf.open(io.BytesIO(data)).pages
              if "/Contents" in p.obj]
    assert images == [IMAGE, other, IMAGE]


NIGHT = date(2026, 10, 1)


def test_a_print_file_of_rendered_due_notices_holds_each_font_once(settings: Settings, tmp_path: Path) -> None:
    """Real letters from the night's renderer: the file holds as many font programs as the letters have
    different ones (not one per letter), and reading it back gives every letter's pages."""
    settings = replace(settings, chunk_size=6)
    engine = connect(settings.db_url)
    init(engine)
    fund.load(engine, 12, NIGHT)
    fund.approve_working_copy(engine, settings.templates_dir, "due_notice", ("nl", "fr", "de"))
    assert run_night(settings, NIGHT).letters == 12
    l = schema.letters.c
    with engine.connect() as connection:
        letters = [dict(r) for r in connection.execute(
            select(l.letter_id, l.archive_path, l.pages).where(l.run_date == NIGHT).order_by(l.letter_id)).mappings()]
    engine.dispose()

    def font_programs(path: Path) -> set[str]:
        pdf = pikepdf.open(path)
        return {hashlib.sha256(o.read_raw_bytes()).hexdigest() for o in pdf.objects if isinstance(o, pikepdf.Stream)
                and any(o.objgen == d.get(k).objgen for d in pdf.objects if isinstance(d, Dictionary)
                        and d.get("/Type") == Name.FontDescriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
                        if k in d)}

    per_letter = [font_programs(settings.archive_dir / x["archive_path"]) for x in letters]
    distinct = set().union(*per_letter)
    assert all(per_letter) and sum(map(len, per_letter)) > len(distinct)  # the letters repeat their fonts
    data, placements = build_print_file(letters, "ordinary/batch-0001.pdf", settings.archive_dir)
    path = tmp_path / "batch.pdf"
    path.write_bytes(data)
    assert font_programs(path) == distinct
    _qpdf_check(data, tmp_path)
    assert [p.first_page % 2 for p in placements] == [1] * len(letters)
    assert build_print_file(letters, "ordinary/batch-0001.pdf", settings.archive_dir)[0] == data


def test_print_files_built_side_by_side_in_worker_processes_are_the_ones_built_here(tmp_path: Path) -> None:
    from correspondence.mailroom import print_files as mailroom
    from correspondence.mailroom import sheets

    letters = []
    for n in range(9):
        path = tmp_path / f"letter-{n}.pdf"
        path.write_bytes(_letter(f"letter {n}", pages=n % 2 + 1))
        letters.append({"letter_id": str(n), "archive_path": path.name})
    covers = [sheets.Cover(NIGHT, "ordinary", k, 3, 3, 4, 0, f"ordinary/batch-{k:04d}.pdf", "1000", "9999")
              for k in (1, 2, 3)]
    groups = [(c, _letter(f"cover {c.number}"), letters[3 * i: 3 * i + 3]) for i, c in enumerate(covers)]
    here = [(c.file, data, p) for c, _, data, p in mailroom._built(iter(groups), tmp_path, None, 0)]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        side_by_side = [(c.file, data, p) for c, _, data, p in mailroom._built(iter(groups), tmp_path, pool, 2)]
    assert side_by_side == here
    assert [p.first_page for _, _, placed in here for p in placed] == [3, 5, 7] * 3  # every letter takes two pages
