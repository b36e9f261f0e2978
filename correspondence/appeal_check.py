"""The last gate before a decision goes out: its PDF text must carry the six mentions of Charter art. 14.

A decision without them does not start the appeal deadline, so the night never sends one: a missing mention
quarantines the letter with the mention named. The markers are reviewers' data in
letter_templates/partials/appeal_mentions.toml; the court, file reference and service come from the context.
"""

from __future__ import annotations

import io
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader

MENTIONS_FILE = "partials/appeal_mentions.toml"
DEFAULT_TEMPLATES = Path(__file__).resolve().parents[1] / "letter_templates"


@dataclass(frozen=True)
class Mention:
    number: int
    what: str
    context: tuple[str, ...]  # dotted paths into the letter's context whose values must be printed
    phrases: Mapping[str, tuple[str, ...]]  # per language


def load_mentions(text: str) -> tuple[Mention, ...]:
    data = tomllib.loads(text)
    return tuple(
        Mention(int(m["number"]), str(m["what"]), tuple(m.get("context", ())),
                {lang: tuple(m.get(lang, ())) for lang in ("nl", "fr", "de")})
        for m in data["mention"]
    )


def default_mentions() -> tuple[Mention, ...]:
    return load_mentions((DEFAULT_TEMPLATES / MENTIONS_FILE).read_text(encoding="utf-8"))


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def missing_mentions(text: str, language: str, context: Mapping[str, Any],
                     mentions: Sequence[Mention] | None = None) -> list[str]:
    """'mention <n>: <what> (<the missing words>)' for each mention the text lacks; [] when all six are there."""
    haystack = _normal(text)
    missing = []
    for mention in mentions if mentions is not None else default_mentions():
        wanted = list(mention.phrases.get(language, ()))
        for path in mention.context:
            value = _lookup(context, path)
            wanted.extend(value if isinstance(value, list | tuple) else [value])
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


def _normal(text: str) -> str:
    # Line breaks, non-breaking spaces and double spaces in a PDF's text layer are not differences in wording.
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip().casefold()
