"""The postcode table: lookups by province and language, rejected codes, and the file's own consistency."""

from __future__ import annotations

import csv
import re
from datetime import date

import pytest

from rules.params import Parameters
from rules.postcodes import PROVINCES, TABLE, Postcode, exists, lookup, municipality

HEADER = ["postcode", "municipality_nl", "municipality_fr", "municipality_de", "province"]


def _rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == HEADER
        return list(reader)


@pytest.mark.parametrize(
    ("postcode", "province", "nl", "fr", "de"),
    [
        ("1000", "BRU", "Brussel", "Bruxelles", "Brüssel"),
        ("1050", "BRU", "Elsene", "Ixelles", "Ixelles"),  # no German name: the local (French) one
        ("1180", "BRU", "Ukkel", "Uccle", "Uccle"),
        ("1300", "BRW", "Waver", "Wavre", "Wavre"),
        ("1420", "BRW", "Eigenbrakel", "Braine-l'Alleud", "Braine-l'Alleud"),
        ("1640", "VBR", "Sint-Genesius-Rode", "Rhode-Saint-Genèse", "Sint-Genesius-Rode"),
        ("3000", "VBR", "Leuven", "Louvain", "Löwen"),
        ("2000", "ANT", "Antwerpen", "Anvers", "Antwerpen"),
        ("2100", "ANT", "Deurne", "Deurne", "Deurne"),  # a district's own locality name
        ("3500", "LIM", "Hasselt", "Hasselt", "Hasselt"),
        ("3790", "LIM", "Voeren", "Fourons", "Voeren"),
        ("3798", "LIM", "'s-Gravenvoeren", "Fouron-le-Comte", "'s-Gravenvoeren"),
        ("4000", "LIE", "Luik", "Liège", "Lüttich"),
        ("4700", "LIE", "Eupen", "Eupen", "Eupen"),
        ("4720", "LIE", "Kelmis", "La Calamine", "Kelmis"),
        ("4780", "LIE", "Sankt Vith", "Saint-Vith", "Sankt Vith"),
        ("4950", "LIE", "Waimes", "Waimes", "Weismes"),  # French locality with a German name
        ("5000", "NAM", "Namen", "Namur", "Namur"),
        ("5020", "NAM", "Namen", "Namur", "Namur"),  # several sub-municipalities: the municipality
        ("6700", "LUX", "Aarlen", "Arlon", "Arel"),
        ("7000", "HAI", "Bergen", "Mons", "Mons"),
        ("7700", "HAI", "Moeskroen", "Mouscron", "Mouscron"),
        ("8000", "WVL", "Brugge", "Bruges", "Brügge"),
        ("8957", "WVL", "Mesen", "Messines", "Mesen"),
        ("9000", "OVL", "Gent", "Gand", "Gent"),
        ("9600", "OVL", "Ronse", "Renaix", "Ronse"),
    ],
)
def test_known_postcode(postcode: str, province: str, nl: str, fr: str, de: str) -> None:
    entry = lookup(postcode)
    assert isinstance(entry, Postcode)
    assert exists(postcode)
    assert (entry.postcode, entry.province) == (postcode, province)
    assert [municipality(postcode, lang) for lang in ("nl", "fr", "de")] == [nl, fr, de]


@pytest.mark.parametrize(
    ("postcode", "names", "local"),
    [
        ("3500", {"nl": "Hasselt"}, "Hasselt"),
        ("4800", {"fr": "Verviers"}, "Verviers"),
        ("4701", {"de": "Kettenis"}, "Kettenis"),
        ("1050", {"nl": "Elsene", "fr": "Ixelles"}, "Ixelles"),
    ],
)
def test_names_hold_only_existing_names(postcode: str, names: dict[str, str], local: str) -> None:
    entry = lookup(postcode)
    assert entry is not None
    assert (entry.names, entry.local_name) == (names, local)


@pytest.mark.parametrize(("language", "name"), [("FR", "Gand"), ("en", "Gent"), ("", "Gent")])
def test_unknown_or_uppercase_language(language: str, name: str) -> None:
    assert municipality("9000", language) == name


@pytest.mark.parametrize(
    "postcode",
    [
        "0000",
        "1234",  # between 1212 and 1300: no bpost code
        "9999",
        "1001",
        "12a4",
        "",
        "105",
        "10500",
        " 1050",
        "1050 ",
        "B-1050",
        "0612",  # bpost's 612 for letters to Saint Nicholas, not an address
        "1049",  # special code of the European Commission: organisations' codes are left out
        "7010",  # SHAPE, likewise
    ],
)
def test_rejected(postcode: str) -> None:
    assert lookup(postcode) is None
    assert not exists(postcode)
    with pytest.raises(KeyError):
        municipality(postcode, "nl")


def test_non_string_is_rejected() -> None:
    assert not exists(1050)  # type: ignore[arg-type]


def test_rows_are_unique_sorted_four_digit_codes() -> None:
    codes = [row["postcode"] for row in _rows()]
    assert all(re.fullmatch(r"[1-9][0-9]{3}", code) for code in codes)
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)


def test_row_count_matches_parameter_file() -> None:
    values = Parameters().period("postcodes", date(2026, 1, 1)).values
    assert values["file"] == TABLE.name
    assert values["rows"] == len(_rows())


def test_every_province_present_and_every_row_named_locally() -> None:
    rows = _rows()
    assert {row["province"] for row in rows} == set(PROVINCES)
    for row in rows:
        entry = lookup(row["postcode"])
        assert entry is not None and entry.local_name, row
        assert all(name == name.strip() and name for name in entry.names.values()), row


BRUSSELS = (
    "1000 1020 1030 1040 1050 1060 1070 1080 1081 1082 1083 1090 1120 1130 1140 1150 1160 1170 1180 1190"
)
BRUSSELS += " 1200 1210"
GERMAN_SPEAKING = "4700 4701 4710 4711 4720 4721 4728 4730 4731 4750 4760 4761 4770 4771 4780 4782 4783 4784"
GERMAN_SPEAKING += " 4790 4791"


@pytest.mark.parametrize(
    ("codes", "province", "languages"),
    [(BRUSSELS, "BRU", ("nl", "fr")), (GERMAN_SPEAKING, "LIE", ("de",))],
)
def test_brussels_and_german_speaking_codes_present(
    codes: str, province: str, languages: tuple[str, ...]
) -> None:
    for code in codes.split():
        entry = lookup(code)
        assert entry is not None, code
        assert entry.province == province
        assert all(lang in entry.names for lang in languages), code
