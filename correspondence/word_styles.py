"""A Word letter carries the styles it uses and no others: LibreOffice imports every style of every letter.

Templates saved from python-docx's (or Word's) default carry ~160 styles in a 350 KB styles.xml, a 438 KB
Word 2010 copy of them (stylesWithEffects.xml, which Word 2013 and later neither write nor read) and the
template's thumbnail. Importing those styles was half of LibreOffice's time per decision. Once per snapshot,
the prepared template keeps the styles that something refers to, and what they lean on; the PDF is the same,
byte for byte (tests/test_word_styles.py), and the archived DOCX is 50 KB instead of 840 KB.
"""

from __future__ import annotations

import re

from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

# Where a part names a style: paragraphs, runs and tables, and numbering definitions linked to a style.
_STYLE_REFERENCE = re.compile(rb'<w:(?:pStyle|rStyle|tblStyle|numStyleLink|styleLink) w:val="([^"]+)"')
# What a kept style needs in turn: its parent, its linked paragraph/character twin, the style after it.
_LEANS_ON = ("w:basedOn", "w:link", "w:next")
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def prune(document: Document) -> int:
    """Remove the styles nothing refers to, the Word 2010 style copy and the thumbnail; how many styles went."""
    package = document.part.package
    for rId, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rId]
    for rId, rel in list(document.part.rels.items()):
        if rel.reltype == _STYLES_WITH_EFFECTS:
            del document.part.rels[rId]
    styles_part = document.part.part_related_by(RT.STYLES)
    styles = styles_part.element
    named = {style.get(qn("w:styleId")): style for style in styles.iterchildren(qn("w:style"))}
    keep = {style_id for style_id, style in named.items() if style.get(qn("w:default")) in ("1", "true")}
    for part in package.iter_parts():
        if str(part.partname).endswith(".xml") and part is not styles_part:
            keep.update(found.decode("utf-8") for found in _STYLE_REFERENCE.findall(part.blob))
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
