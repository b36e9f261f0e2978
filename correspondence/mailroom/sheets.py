"""The mailroom's own printed sheets: a cover (separator) sheet per print file and the registered-mail
deposit list for the post-office counter, rendered from letter_templates/mailroom/ in Dutch and French.

They are never mailed, so they are not letter types and need no approval; their wording is still in templates.
Their files are read like a snapshot's (correspondence/snapshots.py): never through a symbolic link, and the
sheets may load nothing but files of mailroom/ and assets/.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pikepdf
from jinja2 import DictLoader
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from correspondence.render.html import BASE_URL, SnapshotFetcher
from correspondence.render.stamp.fonts import FontMetrics
from correspondence.render.templating import environment
from correspondence.templates import snapshots
from correspondence.templates.snapshots import Snapshot

FOLDER = "mailroom"


@dataclass(frozen=True)
class Cover:
    day: date
    mail_class: str
    number: int  # this file's number within its mail class
    of: int  # how many files the mail class has tonight
    letters: int
    sheets: int  # the whole file's sheets, this cover sheet included
    registered: int
    file: str
    first_postcode: str
    last_postcode: str


def _files(templates_dir: Path) -> dict[str, bytes]:
    return snapshots.folder_files(templates_dir, FOLDER, "assets")


def _render(files: dict[str, bytes], name: str, context: dict[str, Any]) -> str:
    texts = {path: data.decode("utf-8") for path, data in files.items() if path.endswith((".html", ".css"))}
    return environment(DictLoader(texts)).get_template(f"{FOLDER}/{name}").render(context)


def _pdf(files: dict[str, bytes], html: str) -> bytes:
    fetcher = SnapshotFetcher(Snapshot("", files), folders=(FOLDER, "assets"))  # nothing else, no network
    return HTML(string=html, base_url=f"{BASE_URL}{FOLDER}/", url_fetcher=fetcher).write_pdf()


def covers(templates_dir: Path, fund: dict[str, Any], items: list[Cover]) -> list[bytes]:
    """One single-page PDF per cover, all laid out in one document (fonts subset once per night)."""
    if not items:
        return []
    files = _files(templates_dir)
    sections = [Markup(_render(files, "cover.html", {**asdict(c), "fund": fund["fund"]})) for c in items]
    reader = PdfReader(io.BytesIO(_pdf(files, _render(files, "covers.html", {"sections": sections}))))
    if len(reader.pages) != len(items):
        raise ValueError(f"{FOLDER}/cover.html must fit on one page: {len(items)} covers took {len(reader.pages)} pages")
    out = []
    for page in reader.pages:
        writer = PdfWriter()
        writer.add_page(page)
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out


def deposit_list(templates_dir: Path, fund: dict[str, Any], day: date, rows: list[dict[str, Any]],
                 files: list[str]) -> bytes:
    """The printed deposit list: one line per registered item, in the order of the print files.

    Laid out DEPOSIT_ROWS lines at a time (WeasyPrint holds a whole document: ~4 MB a page, a 5,400-line list
    took 904 MB in one piece), each part from a new page, the parts joined and each page numbered "n / N" in
    its footer here, where the total is known."""
    sheets = _files(templates_dir)
    parts = [rows[start:start + DEPOSIT_ROWS] for start in range(0, len(rows), DEPOSIT_ROWS)] or [[]]
    pdfs = [_pdf(sheets, _render(sheets, "deposit_list.html", {
        "day": day, "fund": fund["fund"], "rows": part, "count": len(rows), "files": files,
        "first": number == 0, "last": number == len(parts) - 1})) for number, part in enumerate(parts)]
    return _numbered(pdfs, FontMetrics.load("regular", sheets[PAGE_NUMBER_FONT]))


DEPOSIT_ROWS = 400  # lines laid out in one document: about 16 pages, ~65 MB
PAGE_NUMBER_FONT = "assets/fonts/LetterSans-Regular.ttf"
PT_PER_PX = 0.75  # FontMetrics measures in CSS px
PAGE_NUMBER = (8.0, 34.016, 19.9)  # size, right edge from the page's right, baseline from its bottom (pt):
# where mailroom.css's 8 pt bottom-right margin box put it (12 mm margin, centred in the 16 mm bottom margin)


def _numbered(parts: list[bytes], font: FontMetrics) -> bytes:
    """The parts' pages in one PDF, each with "n / N" drawn at the right of its footer in the letter font."""
    out = pikepdf.new()
    opened = [pikepdf.open(io.BytesIO(part)) for part in parts]
    for source in opened:
        out.pages.extend(source.pages)
    size, right, baseline = PAGE_NUMBER
    font_object = font.pdf_font(out)
    total = len(out.pages)
    for number, page in enumerate(out.pages, start=1):
        text = f"{number} / {total}"
        width = font.width(text, size / PT_PER_PX) * PT_PER_PX
        x = float(page.mediabox[2]) - right - width
        if "/Resources" not in page.obj:
            page.obj.Resources = pikepdf.Dictionary()
        resources = page.obj.Resources
        if "/Font" not in resources:
            resources.Font = pikepdf.Dictionary()
        resources.Font[pikepdf.Name("/PageNumber")] = font_object
        page.contents_add(out.make_stream(b"q\n"), prepend=True)
        page.contents_add(out.make_stream(
            f"Q q BT /PageNumber {size} Tf 0 0 0 rg {x:.3f} {baseline} Td <{font.glyph_hex(text)}> Tj ET Q\n"
            .encode("ascii")))
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True)
    for source in opened:
        source.close()
    return buffer.getvalue()
