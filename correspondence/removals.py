"""Rows a full export no longer holds: found after each import, reported with their keys, and removed only
when the operator says so (`correspondence import DIR --accept-removals`), children before their parents.

A file that was not read to its end (a header error, a broken quote) reports no removals; one with a
rejected row whose key could not be read reports them but removes none: that row may be one of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from sqlalchemy import Connection, Table, and_, delete, func, select, tuple_

from correspondence import schema
from correspondence.fields import mask_national_numbers
from correspondence.plurals import counted


class FileSpec(Protocol):
    """What removals need of an import file's spec (importing.FileSpec): its table and key columns."""
    @property
    def table(self) -> Table: ...
    @property
    def key(self) -> tuple[str, ...]: ...


class Keys(Protocol):
    """The keys an import file held (import_keys.py)."""
    def count(self) -> int: ...
    def missing(self, keys: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]: ...


class FileReport(Protocol):
    """What removals read and fill in an import file's report (importing.FileReport)."""
    name: str
    keys: Keys
    read_whole: bool
    keyless: int
    inserted: int
    updated: int
    unchanged: int
    gone: list[str]
    removed: list[str]
    removals: list[str]

SHOWN = 10  # keys listed per file; the count says how many more
PAGE = 5000  # keys of a table compared with the file's at a time


def settle(connection: Connection, specs: dict[str, FileSpec], reports: list[FileReport], accept: bool) -> None:
    """Fill each report's `gone`, `removed` and `removals`; delete the gone rows if `accept`."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with connection.begin():
        for report in reports:
            if report.read_whole and not _only_written(connection, specs[report.name], report):
                gone = sorted(_gone(connection, specs[report.name], report.keys),
                              key=lambda k: tuple(str(v) for v in k))
                if gone:
                    found[report.name] = gone
    if not found:
        return
    if not accept:
        for report in reports:
            if report.name in found:
                report.gone = [_text(k) for k in found[report.name]]
                report.removals.append(f"{report.name}: {_count(report.gone)} gone from the export, kept: "
                                       f"{_listed(report.gone)}; import again with --accept-removals to "
                                       "remove them")
        return
    with connection.begin():
        for report in reversed(reports):  # contributions and claims before the affiliates they belong to
            if report.name in found:
                _remove(connection, specs[report.name], found[report.name], report)


def _only_written(connection: Connection, spec: FileSpec, report: FileReport) -> bool:
    """Whether the table holds just the rows this import wrote of the file, so that none can be gone: each
    valid row of the file is one key (a duplicate is rejected) and is in the table, new, changed or the same;
    as many rows in the table as those means no other. The first import of a large export, or any without a
    row removed, is not compared key by key (7 million keys paged: ~20 s)."""
    written = report.inserted + report.updated + report.unchanged
    return connection.scalar(select(func.count()).select_from(spec.table)) == written


def _gone(connection: Connection, spec: FileSpec, keys: Keys) -> Iterator[tuple[Any, ...]]:
    """The keys the table holds and the file did not, a page of the table at a time."""
    columns = [spec.table.c[k] for k in spec.key]
    last: tuple[Any, ...] | None = None
    while True:
        query = select(*columns).order_by(*columns).limit(PAGE)
        if last is not None:
            query = query.where(tuple_(*columns) > tuple_(*last) if len(columns) > 1 else columns[0] > last[0])
        page = [tuple(row) for row in connection.execute(query)]
        if not page:
            return
        yield from keys.missing(page)
        last = page[-1]


def _remove(connection: Connection, spec: FileSpec, gone: list[tuple[Any, ...]], report: FileReport) -> None:
    if not report.keys.count() or report.keyless:
        report.gone = [_text(k) for k in gone]
        why = ("the file has no rows: an export cut short must not empty the table" if not report.keys.count()
               else f"{counted(report.keyless, 'rejected row')} without a readable key may be among them; "
               "correct them first")
        report.removals.append(f"{report.name}: {_count(report.gone)} gone from the export, kept: "
                               f"{_listed(report.gone)}; not removed: {why}")
        return
    held = _still_referred_to(connection, spec, gone)
    removable = [k for k in gone if k not in held]
    key = tuple_(*[spec.table.c[k] for k in spec.key])
    for start in range(0, len(removable), 500):
        connection.execute(delete(spec.table).where(key.in_(removable[start:start + 500])))
    report.removed = [_text(k) for k in removable]
    if report.removed:
        report.removals.append(f"{report.name}: {_count(report.removed)} gone from the export, removed: "
                               f"{_listed(report.removed)}")
    for k, tables in sorted(held.items()):
        report.gone.append(_text(k))
        report.removals.append(f"{report.name}: {_text(k)} is gone from the export but kept: "
                               f"{', '.join(tables)} still refer to it (import those files too)")


def _still_referred_to(connection: Connection, spec: FileSpec, gone: list[tuple[Any, ...]]) -> dict[
        tuple[Any, ...], list[str]]:
    """Of the gone affiliates, companies or claims, those that rows of other tables still name, with those tables."""
    if spec.table is schema.affiliates:
        kind = "affiliate"
        children = [(t.name, t.c.affiliate_id, None)
                    for t in (schema.contributions, schema.claims, schema.payment_plans, schema.suspensions,
                              schema.statement_requests)]
    elif spec.table is schema.companies:
        kind = "company"
        children = []
    elif spec.table is schema.claims:
        return _referred_to(connection, [k[0] for k in gone], [("benefit_payments", schema.benefit_payments.c.claim_id,
                                                                 None)])
    else:
        return {}
    p, e = schema.payments.c, schema.ebox_consents.c
    children.append(("payments", p.payer_id, p.payer_type == kind))
    children.append(("ebox_consents", e.recipient_id, e.recipient_type == kind))
    return _referred_to(connection, [k[0] for k in gone], children)


def _referred_to(connection: Connection, ids: list[Any], children: list[tuple[str, Any, Any]]) -> dict[
        tuple[Any, ...], list[str]]:
    held: dict[tuple[Any, ...], list[str]] = {}
    for name, column, condition in children:
        for start in range(0, len(ids), 500):
            where = column.in_(ids[start:start + 500])
            query = select(column).distinct().where(where if condition is None else and_(where, condition))
            for (value,) in connection.execute(query):
                held.setdefault((value,), []).append(name)
    return held


def _text(key: tuple[Any, ...]) -> str:
    # An id that is a national number is masked; each value apart, so an id and a date side by side
    # ("A0000001 2026-11-20") are not read as one.
    return " ".join(mask_national_numbers(str(v)) for v in key)


def _count(keys: list[str]) -> str:
    return f"{len(keys)} row" + ("" if len(keys) == 1 else "s")


def _listed(keys: list[str]) -> str:
    shown = ", ".join(keys[:SHOWN])
    return shown if len(keys) <= SHOWN else f"{shown} and {len(keys) - SHOWN} more"
