"""Lay a letter's shape out once and find the lines its data can be printed into.

A *plan* is one WeasyPrint layout of a letter's shape (`Marked.with_codes`: the per-letter text slots as
probe codes) kept as a background PDF without those lines, plus what is needed to draw the lines again with
any letter's values: each run's text, font, size, colour, baseline and the line's alignment. A slot can be
stamped only where that is exact:

- its line is *hard*: it starts a block or follows a forced break, and ends its block or a forced break, so
  the value's width cannot move a line break (`_hard`);
- every run on the line is plain Letter Sans text whose laid-out width equals the width measured from the
  font (no kerning, letter- or word-spacing, transforms, decorations);
- laid out again with every stamped value as wide as its line allows, nothing else on the page moves (the
  two layouts draw the same boxes at the same places: `picture`) and each run lands where the alignment model
  puts it.

A letter whose values fit the widths so tested is stamped; any other letter is laid out by WeasyPrint.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from weasyprint.formatting_structure import boxes

from correspondence.render.slots import Marked, drawing_index, find_codes
from correspondence.render.slots import code as probe_code
from correspondence.render.stamp.fonts import FontMetrics

MIN_ROOM_PX = 6.0  # a line with less room than about one character is left to the shape (key)
TOLERANCE_PX = 0.02  # Pango positions glyphs in 1/1024 pt; measured and laid-out widths agree far closer
WIDEN_TRIES = 3
FILLERS = "0.'"  # what widens a probe code, widest first (no line break opportunity between them)
ALIGN = {"start": 0.0, "left": 0.0, "end": 1.0, "right": 1.0, "center": 0.5}

Layout = Callable[[str], Any]  # HTML of one letter -> weasyprint.Document


class NotStampable(Exception):
    """This shape cannot be stamped exactly; its letters are laid out one by one."""


@dataclass(frozen=True)
class Run:
    text: str  # as laid out in the plan, probe codes included
    x: float
    baseline: float
    width: float
    font: str
    size: float
    color: tuple[float, float, float]
    codes: tuple[int, ...]


@dataclass(frozen=True)
class Line:
    page: int
    align: float  # 0 left, 0.5 centre, 1 right
    width: float
    limit: float  # the widest the line was laid out and checked at
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class DrawnBox:
    """Where a drawn code (the EPC QR code, the letter's barcode) goes: its slot's value is drawn there."""

    page: int
    slot: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Plan:
    background: bytes  # WeasyPrint's PDF of the shape, stamped lines and drawn codes left out
    lines: tuple[Line, ...]
    drawn: tuple[DrawnBox, ...]
    stamped: frozenset[int]


@dataclass
class _Found:
    line: boxes.LineBox
    parent: boxes.Box
    page: int
    leaves: list[boxes.TextBox]
    codes: list[int]
    reason: str | None  # why this line cannot be stamped, None if it can


@dataclass
class _Analysis:
    document: Any
    lines: list[_Found]
    drawn: list[tuple[DrawnBox, boxes.Box, boxes.Box]]

    def stampable_codes(self) -> set[int]:
        return {c for f in self.lines if f.reason is None for c in f.codes}


def _walk(box: boxes.Box, parent: boxes.Box | None = None) -> Iterator[tuple[boxes.Box, boxes.Box | None]]:
    yield box, parent
    for child in getattr(box, "children", ()):
        yield from _walk(child, box)


def _lines(box: boxes.Box, ancestors: tuple[boxes.Box, ...] = ()) -> Iterator[tuple[boxes.Box, tuple[boxes.Box, ...]]]:
    yield box, ancestors
    for child in getattr(box, "children", ()):
        yield from _lines(child, (*ancestors, box))


def _sized_by_content(ancestors: tuple[boxes.Box, ...]) -> bool:
    """Whether a line's box takes its width from its content: a float, an inline block or an absolutely
    positioned box of auto width, or anything inside an auto-layout table (a column grows with its cells)."""
    for box in ancestors:
        auto = box.style["width"] == "auto"
        if auto and (box.is_floated() or box.is_absolutely_positioned()
                     or isinstance(box, (boxes.InlineBlockBox, boxes.InlineTableBox, boxes.FlexContainerBox))):
            return True
        if isinstance(box, boxes.TableBox) and (box.style["table_layout"] != "fixed" or auto):
            return True
    return False


def _ends_with_break(line: boxes.Box) -> bool:
    box = line
    while getattr(box, "children", None):
        box = box.children[-1]
        if getattr(box, "element_tag", None) == "br":
            return True
    return False


def _hard(line: boxes.LineBox, parent: boxes.Box) -> bool:
    lines = [c for c in parent.children if isinstance(c, boxes.LineBox)]
    at = next(i for i, c in enumerate(lines) if c is line)
    starts = at == 0 or _ends_with_break(lines[at - 1])
    ends = at == len(lines) - 1 or _ends_with_break(line)
    return starts and ends


def _split(line: boxes.LineBox, parent: boxes.Box, pages: list[set[int]], number: int) -> bool:
    """Whether the line starts or ends its block's part on a page while the block goes on across pages. A page's
    margin box (the continuation pages' running head) is never split: its element is the document's root."""
    if isinstance(parent, boxes.MarginBox):
        return False
    lines = [c for c in parent.children if isinstance(c, boxes.LineBox)]
    element = id(parent.element)
    continued = any(element in page for page in pages[:number])
    continues = any(element in page for page in pages[number + 1:])
    return (lines[0] is line and continued) or (lines[-1] is line and continues)


def _font(style: Any) -> str | None:
    if tuple(style["font_family"]) != ("Letter Sans",) or style["font_style"] != "normal":
        return None
    return "bold" if style["font_weight"] >= 600 else "regular"


def _run_problem(leaf: boxes.TextBox, fonts: dict[str, FontMetrics]) -> str | None:
    style = leaf.style
    font = _font(style)
    if font is None:
        return "not plain Letter Sans"
    if style["letter_spacing"] != "normal" or style["word_spacing"] != 0 or style["text_transform"] != "none":
        return "letter or word spacing, or a text transform"
    if style["text_decoration_line"] not in ("none", None, frozenset(), ()) or style["direction"] != "ltr":
        return "decorated or right-to-left text"
    if style["color"].alpha != 1:
        return "translucent text"
    if not fonts[font].covers(leaf.text):
        return "a character outside the letter font"
    if abs(fonts[font].width(leaf.text, style["font_size"]) - leaf.width) > TOLERANCE_PX:
        return "laid-out width differs from the font's advances"
    return None


def analyse(document: Any, fonts: dict[str, FontMetrics]) -> _Analysis:
    found: list[_Found] = []
    drawn: list[tuple[DrawnBox, boxes.Box, boxes.Box]] = []
    # Elements with lines on each page: a block split by a page break is not a hard start or end there.
    pages = [{id(parent.element) for box, parent in _walk(page._page_box)  # noqa: SLF001
              if isinstance(box, boxes.LineBox) and parent is not None} for page in document.pages]
    for number, page in enumerate(document.pages):
        for box, ancestors in _lines(page._page_box):  # noqa: SLF001 - the laid-out tree WeasyPrint draws
            parent = ancestors[-1] if ancestors else None
            if isinstance(box, boxes.ReplacedBox) and (index := drawing_index(box.element.get("src"))) is not None:
                drawn.append((DrawnBox(number, index, box.content_box_x(), box.content_box_y(), box.width,
                                       box.height), box, parent))
            if not isinstance(box, boxes.LineBox):
                continue
            leaves = [b for b, _ in _walk(box) if isinstance(b, boxes.TextBox)]
            codes = [c for leaf in leaves for c, _, _ in find_codes(leaf.text)]
            if not codes:
                continue
            reason = None
            if any(not isinstance(b, (boxes.LineBox, boxes.InlineBox, boxes.TextBox)) for b, _ in _walk(box)):
                reason = "an image or inline block on the line"
            elif not _hard(box, parent) or _split(box, parent, pages, number):
                reason = "inside a paragraph: its width would move line breaks"
            elif _sized_by_content(ancestors):
                reason = "in a box as wide as its content (a float, an auto table column)"
            else:
                reason = next(filter(None, (_run_problem(leaf, fonts) for leaf in leaves)), None)
            found.append(_Found(box, parent, number, leaves, codes, reason))
    return _Analysis(document, found, drawn)


def _align(found: _Found) -> float:
    style = found.parent.style
    align = style["text_align_all"]
    if style["text_align_last"] != "auto":
        align = style["text_align_last"]
    return ALIGN.get(align, 0.0)  # justify: a hard line is a last line, laid out as start


def _runs(found: _Found) -> tuple[Run, ...]:
    runs = []
    for leaf in found.leaves:
        red, green, blue = leaf.style["color"].to("srgb").coordinates
        runs.append(Run(leaf.text, leaf.position_x, leaf.position_y + leaf.baseline, leaf.width,
                        _font(leaf.style) or "", leaf.style["font_size"], (red, green, blue),
                        tuple(code for code, _, _ in find_codes(leaf.text))))
    return tuple(runs)


def _drop(analysis: _Analysis, lines: list[_Found]) -> None:
    """Take the stamped lines' text and the drawn codes out of the laid-out document."""
    drop = {id(leaf) for f in lines for leaf in f.leaves} | {id(box) for _, box, _ in analysis.drawn}
    for _, parent in [(b, p) for f in lines for b, p in _walk(f.line)] + [(b, p) for _, b, p in analysis.drawn]:
        if parent is not None and any(id(c) in drop for c in parent.children):
            parent.children = [c for c in parent.children if id(c) not in drop]


def background(analysis: _Analysis, lines: list[_Found]) -> bytes:
    """The laid-out document drawn without the stamped lines' text and without the drawn codes."""
    _drop(analysis, lines)
    return analysis.document.write_pdf(full_fonts=True)


_BORDERS = ("border_top_width", "border_right_width", "border_bottom_width", "border_left_width")
_EDGES = ("margin_top", "margin_right", "margin_bottom", "margin_left", "padding_top", "padding_right",
          "padding_bottom", "padding_left", *_BORDERS)


def _paints(box: boxes.Box) -> bool:
    """Whether a box draws anything of its own: a background or a border."""
    return getattr(box, "background", None) is not None or any(getattr(box, e, 0) for e in _BORDERS)


def picture(analysis: _Analysis, lines: list[_Found]) -> list[tuple[Any, ...]]:
    """What the laid-out document draws, the stamped `lines`' text taken out: each page's size, and each box's
    kind, element, position, size, edges and text (with its justification); on a stamped line only the boxes
    that paint a background or a border (the line's own boxes grow with its values and draw nothing). Two
    layouts of one shape (one style sheet, one element tree) with equal pictures draw the same PDF: comparing
    them costs a walk of the boxes, not writing the PDF again."""
    on_lines = {id(box) for f in lines for box, _ in _walk(f.line)}
    drawn: list[tuple[Any, ...]] = []
    for number, page in enumerate(analysis.document.pages):
        drawn.append((number, page.width, page.height))
        for box, _ in _walk(page._page_box):  # noqa: SLF001 - the laid-out tree WeasyPrint draws
            if id(box) in on_lines and not _paints(box):
                continue
            drawn.append((type(box).__name__, getattr(box, "element_tag", None), box.position_x, box.position_y,
                          box.width, box.height, *(getattr(box, edge, None) for edge in _EDGES),
                          getattr(box, "text", None), getattr(box, "justification_spacing", 0)))
    return drawn


def _filler(room: float, size: float, font: FontMetrics) -> str:
    """Characters as wide as `room` allows, within the narrowest filler's width: zeros, then full stops, then
    apostrophes. Zeros alone left up to a zero's width (7 px at 9.5 pt) unused, and how much depended on the
    probe code's own letters, so a value fitted or not by its slot's number (tests/test_stamp.py)."""
    filler = ""
    for char in FILLERS:
        count = max(0, math.floor((room - font.width(filler, size)) / font.width(char, size)))
        filler += char * count
    return filler


def _widen(lines: list[_Found], target: float, fonts: dict[str, FontMetrics]) -> dict[int, str]:
    """What to add to each line's codes so the line grows to `target` times the width of its box. A value
    printed on two lines (the name in the address and in the continuation pages' head) grows as its narrower
    line allows."""
    widen: dict[int, str] = {}
    regular = fonts["regular"]
    for f in lines:
        size = next(leaf.style["font_size"] for leaf in f.leaves if find_codes(leaf.text))
        per = (f.parent.width * target - f.line.width) / len(f.codes) - 1
        for code in f.codes:
            filler = _filler(per, size, regular)
            if code not in widen or regular.width(filler, size) < regular.width(widen[code], size):
                widen[code] = filler
    return widen


def _grown(marked: Marked, stamped: frozenset[int], drop: set[int], widen: dict[int, str],
           layout: Layout, fonts: dict[str, FontMetrics]) -> tuple[list[_Found], list[tuple[Any, ...]]]:
    """The layout with these codes widened: its lines holding codes in `drop`, and its picture without them."""
    wide = analyse(layout(marked.with_codes(stamped, widen)), fonts)
    lines = [f for f in wide.lines if set(f.codes) & drop]
    _drop(wide, lines)
    return lines, picture(wide, lines)


def _codes(lines: list[_Found]) -> set[int]:
    return {c for f in lines for c in f.codes}


def _texts(marked: Marked) -> frozenset[int]:
    return frozenset(i for i, s in enumerate(marked.slots) if s.kind == "text")


def _roomy(analysis: _Analysis) -> list[_Found]:
    return [f for f in analysis.lines if f.reason is None and f.parent.width - f.line.width >= MIN_ROOM_PX]


@dataclass(frozen=True)
class Room:
    """A stampable line of a shape laid out with every slot a probe code: its codes (slot, font, size) and how
    much wider than the codes its values may make it before it would wrap."""

    codes: tuple[tuple[int, str, float], ...]
    room: float


@dataclass(frozen=True)
class Likely:
    """A shape's likely slots (`likely`) and the room on their lines."""

    slots: frozenset[int]
    rooms: tuple[Room, ...] = ()

    def overflowing(self, marked: Marked, fonts: dict[str, FontMetrics]) -> frozenset[int]:
        """The slots on lines this letter's values make wider than their box: no plan of this shape can stamp
        them, so they are printed into the shape before a plan is made (a French fund name in the payment
        slip's beneficiary cell wraps in every letter: its plan with that slot stamped would never be used).
        A function of the shape and the letter's values, as the plans' own check is."""
        wide: set[int] = set()
        for room in self.rooms:
            grown = 0.0
            for slot, font, size in room.codes:
                value = marked.slots[slot].value
                if not fonts[font].covers(value):
                    break  # the plan's own check says why it cannot be stamped
                grown += fonts[font].width(value, size) - fonts[font].width(probe_code(slot), size)
            else:
                if grown > room.room + TOLERANCE_PX:
                    wide.update(slot for slot, _, _ in room.codes)
        return frozenset(wide)


def likely(marked: Marked, layout: Layout, fonts: dict[str, FontMetrics]) -> Likely:
    """The text slots of a letter's shape on stampable lines with room to grow, from one layout with every
    slot a probe code: what `candidates` keeps when the lines hold together, as they nearly always do. A plan
    of these slots (`build`) checks that a value filling its room moves nothing; only when it does not hold
    are the candidates sought line by line. One layout instead of two: a shape's planning is mostly layouts."""
    lines = _roomy(analyse(layout(marked.with_codes()), fonts))
    rooms = tuple(Room(tuple((c, _font(leaf.style) or "", leaf.style["font_size"]) for leaf in f.leaves
                             for c, _, _ in find_codes(leaf.text)), f.parent.width - f.line.width) for f in lines)
    return Likely(frozenset(_codes(lines)) & _texts(marked), rooms)


def candidates(marked: Marked, layout: Layout, fonts: dict[str, FontMetrics]) -> frozenset[int]:
    """The text slots of a letter's shape that can be stamped, found with every slot a probe code: on a
    stampable line with room to grow, and a value filling that room moves nothing else and lands where the
    alignment model says. Lines are tried together, then alone."""
    texts = _texts(marked)
    first = analyse(layout(marked.with_codes()), fonts)
    lines = _roomy(first)
    if not lines:
        return frozenset()
    drop = _codes(lines)
    _drop(first, lines)
    plain = picture(first, lines)

    def holds(some: list[_Found], against: list[_Found]) -> bool:
        wide, drawn = _grown(marked, texts, drop, _widen(some, 1.0, fonts), layout, fonts)
        codes = _codes(against)
        return drawn == plain and _same_shape(against, [f for f in wide if set(f.codes) & codes])

    if not holds(lines, lines):
        lines = [f for f in lines if holds([f], [f])]
        if lines and not holds(lines, lines):
            return frozenset()  # each alone holds, together they do not: lay these letters out one by one
    return frozenset(_codes(lines)) & texts


def build(marked: Marked, stamped: frozenset[int], layout: Layout, fonts: dict[str, FontMetrics]) -> Plan:
    """The plan of this shape (the slots not in `stamped` printed with their values), or NotStampable."""
    first = analyse(layout(marked.with_codes(stamped)), fonts)
    lines = [f for f in first.lines if set(f.codes) & stamped]
    for f in lines:
        if f.reason is not None:
            raise NotStampable(f"slot {f.codes[0]}: {f.reason}")
    if missing := stamped - _codes(lines):
        raise NotStampable(f"slots {sorted(missing)} are not laid out as text")
    plain = background(first, lines)
    plain_picture = picture(first, lines)
    target = 1.0
    for _ in range(WIDEN_TRIES):
        wide, drawn = _grown(marked, stamped, _codes(lines), _widen(lines, target, fonts), layout, fonts)
        if drawn == plain_picture and _same_shape(lines, wide):
            break
        target = (target + 1) / 2 - 0.25  # 1, 0.75, 0.625 of the box
    else:
        raise NotStampable("the layout moves when a value grows")
    plan_lines = tuple(Line(narrow.page, _align(narrow), narrow.line.width, broad.line.width, _runs(narrow))
                       for narrow, broad in zip(lines, wide, strict=True))
    return Plan(plain, plan_lines, tuple(d for d, _, _ in first.drawn), stamped)


def _same_shape(narrow: list[_Found], wide: list[_Found]) -> bool:
    """The widened layout has the same stamped lines, each run where the alignment model puts it."""
    if len(narrow) != len(wide):
        return False
    for a, b in zip(narrow, wide, strict=True):
        if b.reason is not None or a.page != b.page or a.codes != b.codes or len(a.leaves) != len(b.leaves):
            return False
        align = _align(a)
        deltas = [lb.width - la.width for la, lb in zip(a.leaves, b.leaves, strict=True)]
        before = 0.0
        for la, lb, delta in zip(a.leaves, b.leaves, deltas, strict=True):
            expected = la.position_x + before - align * sum(deltas)
            if abs(lb.position_x - expected) > TOLERANCE_PX or abs(
                    (lb.position_y + lb.baseline) - (la.position_y + la.baseline)) > TOLERANCE_PX:
                return False
            before += delta
    return True
