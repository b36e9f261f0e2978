"""What a Word document would fetch from outside itself: found for `templates check`, removed before conversion.

A .docx may point outside its own package: a relationship with TargetMode="External" (a linked picture
`file:///etc/…` or `http://…`, an attached template, a sub-document, a linked OLE object), an embedded foreign
document (altChunk, imported with its own links), or a field that loads a file or a URL when the document is
opened (INCLUDEPICTURE, INCLUDETEXT, LINK, IMPORT, DDE). LibreOffice follows them while converting: it would
print a file of the machine in a mailed letter or call a server for each letter. Only hyperlinks may point out
(they are printed as links, never fetched).
"""

from __future__ import annotations

import io
import re
import shlex
import zipfile
from dataclasses import dataclass

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Part of a relationship type that may point outside: a hyperlink (transitional and strict namespaces).
ALLOWED_EXTERNAL = "/hyperlink"
# Relationship types refused even inside the package: their content is imported with links of its own.
IMPORTED = {"/aFChunk": "an embedded foreign document (altChunk)", "/subDocument": "a sub-document"}
FIELDS = {"INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "LINK", "IMPORT", "DDE", "DDEAUTO"}
# VML pictures may name their file in an attribute instead of a relationship.
VML_LINK_ATTRIBUTES = ("{urn:schemas-microsoft-com:office:office}href", "src")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class Reference:
    part: str  # word/_rels/document.xml.rels, word/document.xml …
    what: str  # "a linked picture (image)", "an INCLUDETEXT field" …
    target: str

    def __str__(self) -> str:
        return f'{self.what} to "{self.target}" (in {self.part})'


def references(docx: bytes) -> list[Reference]:
    """Everything in the document that points outside it, other than hyperlinks."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return [ref for info in archive.infolist() if _may_point_out(info.filename, data := archive.read(info))
                for ref in _part(info.filename, _xml(data))]


def sanitised(docx: bytes) -> bytes:
    """The document with every reference outside it removed: relationships dropped, fields emptied (Word's
    last printed result of the field stays, as text), VML links and mail merge sources cleared. A document
    that points nowhere comes back as the same bytes."""
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        changed = {}
        for info in source.infolist():
            if _may_point_out(info.filename, data := source.read(info)):
                root = _xml(data)
                if _part(info.filename, root, remove=True):
                    changed[info.filename] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                                            standalone=True)
        if not changed:
            return docx
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                target.writestr(info, changed.get(info.filename) or source.read(info))
    return out.getvalue()


def _may_point_out(name: str, data: bytes) -> bool:
    """Relationship parts always; other XML parts when they hold a field, a VML link or a mail merge (element
    and attribute names cannot be written as character references, so these bytes are there if those are)."""
    return name.endswith(".rels") or (name.endswith(".xml") and any(
        marker in data for marker in (b"instrText", b"fldSimple", b"href", b"src", b"mailMerge")))


def _part(name: str, root: etree._Element, remove: bool = False) -> list[Reference]:
    """The part's references outside the document; with `remove`, each is taken out of `root` as well."""
    found: list[Reference] = []
    if name.endswith(".rels"):
        for element, ref in _relationships(name, root):
            found.append(ref)
            if remove:
                element.getparent().remove(element)
        return found
    for instruction, ref in _fields(name, root):
        if ref not in found:  # one field's instruction may be several runs
            found.append(ref)
        if remove and instruction.tag == W + "fldSimple":
            instruction.set(W + "instr", "")
        elif remove:
            instruction.text = ""
    for element, attribute, ref in _vml(name, root):
        found.append(ref)
        if remove:
            del element.attrib[attribute]
    for merge in list(root.iter(W + "mailMerge")):
        source = merge.find(W + "connectString")
        found.append(Reference(name, "a mail merge data source", source.get(W + "val", "") if source is not None
                               else ""))
        if remove:
            merge.getparent().remove(merge)
    return found


def _xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, _PARSER)


def _relationships(part: str, root: etree._Element) -> list[tuple[etree._Element, Reference]]:
    found = []
    for element in root.iter(RELS + "Relationship"):
        kind = element.get("Type", "")
        short = "/" + kind.rsplit("/", 1)[-1]
        external = element.get("TargetMode", "").lower() == "external"
        if short in IMPORTED:
            found.append((element, Reference(part, IMPORTED[short], element.get("Target", ""))))
        elif external and short != ALLOWED_EXTERNAL:
            found.append((element, Reference(part, f"an external {short[1:]} link", element.get("Target", ""))))
    return found


def _fields(part: str, root: etree._Element) -> list[tuple[etree._Element, Reference]]:
    """The instruction elements of fields that load something: every `w:fldSimple`, and the `w:instrText`
    runs of each complex field (begin … separate), nested fields included."""
    found = []
    for simple in root.iter(W + "fldSimple"):
        if (ref := _field(part, simple.get(W + "instr", ""))) is not None:
            found.append((simple, ref))
    open_fields: list[tuple[list[etree._Element], list[bool]]] = []  # per field: its instruction, read yet?
    for element in root.iter(W + "fldChar", W + "instrText"):
        if element.tag == W + "instrText":
            if open_fields and not open_fields[-1][1]:
                open_fields[-1][0].append(element)
            continue
        kind = element.get(W + "fldCharType")
        if kind == "begin":
            open_fields.append(([], []))
        elif kind in ("separate", "end") and open_fields:
            texts, read = open_fields.pop() if kind == "end" else open_fields[-1]
            if not read:
                read.append(True)
                if (ref := _field(part, "".join(t.text or "" for t in texts))) is not None:
                    found += [(t, ref) for t in texts]
    return found


def _field(part: str, instruction: str) -> Reference | None:
    words = instruction.split()
    if not words or words[0].upper() not in FIELDS:
        return None
    try:
        arguments = [a.strip('"') for a in shlex.split(instruction, posix=False)[1:]]
    except ValueError:
        arguments = words[1:]
    if words[0].upper() in ("LINK", "DDE", "DDEAUTO") and len(arguments) > 1:
        arguments = arguments[1:]  # LINK Word.Document.12 "file" …: the file follows the program's name
    target = next((a for a in arguments if not a.startswith("\\")), "")
    return Reference(part, f"an {words[0].upper()} field", re.sub(r"\s+", " ", target))


def _vml(part: str, root: etree._Element) -> list[tuple[etree._Element, str, Reference]]:
    found = []
    for element in root.iter("{urn:schemas-microsoft-com:vml}*"):
        for attribute in VML_LINK_ATTRIBUTES:
            if element.get(attribute):
                found.append((element, attribute, Reference(part, "a linked VML picture", element.get(attribute))))
    return found
