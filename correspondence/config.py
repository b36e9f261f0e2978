"""Where things are: database URL, output and archive folders, the fund profile; all overridable by env."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "letter_templates"
DEFAULT_FUND = PROJECT_ROOT / "config" / "fund.toml"


class ConfigError(Exception):
    """An environment variable holds a value the engine cannot use: the message names it (exit 2)."""


def _whole(name: str, default: int, minimum: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}: '{value[:40]}' is not a whole number") from None
    if number < minimum:
        raise ConfigError(f"{name}: {number} is below the minimum, {minimum}")
    return number


@dataclass(frozen=True)
class Settings:
    db_url: str
    output_dir: Path
    archive_dir: Path
    fund_file: Path
    templates_dir: Path
    workers: int
    chunk_size: int

    @classmethod
    def from_env(cls) -> Settings:
        var = Path(os.environ.get("CORRESPONDENCE_VAR", "var"))
        return cls(
            db_url=os.environ.get("CORRESPONDENCE_DB") or f"sqlite:///{var / 'correspondence.db'}",
            output_dir=Path(os.environ.get("CORRESPONDENCE_OUTPUT", "output")),
            archive_dir=Path(os.environ.get("CORRESPONDENCE_ARCHIVE", str(var / "archive"))),
            fund_file=Path(os.environ.get("CORRESPONDENCE_FUND", str(DEFAULT_FUND))),
            templates_dir=Path(os.environ.get("CORRESPONDENCE_TEMPLATES", str(TEMPLATES_DIR))),
            workers=_whole("CORRESPONDENCE_WORKERS", min(2, os.cpu_count() or 1), 0),
            chunk_size=_whole("CORRESPONDENCE_CHUNK", 200, 1),
        )


@lru_cache(maxsize=8)
def load_fund(path: Path) -> dict[str, Any]:
    """The fund profile as plain values (it goes into every letter's context). A file that is missing or not
    TOML is a ConfigError naming it (CORRESPONDENCE_FUND), never a traceback."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"CORRESPONDENCE_FUND: cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"CORRESPONDENCE_FUND: {path} is not a fund profile: {exc}") from None


def require_folders(settings: Settings) -> None:
    """The templates folder and the fund profile a command relies on exist: a mistyped variable is one line,
    not a night that finds no letter type and writes nothing."""
    if not settings.templates_dir.is_dir():
        raise ConfigError(f"CORRESPONDENCE_TEMPLATES: no folder {settings.templates_dir}")
    load_fund(settings.fund_file)
