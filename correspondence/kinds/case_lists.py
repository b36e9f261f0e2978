"""Lists for case handlers, not letters: who to phone before a first judicial collection, what to hand over
to the lawyers, whose mail came back. Each list is a function `(fund, day, params) -> Iterator[Entry]`
(the collection lists: kinds/collection_lists.py, whose `LISTS` the night passes to `record`); an entry's
key is recorded once, ever, and the night writes the entries it added as `<list>.csv`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from correspondence import csv_out, journal, schema
from correspondence.kinds.fund import Fund
from rules.params import Parameters


@dataclass(frozen=True)
class Entry:
    key: str  # stable: the same fact never enters a list twice
    list: str  # file name without .csv
    record: str  # "affiliate A0000123"
    row: dict[str, Any]  # the CSV columns, in order


ListFunction = Callable[[Fund, date, Parameters], Iterator[Entry]]


def record(connection: Connection, fund: Fund, day: date, params: Parameters, lists: Iterable[ListFunction]) -> int:
    """Add tonight's new entries of every list; returns how many were added."""
    return sum(journal.record_case_entries(connection, day, function(fund, day, params)) for function in lists)


def counts(connection: Connection, day: date) -> dict[str, int]:
    t = schema.case_list_entries.c
    return dict(sorted(Counter(connection.scalars(select(t.list).where(t.run_date == day))).items()))


def files(connection: Connection, day: date) -> dict[str, bytes]:
    """The night's lists as CSV files (name -> bytes), rows in key order."""
    t = schema.case_list_entries.c
    by_list: dict[str, list[dict[str, Any]]] = {}
    for name, row in connection.execute(select(t.list, t.row).where(t.run_date == day).order_by(t.list, t.key)):
        by_list.setdefault(name, []).append(json.loads(row))
    out = {}
    for name, rows in by_list.items():
        out[f"{name}.csv"] = csv_out.encode_dicts(rows, list(rows[0]))
    return out
