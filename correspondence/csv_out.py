"""CSV files for people: every CSV the engine writes goes through here, so no cell runs as a formula.

A spreadsheet reads a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula
(`=HYPERLINK(…)` in a name or a street runs when a clerk opens the file). Such a text cell is written with a
leading `'`, which a spreadsheet takes as "this is text" and shows without it. A plain number stays as it
is, a negative amount (`-12.50`) too; a structured communication `+++123/4567/89012+++` is written
`'+++123/4567/89012+++` and shows as `+++123/4567/89012+++`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-\d+(?:[.,]\d+)?")


def cell(value: Any) -> Any:
    """The value as it may be written: a text a spreadsheet would read as a formula gets a leading `'`."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value  # a negative amount: a number, not a formula
    return "'" + value


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]


def write_rows(handle: TextIO, rows: Iterable[Iterable[Any]]) -> None:
    """Rows (header included, if any) to an open text file or stream."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerows(row(r) for r in rows)


def text(rows: Iterable[Iterable[Any]], header: Sequence[str] = ()) -> str:
    buffer = io.StringIO(newline="")
    write_rows(buffer, [header] if header else [])
    write_rows(buffer, rows)
    return buffer.getvalue()


def encode(rows: Iterable[Iterable[Any]], header: Sequence[str] = ()) -> bytes:
    """A CSV file's bytes (UTF-8, `\\n` line ends), header first when given."""
    return text(rows, header).encode("utf-8")


def encode_dicts(rows: Sequence[Mapping[str, Any]], fieldnames: Sequence[str]) -> bytes:
    """Dict rows in `fieldnames` order, the header first; a missing key is an empty cell, an unknown one an
    error (as csv.DictWriter)."""
    for r in rows:
        if extra := set(r) - set(fieldnames):
            raise ValueError(f"dict contains fields not in fieldnames: {', '.join(sorted(extra))}")
    return encode(([r.get(f, "") for f in fieldnames] for r in rows), fieldnames)
