"""Word (.docx) templates as Jinja sees them, with every line number mapped back to a Word paragraph.

Word splits typed text into runs wherever formatting, spell-check or revision marks change; a tag like
`{{ montant }}` split over runs is what makes docxtpl users' templates fail mysteriously, so we find those
tags and say which paragraph holds them.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docxtpl import DocxTemplate
from lxml import etree
from markupsafe import Markup, escape

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PARTS = re.compile(r"word/(document|header\d*|footer\d*)\.xml")
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
OPENERS = ("{{", "{%", "{#")


@dataclass(frozen=True)
class Part:
    """One XML part of the document: where (`paragraph` or `header paragraph` …), its texts, its Jinja source."""

    name: str  # document | header1 | footer1 …
    paragraphs: tuple[tuple[str, ...], ...]  # each paragraph's runs' texts, in document order
    source: str  # docxtpl-patched XML; line n + 1 is paragraph n

    def place(self, line: int | None) -> str:
        where = "paragraph" if self.name == "document" else f"{self.name} paragraph"
        if not line or line < 2:
            return f"{where} 1" if self.name != "document" else "start of the document"
        number = min(line - 1, len(self.paragraphs))
        text = "".join(self.paragraphs[number - 1]).strip() if self.paragraphs else ""
        return f'{where} {number} ("{text[:50]}{"…" if len(text) > 50 else ""}")'


@dataclass(frozen=True)
class SplitTag:
    where: str  # "paragraph 12 (…)"
    tag: str
    pieces: tuple[str, ...]  # the tag's text in each run; empty when the paragraph never closes the tag

    def explain(self) -> str:
        if not self.pieces:
            return (f'"{self.tag}" is opened but not closed in this paragraph — a tag must start and end in the '
                    "same paragraph")
        shown = " | ".join(f'"{p}"' for p in self.pieces)
        return (f'the tag "{self.tag}" is split by Word into {len(self.pieces)} pieces of differently formatted '
                f"text ({shown}), so it may not be read as written — select the whole tag, delete it and type it "
                "again in one go, without changing its formatting halfway")


def parts(docx: bytes) -> list[Part]:
    """The document body, headers and footers, each as texts per paragraph and as patched Jinja source."""
    template = DocxTemplate(io.BytesIO(docx))
    found = []
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        for name in sorted(archive.namelist(), key=lambda n: (not n.endswith("document.xml"), n)):
            match = PARTS.fullmatch(name)
            if not match:
                continue
            xml = archive.read(name).decode("utf-8")
            root = etree.fromstring(xml.encode("utf-8"))
            paragraphs = tuple(
                tuple("".join(t.text or "" for t in run.iter(f"{W}t")) for run in p.iter(f"{W}r"))
                for p in root.iter(f"{W}p")
            )
            # One line per paragraph before docxtpl's cleaning, so Jinja's line numbers name paragraphs.
            marked = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
            found.append(Part(match.group(1), paragraphs, template.patch_xml(marked)))
    return found


def split_tags(part: Part) -> list[SplitTag]:
    """Tags whose characters lie in more than one run of a paragraph, or that a paragraph opens and never closes."""
    found = []
    for number, runs in enumerate(part.paragraphs, start=1):
        text = "".join(runs)
        bounds, start = [], 0
        for run in runs:
            bounds.append((start, start + len(run)))
            start += len(run)

        def run_of(position: int, bounds: list[tuple[int, int]] = bounds) -> int:
            return next(i for i, (a, b) in enumerate(bounds) if a <= position < b)

        covered_until = 0
        for match in TAG.finditer(text):
            first, last = run_of(match.start()), run_of(match.end() - 1)
            if first != last:
                pieces = tuple(
                    text[max(a, match.start()):min(b, match.end())]
                    for a, b in bounds[first:last + 1] if min(b, match.end()) > max(a, match.start())
                )
                found.append(SplitTag(part.place(number + 1), match.group(0), pieces))
            covered_until = match.end()
        rest = text[covered_until:]
        for opener in OPENERS:
            if opener in rest:
                found.append(SplitTag(part.place(number + 1), rest[rest.index(opener):][:40], ()))
                break
    return found


def split_tags_of(docx: Path) -> list[SplitTag]:
    return [split for part in parts(docx.read_bytes()) for split in split_tags(part)]


def as_paragraphs(text: str) -> Markup:
    """Plain text as WordprocessingML paragraphs: what a rendered Word partial stands for inside a letter."""
    return Markup("".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(line)}</w:t></w:r></w:p>"
                          for line in text.splitlines()))


def rendered_text(xml: str) -> str:
    """The text of rendered WordprocessingML, one line per paragraph (for mention checks and golden files)."""
    lines = []
    for paragraph in re.split(r"<w:p[ >]", xml)[1:]:
        runs = re.findall(r"<w:t(?: [^>]*)?>(.*?)</w:t>|<w:(tab|br)/>", paragraph, flags=re.DOTALL)
        lines.append("".join(html.unescape(t) if t else (" " if kind else "") for t, kind in runs))
    return "\n".join(lines)


def document_text(docx: bytes) -> str:
    """The text of a filled Word letter: its body, then its headers and footers, one line per paragraph."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        names = sorted((n for n in archive.namelist() if PARTS.fullmatch(n)),
                       key=lambda n: (not n.endswith("document.xml"), n))
        return "\n".join(rendered_text(archive.read(name).decode("utf-8")) for name in names)
