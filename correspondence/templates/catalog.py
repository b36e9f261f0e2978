"""The letter types reviewers maintain: one folder under letter_templates/ with a `letter.toml` each.

Every setting is checked against what the engine knows (mail classes, the fund's services, recipients,
languages, formats); an unknown value is a `Problem` naming the file, the key and the value. `templates check`
reports them all; the night reads the settings of the approved snapshot with `parse` and holds a letter type
whose settings are wrong instead of guessing what was meant.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from correspondence.templates import snapshots
from rules.language import LANGUAGES

MAIL_CLASSES = ("ordinary", "registered")  # the mailroom prints one file series per class
RECIPIENTS = ("affiliate", "company")
FORMATS = ("html", "docx")
LAYOUTS = ("each", "once")  # HTML letters: laid out one by one, or once per shape with the values stamped
MAX_PAGES = 6  # the longest shipped letter has 2 pages; a letter over its cap is held (a loop printing too much)
MAX_PAGES_LIMIT = 100  # the most `max_pages` may allow
_KEYS = {"description", "format", "mail_class", "service", "recipient", "languages", "decision", "layout", "context",
         "max_pages", "contest", "recovery"}


class CatalogError(Exception):
    pass


@dataclass(frozen=True)
class Problem:
    """One wrong setting: `file` relative to letter_templates/, `key` ("" for the file as a whole)."""

    file: str
    key: str
    value: Any
    message: str

    @property
    def detail(self) -> str:
        """What is wrong, without the file: `mail_class = "Registered": must be one of …`."""
        return f"{self.key} = {_shown(self.value)}: {self.message}" if self.key else self.message

    def __str__(self) -> str:
        return f"{self.file}: {self.detail}"


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
    max_pages: int = MAX_PAGES
    # A letter stating an amount owed or certified: it ends with the contest block (partials/<lang>/contest.html:
    # contest with the fund by a date, the competent labour court named), checked before it is sent.
    contest: bool = False
    # A decision claiming a benefit back: besides the six art. 14 mentions, the six of Charter art. 15
    # (partials/recovery_mentions.toml), checked before it is sent.
    recovery: bool = False


def _shown(value: Any) -> str:
    """The value as written in TOML (strings quoted), cut short."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _choice(value: Any, allowed: Collection[str], what: str = "must be one of") -> str | None:
    """None when `value` is one of `allowed` (exactly), else why not, with the near miss if it is one."""
    if isinstance(value, str) and value in allowed:
        return None
    near = [a for a in allowed if isinstance(value, str) and a.casefold() == value.strip().casefold()]
    hint = f' (write "{near[0]}", exactly so)' if near else ""
    return f"{what} {', '.join(allowed)}{hint}"


def read(name: str, text: str, services: Collection[str] | None = None) -> tuple[LetterType | None, list[Problem]]:
    """The letter type that `<name>/letter.toml` describes, or None, and every problem of its settings.

    `services` are the services of the fund profile ([services] of config/fund.toml); None skips that check
    (the profile is not at hand)."""
    file = f"{name}/letter.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(file, "", None, f"is not valid TOML: {exc}")]
    problems = [Problem(file, key, data[key], f"unknown key (known: {', '.join(sorted(_KEYS))})")
                for key in sorted(set(data) - _KEYS)]

    def check(key: str, default: Any, message: str | None) -> Any:
        value = data.get(key, default)
        if message is not None:
            problems.append(Problem(file, key, value, message))
        return value

    def choice(key: str, default: str, allowed: Collection[str]) -> str:
        return check(key, default, _choice(data.get(key, default), allowed))

    mail_class = choice("mail_class", "ordinary", MAIL_CLASSES)
    recipient = choice("recipient", "affiliate", RECIPIENTS)
    letter_format = choice("format", "html", FORMATS)
    layout = choice("layout", "each", LAYOUTS)
    service = data.get("service", "contributions")
    if services is not None:
        known = tuple(sorted(services))
        service = check("service", "contributions", _choice(
            service, known, "is not a service of the fund profile ([services.…] of its fund.toml):"))
    elif not isinstance(service, str):
        service = check("service", "contributions", "must be the name of a service of the fund profile")
    languages = data.get("languages", list(LANGUAGES))
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        check("languages", None, f"must be a list of languages out of {', '.join(LANGUAGES)}")
    elif unknown := [x for x in languages if x not in LANGUAGES]:
        check("languages", None, f"{', '.join(map(_shown, unknown))} is not a language of the letters "
              f"({', '.join(LANGUAGES)})")
    elif len(set(languages)) != len(languages):
        check("languages", None, "lists a language twice")
    decision = data.get("decision", False)
    if not isinstance(decision, bool):
        check("decision", None, "must be true or false")
    contest = data.get("contest", False)
    if not isinstance(contest, bool):
        check("contest", None, "must be true or false")
    recovery = data.get("recovery", False)
    if not isinstance(recovery, bool):
        check("recovery", None, "must be true or false")
    elif recovery and not (decision is True and letter_format == "docx"):
        check("recovery", recovery, "a recovery is a Word decision: it needs format = \"docx\" and decision = true")
    max_pages = data.get("max_pages", MAX_PAGES)
    if isinstance(max_pages, bool) or not isinstance(max_pages, int) or not 1 <= max_pages <= MAX_PAGES_LIMIT:
        check("max_pages", None, f"must be a whole number of pages from 1 to {MAX_PAGES_LIMIT}")
    if not isinstance(data.get("description", ""), str):
        check("description", None, "must be a text")
    if not isinstance(data.get("context", {}), dict):
        check("context", None, "must be a table ([context.…])")
    if problems:
        return None, problems
    return LetterType(
        name=name,
        description=data.get("description", ""),
        format=letter_format,
        mail_class=mail_class,
        service=service,
        recipient=recipient,
        languages=tuple(languages),
        decision=decision,
        context=data.get("context", {}),
        layout=layout,
        max_pages=max_pages,
        contest=contest,
        recovery=recovery,
    ), []


