"""The last gate before a decision goes out: its PDF text must carry the six mentions of Charter art. 14.

A decision without them does not start the appeal deadline, so the night never sends one: a missing mention
quarantines the letter with the mention named. The markers are reviewers' data in
letter_templates/partials/appeal_mentions.toml; the court, file reference and service come from the context.
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2

from correspondence.render.templating import money_in
from rules.language import LANGUAGES

MENTIONS_FILE = "partials/appeal_mentions.toml"
DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "letter_templates"
_PDFIUM = threading.Lock()  # PDFium is not thread-safe: one document at a time per process


@dataclass(frozen=True)
class Mention:
    number: int
    what: str
    context: tuple[str, ...]  # dotted paths into the letter's context whose values must be printed
    phrases: Mapping[str, tuple[str, ...]]  # per language
    when: str = ""  # a dotted path into the context: the mention is required only when its value is true
    amounts: tuple[str, ...] = ()  # dotted paths to amounts that must be printed as `| money` prints them


def load_mentions(text: str) -> tuple[Mention, ...]:
    data = tomllib.loads(text)
    return tuple(
        Mention(int(m["number"]), str(m["what"]), tuple(m.get("context", ())),
                {lang: tuple(m.get(lang, ())) for lang in LANGUAGES}, str(m.get("when", "")),
                tuple(m.get("amounts", ())))
        for m in data["mention"]
    )


def default_mentions() -> tuple[Mention, ...]:
    return load_mentions((DEFAULT_TEMPLATES / MENTIONS_FILE).read_text(encoding="utf-8"))


def pdf_text(pdf: bytes) -> str:
    return read_pdf(pdf)[0]


def read_pdf(pdf: bytes) -> tuple[str, int]:
    """The PDF's text, page after page, and its number of pages, as printed (PDFium, ~3 ms for a decision).

    The text of the PDF, not of the DOCX, because the mentions must be on paper: a paragraph LibreOffice
    did not print (hidden text, a frame off the page) is not a mention. PDFium reads it in the worker's own
    process (poppler's pdftotext cost ~14 ms a letter, mostly starting up; pypdf ~80 ms).
    """
    with _PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            texts = []
            for page in document:
                text_page = page.get_textpage()
                texts.append(text_page.get_text_bounded())
                text_page.close()
                page.close()
            return "\n".join(texts), len(texts)
        finally:
            document.close()


def missing_mentions(text: str, language: str, context: Mapping[str, Any],
                     mentions: Sequence[Mention] | None = None) -> list[str]:
    """'mention <n>: <what> (<the missing words>)' for each mention the text lacks; [] when all six are there.

    A letter that asks for documents and decides nothing yet (mantelzorg_incomplete) carries the block only as
    the fund chooses (fund profile `[mantelzorg] incomplete_appeal`): its context says `request.appeal = false`
    when it does not."""
    if _lookup_or_none(context, "request.appeal") is False:
        return []
    haystack = _normal(text)
    missing = []
    for mention in mentions if mentions is not None else default_mentions():
        if mention.when and not _lookup_or_none(context, mention.when):
            continue
        wanted = list(mention.phrases.get(language, ()))
        for path in mention.context:
            value = _lookup(context, path)
            wanted.extend(value if isinstance(value, list | tuple) else [value])
        wanted.extend(money_in(_lookup(context, path), language) for path in mention.amounts)
        absent = [str(w) for w in wanted if _normal(str(w)) not in haystack]
        if absent:
            missing.append(f"mention {mention.number}: {mention.what} (not found: {'; '.join(absent)})")
    return missing


def missing_numbers(text: str, language: str, context: Mapping[str, Any],
                    mentions: Sequence[Mention]) -> list[tuple[int, str]]:
    """(number, description) of the missing mentions, for a `Failed(letter_id, "appeal_mention_<n>", …)`."""
    found = missing_mentions(text, language, context, mentions)
    return [(int(m.split(":", 1)[0].removeprefix("mention ")), m) for m in found]


def _lookup(context: Mapping[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.split("."):
        value = value[part]
    return value


def _lookup_or_none(context: Mapping[str, Any], path: str) -> Any:
    try:
        return _lookup(context, path)
    except (KeyError, TypeError):
        return None


def _normal(text: str) -> str:
    # Line breaks, non-breaking spaces and double spaces in a PDF's text layer are not differences in wording.
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip().casefold()
