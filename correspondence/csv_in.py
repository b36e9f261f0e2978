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

import csv
import io
import re
from collections.abc import Collection
from dataclasses import dataclass

SEPARATORS = {",": "','", ";": "';'", "\t": "tab"}  # in order of preference on a tie
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
ZIP = b"PK\x03\x04"
# an accented letter as UTF-8 writes it (é = C3 A9); Windows-1252 text almost never holds one ("Ã©")
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


@dataclass(frozen=True)
class Decoded:
    """A file's text and the encoding it was read in (`UTF-8 (BOM)`), or why it cannot be read as text."""

    text: str | None
    encoding: str | None
    problem: str | None = None


def decode(raw: bytes) -> Decoded:
    if raw.startswith(UTF16_BOMS):
        try:
            return Decoded(raw.decode("utf-16"), "UTF-16 (BOM)")
        except UnicodeDecodeError:
            return Decoded(None, None, "starts as UTF-16 but is not: export the file as CSV UTF-8")
    if raw.startswith(ZIP):
        return Decoded(None, None, "is a zip file (an .xlsx or .ods workbook?), not CSV text: save it as CSV")
    if raw[:2].count(0) == 1:  # a header is text: a NUL in its first two bytes is UTF-16 without its BOM
        return Decoded(None, None, "is UTF-16 without a BOM: export the file as CSV UTF-8")
    try:
        return Decoded(raw.decode("utf-8-sig"), "UTF-8 (BOM)" if raw.startswith(UTF8_BOM) else "UTF-8")
    except UnicodeDecodeError as exc:
        if UTF8_SEQUENCE.search(raw):  # UTF-8 text with a broken byte: read as Windows-1252 every é would be Ã©
            line = raw.count(b"\n", 0, exc.start) + 1
            return Decoded(None, None, f"is UTF-8 except byte 0x{raw[exc.start]:02x} on line {line}: correct that "
                                       "line or export the file again as CSV UTF-8")
    try:  # every byte of Windows-1252 is a character but 0x81, 0x8d, 0x8f, 0x90, 0x9d
        return Decoded(raw.decode("cp1252"), "Windows-1252 (not UTF-8)")
    except UnicodeDecodeError:
        return Decoded(raw.decode("latin-1"), "Latin-1 (not UTF-8)")


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
