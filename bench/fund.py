"""A synthetic fund of N affiliates in a database, for a benchmark night.

`load`: a pure due-notice night, fast. The rows come from the demo fund (`correspondence.demo.fund.build`: same
names, postcodes, statuses, amounts), parsed by the importer's own column parsers and bulk-inserted without the
CSV round trip. Only the night's quarter's contributions are kept, so the night on the quarter's first day is a
pure due-notice night.

`load_mix`: a real night's mix. The whole demo fund (its years of contributions and payments, companies,
claims, requests, plans and suspensions) written as CSV files and imported by the importer, every letter type
approved as it is on disk, the fund profile switched on the night before (demo/former.py), so the night holds
what that day brings a fund: due notices for all, reminders, formal notices, regularisations, statements,
company letters and decisions, in the generator's proportions.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from correspondence.demo import fund as demo
from correspondence.importing import SPECS, import_dir
from correspondence.templates import approvals, catalog
from rules.calendar import quarter_of
from rules.language import LANGUAGES

BATCH = 2000
BENCH_APPROVER = "bench (working copy)"


def _parsed(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    spec = next(s for s in SPECS if s.name == name)
    return [
        {spec.rename.get(c, c): parse(str(row.get(c, ""))) for c, parse in spec.columns.items()} for row in rows
    ]


def load(engine: Engine, affiliates: int, day: date, seed: int = 1) -> dict[str, int]:
    """Insert the fund for the night of `day` (a quarter's first day); returns the row counts."""
    fund = demo.build(affiliates, seed, day)
    quarter = (day.year, quarter_of(day))
    contributions = [r for r in fund.rows["contributions.csv"] if (int(r["year"]), int(r["quarter"])) == quarter]
    tables = {"affiliates.csv": fund.rows["affiliates.csv"], "contributions.csv": contributions}
    counts = {}
    with engine.begin() as connection:
        for name, rows in tables.items():
            table = next(s.table for s in SPECS if s.name == name)
            parsed = _parsed(name, rows)
            for start in range(0, len(parsed), BATCH):
                connection.execute(table.insert(), parsed[start : start + BATCH])
            counts[name.removesuffix(".csv")] = len(parsed)
    return counts


def approve_working_copy(engine: Engine, templates_dir: Path, letter_type: str, languages: tuple[str, ...]) -> None:
    """The benchmark measures the templates as they are on disk: approve them in its own database."""
    with engine.begin() as connection:
        for language in languages:
            approvals.approve(connection, templates_dir, letter_type, language, BENCH_APPROVER, date(2000, 1, 1))


def load_mix(engine: Engine, affiliates: int, day: date, folder: Path, templates_dir: Path,
             seed: int = 1) -> tuple[dict[str, int], Path]:
    """The whole demo fund imported for the night of `day`, every letter type approved; returns the row counts
    and the fund profile the night must use (switched on the day before `day`)."""
    demo.write_demo_fund(folder, affiliates=affiliates, seed=seed, day=day)
    reports = import_dir(engine, folder)
    for letter_type in catalog.load(templates_dir):
        approve_working_copy(engine, templates_dir, letter_type, LANGUAGES)
    return {r.name.removesuffix(".csv"): r.inserted for r in reports}, folder / "fund.toml"
