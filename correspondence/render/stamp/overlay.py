"""Print a letter into its shape's plan: the background WeasyPrint drew once, plus the letter's own lines
and drawn codes (QR, barcode) in a small content stream. See `stamp.plan` for when a letter may be stamped.

Per worker, shapes and plans are kept in small LRU caches, so memory is bounded by the number of letter
shapes (types x languages x address lengths ...), never by the night's size. With the night's `SharedPlans`
(stamp/shared.py), each shape is planned by one worker and read by the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import unicodedata
import zlib
from collections import Counter, OrderedDict
from typing import Any

import pikepdf

from correspondence.render import barcode, qr
from correspondence.render.slots import Marked, find_codes
from correspondence.render.stamp.fonts import FontMetrics
from correspondence.render.stamp.plan import (
    TOLERANCE_PX,
    Layout,
    Likely,
    NotStampable,
    Plan,
    build,
    candidates,
    likely,
)
from correspondence.render.stamp.shared import SharedPlans

CACHE = 64  # shapes and plans kept per worker
PX = 0.75  # a CSS px in PDF points
_UNSAFE = ("C", "M", "Zl", "Zp")  # controls, format characters (soft hyphen, bidi), combining marks


class _Lru(OrderedDict[bytes, Any]):
    """At most CACHE entries, the least recently used dropped first. Keyed by the key's digest: a key is a
    letter's whole shape (tens of kilobytes), and a worker keeps many."""

    @staticmethod
    def digest(key: str) -> bytes:
        return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=20).digest()

    def peek(self, key: str, default: Any = None) -> Any:
        """The entry for `key` if kept, without making it nor changing the order."""
        return self.get(self.digest(key), default)

    def get_or(self, key: str, make: Any) -> Any:
        digest = self.digest(key)
        if digest in self:
            self.move_to_end(digest)
            return self[digest]
        value = self[digest] = make()
        if len(self) > CACHE:
            self.popitem(last=False)
        return value


def printable(value: str) -> bool:
    """A value WeasyPrint would lay out exactly as measured: no collapsible or unusual white space, nothing
    that shapes, breaks or reorders text."""
    if not value or value != value.strip() or "  " in value:
        return False
    if value.isascii():  # printable ASCII: no control character, nothing that shapes or reorders text
        return value.isprintable()
    return not any(ch in "\t\n\r\f" or unicodedata.category(ch).startswith(_UNSAFE) for ch in value)


def _font_files(pdf: pikepdf.Pdf) -> dict[bytes, pikepdf.Object]:
    """The font files WeasyPrint embedded whole in the background, by their bytes."""
    files = {}
    for page in pdf.pages:
        for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
            for descendant in font.get("/DescendantFonts", []):
                stream = descendant.get("/FontDescriptor", {}).get("/FontFile2")
                if stream is not None:
                    files.setdefault(stream.read_bytes(), stream)
    return files


