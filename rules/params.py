"""Dated rule parameters: every figure a rule uses, by validity period, with its source.

A file `rules/parameters/NAME.toml` holds `[[period]]` tables with `valid_from`, optional `valid_until`,
`source`, optional `confirm` (figures the fund's lawyers must still confirm, kept visible) and `values`.
A `Parameters` instance remembers which periods it served, so a night can report the `[confirm]` marks
it relied on.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from rules.errors import MissingParameter, RuleError

DEFAULT_DIR = Path(__file__).parent / "parameters"
_PERIOD_KEYS = {"valid_from", "valid_until", "source", "confirm", "values"}
_FILE_KEYS = {"description", "period"}


@dataclass(frozen=True)
class Period:
    name: str
    valid_from: date
    valid_until: date | None
    source: str
    confirm: tuple[str, ...]
    values: dict[str, Any]

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def decimal(self, key: str) -> Decimal:
        return Decimal(str(self.get(key)))

    def get(self, key: str) -> Any:
        if key not in self.values:
            raise MissingParameter(self.name, key, f"{self.valid_from}..{self.valid_until or ''}")
        return self.values[key]


@dataclass(frozen=True)
class ConfirmMark:
    name: str
    valid_from: date
    mark: str


@lru_cache(maxsize=64)
def _load(path: Path, mtime: float) -> tuple[Period, ...]:
    name = path.stem
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"rules/parameters/{path.name}: {exc}") from None
    unknown = set(data) - _FILE_KEYS
    if unknown:
        raise RuleError(f"rules/parameters/{path.name}: unknown key(s) {sorted(unknown)}")
    periods = []
    for number, raw in enumerate(data.get("period", []), start=1):
        unknown = set(raw) - _PERIOD_KEYS
        if unknown:
            raise RuleError(f"rules/parameters/{path.name}: period {number}: unknown key(s) {sorted(unknown)}")
        if "valid_from" not in raw or "source" not in raw:
            raise RuleError(f"rules/parameters/{path.name}: period {number}: needs valid_from and source")
        periods.append(
            Period(
                name=name,
                valid_from=raw["valid_from"],
                valid_until=raw.get("valid_until"),
                source=raw["source"],
                confirm=tuple(raw.get("confirm", ())),
                values=dict(raw.get("values", {})),
            )
        )
    return tuple(sorted(periods, key=lambda p: p.valid_from))


@dataclass
class Parameters:
    """The parameter files of one directory; records which periods were consulted.

    An instance reads each file once: a night (one instance) sees one set of figures from start to end, and
    does not stat a file for each of the hundreds of thousands of amounts it computes. A new instance reads
    the files again (as edited since)."""

    directory: Path = DEFAULT_DIR
    consulted: set[tuple[str, date]] = field(default_factory=set)
    _read: dict[str, tuple[Period, ...]] = field(default_factory=dict, repr=False, compare=False)

    def periods(self, name: str) -> tuple[Period, ...]:
        if (read := self._read.get(name)) is not None:
            return read
        path = self.directory / f"{name}.toml"
        if not path.exists():
            raise RuleError(f"no parameter file rules/parameters/{name}.toml")
        read = self._read[name] = _load(path, path.stat().st_mtime)
        return read

    def period(self, name: str, day: date, key: str = "*") -> Period:
        """The period of `name` in force on `day`; MissingParameter (naming `key`) if none is."""
        for period in reversed(self.periods(name)):
            if period.covers(day):
                self.consulted.add((name, period.valid_from))
                if key != "*":
                    period.get(key)
                return period
        raise MissingParameter(name, key, day)

    def decimal(self, name: str, day: date, key: str) -> Decimal:
        return self.period(name, day, key).decimal(key)

    def marks_in_force(self, day: date) -> list[ConfirmMark]:
        """The `[confirm]` marks of every parameter file's period in force on `day` (the operator's page)."""
        marks = []
        for path in sorted(self.directory.glob("*.toml")):
            for period in self.periods(path.stem):
                if period.covers(day):
                    marks.extend(ConfirmMark(path.stem, period.valid_from, mark) for mark in period.confirm)
        return marks

    def confirm_marks(self) -> list[ConfirmMark]:
        """The `[confirm]` marks of every period this instance served, for the night's summary."""
        marks = []
        for name, valid_from in sorted(self.consulted):
            for period in self.periods(name):
                if period.valid_from == valid_from:
                    marks.extend(ConfirmMark(name, valid_from, mark) for mark in period.confirm)
        return marks
