"""Reading a CSV export as a spreadsheet wrote it: its encoding and its separator, found and named.

Encoding: UTF-8, with or without a BOM (Excel's "CSV UTF-8"); UTF-16 with a BOM (Excel's "Unicode text");
otherwise Windows-1252, the encoding of a Belgian spreadsheet's plain "CSV", or Latin-1 for the few bytes
Windows-1252 leaves undefined — unless the file holds UTF-8's accented letters too: a UTF-8 file with one
broken byte is refused with its line rather than read with every accent garbled. A zip file (an .xlsx workbook renamed) and UTF-16 without a BOM are
refused whole (a NUL byte elsewhere is a field's control character, which that field's parser refuses).

Separator: `,`, `;` (a Belgian spreadsheet's default) or a tab, whichever makes the header name the most
expected columns; `,` when none does. Each file says what was found (`separator ';', encoding UTF-8 (BOM)`).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

SEPARATORS = {",": "','", ";": "';'", "\t": "tab"}  # in order of preference on a tie
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
ZIP = b"PK\x03\x04"
# an accented letter as UTF-8 writes it (é = C3 A9); Windows-1252 text almost never holds one ("Ã©")
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


CHUNK = 1 << 20  # bytes read at a time: a file is never held whole
CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


@dataclass(frozen=True)
class Decoded:
    """A file's text and the encoding it was read in (`UTF-8 (BOM)`), or why it cannot be read as text."""

    text: str | None
    encoding: str | None
    problem: str | None = None


@dataclass(frozen=True)
class Sniffed:
    """How to read a file as text (`codec` for open()), its encoding for people, or why it cannot be read;
    and the sha256 of its bytes."""

    codec: str | None
    encoding: str | None
    problem: str | None
    sha256: str


class _Sniffer:
    """The encoding of bytes fed in chunks, decided as `decode` decides it for the whole file at once."""

    def __init__(self) -> None:
        self.first = b""  # the first bytes: BOMs, zip, UTF-16 without BOM
        self.utf16: codecs.IncrementalDecoder | None = None
        self.utf8_error: str | None = None  # the first byte UTF-8 cannot read, with its line
        self.carry = b""  # an incomplete UTF-8 sequence at a chunk's end
        self.lines = 0  # line breaks in the bytes UTF-8 read so far
        self.sequence = False  # an accented letter as UTF-8 writes it, anywhere
        self.undefined = False  # a byte Windows-1252 leaves undefined, anywhere
        self.utf16_broken = False
        self.tail = b""  # the end of the previous chunk: a sequence may straddle two
        self.digest = hashlib.sha256()

    def feed(self, chunk: bytes, final: bool = False) -> None:
        self.digest.update(chunk)
        if len(self.first) < 4:
            before = self.first  # every byte before this chunk
            self.first += chunk[: 4 - len(self.first)]
            if self.first.startswith(UTF16_BOMS) and self.utf16 is None:
                self.utf16 = codecs.getincrementaldecoder("utf-16")()
                chunk = before + chunk
        if self.utf16 is not None:
            try:
                self.utf16.decode(chunk, final)
            except UnicodeDecodeError:
                self.utf16_broken = True
            return
        joined = self.tail + chunk
        self.sequence = self.sequence or bool(UTF8_SEQUENCE.search(joined))
        self.undefined = self.undefined or bool(CP1252_UNDEFINED.search(chunk))
        self.tail = chunk[-3:]
        if self.utf8_error is None:
            self._utf8(self.carry + chunk, final)

    def _utf8(self, data: bytes, final: bool) -> None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if not final and exc.reason == "unexpected end of data":  # the sequence goes on in the next chunk
                self.lines += data.count(b"\n", 0, exc.start)
                self.carry = data[exc.start :]
                return
            line = self.lines + data.count(b"\n", 0, exc.start) + 1
            self.utf8_error = f"is UTF-8 except byte 0x{data[exc.start]:02x} on line {line}"
            return
        self.lines += data.count(b"\n")
        self.carry = b""

    def decided(self) -> Sniffed:
        sha = self.digest.hexdigest()
        if self.utf16 is not None:
            if self.utf16_broken:
                return Sniffed(None, None, "starts as UTF-16 but is not: export the file as CSV UTF-8", sha)
            return Sniffed("utf-16", "UTF-16 (BOM)", None, sha)
        if self.first.startswith(ZIP):
            return Sniffed(None, None, "is a zip file (an .xlsx or .ods workbook?), not CSV text: save it as CSV", sha)
        if self.first[:2].count(0) == 1:  # a header is text: a NUL in its first two bytes is UTF-16 without its BOM
            return Sniffed(None, None, "is UTF-16 without a BOM: export the file as CSV UTF-8", sha)
        if self.utf8_error is None:
            return Sniffed("utf-8-sig", "UTF-8 (BOM)" if self.first.startswith(UTF8_BOM) else "UTF-8", None, sha)
        if self.sequence:  # UTF-8 text with a broken byte: read as Windows-1252 every é would be Ã©
            return Sniffed(None, None, f"{self.utf8_error}: correct that line or export the file again as CSV UTF-8",
                           sha)
        if self.undefined:  # every byte of Windows-1252 is a character but 0x81, 0x8d, 0x8f, 0x90, 0x9d
            return Sniffed("latin-1", "Latin-1 (not UTF-8)", None, sha)
        return Sniffed("cp1252", "Windows-1252 (not UTF-8)", None, sha)


def sniff(path: Path) -> Sniffed:
    """How to read the file at `path` as text, read in chunks (its size does not matter)."""
    sniffer = _Sniffer()
    with path.open("rb") as handle:
        chunk = handle.read(CHUNK)
        while True:
            following = handle.read(CHUNK) if chunk else b""
            sniffer.feed(chunk, final=not following)
            if not following:
                break
            chunk = following
    return sniffer.decided()


def decode(raw: bytes) -> Decoded:
    """`raw` as text, decided as `sniff` decides a file's encoding."""
    sniffer = _Sniffer()
    sniffer.feed(raw, final=True)
    found = sniffer.decided()
    if found.codec is None:
        return Decoded(None, None, found.problem)
    return Decoded(raw.decode(found.codec), found.encoding)


def header_cells(text: str, separator: str) -> list[str]:
    """The first record of `text` split at `separator` (empty when it cannot be read)."""
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=separator), [])
    except csv.Error:
        return []


def separator(text: str, expected: Collection[str]) -> str:
    """The separator under which the header names the most `expected` columns; ',' when none names any."""
    first = text.split("\n", 1)[0]  # a header holds no quoted line break: the first line is enough
    scores = {sep: sum(cell in expected for cell in header_cells(first, sep)) for sep in SEPARATORS}
    return max(SEPARATORS, key=lambda sep: scores[sep])  # max keeps the first of equal scores: ',' first


def described(separator: str | None, encoding: str | None) -> str:
    """`separator ';', encoding UTF-8 (BOM)`: what a file was read with, for the import's output."""
    parts = [f"separator {SEPARATORS[separator]}"] if separator else []
    return ", ".join(parts + ([f"encoding {encoding}"] if encoding else []))