def parse(name: str, text: str, services: Collection[str] | None = None) -> LetterType:
    """The letter type of `<name>/letter.toml`; CatalogError naming the first wrong setting."""
    letter_type, problems = read(name, text, services)
    if letter_type is None:
        raise CatalogError(str(problems[0]))
    return letter_type


def scan(templates_dir: Path, services: Collection[str] | None = None) -> tuple[dict[str, LetterType], list[Problem]]:
    """Every letter type whose settings are right, and the problems of the others (never raises for them)."""
    types: dict[str, LetterType] = {}
    problems: list[Problem] = []
    for meta in sorted(templates_dir.glob("*/letter.toml")):
        name = meta.parent.name
        try:
            text = _text(templates_dir, meta)
        except snapshots.UnsafeFile as exc:
            problems.append(Problem(f"{name}/letter.toml", "", None, str(exc).removeprefix(exc.file + " ")))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(f"{name}/letter.toml", "", None, f"cannot be read: {type(exc).__name__}"))
            continue
        letter_type, found = read(name, text, services)
        problems += found
        if letter_type is not None:
            types[name] = letter_type
    return types, problems


def _text(templates_dir: Path, meta: Path) -> str:
    """letter.toml's text, never read through a symbolic link (snapshots.UnsafeFile)."""
    data = snapshots.read(templates_dir, meta)
    if data is None:
        raise FileNotFoundError(meta)
    return data.decode("utf-8")


def load(templates_dir: Path, services: Collection[str] | None = None) -> dict[str, LetterType]:
    """Every letter type; CatalogError naming the first wrong setting of any of them."""
    types, problems = scan(templates_dir, services)
    if problems:
        raise CatalogError(str(problems[0]))
    return types


def names(templates_dir: Path) -> list[str]:
    """Every letter type's folder (one with a letter.toml), whether its settings are right or not."""
    return sorted(meta.parent.name for meta in templates_dir.glob("*/letter.toml"))


def one(templates_dir: Path, name: str, services: Collection[str] | None = None) -> LetterType:
    """One letter type; CatalogError when it has no folder or when one of its settings is wrong."""
    meta = templates_dir / name / "letter.toml"
    if name not in names(templates_dir):
        raise CatalogError(f"no letter type '{name}' in {templates_dir}")
    try:
        text = _text(templates_dir, meta)
    except snapshots.UnsafeFile as exc:
        raise CatalogError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{name}/letter.toml cannot be read: {type(exc).__name__}") from None
    return parse(name, text, services)


def services_of(fund: dict[str, Any]) -> tuple[str, ...]:
    """The services a letter may name: the [services.<name>] tables of the fund profile."""
    services = fund.get("services", {})
    return tuple(sorted(services)) if isinstance(services, dict) else ()


def common_context(templates_dir: Path) -> dict[str, Any]:
    return tomllib.loads((templates_dir / "partials" / "context.toml").read_text(encoding="utf-8"))["context"]
