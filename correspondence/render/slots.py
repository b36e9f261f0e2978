"""Where a filled letter's data went: every `{{ ... }}` value of an HTML template, marked in the output.

The letter environment (`templating.marked_environment`) wraps each printed value in private-use marks, so
one fill gives both the letter's HTML (`Marked.html()`) and its slots: the values, where they are, and
whether they sit in text or in an attribute. The stamped renderer lays a letter type out once with the text
slots replaced by probe codes (`Marked.with_codes`) and prints each letter's own values into that layout.
Markup (included partials, `| safe`) is not a slot: it is part of the letter's shape.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from correspondence.render import qr

TEXT_OPEN, TEXT_CLOSE, QR_OPEN, QR_CLOSE = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKS = {ord(c): "\ufffd" for c in (TEXT_OPEN, TEXT_CLOSE, QR_OPEN, QR_CLOSE)}
_SLOT = re.compile(f"{TEXT_OPEN}([^{TEXT_OPEN}-{QR_CLOSE}]*){TEXT_CLOSE}|{QR_OPEN}([0-9a-f]*){QR_CLOSE}")
_ATTRIBUTE = re.compile(r"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*[\"']?[^\"'<>]*$")
# Probe codes: letters no template word contains, so a code is found again in the laid-out text.
_CODE = re.compile(r"Qz([A-Z]+)q")  # a widened code is followed by zeros: text, not code


class EpcQr(str):
    """What `| epc_qr` prints in the letter environment: the EPC payload, drawn later by either path."""

    __slots__ = ()


def finalize(value: Any) -> Any:
    if isinstance(value, EpcQr):
        return Markup(QR_OPEN + value.encode("utf-8").hex() + QR_CLOSE)
    if isinstance(value, Markup):
        return value
    # One Markup made from plain strings: adding str and Markup escapes and copies at every step.
    return Markup(TEXT_OPEN + str(escape(str(value).translate(_MARKS))) + TEXT_CLOSE)


def code(index: int, zeros: int = 0) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return f"Qz{letters}q" + "0" * zeros


def find_codes(text: str) -> list[tuple[int, int, int]]:
    """(slot index, start, end) of each probe code in a laid-out text (widening zeros not included)."""
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
    kind: str  # text | attribute | qr
    value: str  # the text as printed (unescaped), or the EPC payload
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
                slots.append(Slot(start, match.end(), "qr", bytes.fromhex(match.group(2)).decode("utf-8")))
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

    def html(self, qr_codes: bool = True) -> str:
        """The letter as it prints: values escaped, the QR code as an SVG data URI (or left out: the text alone,
        for the checks that read it, without drawing the code)."""
        return self._join(lambda i, s: (qr.svg_data_uri(s.value) if qr_codes else "") if s.kind == "qr"
                          else str(escape(s.value)))

    def with_codes(self, stamped: frozenset[int] | None = None, widen: dict[int, int] | None = None) -> str:
        """The letter's shape: the text slots in `stamped` (all text slots if None) as probe codes (widened
        by `widen[i]` zeros), each QR code as a blank square of its own size, `id` attributes emptied
        (anchors only), every other value as printed."""
        widen = widen or {}

        def piece(index: int, slot: Slot) -> str:
            if slot.kind == "qr":
                return blank_qr(index, qr.matrix(slot.value).symbol_size(border=0)[0])
            if slot.kind == "attribute" and slot.attribute == "id":
                return ""
            if slot.kind == "text" and (stamped is None or index in stamped):
                return code(index, widen.get(index, 0))
            return str(escape(slot.value))

        return self._join(piece)


def blank_qr(index: int, modules: int) -> str:
    """A placeholder as large as the QR code segno draws (one unit per module), told apart by its index."""
    return (f"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='{modules}' height='{modules}' "
            f"viewBox='0 0 {modules} {modules}'%3E%3C!--{index}--%3E%3C/svg%3E")


def qr_index(src: str) -> int | None:
    match = re.search(r"%3C!--(\d+)--%3E", src or "")
    return int(match.group(1)) if match else None
