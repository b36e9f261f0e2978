"""A Word letter carries the styles it uses and no others: LibreOffice imports every style of every letter.

Templates saved from python-docx's (or Word's) default carry ~160 styles in a 350 KB styles.xml, a 438 KB
Word 2010 copy of them (stylesWithEffects.xml, which Word 2013 and later neither write nor read) and the
template's thumbnail. Importing those styles was half of LibreOffice's time per decision. Once per snapshot,
the prepared template keeps the styles that something refers to, and what they lean on; the PDF is the same,
byte for byte (tests/test_word_styles.py), and the archived DOCX is ~65 KB instead of 838 KB.
"""

from __future__ import annotations

import re

from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

# What a kept style needs in turn: its parent, its linked paragraph/character twin, the style after it.
_LEANS_ON = ("w:basedOn", "w:link", "w:next")
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_TRUE = ("1", "true", "on")


def prune(document: Document) -> int:
    """Remove the styles nothing refers to, the Word 2010 style copy and the thumbnail; how many styles went.

    A style is kept when its id or its name appears as a whole word anywhere in the document's other parts:
    `w:pStyle`/`w:rStyle`/`w:tblStyle` of the text, headers, footers and notes, numbering definitions linked
    to a style, settings' default table style, and field codes that name one (`STYLEREF "Heading 1"`, a
    table of contents' `\\t` switch). That keeps a style a word in the letter happens to share a name with, which
    is the safe side. Then whatever a kept style is based on, linked to or followed by, and the defaults.
    """
    package = document.part.package
    for rId, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rId]
    for rId, rel in list(document.part.rels.items()):
        if rel.reltype == _STYLES_WITH_EFFECTS:
            del document.part.rels[rId]
    styles_part = document.part.part_related_by(RT.STYLES)
    styles = styles_part.element
    elsewhere = "\n".join(part.blob.decode("utf-8", errors="replace") for part in package.iter_parts()
                           if str(part.partname).startswith("/word/") and str(part.partname).endswith(".xml")
                           and part is not styles_part)
    named = {style.get(qn("w:styleId")): style for style in styles.iterchildren(qn("w:style"))}
    keep = {style_id for style_id, style in named.items()
            if style.get(qn("w:default")) in _TRUE or _mentioned(style_id, elsewhere)
            or _mentioned(_name(style), elsewhere)}
    todo = list(keep)
    while todo:
        style = named.get(todo.pop())
        if style is None:
            continue
        for tag in _LEANS_ON:
            leaned = style.find(qn(tag))
            if leaned is not None and (style_id := leaned.get(qn("w:val"))) not in keep:
                keep.add(style_id)
                todo.append(style_id)
    removed = 0
    for style_id, style in named.items():
        if style_id not in keep:
            styles.remove(style)
            removed += 1
    return removed


def _name(style: object) -> str | None:
    name = style.find(qn("w:name"))  # type: ignore[attr-defined]
    return None if name is None else name.get(qn("w:val"))


def _mentioned(word: str | None, text: str) -> bool:
    """Whether `word` stands in `text` on its own: not inside a longer id ("Heading1" is not in "Heading10")."""
    return bool(word) and re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None
