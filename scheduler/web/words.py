"""The desk's wording: one TOML file per language in wording/ (keys used by the pages in pages/ as
`t("key")`, and by the views for their messages); the desk speaks Dutch, French and English."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
DESK_LANGUAGES = ("nl", "fr", "en")  # the fund's staff read Dutch or French; English for its IT
# Babel's locale per desk language: the desk's English writes dates day first, as in Belgium
BABEL = {"nl": "nl", "fr": "fr", "en": "en_GB"}


@lru_cache(maxsize=len(DESK_LANGUAGES))
def wording(language: str) -> dict[str, str]:
    with (HERE / "wording" / f"{language}.toml").open("rb") as file:
        return tomllib.load(file)
