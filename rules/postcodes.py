"""Belgian postcodes: whether one exists, its province, and its locality's name in nl, fr or de.

Data in rules/parameters/postcodes.csv (one row per postcode, source in postcodes.toml beside it).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rules.language import LANGUAGES
from rules.params import DEFAULT_DIR

PROVINCES = ("BRU", "ANT", "LIM", "OVL", "WVL", "VBR", "BRW", "HAI", "LIE", "LUX", "NAM")
TABLE = DEFAULT_DIR / "postcodes.csv"


@dataclass(frozen=True)
class Postcode:
    postcode: str
    names: dict[str, str]  # language -> name; only the languages the locality has a name in
    province: str  # BRU ANT LIM OVL WVL VBR BRW HAI LIE LUX NAM

    @property
    def local_name(self) -> str:
        """The name in the locality's own official language (French first for bilingual Brussels)."""
        if self.province == "BRU":
            return self.names["fr"]
        if self.province in ("ANT", "LIM", "OVL", "WVL", "VBR"):
            return self.names["nl"]
        if "de" in self.names and 4700 <= int(self.postcode) <= 4791:
            return self.names["de"]
        return self.names["fr"]


@lru_cache(maxsize=4)
def _table(path: Path = TABLE) -> dict[str, Postcode]:
    table = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            names = {lang: row[f"municipality_{lang}"] for lang in LANGUAGES if row[f"municipality_{lang}"]}
            table[row["postcode"]] = Postcode(row["postcode"], names, row["province"])
    return table


def lookup(postcode: str) -> Postcode | None:
    """The postcode's entry, or None for anything but exactly the four digits of a Belgian postcode in use."""
    if not isinstance(postcode, str):
        return None
    return _table().get(postcode)


def exists(postcode: str) -> bool:
    return lookup(postcode) is not None


def municipality(postcode: str, language: str) -> str:
    """The locality's name in `language`, else its official local name; KeyError for an unknown postcode."""
    entry = lookup(postcode)
    if entry is None:
        raise KeyError(postcode)
    return entry.names.get(language.lower(), entry.local_name)
