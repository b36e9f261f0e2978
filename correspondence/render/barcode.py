"""The letter's id as a Code 128 barcode beside the address block: a returned envelope is scanned at the
mailroom's desk (/mailroom), not typed.

python-barcode chooses the code sets (the date's and the number's digits in pairs, code set B for the hyphen:
145 modules for 20261122-000001). Both renderers draw the same bars: WeasyPrint through the SVG data URI, the
stamped path through `pdf_path`, and Word letters through `png`. The printed size is the letter's CSS (or the
Word picture's width): the drawing itself is one unit per module wide.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from urllib.parse import quote

from barcode.codex import Code128
from PIL import Image, ImageDraw

HEIGHT = 24  # the drawing's height in module units; the printed height is the letter's CSS
_BAR = re.compile("1+")


@lru_cache(maxsize=1024)
def bars(text: str) -> tuple[int, tuple[tuple[int, int], ...]]:
    """(modules, (start, width) of each bar): the symbol with its start, check and stop characters, no quiet
    zones (the letter leaves the room)."""
    modules = Code128(text).build()[0]
    return len(modules), tuple((m.start(), m.end() - m.start()) for m in _BAR.finditer(modules))


class NotPrintable(ValueError):
    """The text cannot be a Code 128 symbol (empty, or a character outside ASCII): `| barcode` is for ids."""


def checked(text: str) -> str:
    """The text, if Code 128 can print it; NotPrintable otherwise (the message never repeats the text: it may be
    a name, and the reason goes into the quarantine)."""
    if not text or any(not 32 <= ord(ch) < 127 for ch in text):
        raise NotPrintable("| barcode prints a letter's id: this value is empty or holds a character other than "
                           "printable ASCII (use it on letter.id)")
    return text


def size(text: str) -> tuple[int, int]:
    """The drawing's intrinsic (width, height): the stamped path's placeholder has the same."""
    return bars(text)[0], HEIGHT


def svg_data_uri(text: str) -> str:
    modules, found = bars(text)
    path = "".join(f"M{start} 0h{width}v{HEIGHT}h-{width}z" for start, width in found)
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{modules}' height='{HEIGHT}' "
           f"viewBox='0 0 {modules} {HEIGHT}' preserveAspectRatio='none'><path d='{path}' fill='#000'/></svg>")
    return "data:image/svg+xml," + quote(svg, safe="/:=' ")


def pdf_path(text: str, x: float, y: float, width: float, height: float) -> str:
    """Fill operators drawing the bars in the box (x, y, width, height), y growing downwards."""
    modules, found = bars(text)
    ops = [f"q {width / modules:.5f} 0 0 {height:.5f} {x:.3f} {y:.3f} cm 0 0 0 rg"]
    ops.extend(f"{start} 0 {w} 1 re" for start, w in found)
    return "\n".join(ops) + "\nf Q\n"


def png(text: str, scale: int = 4, height: int = 96) -> io.BytesIO:
    """The bars as a black-and-white PNG (Word letters' picture), `scale` pixels a module."""
    modules, found = bars(text)
    image = Image.new("1", (modules * scale, height), 1)
    draw = ImageDraw.Draw(image)
    for start, w in found:
        draw.rectangle((start * scale, 0, (start + w) * scale - 1, height - 1), fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    out.seek(0)
    return out
