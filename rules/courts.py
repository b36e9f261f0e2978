"""The labour court competent for an affiliate's appeal, with its address, for the appeal block of a decision.

Data in rules/parameters/labour_courts.toml (domain/decisions.md §3); an affiliate abroad or an address that
cannot be placed raises `NoCompetentCourt`, whose reason the night quarantines the letter with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from rules.errors import RuleError
from rules.language import LANGUAGES, NoLanguageArea, normalise_country, normalise_postcode
from rules.params import Parameters, Period

PARAMETERS = "labour_courts"


class NoCompetentCourt(RuleError):
    """No court can be named without a guess; `reason` is written for the night's quarantine list."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Court:
    key: str
    official_language: str  # the language of the court's own name
    names: Mapping[str, str]  # nl, fr, de renderings; read-only
    address: tuple[str, ...]
    confirm: tuple[str, ...]  # `[confirm]` marks of this court and of the table it comes from

    def name(self, language: str) -> str:
        """The name for a letter in `language`: the official name, with a rendering for another language.

        (fund policy) A court is named as it names itself; a letter in another language (German outside the
        German-speaking area, above all) adds its rendering in brackets so the reader knows what it is.
        """
        official = self.names[self.official_language]
        rendering = self.names.get(language)
        if language == self.official_language or not rendering or rendering == official:
            return official
        return f"{official} ({rendering})"


def competent_court(
    postcode: str, country: str, language: str, params: Parameters | None = None, on: date | None = None
) -> Court:
    """The labour court of the affiliate's domicile; `language` (nl|fr|de) is the letter's language.

    In Brussels-Capital (1000-1299) and Halle-Vilvoorde (1500-1999) the letter's language chooses between the
    Dutch- and the French-speaking court; a German letter there cannot, and is refused rather than guessed.
    """
    if language not in LANGUAGES:
        raise NoCompetentCourt(f"letter language {language!r} is not nl, fr or de")
    try:
        nation = normalise_country(country)
    except RuleError:
        raise NoCompetentCourt(
            f"country {country!r} of the affiliate's address is not a country code"
        ) from None
    if nation != "BE":
        return _abroad(nation, language, _period(params or Parameters(), on))
    try:
        code = normalise_postcode(postcode)
    except NoLanguageArea:
        raise NoCompetentCourt(
            f"postcode {postcode!r} is not a Belgian postcode: no competent court"
        ) from None
    period = _period(params or Parameters(), on)
    return _court(_court_key(code, language, period), period)


def _court(key: str, period: Period) -> Court:
    raw = period.get("courts").get(key)
    if raw is None:
        raise RuleError(
            f"rules/parameters/{PARAMETERS}.toml: no court '{key}' in courts (named by a range or by abroad)"
        )
    return Court(
        key=key,
        official_language=str(raw["official"]),
        names=MappingProxyType({lang: str(raw[lang]) for lang in LANGUAGES if lang in raw}),
        address=tuple(str(line) for line in raw["address"]),
        confirm=tuple(raw.get("confirm", ())) + period.confirm,
    )


def _abroad(nation: str, language: str, period: Period) -> Court:
    """The court the fund's legal team names for affiliates abroad (`abroad`, by letter language), if it has."""
    chosen = (period.values.get("abroad") or {}).get(language)
    if chosen is None:
        raise NoCompetentCourt(
            f"affiliate lives abroad ({nation}): the fund's legal team decides the competent court "
            f"(`abroad.{language}` in rules/parameters/{PARAMETERS}.toml) [confirm]"
        )
    return _court(str(chosen), period)


def _court_key(code: str, language: str, period: Period) -> str:
    for row in period.get("ranges"):
        if not row["from"] <= code <= row["until"]:
            continue
        if "by_language" not in row:
            return str(row["court"])
        if language not in row["by_language"]:
            raise NoCompetentCourt(
                f"postcode {code} is in the judicial district of Brussels, whose labour courts are Dutch- or "
                f"French-speaking: a letter in {language} cannot choose between them [confirm]"
            )
        return str(row["by_language"][language])
    raise NoCompetentCourt(f"postcode {code} is in no range of rules/parameters/{PARAMETERS}.toml")


def _period(params: Parameters, on: date | None) -> Period:
    # Without a date, the court map in force last: the map changes by law, never retroactively.
    return params.period(PARAMETERS, on or params.periods(PARAMETERS)[-1].valid_from)
