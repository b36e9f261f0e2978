"""Print files assembled with qpdf (pikepdf): each letter's PDF opened once, its pages copied into the file,
and every object whose content is identical to one already in the file shared instead of copied.

A letter PDF embeds its fonts (and the stamped letters add an overlay whose font dicts reuse the same font
file), so a file of 1,000 letters would otherwise hold 1,000 copies of each font. Objects are keyed by their
content, Merkle-style: a stream by its dictionary and raw (still encoded) bytes, a dictionary or array by its
entries, a reference by the key of what it points to. Nothing here knows what a font or an image is, so a
change in what the renderer writes changes nothing here. Pages are never shared (each is its own page in
the file), and neither is anything that points back to a page (a link annotation's /P).

Only the unique objects are kept in memory, so a file's memory is its size on disk; the letter PDFs are
closed once copied. The bytes depend only on the letters and their order: objects are numbered in the
order they are first met, and the file ID is derived from the content (qpdf's deterministic ID).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Object, Pdf, Stream

INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")  # what a page may take from its page tree
_REFERENCE = re.compile(rb"\d+ \d+ R")

ObjGen = tuple[int, int]
Make = Callable[[], Any]


class _InProgress:
    """An indirect object being copied; a reference back to it (a cycle) gets a placeholder filled later."""

    def __init__(self) -> None:
        self.placeholder: Object | None = None


Memo = dict[ObjGen, tuple[Object, bytes] | _InProgress]  # one letter's objects already met


class PrintFileWriter:
    """`add(pdf_bytes_or_path)` letter after letter (and blank pages), then `bytes()`."""

    def __init__(self) -> None:
        self.out = Pdf.new()
        self.shared: dict[bytes, Object] = {}  # content key -> the object in the file
        self.counts: Counter[str] = Counter()  # copied / shared objects, for tests and figures
        self._serial = 0

    @property
    def pages(self) -> int:
        return len(self.out.pages)

    def add(self, source: bytes | Path) -> list[tuple[float, float]]:
        """Append every page of the letter PDF; returns each page's size (width, height) in points."""
        opened = pikepdf.open(io.BytesIO(source) if isinstance(source, bytes) else source)
        try:
            return self._add(opened)
        finally:
            opened.close()

    def blank_page(self, width: float, height: float) -> None:
        self.out.pages.append(pikepdf.Page(self.out.make_indirect(Dictionary(
            Type=Name.Page, MediaBox=Array([0, 0, width, height]), Resources=Dictionary()))))

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        # No object streams (older RIPs), content-derived ID: the same letters in the same order, the same bytes.
        self.out.save(buffer, deterministic_id=True, compress_streams=True,
                      object_stream_mode=pikepdf.ObjectStreamMode.disable)
        return buffer.getvalue()

    def _add(self, source: Pdf) -> list[tuple[float, float]]:
        memo: Memo = {}
        pages = list(source.pages)
        targets = []
        for page in pages:  # registered first, so a reference to a page (a link's /P, a /Dest) finds it
            self._serial += 1
            target = self.out.make_indirect(Dictionary())
            memo[page.obj.objgen] = (target, b"page %d" % self._serial)
            targets.append(target)
        sizes = []
        for page, target in zip(pages, targets, strict=True):
            entries = {key: page.obj[key] for key in page.obj.keys() if key != "/Parent"}
            for key in INHERITED:
                if key not in entries and (found := _inherited(page.obj, key)) is not None:
                    entries[key] = found
            for key, value in entries.items():
                target[key] = self._copy(value, memo)[0]()
            box = [float(x) for x in target.MediaBox]
            sizes.append((box[2] - box[0], box[3] - box[1]))
            self.out.pages.append(pikepdf.Page(target))
        return sizes

    def _copy(self, value: Any, memo: Memo) -> tuple[Make, bytes]:
        """How to make `value` in the file (called only when it is not shared already), and its content key."""
        if not isinstance(value, Object):  # a number or boolean pikepdf gave as a Python value
            return (lambda: value), b"%s %r" % (type(value).__name__.encode(), value)
        if value.is_indirect:
            target, key = self._indirect(value, memo)
            return (lambda: target), key
        return self._contents(value, memo)

    def _contents(self, value: Object, memo: Memo) -> tuple[Make, bytes]:
        """A dictionary, array, name or string, direct or the content of an indirect one."""
        if isinstance(value, Stream):
            raise ValueError("a stream as a direct object")  # cannot occur in a valid PDF
        text = value.unparse(resolved=True)  # what is inside a container stays a reference
        if not isinstance(value, Dictionary | Array) or not _REFERENCE.search(text):
            return (lambda: Object.parse(text)), text  # no reference inside: its text is its content
        if isinstance(value, Array):
            items = [self._copy(item, memo) for item in value]
            return (lambda: Array([make() for make, _ in items])), _key(b"array", dict(enumerate(items)))
        entries = {k: self._copy(value[k], memo) for k in value.keys()}
        return (lambda: Dictionary({k: make() for k, (make, _) in entries.items()})), _key(b"dict", entries)

    def _indirect(self, value: Object, memo: Memo) -> tuple[Object, bytes]:
        objgen = value.objgen
        known = memo.get(objgen)
        if isinstance(known, tuple):
            return known
        if isinstance(known, _InProgress):  # a cycle: point at a placeholder, never shared
            if known.placeholder is None:
                known.placeholder = (self.out.make_stream(b"") if isinstance(value, Stream)
                                     else self.out.make_indirect(Array() if isinstance(value, Array) else Dictionary()))
            self._serial += 1
            return known.placeholder, b"cycle %d" % self._serial
        progress = memo[objgen] = _InProgress()
        if isinstance(value, Stream):
            raw = value.read_raw_bytes()
            entries = {k: self._copy(value.stream_dict[k], memo) for k in value.stream_dict.keys() if k != "/Length"}
            key = _key(b"stream", entries, raw)
        else:
            make, inner = self._contents(value, memo)
            key = b"indirect " + inner
        if progress.placeholder is not None:  # part of a cycle: its own object, filled in now
            self._serial += 1
            key, target = b"cyclic %d" % self._serial, progress.placeholder
            if isinstance(value, Stream):
                _fill_stream(target, entries, raw)
            elif isinstance(value, Array):
                target.extend(list(make()))
            else:
                made = make()
                for name in made.keys():
                    target[name] = made[name]
        elif (found := self.shared.get(key)) is not None:
            target = found
            self.counts["shared"] += 1
        else:
            if isinstance(value, Stream):
                target = self.out.make_stream(b"")
                _fill_stream(target, entries, raw)
            else:
                target = self.out.make_indirect(make())
            self.shared[key] = target
            self.counts["copied"] += 1
        memo[objgen] = (target, key)
        return target, key


