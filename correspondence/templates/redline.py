"""The redline a reviewer reads before approving: the wording of the approved version against the working copy,
paragraph by paragraph, words removed and added within a changed paragraph.

A paragraph is what a reader sees as one: in an HTML template, the text between block-level tags (markup left
out, Jinja's `{{ … }}` and `{% … %}` kept, so a changed condition or value shows too); in a Word template, a
Word paragraph (body, then headers and footers); in any other text file (letter.toml, a stylesheet), a block of
lines between blank lines. Fonts and images are named as changed, not compared.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from correspondence.templates.word_tags import document_text

SAME, CHANGED, ADDED, REMOVED, BINARY = "same", "changed", "added", "removed", "binary"
TEXT_SUFFIXES = (".html", ".toml", ".css", ".txt", ".j2", ".json", ".csv")
_BLOCK_END = re.compile(r"<(?:br|/p|/li|/h[1-6]|/div|/tr|/td|/th|/table|/section|/header|/footer|/address|/dd|/dt)"
                        r"\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<(?!\s)[^<>]*>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_WORDS = re.compile(r"\S+|\s+")


@dataclass(frozen=True)
class Piece:
    kind: str  # same, added, removed
    text: str


@dataclass(frozen=True)
class Paragraph:
    kind: str  # same, changed, added, removed
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class FileRedline:
    path: str
    kind: str  # changed, added, removed, binary
    paragraphs: tuple[Paragraph, ...]

    @property
    def changes(self) -> int:
        return sum(p.kind != SAME for p in self.paragraphs)


def paragraphs(path: str, data: bytes) -> list[str] | None:
    """The file's paragraphs as a reader sees them; None for a file that is not text (a font, an image)."""
    if path.endswith(".docx"):
        return [line for line in (" ".join(x.split()) for x in document_text(data).splitlines()) if line]
    if not path.endswith(TEXT_SUFFIXES):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if path.endswith(".html"):
        text = html.unescape(_TAG.sub(" ", _BLOCK_END.sub("\n\n", _COMMENT.sub("", text))))
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def _words(before: str, after: str) -> tuple[Piece, ...]:
    a, b = _WORDS.findall(before), _WORDS.findall(after)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(Piece(SAME, "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece(REMOVED, "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece(ADDED, "".join(b[j1:j2])))
    return tuple(pieces)


def compare(before: list[str], after: list[str]) -> tuple[Paragraph, ...]:
    out: list[Paragraph] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(Paragraph(SAME, (Piece(SAME, p),)) for p in before[i1:i2])
        elif op == "replace" and i2 - i1 == j2 - j1:  # paragraph for paragraph: the words that changed
            out.extend(Paragraph(CHANGED, _words(x, y)) for x, y in zip(before[i1:i2], after[j1:j2], strict=True))
        else:
            out.extend(Paragraph(REMOVED, (Piece(REMOVED, p),)) for p in before[i1:i2])
            out.extend(Paragraph(ADDED, (Piece(ADDED, p),)) for p in after[j1:j2])
    return tuple(out)


def redline(approved: dict[str, bytes], working: dict[str, bytes]) -> list[FileRedline]:
    """Every file that differs between the two versions (snapshot files: path → bytes), in path order."""
    found = []
    for path in sorted(set(approved) | set(working)):
        old, new = approved.get(path), working.get(path)
        if old == new:
            continue
        before = paragraphs(path, old) if old is not None else []
        after = paragraphs(path, new) if new is not None else []
        if before is None or after is None:
            found.append(FileRedline(path, BINARY, ()))
            continue
        kind = ADDED if old is None else REMOVED if new is None else CHANGED
        found.append(FileRedline(path, kind, compare(before, after)))
    return found
