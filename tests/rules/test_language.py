"""The language of a letter by language area, Brussels choice and recorded preference."""

from __future__ import annotations

import pytest

from rules.errors import InvalidInput
from rules.language import LanguageChoice, NoLanguageArea, letter_language
from rules.params import Parameters

PARAMS = Parameters()


@pytest.mark.parametrize(
    ("postcode", "recorded", "language", "area"),
    [
        ("9000", None, "nl", "flanders"),
        ("9000", "nl", "nl", "flanders"),
        ("2000", "NL", "nl", "flanders"),
        ("1500", "nl", "nl", "flanders"),
        ("3000", None, "nl", "flanders"),
        ("3790", None, "nl", "flanders"),
        ("1300", "fr", "fr", "wallonia"),
        ("4000", None, "fr", "wallonia"),
        ("5000", "fr", "fr", "wallonia"),
        ("7000", "", "fr", "wallonia"),
        ("4950", None, "fr", "wallonia"),  # Waimes: French with facilities for German speakers
        ("4960", "fr", "fr", "wallonia"),  # Malmedy, likewise
        ("4837", None, "fr", "wallonia"),  # Baelen, outside the German-speaking area
        ("4700", None, "de", "german_speaking"),
        ("4720", "de", "de", "german_speaking"),
        ("4731", None, "de", "german_speaking"),
        ("4750", None, "de", "german_speaking"),
        ("4780", None, "de", "german_speaking"),
        ("4791", None, "de", "german_speaking"),
        ("1000", "nl", "nl", "brussels"),
        ("1000", "fr", "fr", "brussels"),
        ("1050", "fr", "fr", "brussels"),
        ("1210", "nl", "nl", "brussels"),
    ],
)
def test_language_without_conflict(postcode: str, recorded: str | None, language: str, area: str) -> None:
    assert letter_language(postcode, "BE", recorded, PARAMS) == LanguageChoice(language, area, None)


@pytest.mark.parametrize(
    ("postcode", "recorded", "language", "area", "says"),
    [
        ("9000", "fr", "nl", "flanders", "contradicts the Dutch language area"),
        ("2000", "de", "nl", "flanders", "contradicts the Dutch language area"),
        ("4000", "nl", "fr", "wallonia", "contradicts the French language area"),
        ("4700", "nl", "de", "german_speaking", "contradicts the German language area"),
        ("1640", "fr", "nl", "flanders", "Sint-Genesius-Rode has language facilities"),
        ("3790", "fr", "nl", "flanders", "Voeren has language facilities"),
        ("7700", "nl", "fr", "wallonia", "Mouscron has language facilities"),
        ("4960", "de", "fr", "wallonia", "Malmedy has language facilities"),
        ("4700", "fr", "de", "german_speaking", "Eupen has language facilities"),
        # Brussels: no usable choice -> (fund policy) the fund's working language, Dutch, and a conflict.
        ("1000", "de", "nl", "brussels", "recorded language de is not Dutch or French"),
        ("1180", None, "nl", "brussels", "no language recorded"),
    ],
)
def test_conflicts_are_reported(postcode: str, recorded: str, language: str, area: str, says: str) -> None:
    choice = letter_language(postcode, "BE", recorded, PARAMS)
    assert (choice.language, choice.area) == (language, area)
    assert choice.conflict is not None and says in choice.conflict


def test_a_facility_does_not_excuse_another_language() -> None:
    choice = letter_language("1640", "BE", "de", PARAMS)
    assert choice.conflict is not None and "facilities" not in choice.conflict


@pytest.mark.parametrize(
    ("country", "recorded", "language", "conflict"),
    [
        ("NL", "nl", "nl", False),
        ("FR", "fr", "fr", False),
        ("de", "de", "de", False),
        ("LU", None, "nl", True),  # (fund policy) nothing recorded: the fund's working language, reported
    ],
)
def test_abroad_the_recorded_language(
    country: str, recorded: str | None, language: str, conflict: bool
) -> None:
    choice = letter_language("12345", country, recorded, PARAMS)
    assert (choice.language, choice.area, choice.conflict is not None) == (language, "abroad", conflict)


@pytest.mark.parametrize(
    "postcode", ["0999", "999", "12345", "ABCD", "", "1211", "1299", "4799", "4740", None]
)
def test_unknown_postcodes_are_errors(postcode: str) -> None:
    with pytest.raises(NoLanguageArea):
        letter_language(postcode, "BE", "nl", PARAMS)


@pytest.mark.parametrize(
    ("country", "recorded", "field"),
    [
        ("BE", "en", "recorded_language"),
        ("BE", 1, "recorded_language"),
        ("Belgium", "nl", "country"),
        (None, "nl", "country"),
    ],
)
def test_invalid_inputs(country: str, recorded: object, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        letter_language("9000", country, recorded, PARAMS)  # type: ignore[arg-type]
    assert error.value.field == field


def test_every_german_speaking_postcode_is_47xx_and_the_rule_is_marked_confirm() -> None:
    period = PARAMS.periods("language_areas")[-1]
    assert all(code.startswith("47") for code in period.values["german_speaking"])
    assert len({name.split(" (")[0] for name in period.values["german_speaking"].values()}) == 9
    assert any("18 July 1966" in mark and "[confirm]" in mark for mark in period.confirm)
