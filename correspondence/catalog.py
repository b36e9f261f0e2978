"""The letter types reviewers maintain: one folder under letter_templates/ with a `letter.toml` each."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LANGUAGES = ("nl", "fr", "de")
_KEYS = {"description", "format", "mail_class", "service", "recipient", "languages", "decision", "layout", "context"}
LAYOUTS = ("each", "once")  # HTML letters: laid out one by one, or once per shape with the values stamped


class CatalogError(Exception):
    pass


@dataclass(frozen=True)
class LetterType:
    name: str
    description: str
    format: str  # html | docx
    mail_class: str  # ordinary | registered
    service: str
    recipient: str  # affiliate | company
    languages: tuple[str, ...]
    decision: bool
    context: dict[str, Any] = field(default_factory=dict)
    layout: str = "each"


def load(templates_dir: Path) -> dict[str, LetterType]:
    types = {}
    for meta in sorted(templates_dir.glob("*/letter.toml")):
        name = meta.parent.name
        data = tomllib.loads(meta.read_text(encoding="utf-8"))
        unknown = set(data) - _KEYS
        if unknown:
            raise CatalogError(f"{name}/letter.toml: unknown key(s) {', '.join(sorted(unknown))}")
        types[name] = LetterType(
            name=name,
            description=data.get("description", ""),
            format=data.get("format", "html"),
            mail_class=data.get("mail_class", "ordinary"),
            service=data.get("service", "contributions"),
            recipient=data.get("recipient", "affiliate"),
            languages=tuple(data.get("languages", LANGUAGES)),
            decision=bool(data.get("decision", False)),
            context=data.get("context", {}),
            layout=data.get("layout", "each"),
        )
        if types[name].layout not in LAYOUTS:
            raise CatalogError(f"{name}/letter.toml: layout must be one of {', '.join(LAYOUTS)}")
    return types


def common_context(templates_dir: Path) -> dict[str, Any]:
    return tomllib.loads((templates_dir / "partials" / "context.toml").read_text(encoding="utf-8"))["context"]