def print_file(cover: bytes | None, letters: list[Path]) -> tuple[bytes, list[int]]:
    """A print file: the cover's page and a blank back page, then each letter from an odd page on (a blank
    page after an odd page count). Returns its bytes and the pages each letter takes in it, padding included.
    A plain function of paths, so a process pool can build a night's files side by side."""
    writer = PrintFileWriter()
    if cover is not None:
        (size, *_) = writer.add(cover)
        writer.blank_page(*size)
    taken = []
    for letter in letters:
        first = writer.pages
        sizes = writer.add(letter)
        if len(sizes) % 2:
            writer.blank_page(*sizes[-1])
        taken.append(writer.pages - first)
    return writer.bytes(), taken


def _key(kind: bytes, entries: dict[Any, tuple[Make, bytes]], raw: bytes = b"") -> bytes:
    digest = hashlib.sha256(kind)
    for name, (_, key) in entries.items():
        digest.update(b"\0%s\0%d:%s" % (str(name).encode(), len(key), key))
    digest.update(b"\0raw\0")
    digest.update(raw)
    return digest.digest()


def _fill_stream(target: Object, entries: dict[str, tuple[Make, bytes]], raw: bytes) -> None:
    filters = {k: make() for k, (make, _) in entries.items()}
    target.write(raw, filter=filters.pop("/Filter", None), decode_parms=filters.pop("/DecodeParms", None),
                 type_check=False)
    for name, obj in filters.items():
        target.stream_dict[name] = obj


def _inherited(page: Object, key: str) -> Object | None:
    node = page.get("/Parent")
    for _ in range(64):  # a page tree is shallow; a loop in a broken file ends here
        if node is None:
            return None
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None
