"""The demo fund's sample data: names and streets per language, company names, and postcodes by region."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from rules import contributions as contribution_rule

DATA = Path(__file__).parent / "data"
POSTCODES = Path(contribution_rule.__file__).parent / "parameters" / "postcodes.csv"
# Share of affiliates by region, roughly the Belgian self-employed population (German area enlarged for the demo).
REGIONS = (("flanders", 0.55), ("wallonia", 0.28), ("brussels", 0.13), ("german", 0.04))


def read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=1)
def postcodes() -> dict[str, list[tuple[str, str]]]:
    """(postcode, municipality) by region, from the rules' postcode table."""
    regions: dict[str, list[tuple[str, str]]] = {r: [] for r, _ in REGIONS}
    with POSTCODES.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = int(row["postcode"])
            if row["province"] == "BRU":
                region, name = "brussels", row["municipality_fr"] or row["municipality_nl"]
            elif 4700 <= code <= 4799:
                region, name = "german", row["municipality_de"] or row["municipality_fr"]
            elif row["province"] in ("ANT", "LIM", "OVL", "WVL", "VBR"):
                region, name = "flanders", row["municipality_nl"]
            else:
                region, name = "wallonia", row["municipality_fr"]
            if name:
                regions[region].append((row["postcode"], name))
    return regions


@lru_cache(maxsize=1)
def sample_names() -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {k: {"nl": [], "fr": [], "de": []} for k in ("first", "last", "street")}
    for kind, file in (("first", "first_names.csv"), ("last", "last_names.csv"), ("street", "street_names.csv")):
        for row in read(file):
            out[kind][row["language"]].append(row["name"])
    return out
