"""The competent labour court by postcode and letter language, and the court table's integrity."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from rules.courts import NoCompetentCourt, competent_court
from rules.errors import RuleError
from rules.params import DEFAULT_DIR, Parameters

PARAMS = Parameters()


@pytest.mark.parametrize(
    ("postcode", "language", "key", "address"),
    [
        ("1000", "nl", "brussels_nl", ("Poelaertplein 3", "1000 Brussel")),
        ("1000", "fr", "brussels_fr", ("Place Poelaert 3", "1000 Bruxelles")),
        ("1210", "fr", "brussels_fr", ("Place Poelaert 3", "1000 Bruxelles")),
        ("1299", "nl", "brussels_nl", ("Poelaertplein 3", "1000 Brussel")),
        ("1300", "fr", "brabant_wallon", ("Rue Clarisse 115", "1400 Nivelles")),
        ("1499", "fr", "brabant_wallon", ("Rue Clarisse 115", "1400 Nivelles")),
        ("1500", "nl", "brussels_nl", ("Poelaertplein 3", "1000 Brussel")),
        ("1640", "fr", "brussels_fr", ("Place Poelaert 3", "1000 Bruxelles")),
        ("1999", "nl", "brussels_nl", ("Poelaertplein 3", "1000 Brussel")),
        ("2000", "nl", "antwerpen", ("Bolivarplaats 20/5", "2000 Antwerpen")),
        ("2999", "nl", "antwerpen", ("Bolivarplaats 20/5", "2000 Antwerpen")),
        ("3000", "nl", "leuven", ("F. Smoldersplein 5", "3000 Leuven")),
        ("3499", "nl", "leuven", ("F. Smoldersplein 5", "3000 Leuven")),
        ("3500", "nl", "antwerpen_hasselt", ("Parklaan 25/5", "3500 Hasselt")),
        ("3999", "nl", "antwerpen_hasselt", ("Parklaan 25/5", "3500 Hasselt")),
        ("4000", "fr", "liege", ("Place Saint-Lambert 30/0004", "4000 Liège")),
        ("4699", "fr", "liege", ("Place Saint-Lambert 30/0004", "4000 Liège")),
        ("4700", "de", "eupen", ("Klötzerbahn 27", "4700 Eupen")),
        ("4780", "de", "eupen", ("Klötzerbahn 27", "4700 Eupen")),
        ("4799", "de", "eupen", ("Klötzerbahn 27", "4700 Eupen")),
        ("4800", "fr", "liege", ("Place Saint-Lambert 30/0004", "4000 Liège")),
        ("4960", "fr", "liege", ("Place Saint-Lambert 30/0004", "4000 Liège")),
        ("4999", "fr", "liege", ("Place Saint-Lambert 30/0004", "4000 Liège")),
        ("5000", "fr", "liege_namur_luxembourg", ("Place Saint-Lambert 30/0004", "4000 Liège")),
        ("5999", "fr", "liege_namur_luxembourg", ("Place Saint-Lambert 30/0004", "4000 Liège")),
        ("6000", "fr", "hainaut", ("Rue de Nimy 70", "7000 Mons")),
        ("6599", "fr", "hainaut", ("Rue de Nimy 70", "7000 Mons")),
        ("6600", "fr", "liege_namur_luxembourg", ("Place Saint-Lambert 30/0004", "4000 Liège")),
        ("6999", "fr", "liege_namur_luxembourg", ("Place Saint-Lambert 30/0004", "4000 Liège")),
        ("7000", "fr", "hainaut", ("Rue de Nimy 70", "7000 Mons")),
        ("7999", "fr", "hainaut", ("Rue de Nimy 70", "7000 Mons")),
        ("8000", "nl", "gent", ("Opgeëistenlaan 401/C", "9000 Gent")),
        ("9999", "nl", "gent", ("Opgeëistenlaan 401/C", "9000 Gent")),
        (" 9000 ", "nl", "gent", ("Opgeëistenlaan 401/C", "9000 Gent")),
    ],
)
def test_court_by_postcode(postcode: str, language: str, key: str, address: tuple[str, ...]) -> None:
    court = competent_court(postcode, "BE", language, PARAMS)
    assert (court.key, court.address) == (key, address)
    assert court.confirm and all("[confirm]" in mark for mark in court.confirm)


@pytest.mark.parametrize(
    ("postcode", "language", "name"),
    [
        ("1000", "nl", "Nederlandstalige arbeidsrechtbank Brussel"),
        ("1000", "fr", "Tribunal du travail francophone de Bruxelles"),
        ("1930", "fr", "Tribunal du travail francophone de Bruxelles"),
        ("9000", "nl", "Arbeidsrechtbank Gent"),
        ("7000", "fr", "Tribunal du travail du Hainaut"),
        ("4700", "de", "Arbeitsgericht Eupen"),
        ("4700", "fr", "Arbeitsgericht Eupen (Tribunal du travail d'Eupen)"),
        # German letters outside the German-speaking area: the official name, then its German rendering.
        ("9000", "de", "Arbeidsrechtbank Gent (Arbeitsgericht Gent)"),
        ("4000", "de", "Tribunal du travail de Liège (Arbeitsgericht Lüttich)"),
        (
            "3500",
            "de",
            "Arbeidsrechtbank Antwerpen, afdeling Hasselt (Arbeitsgericht Antwerpen, Abteilung Hasselt)",
        ),
        ("1300", "nl", "Tribunal du travail du Brabant wallon (Arbeidsrechtbank Waals-Brabant)"),
    ],
)
def test_court_name_in_the_letters_language(postcode: str, language: str, name: str) -> None:
    assert competent_court(postcode, "BE", language, PARAMS).name(language) == name


def test_every_court_has_three_names_and_an_address() -> None:
    for postcode in ("1000", "1300", "2000", "3000", "3500", "4000", "4700", "5000", "6000", "8000"):
        for language in ("nl", "fr"):
            court = competent_court(postcode, "BE", language, PARAMS)
            assert set(court.names) == {"nl", "fr", "de"} and len(court.address) == 2


@pytest.mark.parametrize(
    ("postcode", "country", "language", "reason"),
    [
        (
            "1012 AB",
            "NL",
            "nl",
            "affiliate lives abroad (NL): the fund's legal team decides the competent court",
        ),
        (
            "75001",
            "fr",
            "fr",
            "affiliate lives abroad (FR): the fund's legal team decides the competent court",
        ),
        ("1000", "BE", "de", "judicial district of Brussels"),
        ("1850", "BE", "de", "judicial district of Brussels"),
        ("0999", "BE", "nl", "not a Belgian postcode"),
        ("999", "BE", "nl", "not a Belgian postcode"),
        ("12345", "BE", "nl", "not a Belgian postcode"),
        ("ABCD", "BE", "nl", "not a Belgian postcode"),
        ("", "BE", "nl", "not a Belgian postcode"),
        ("9000", "BE", "en", "not nl, fr or de"),
        ("9000", "Belgium", "nl", "not a country code"),
    ],
)
def test_no_competent_court(postcode: str, country: str, language: str, reason: str) -> None:
    with pytest.raises(NoCompetentCourt) as error:
        competent_court(postcode, country, language, PARAMS)
    assert reason in error.value.reason


def test_ranges_cover_every_postcode_once_and_name_known_courts() -> None:
    period = PARAMS.periods("labour_courts")[-1]
    ranges = sorted(period.values["ranges"], key=lambda row: row["from"])
    assert ranges[0]["from"] == "1000" and ranges[-1]["until"] == "9999"
    for before, after in itertools.pairwise(ranges):
        assert int(after["from"]) == int(before["until"]) + 1
    for row in ranges:
        for key in [row.get("court"), *row.get("by_language", {}).values()]:
            assert key is None or key in period.values["courts"]
    assert any("art. 628" in mark for mark in period.confirm)


def _with_abroad(tmp_path: Path, abroad: str) -> Parameters:
    """The shipped parameters, with the legal team's choice of a court for affiliates abroad added."""
    for source in DEFAULT_DIR.glob("*"):
        if source.is_file():
            shutil.copy(source, tmp_path / source.name)
    courts = tmp_path / "labour_courts.toml"
    courts.write_text(courts.read_text(encoding="utf-8") + abroad, encoding="utf-8")
    return Parameters(tmp_path)


@pytest.mark.parametrize(("language", "key"), [("nl", "brussels_nl"), ("fr", "brussels_fr"), ("de", None)])
def test_the_legal_team_can_name_the_court_for_affiliates_abroad(tmp_path: Path, language: str,
                                                                  key: str | None) -> None:
    params = _with_abroad(tmp_path, '\n[period.values.abroad]\nnl = "brussels_nl"\nfr = "brussels_fr"\n')
    if key is None:  # no choice for German letters: still not guessed
        with pytest.raises(NoCompetentCourt, match="abroad.de"):
            competent_court("75001", "FR", language, params)
    else:
        assert competent_court("75001", "FR", language, params).key == key


def test_a_court_named_for_abroad_must_exist(tmp_path: Path) -> None:
    params = _with_abroad(tmp_path, '\n[period.values.abroad]\nnl = "brussel"\n')
    with pytest.raises(RuleError, match="no court 'brussel'"):
        competent_court("75001", "FR", "nl", params)
