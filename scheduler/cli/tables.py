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
    """`key` in each row; `heading` above it; `number`: aligned right. A column is shown whole (identifiers,
    dates, states, counts); `wrap`: a free text that may wrap over lines when the terminal is narrow."""

    key: str
    heading: str
    number: bool = False
    wrap: bool = False


DRAWN_ROWS = 1000  # a longer listing is printed as plain columns at once, even on a terminal


def cell(value: Any) -> str:
    return "" if value is None else str(value)


def show(columns: Sequence[Column], rows: Iterable[dict[str, Any]], *, title: str | None = None,
         out: TextIO | None = None) -> None:
    out = out or sys.stdout
    rows = list(rows)
    if out.isatty() and len(rows) <= DRAWN_ROWS:
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


WRAPPED_MIN = 12  # the least a free-text column is given before the table gives up and prints plain columns


def _rich(columns: Sequence[Column], rows: list[dict[str, Any]], title: str | None, out: TextIO) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out)
    widest = [max([len(c.heading), *(len(line) for row in rows for line in cell(row.get(c.key)).splitlines())])
              for c in columns]
    needed = sum(min(w, WRAPPED_MIN) if c.wrap else w for c, w in zip(columns, widest, strict=True))
    if needed + 2 * len(columns) > console.width:  # even wrapped it would cut a value: the terminal wraps lines
        plain(columns, rows, title, out)
        return
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for c, w in zip(columns, widest, strict=True):
        table.add_column(c.heading, justify="right" if c.number else "left", no_wrap=not c.wrap,
                         min_width=None if c.wrap else w, overflow="fold")
    for row in rows:
        table.add_row(*(cell(row.get(c.key)) for c in columns))
    console.print(table)


def dump(data: Any, out: TextIO | None = None) -> None:
    """`--json`: one document, indented, dates as YYYY-MM-DD (callers give strings)."""
    print(json.dumps(data, indent=1, ensure_ascii=False), file=out or sys.stdout)
