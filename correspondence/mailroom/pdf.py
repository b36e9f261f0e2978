"""Print files assembled with qpdf (pikepdf): each letter's PDF opened once, its pages copied into the file,
and every object whose content is identical to one already in the file shared instead of copied.

A letter PDF embeds its fonts (and the stamped letters add an overlay whose font dicts reuse the same font
file), so a file of 1,000 letters would otherwise hold 1,000 copies of each font. Objects are keyed by their
content, Merkle-style: a stream by its dictionary and raw (still encoded) bytes, a dictionary or array by its
entries, a reference by the key of what it points to. Nothing here knows what a font or an image is, so a
change in what the renderer writes changes nothing here. Pages are never shared (each is its own page in
the file), and neither is anything that points back to a page (a link annotation's /P).

A stamped letter is its shape's PDF plus an incremental update (the letter's own lines and QR code on each
page). Letters that begin with the same revision share every object of it that neither their update nor a page
touches: the first such letter's objects are remembered by their number in that revision (`_Base`), and the
next ones take them without walking them again (a night's letters are mostly a few shapes: walking each
shape's fonts and resources again cost most of a print file's time). The file is the same, byte for byte.

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
from dataclasses import dataclass
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
_PER_LETTER = (b"page ", b"cycle ", b"cyclic ")  # keys of objects never shared between letters
_PREV = re.compile(rb"/Prev\s+(\d+)")


@dataclass(frozen=True)
class _Base:
    """What the letters beginning with one revision share: its objects, by number, as placed in the file."""
    objects: dict[ObjGen, tuple[Object, bytes]]


def _revision(data: bytes) -> tuple[bytes, set[int]] | None:
    """The digest of a PDF's first revision and the object numbers its incremental updates define again or
    free, when the updates are classic cross-reference tables (as the stamped letters write them); else None.
    The tables are found from the last `startxref` back along the trailers' /Prev, never by searching."""
    first_end = data.find(b"%%EOF")
    if first_end < 0 or not data[first_end + 5:].strip():
        return None
    first_end += 5
    updated: set[int] = set()
    try:
        offset = int(data[data.rindex(b"startxref") + 9:].split()[0])
        while offset >= first_end:
            if not data.startswith(b"xref", offset):
                return None
            trailer = data.index(b"trailer", offset)
            words, i = data[offset + 4:trailer].split(), 0
            while i < len(words):
                first, count = int(words[i]), int(words[i + 1])
                entries = words[i + 2:i + 2 + 3 * count]
                if len(entries) != 3 * count or any(kind not in (b"n", b"f") for kind in entries[2::3]):
                    return None
                updated.update(range(first, first + count))
                i += 2 + 3 * count
            previous = _PREV.search(data, trailer, data.index(b"startxref", trailer))
            if previous is None:
                return None
            offset = int(previous[1])
    except (ValueError, IndexError):
        return None  # not tables this reads: the letter is walked whole
    if not updated:
        return None
    return hashlib.sha256(data[:first_end]).digest(), updated


class PrintFileWriter:
    """`add(pdf_bytes_or_path)` letter after letter (and blank pages), then `bytes()`."""

    def __init__(self) -> None:
        self.out = Pdf.new()
        self.shared: dict[bytes, Object] = {}  # content key -> the object in the file
        self.counts: Counter[str] = Counter()  # copied / shared / seeded objects, for tests and figures
        self._serial = 0
        self._bases: dict[bytes, _Base] = {}
        self._volatile: set[bytes] = set()  # this letter's keys that depend on its pages or its update
        self._updated: set[int] = set()  # the object numbers this letter's incremental updates define again

    @property
    def pages(self) -> int:
        return len(self.out.pages)

    def add(self, source: bytes | Path) -> list[tuple[float, float]]:
        """Append every page of the letter PDF; returns each page's size (width, height) in points."""
        data = source if isinstance(source, bytes) else source.read_bytes()
        revision = _revision(data)
        memo: Memo = {}
        base = self._bases.get(revision[0]) if revision else None
        if base is not None and revision is not None and not any(o[0] in revision[1] for o in base.objects):
            memo.update(base.objects)
            self.counts["seeded"] += len(base.objects)
        opened = pikepdf.open(io.BytesIO(data))
        self._volatile = set()
        try:
            sizes = self._add(opened, memo, revision[1] if revision else set())
        finally:
            opened.close()
        if revision is not None and base is None:
            self._bases[revision[0]] = _Base({objgen: known for objgen, known in memo.items()
                                              if isinstance(known, tuple) and objgen[0] not in revision[1]
                                              and not self._is_volatile(known[1])})
        return sizes

    def _is_volatile(self, key: bytes) -> bool:
        return key.startswith(_PER_LETTER) or key in self._volatile

    def blank_page(self, width: float, height: float) -> None:
        self.out.pages.append(pikepdf.Page(self.out.make_indirect(Dictionary(
            Type=Name.Page, MediaBox=Array([0, 0, width, height]), Resources=Dictionary()))))

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        # No object streams (older RIPs), content-derived ID: the same letters in the same order, the same bytes.
        self.out.save(buffer, deterministic_id=True, compress_streams=True,
                      object_stream_mode=pikepdf.ObjectStreamMode.disable)
        return buffer.getvalue()

    def _add(self, source: Pdf, memo: Memo, updated: set[int]) -> list[tuple[float, float]]:
        self._updated = updated
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
            items = dict(enumerate(self._copy(item, memo) for item in value))
            return (lambda: Array([make() for make, _ in items.values()])), self._composite(b"array", items)
        entries = {k: self._copy(value[k], memo) for k in value.keys()}
        key = self._composite(b"dict", entries)
        return (lambda: Dictionary({k: make() for k, (make, _) in entries.items()})), key

    def _composite(self, kind: bytes, entries: dict[Any, tuple[Make, bytes]]) -> bytes:
        key = _key(kind, entries)
        if any(self._is_volatile(k) for _, k in entries.values()):
            self._volatile.add(key)
        return key

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
            children = list(entries.values())
        else:
            make, inner = self._contents(value, memo)
            key = b"indirect " + inner
            children = [(make, inner)]
        if objgen[0] in self._updated or any(self._is_volatile(k) for _, k in children):
            self._volatile.add(key)  # differs between letters of the same first revision: never seeded
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