class _Template:
    """A plan's background with the stamping fonts added, ready to take one letter's overlay per page."""

    def __init__(self, plan: Plan, fonts: dict[str, FontMetrics]) -> None:
        self.plan, self.fonts = plan, fonts
        pdf = pikepdf.open(io.BytesIO(plan.background))
        used = sorted({run.font for line in plan.lines for run in line.runs})
        embedded = _font_files(pdf)
        objects = {name: fonts[name].pdf_font(pdf, embedded.get(fonts[name].data)) for name in used}
        self.heights = []
        for page in pdf.pages:
            if pikepdf.Name.Resources not in page.obj:
                page.obj.Resources = pikepdf.Dictionary()
            if pikepdf.Name.Font not in page.obj.Resources:
                page.obj.Resources.Font = pikepdf.Dictionary()
            font_dict = page.obj.Resources.Font
            for name, obj in objects.items():
                font_dict[pikepdf.Name("/Stamp" + name.capitalize())] = obj
            page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
            page.contents_add(pdf.make_stream(b"Q\n"))
            self.heights.append(float(page.mediabox[3]))
        buffer = io.BytesIO()
        pdf.save(buffer, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
        self.bytes = buffer.getvalue()
        self.plan = dataclasses.replace(plan, background=b"")  # in self.bytes: kept once, not twice
        self._prepare_update()

    def _prepare_update(self) -> None:
        """What a letter's incremental update needs: each page's object with a place for its overlay in
        /Contents, the trailer's /Size, /Root and /ID, and where the template's cross-reference table is."""
        pdf = pikepdf.open(io.BytesIO(self.bytes))
        self.size = int(pdf.trailer.Size)
        self.root = pdf.trailer.Root.objgen
        self.file_id = bytes(pdf.trailer.ID[0]).hex()
        self.prev = int(self.bytes[self.bytes.rindex(b"startxref") + 9:].split()[0])
        self.pages = []
        for page in pdf.pages:
            contents = b" ".join(item.unparse() for item in page.obj.Contents)
            page.obj.Contents = pikepdf.Name("/StampContents")
            before, after = page.obj.unparse(resolved=True).split(b"/StampContents")
            self.pages.append((page.obj.objgen, before + b"[" + contents, b"]" + after))

    def letter(self, marked: Marked) -> tuple[bytes, int] | str | frozenset[int]:
        """The letter's PDF and page count; or the slots on lines its values overflow; or why it must be laid
        out on its own."""
        values = {i: marked.slots[i].value for i in self.plan.stamped}
        if not all(printable(v) for v in values.values()):
            return "a value with unusual white space or characters"
        ops: list[list[str]] = [[] for _ in self.heights]
        too_wide: set[int] = set()
        for line in self.plan.lines:
            texts = []
            for run in line.runs:
                text = run.text
                for index, start, end in reversed(find_codes(text)):
                    text = text[:start] + values[index] + text[end:]
                font = self.fonts[run.font]
                if not font.covers(text):
                    return "a character outside the letter font"
                texts.append((text, font.width(text, run.size)))
            deltas = [width - run.width for run, (_, width) in zip(line.runs, texts, strict=True)]
            grown = sum(deltas)
            if line.width + grown > line.limit + TOLERANCE_PX:
                too_wide.update(code for run in line.runs for code in run.codes)  # it would wrap
                continue
            before = 0.0
            for run, (text, _), delta in zip(line.runs, texts, deltas, strict=True):
                x = run.x + before - line.align * grown
                r, g, b = run.color
                ops[line.page].append(
                    f"{r:.4f} {g:.4f} {b:.4f} rg BT /Stamp{run.font.capitalize()} 1 Tf "
                    f"{run.size:.4f} 0 0 {-run.size:.4f} {x:.4f} {run.baseline:.4f} Tm "
                    f"<{self.fonts[run.font].glyph_hex(text)}> Tj ET")
                before += delta
        if too_wide:
            return frozenset(too_wide)
        for box in self.plan.drawn:
            slot = marked.slots[box.slot]
            ops[box.page].append(qr.pdf_path(slot.value, box.x, box.y, box.width) if slot.kind == "qr"
                                 else barcode.pdf_path(slot.value, box.x, box.y, box.width, box.height))
        overlays = [f"q {PX} 0 0 {-PX} 0 {height:.4f} cm\n" + "\n".join(page_ops) + "\nQ\n" if page_ops else None
                    for height, page_ops in zip(self.heights, ops, strict=True)]
        return self._update(overlays), len(self.heights)

    def _update(self, overlays: list[str | None]) -> bytes:
        """The template plus one incremental update (ISO 32000-1, 7.5.6): an overlay stream per page and the
        page objects naming it; nothing of the template is rewritten."""
        out = [self.bytes]
        at = len(self.bytes)
        offsets: list[tuple[int, int, int]] = []
        number = self.size
        digest = hashlib.md5(usedforsecurity=False)
        for (objgen, before, after), overlay in zip(self.pages, overlays, strict=True):
            if overlay is None:
                continue
            data = zlib.compress(overlay.encode("ascii"), 6)
            digest.update(data)
            for obj_number, body in (
                (number, b"<< /Length %d /Filter /FlateDecode >>\nstream\n%b\nendstream" % (len(data), data)),
                (objgen[0], before + b" %d 0 R" % number + after),
            ):
                generation = 0 if obj_number == number else objgen[1]
                chunk = b"%d %d obj\n%b\nendobj\n" % (obj_number, generation, body)
                offsets.append((obj_number, generation, at))
                out.append(chunk)
                at += len(chunk)
            number += 1
        table = [b"xref\n"] + [b"%d 1\n%010d %05d n \n" % (n, offset, g) for n, g, offset in sorted(offsets)]
        table.append(b"trailer\n<< /Size %d /Root %d %d R /Prev %d /ID [<%b><%b>] >>\nstartxref\n%d\n%%%%EOF\n" % (
            number, *self.root, self.prev, self.file_id.encode(), digest.hexdigest().encode(), at))
        return b"".join(out + table)


def plan_key(marked: Marked, shape: str, stamped: frozenset[int]) -> str:
    """What a plan depends on: the shape, the slots stamped, and the values printed into the shape (the other
    text slots). Two letters with the same key have the same `marked.with_codes(stamped)`, which the plan
    lays out; the key costs a few values, not a second copy of the letter."""
    printed = tuple(s.value for i, s in enumerate(marked.slots) if s.kind == "text" and i not in stamped)
    return repr((sorted(stamped), printed)) + shape  # a literal first: where it ends is never in doubt


class _ShapeFailed(str):
    """Why a shape's plan could not be made (the letter is laid out, or planned with fewer slots)."""

    __slots__ = ()


class Stamper:
    """One worker's shapes and plans for one template snapshot (`namespace`: its hash, in `shared`'s keys)."""

    def __init__(self, layout: Layout, fonts: dict[str, FontMetrics], shared: SharedPlans | None = None,
                 namespace: str = "") -> None:
        self.layout, self.fonts = layout, fonts
        self.shared, self.namespace = shared, namespace
        self.shapes = _Lru()  # shape -> its likely slots and their lines' room
        self.verified = _Lru()  # shape -> its checked slots, when the likely slots' plan did not hold
        self.plans = _Lru()
        self.outcomes: Counter[str] = Counter()  # stamped, or why not: for the night's figures

    def pdf(self, marked: Marked) -> tuple[bytes, int] | None:
        """The stamped letter and its page count, or None when it must be laid out on its own."""
        shape = marked.with_codes()
        found = self.shapes.get_or(shape, lambda: self._slots("likely", marked, shape, likely, Likely(frozenset())))
        wide = found.overflowing(marked, self.fonts)
        outcome = self._fitted(marked, shape, found.slots - wide)
        if isinstance(outcome, _ShapeFailed):
            # The likely slots' plan moved when a value grew: the slots whose lines are checked to hold, alone
            # if not together (a function of the shape only, as the likely slots are: bytes stay the same
            # whichever worker and letter met the shape first).
            verified = self.verified.get_or(shape, lambda: self._slots("verified", marked, shape, candidates,
                                                                       frozenset()))
            if verified != found.slots:
                outcome = self._fitted(marked, shape, verified - wide)
        self.outcomes["stamped" if isinstance(outcome, tuple) else str(outcome)] += 1
        return outcome if isinstance(outcome, tuple) else None

    def _fitted(self, marked: Marked, shape: str, stamped: frozenset[int]) -> tuple[bytes, int] | str:
        outcome = self._print(marked, shape, stamped)
        if isinstance(outcome, frozenset):
            # A value too wide for its line (a long address line, a fund name that wraps) is printed into the
            # shape as it is, the rest stamped: the plan of that narrower set of slots.
            outcome = self._print(marked, shape, stamped - outcome)
            if isinstance(outcome, frozenset):
                outcome = "values wider than their lines"
        return outcome

    def _shared(self, kind: str, key: str, make: Any) -> Any:
        return make() if self.shared is None else self.shared.get_or(kind, f"{self.namespace}\n{key}", make)

    def _slots(self, kind: str, marked: Marked, shape: str, find: Any, nothing: Any) -> Any:
        def found() -> Any:
            try:
                return find(marked, self.layout, self.fonts)
            except Exception:  # noqa: BLE001 - kept as "nothing to stamp", so the planner is not retried per letter
                return nothing

        return self._shared(kind, shape, found)

    def _print(self, marked: Marked, shape: str, stamped: frozenset[int]) -> tuple[bytes, int] | str | frozenset[int]:
        if not stamped:
            return "no value of this letter type can be stamped"
        key = plan_key(marked, shape, stamped)
        template = self.plans.get_or(key, lambda: self._template(marked, stamped, key))
        return _ShapeFailed(f"shape: {template}") if isinstance(template, NotStampable) else template.letter(marked)

    def _template(self, marked: Marked, stamped: frozenset[int], key: str) -> _Template | NotStampable:
        def plan() -> Plan | str:  # why not, as text: what the other workers can read
            try:
                return build(marked, stamped, self.layout, self.fonts)
            except NotStampable as exc:
                return str(exc)
            except Exception as exc:  # noqa: BLE001 - a shape that breaks the planner is laid out letter by letter
                return f"{type(exc).__name__}: {exc}"

        made = self._shared("plan", key, plan)
        if isinstance(made, str):
            return NotStampable(made)
        try:
            return _Template(made, self.fonts)
        except Exception as exc:  # noqa: BLE001 - a background pikepdf cannot take: laid out letter by letter
            return NotStampable(f"{type(exc).__name__}: {exc}")
