"""A synthetic fund of N affiliates loaded straight into a database, fast, for a due-notice night.

The rows come from the demo fund (`correspondence.demo.fund.build`: same names, postcodes, statuses, amounts),
parsed by the importer's own column parsers and bulk-inserted without the CSV round trip. Only the night's
quarter's contributions are kept, so the night on the quarter's first day is a pure due-notice night.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from correspondence.demo import fund as demo
from correspondence.importing import SPECS
from correspondence.templates import approvals
from rules.calendar import quarter_of

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
