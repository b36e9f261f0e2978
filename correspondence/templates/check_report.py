"""What `templates check` prints: one message per cause, errors first, every place it was found listed once.

The check finds a mistake once per sample, per language and per letter type that reads the file; a reviewer
wants to read it once. Findings with the same level and cause (the message without its sample; a partial's
language written `<lang>` when the same mistake is in several languages) make one `Message`, whose places are
the files and lines (Word: paragraphs) with the samples that showed it there. The same messages print as text
for people and as JSON for scripts (scheduler/cli/shapes/templates-check.schema.json).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from correspondence.templates.check import Finding

BLOCKED = " — nothing may be approved until the errors are corrected"
INDENT = " " * 10


@dataclass
class Place:
    file: str
    at: str  # "line 12", "paragraph 3 (…)" or "" for the whole file
    samples: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.file}{', ' + self.at if self.at else ''}"

    def with_samples(self) -> str:
        if not self.samples:
            return str(self)
        named = ", ".join(f'"{s}"' for s in self.samples)
        return f"{self}: with sample {named}" if len(self.samples) == 1 else \
            f"{self}: with {len(self.samples)} samples ({named})"


@dataclass
class Message:
    level: str
    cause: str
    hint: str | None
    letter_types: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)

    def text(self) -> str:
        """One line when found in one place; else the cause, then each place on a line of its own."""
        label = "ERROR  " if self.level == "error" else "warning"
        if len(self.places) == 1:
            lines = [f"{label} {self.places[0].with_samples()}: {self.cause}"]
        else:
            shared = " (in " + ", ".join(self.letter_types) + ")" if len(self.letter_types) > 1 else ""
            lines = [f"{label} {self.cause}{shared}"] + [INDENT + p.with_samples() for p in self.places]
        if self.hint:
            lines.append(f"{INDENT}fix: {self.hint}")
        return "\n".join(lines)

    def line(self) -> str:
        """The message on one line: its places, then its cause (and fix)."""
        return "; ".join(p.with_samples() for p in self.places) + f": {self.cause}" + (
            f" (fix: {self.hint})" if self.hint else "")

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"level": self.level, "cause": self.cause, "letter_types": self.letter_types,
                                "languages": self.languages,
                                "places": [{"file": p.file, "at": p.at or None, "samples": p.samples}
                                           for p in self.places]}
        if self.hint:
            data["hint"] = self.hint
        return data


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _neutral(finding: Finding) -> str:
    """The cause, its language's partials written `partials/<lang>/`: the same mistake in each language."""
    cause = finding.cause
    return cause.replace(f"partials/{finding.language}/", "partials/<lang>/") if finding.language else cause


def messages(findings: Iterable[Finding]) -> list[Message]:
    """The findings grouped by level and cause, errors first, each in the order first found."""
    grouped: dict[tuple[str, str], tuple[Message, list[Finding]]] = {}
    for finding in findings:
        key = (finding.level, _neutral(finding))
        message, members = grouped.setdefault(key, (Message(finding.level, finding.cause, finding.hint), []))
        members.append(finding)
        if finding.letter_type and finding.letter_type not in message.letter_types:
            message.letter_types.append(finding.letter_type)
        if finding.language and finding.language not in message.languages:
            message.languages.append(finding.language)
        place = next((p for p in message.places if (p.file, p.at) == (finding.file, finding.place)), None)
        if place is None:
            place = Place(finding.file, finding.place)
            message.places.append(place)
        if finding.sample and finding.sample not in place.samples:
            place.samples.append(finding.sample)
    for (_, neutral), (message, members) in grouped.items():
        folders = [p.file + "/" for p in message.places if not p.at]  # a linked folder: not again each file in it
        message.places = [p for p in message.places if not any(p.file.startswith(f) for f in folders)]
        if len(message.languages) > 1:
            message.cause = neutral
            if message.hint and len({m.hint for m in members}) > 1:  # a language's file named in the hint
                message.hint = _neutral_hint(members[0])
    return sorted((m for m, _ in grouped.values()), key=lambda m: m.level != "error")


def _neutral_hint(finding: Finding) -> str | None:
    hint = finding.hint
    if not hint or not finding.language:
        return hint
    return hint.replace(f"partials/{finding.language}/", "partials/<lang>/")


def counts(found: list[Message]) -> tuple[int, int]:
    errors = sum(m.level == "error" for m in found)
    return errors, len(found) - errors


def report(findings: Iterable[Finding], errors_only: bool = False) -> str:
    """The check as people read it: each message, then `2 errors, 1 warning` (messages, not occurrences)."""
    found = messages(f for f in findings if f.level == "error" or not errors_only)
    errors, warnings = counts(found)
    total = _plural(errors, "error") + ("" if errors_only else ", " + _plural(warnings, "warning"))
    return "".join(m.text() + "\n" for m in found) + total + (BLOCKED if errors else "") + "\n"


def as_json(findings: Iterable[Finding], errors_only: bool = False) -> dict[str, Any]:
    """The check as scripts read it (shape: templates-check); `warnings` null when not looked for."""
    found = messages(f for f in findings if f.level == "error" or not errors_only)
    errors, warnings = counts(found)
    return {"errors": errors, "warnings": None if errors_only else warnings,
            "findings": [m.as_json() for m in found]}
