"""Where a filled letter's data went: every `{{ ... }}` value of an HTML template, marked in the output.

The letter environment (`templating.marked_environment`) wraps each printed value in private-use marks, so
one fill gives both the letter's HTML (`Marked.html()`) and its slots: the values, where they are, and
whether they sit in text or in an attribute; a drawn code (`| epc_qr`, `| barcode`) is a slot of its own, drawn
by whichever path prints the letter. The stamped renderer lays a letter type out once with the text
slots replaced by probe codes (`Marked.with_codes`) and prints each letter's own values into that layout.
Markup (included partials, `| safe`) is not a slot: it is part of the letter's shape.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from correspondence.render import barcode, qr

TEXT_OPEN, TEXT_CLOSE, DRAWN_OPEN, DRAWN_CLOSE = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKS = {ord(c): "\ufffd" for c in (TEXT_OPEN, TEXT_CLOSE, DRAWN_OPEN, DRAWN_CLOSE)}
_SLOT = re.compile(f"{TEXT_OPEN}([^{TEXT_OPEN}-{DRAWN_CLOSE}]*){TEXT_CLOSE}|{DRAWN_OPEN}([QB])([0-9a-f]*){DRAWN_CLOSE}")
_DRAWN_KINDS = {"Q": "qr", "B": "barcode"}
_ATTRIBUTE = re.compile(r"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*[\"']?[^\"'<>]*$")
# Probe codes: letters no template word contains, so a code is found again in the laid-out text.
_CODE = re.compile(r"Qz([A-Z]+)q")  # a widened code is followed by its filler (plan.FILLERS): text, not code


class EpcQr(str):
    """What `| epc_qr` prints in the letter environment: the EPC payload, drawn later by either path."""

    __slots__ = ()


class Barcode(str):
    """What `| barcode` prints in the letter environment: the text of the Code 128 symbol, drawn later."""

    __slots__ = ()


def finalize(value: Any) -> Any:
    if isinstance(value, (EpcQr, Barcode)):
        kind = "Q" if isinstance(value, EpcQr) else "B"
        return Markup(DRAWN_OPEN + kind + value.encode("utf-8").hex() + DRAWN_CLOSE)
    if isinstance(value, Markup):
        return value
    # One Markup made from plain strings: adding str and Markup escapes and copies at every step.
    return Markup(TEXT_OPEN + str(escape(str(value).translate(_MARKS))) + TEXT_CLOSE)


def code(index: int, filler: str = "") -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return f"Qz{letters}q{filler}"


def find_codes(text: str) -> list[tuple[int, int, int]]:
    """(slot index, start, end) of each probe code in a laid-out text (its widening filler not included)."""
    found = []
    for match in _CODE.finditer(text):
        index = 0
        for ch in match.group(1):
            index = index * 26 + ord(ch) - 64
        found.append((index - 1, match.start(), match.end()))
    return found


@dataclass(frozen=True)
class Slot:
    start: int
    end: int
    kind: str  # text | attribute | qr | barcode
    value: str  # the text as printed (unescaped), the EPC payload or the barcode's text

    @property
    def drawn(self) -> bool:
        return self.kind in ("qr", "barcode")

    def picture(self) -> str:
        """A drawn slot as the SVG data URI WeasyPrint lays out."""
        return qr.svg_data_uri(self.value) if self.kind == "qr" else barcode.svg_data_uri(self.value)

    def size(self) -> tuple[int, int]:
        """A drawn slot's intrinsic (width, height), one unit a module."""
        if self.kind == "qr":
            modules = qr.matrix(self.value).symbol_size(border=0)[0]
            return modules, modules
        return barcode.size(self.value)
    attribute: str | None = None


@dataclass(frozen=True)
class Marked:
    source: str
    slots: tuple[Slot, ...]

    @classmethod
    def parse(cls, source: str) -> Marked:
        slots = []
        for match in _SLOT.finditer(source):
            start = match.start()
            if match.group(2) is not None:
                slots.append(Slot(start, match.end(), _DRAWN_KINDS[match.group(2)],
                                  bytes.fromhex(match.group(3)).decode("utf-8")))
                continue
            value = html_lib.unescape(match.group(1))
            if source.rfind("<", 0, start) > source.rfind(">", 0, start):
                attribute = _ATTRIBUTE.search(source, source.rfind("<", 0, start), start)
                slots.append(Slot(start, match.end(), "attribute", value,
                                  attribute.group(1).lower() if attribute else None))
            else:
                slots.append(Slot(start, match.end(), "text", value))
        return cls(source, tuple(slots))

    def _join(self, piece: Any) -> str:
        parts, at = [], 0
        for index, slot in enumerate(self.slots):
            parts += [self.source[at:slot.start], piece(index, slot)]
            at = slot.end
        parts.append(self.source[at:])
        return "".join(parts)

    def html(self, drawings: bool = True) -> str:
        """The letter as it prints: values escaped, the QR code and the barcode as SVG data URIs (or left out:
        the text alone, for the checks that read it, without drawing the codes)."""
        return self._join(lambda i, s: (s.picture() if drawings else "") if s.drawn else str(escape(s.value)))

    def with_codes(self, stamped: frozenset[int] | None = None, widen: dict[int, str] | None = None) -> str:
        """The letter's shape: the text slots in `stamped` (all text slots if None) as probe codes (widened
        by the filler `widen[i]`), each drawn code as a blank picture of its own size, `id` attributes emptied
        (anchors only), every other value as printed."""
        widen = widen or {}

        def piece(index: int, slot: Slot) -> str:
            if slot.drawn:
                return blank_drawing(index, *slot.size())
            if slot.kind == "attribute" and slot.attribute == "id":
                return ""
            if slot.kind == "text" and (stamped is None or index in stamped):
                return code(index, widen.get(index, ""))
            return str(escape(slot.value))

        return self._join(piece)


def blank_drawing(index: int, width: int, height: int) -> str:
    """A placeholder as large as the code drawn there (one unit per module), told apart by its index."""
    return (f"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}'%3E%3C!--{index}--%3E%3C/svg%3E")


def drawing_index(src: str) -> int | None:
    match = re.search(r"%3C!--(\d+)--%3E", src or "")
    return int(match.group(1)) if match else None
