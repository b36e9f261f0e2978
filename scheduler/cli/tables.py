"""The listing commands' tables: on a terminal, a table that fits its width and never cuts an identifier;
piped (a cron mail, `grep`, a file), plain columns with every value whole and no drawing characters.
Scripts read `--json`, whose shapes are documented in scheduler/cli/shapes/ (README, Commands).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO


@dataclass(frozen=True)
class Column:
    """`key` in each row; `heading` above it; `identifier`: shown whole (a letter id, a night, a recipient),
    the other columns wrap when the terminal is narrow; `number`: aligned right."""

    key: str
    heading: str
    identifier: bool = False
    number: bool = False


def cell(value: Any) -> str:
    return "" if value is None else str(value)


def show(columns: Sequence[Column], rows: Iterable[dict[str, Any]], *, title: str | None = None,
         out: TextIO | None = None) -> None:
    out = out or sys.stdout
    rows = list(rows)
    if out.isatty():
        _rich(columns, rows, title, out)
    else:
        plain(columns, rows, title, out)


def plain(columns: Sequence[Column], rows: list[dict[str, Any]], title: str | None, out: TextIO) -> None:
    """Columns two spaces apart, each as wide as its widest value: nothing cut, nothing drawn."""
    if title:
        print(title, file=out)
    texts = [[cell(row.get(c.key)).replace("\n", "; ") for c in columns] for row in rows]
    widths = [max([len(c.heading), *(len(t[i]) for t in texts)]) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if c.number else v.ljust(w)
                         for c, v, w in zip(columns, values, widths, strict=True)).rstrip()

    print(line([c.heading for c in columns]), file=out)
    for values in texts:
        print(line(values), file=out)


def _rich(columns: Sequence[Column], rows: list[dict[str, Any]], title: str | None, out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for c in columns:
        widest = max([len(c.heading), *(len(cell(row.get(c.key))) for row in rows)])
        table.add_column(c.heading, justify="right" if c.number else "left", no_wrap=c.identifier,
                         min_width=widest if c.identifier else None, overflow="fold")
    for row in rows:
        table.add_row(*(cell(row.get(c.key)) for c in columns))
    Console(file=out).print(table)


def dump(data: Any, out: TextIO | None = None) -> None:
    """`--json`: one document, indented, dates as YYYY-MM-DD (callers give strings)."""
    print(json.dumps(data, indent=1, ensure_ascii=False), file=out or sys.stdout)
