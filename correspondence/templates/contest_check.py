"""The last gate before a money letter goes out: its text must say how to contest the amount (issue 16).

Every letter type whose letter.toml says `contest = true` (an amount owed or certified) ends with the contest
block of partials/<lang>/contest.html: contest with the fund, in writing, by a date, then the labour court of the
domicile, named. The words looked for are reviewers' data in letter_templates/partials/contest_mentions.toml,
in the shape of the art. 14 mentions (correspondence/templates/appeal_check.py, whose matching is reused); the
court and the service's mailbox come from the letter's context. A letter lacking one is not sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from correspondence.templates.appeal_check import DEFAULT_TEMPLATES, Mention, load_mentions, missing_mentions

MENTIONS_FILE = "partials/contest_mentions.toml"


def default_mentions() -> tuple[Mention, ...]:
    return load_mentions((DEFAULT_TEMPLATES / MENTIONS_FILE).read_text(encoding="utf-8"))


def missing(text: str, language: str, context: Mapping[str, Any],
            mentions: Sequence[Mention] | None = None) -> list[tuple[int, str]]:
    """(number, 'mention <n>: <what> (not found: …)') for each contest mention the letter's text lacks."""
    found = missing_mentions(text, language, context, mentions if mentions is not None else default_mentions())
    return [(int(m.split(":", 1)[0].removeprefix("mention ")), m) for m in found]
