"""The last gate before a recovery decision goes out: its text must carry the six mentions of Charter art. 15.

A decision that claims a benefit back (`recovery = true` in its letter.toml) must state, besides the six
mentions of art. 14 (appeal_check.py), the finding that the benefit was paid unduly, the total and how it was
computed, the provisions not respected with their content, the prescription period, that the fund may waive
the recovery and how to ask, and that repayment in instalments may be asked for (decisions.md §2). The words
looked for are reviewers' data in letter_templates/partials/recovery_mentions.toml, in the shape of the art. 14
mentions (whose matching is reused); a mention may require a context value or an amount printed as `| money`
prints it. A letter lacking one is quarantined naming the mention, like a decision without its appeal block.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

from correspondence.templates.appeal_check import DEFAULT_TEMPLATES, Mention, load_mentions, missing_numbers

MENTIONS_FILE = "partials/recovery_mentions.toml"


def default_mentions() -> tuple[Mention, ...]:
    return load_mentions((DEFAULT_TEMPLATES / MENTIONS_FILE).read_text(encoding="utf-8"))


def required(files: Mapping[str, bytes]) -> bool:
    """Whether a snapshot's letter type claims a benefit back (`recovery = true` in its one letter.toml)."""
    metas = [path for path in files if path.endswith("/letter.toml")]
    if len(metas) != 1:
        return False
    try:
        return tomllib.loads(files[metas[0]].decode("utf-8")).get("recovery") is True
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False


def mentions_in(files: Mapping[str, bytes]) -> tuple[Mention, ...] | None:
    """The mentions of a snapshot (None when it lacks the file)."""
    text = files.get(MENTIONS_FILE)
    return load_mentions(text.decode("utf-8")) if text is not None else None


def missing(
    text: str, language: str, context: Mapping[str, Any], mentions: Sequence[Mention] | None = None
) -> list[tuple[int, str]]:
    """(number, 'mention <n>: <what> (not found: …)') for each art. 15 mention the letter's text lacks."""
    return missing_numbers(text, language, context, mentions if mentions is not None else default_mentions())
