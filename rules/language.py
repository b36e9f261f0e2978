"""The language of a letter: the affiliate's language area by postcode, or the Brussels affiliate's choice.

Working rule of domain/decisions.md §4 (coordinated language laws of 18 July 1966, `[confirm]`): data in
rules/parameters/language_areas.toml. A recorded preference that contradicts the area is reported, never
followed silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rules.errors import InvalidInput, RuleError
from rules.params import Parameters, Period

PARAMETERS = "language_areas"
LANGUAGES = ("nl", "fr", "de")
_NAMES = {"nl": "Dutch", "fr": "French", "de": "German"}


class NoLanguageArea(RuleError):
    """A Belgian postcode that no language area covers: the letter cannot be written without a guess."""


@dataclass(frozen=True)
class LanguageChoice:
    language: str  # nl | fr | de: the language the letter is written in
    area: str  # flanders | wallonia | german_speaking | brussels | abroad
    conflict: str | None  # for the night's report: why the recorded preference was not (or could not be) used


def letter_language(
    postcode: str,
    country: str,
    recorded_language: str | None,
    params: Parameters | None = None,
    on: date | None = None,
) -> LanguageChoice:
    """The letter's language for an affiliate at `postcode` in `country` with a recorded preference.

    - monolingual area: the area's language; a different recorded preference is a conflict (and when the
      municipality has facilities for that language, the report says so for the legal team).
    - Brussels-Capital: the recorded nl or fr. (fund policy) None or `de` recorded → Dutch, the fund's
      working language (`fallback_language` in the data), with a conflict.
    - abroad: (fund policy) the recorded language; none recorded → the fallback language, with a conflict.
    """
    period = _period(params or Parameters(), on)
    recorded = _recorded(recorded_language)
    fallback = str(period.get("fallback_language"))
    if normalise_country(country) != "BE":
        if recorded is None:
            return LanguageChoice(
                fallback,
                "abroad",
                f"affiliate abroad without a recorded language: "
                f"written in {_NAMES[fallback]}, the fund's working language [confirm]",
            )
        return LanguageChoice(recorded, "abroad", None)
    code = normalise_postcode(postcode)
    area = language_area(code, period)
    if area == "brussels":
        if recorded in ("nl", "fr"):
            return LanguageChoice(recorded, area, None)
        what = (
            "no language recorded"
            if recorded is None
            else f"recorded language {recorded} is not Dutch or French"
        )
        return LanguageChoice(
            fallback,
            area,
            f"Brussels-Capital postcode {code}: {what}; written in "
            f"{_NAMES[fallback]}, the fund's working language, until the affiliate chooses",
        )
    language = str(period.get("area_language")[area])
    if recorded is None or recorded == language:
        return LanguageChoice(language, area, None)
    conflict = (
        f"recorded language {recorded} contradicts the {_NAMES[language]} language area of postcode "
        f"{code} (coordinated language laws of 18 July 1966 [confirm]); written in {_NAMES[language]}"
    )
    facility = _facility(code, area, period)
    if facility is not None and facility[1] == recorded:
        conflict += (
            f"; {facility[0]} has language facilities: the affiliate may be entitled to letters "
            f"in {_NAMES[recorded]} [confirm]"
        )
    return LanguageChoice(language, area, conflict)


def language_area(postcode: str, period: Period) -> str:
    """flanders | wallonia | german_speaking | brussels for a valid four-digit Belgian postcode."""
    if postcode in period.get("german_speaking"):
        return "german_speaking"
    for row in period.get("ranges"):
        if row["from"] <= postcode <= row["until"]:
            return str(row["area"])
    raise NoLanguageArea(
        f"postcode {postcode} is in no language area of rules/parameters/{PARAMETERS}.toml: "
        "check the affiliate's address"
    )


def normalise_country(country: object) -> str:
    if not isinstance(country, str) or len(country.strip()) != 2 or not country.strip().isalpha():
        raise InvalidInput("country", f"must be a two-letter country code such as BE, got {country!r}")
    return country.strip().upper()


def normalise_postcode(postcode: object) -> str:
    """A Belgian postcode as four ASCII digits 1000-9999; anything else cannot be placed."""
    text = postcode.strip() if isinstance(postcode, str) else ""
    if len(text) != 4 or not all("0" <= c <= "9" for c in text) or text < "1000":
        raise NoLanguageArea(f"{postcode!r} is not a Belgian postcode: check the affiliate's address")
    return text


def _recorded(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value.strip().lower() not in LANGUAGES:
        raise InvalidInput("recorded_language", f"must be nl, fr, de or empty, got {value!r}")
    return value.strip().lower()


def _facility(postcode: str, area: str, period: Period) -> tuple[str, str] | None:
    row: Any = period.get("facilities").get(postcode)
    if row is not None:
        return str(row["municipality"]), str(row["language"])
    by_area = period.get("area_facility_language")
    if area in by_area:
        return str(period.get("german_speaking")[postcode]), str(by_area[area])
    return None


def _period(params: Parameters, on: date | None) -> Period:
    # Without a date, the latest rule: language areas change by law, rarely, and never retroactively.
    return params.period(PARAMETERS, on or params.periods(PARAMETERS)[-1].valid_from)
