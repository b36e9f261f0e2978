"""The letter fonts as the stamped path needs them: advances to measure a line, glyph ids to draw it, and
the PDF font objects (Type 0, Identity-H, whole font file, complete /W and /ToUnicode) to draw it with.

Kerning and ligatures are off in assets/letter.css, so WeasyPrint (Pango/HarfBuzz) lays a line out with
the plain advances read here; `stamp.plan` checks that for every line it stamps (measured == laid out).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pikepdf
from fontTools.ttLib import TTFont

FILES = {"regular": "assets/fonts/LetterSans-Regular.ttf", "bold": "assets/fonts/LetterSans-Bold.ttf"}


@dataclass
class FontMetrics:
    name: str
    data: bytes
    units_per_em: int
    cmap: dict[int, int]  # code point -> glyph id
    advances: list[int]  # by glyph id, font units
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int
    _widths: dict[tuple[str, float], float] = field(default_factory=dict, repr=False)
    _scaled: dict[float, dict[str, int]] = field(default_factory=dict, repr=False)  # size -> char -> advance

    def __post_init__(self) -> None:
        # Per character, what a line's hundreds of characters need, for str and set methods (C loops):
        self._chars = frozenset(chr(cp) for cp in self.cmap)
        self._hex = str.maketrans({cp: f"{gid:04X}" for cp, gid in self.cmap.items()})

    @classmethod
    def load(cls, name: str, data: bytes) -> FontMetrics:
        font = TTFont(io.BytesIO(data))
        order = font.getGlyphOrder()
        ids = {g: i for i, g in enumerate(order)}
        head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
        return cls(
            name=font["name"].getDebugName(6) or name,
            data=data,
            units_per_em=head.unitsPerEm,
            cmap={cp: ids[g] for cp, g in font.getBestCmap().items()},
            advances=[font["hmtx"][g][0] for g in order],
            bbox=(head.xMin, head.yMin, head.xMax, head.yMax),
            ascent=hhea.ascent,
            descent=hhea.descent,
            cap_height=getattr(os2, "sCapHeight", hhea.ascent),
        )

    def covers(self, text: str) -> bool:
        return self._chars.issuperset(text)

    def width(self, text: str, size: float) -> float:
        """Advance width of `text` at `size` px, the font covering every character, rounded as Pango lays
        it out: HarfBuzz scales the font to int(size * 1024) and rounds each advance (half up) to 1/1024 px."""
        key = (text, size)
        width = self._widths.get(key)
        if width is None:
            advances = self._scaled.get(size)
            if advances is None:
                scale, em = int(size * 1024), self.units_per_em
                advances = self._scaled[size] = {chr(cp): (self.advances[gid] * scale + em // 2) // em
                                                 for cp, gid in self.cmap.items()}
            width = sum(map(advances.__getitem__, text)) / 1024
            if len(self._widths) < 50_000:
                self._widths[key] = width
        return width

    def glyph_hex(self, text: str) -> str:
        """The glyph ids of `text` (every character covered) as hex, four digits each."""
        return text.translate(self._hex)

    def pdf_font(self, pdf: pikepdf.Pdf, font_file: pikepdf.Object | None = None) -> pikepdf.Object:
        """A Type 0 font for `pdf` drawing glyph ids (Identity-H), with widths and text extraction for all;
        `font_file`: a stream of `pdf` already holding this font's bytes, shared instead of a second copy."""
        scale = 1000 / self.units_per_em
        widths = [round(a * scale, 3) for a in self.advances]
        base = pikepdf.Name("/" + self.name.replace(" ", ""))
        descriptor = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor, FontName=base, Flags=32,
            FontBBox=[round(v * scale) for v in self.bbox], ItalicAngle=0,
            Ascent=round(self.ascent * scale), Descent=round(self.descent * scale),
            CapHeight=round(self.cap_height * scale), StemV=80,
            FontFile2=font_file if font_file is not None else pdf.make_stream(self.data),
        ))
        cid = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2, BaseFont=base,
            CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"),
                                             Ordering=pikepdf.String("Identity"), Supplement=0),
            FontDescriptor=descriptor, W=[0, widths], CIDToGIDMap=pikepdf.Name.Identity,
        ))
        return pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=base,
            Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=[cid],
            ToUnicode=pdf.make_stream(self._to_unicode()),
        ))

    def _to_unicode(self) -> bytes:
        first: dict[int, int] = {}
        for cp, gid in sorted(self.cmap.items()):
            first.setdefault(gid, cp)
        entries = [f"<{gid:04X}> <{cp:04X}>" for gid, cp in sorted(first.items()) if cp <= 0xFFFF]
        blocks = []
        for start in range(0, len(entries), 100):
            chunk = entries[start:start + 100]
            blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar")
        return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                + "\n".join(blocks) + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
                ).encode("ascii")
