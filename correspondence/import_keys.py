"""What an import must remember of the files it reads, kept in the database rather than in memory.

A file is read in batches (importing.py), so the import's memory does not grow with the export. What it must
still know of the rows it has passed — each row's key, to find a duplicate and the rows gone from the export,
and each affiliate's national number, to find one given twice — goes to temporary tables of the import's own
connection (gone when it closes). `MemoryKeys` is the same store in memory, for checking a text without a
database (`importing.parse_rows`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    ColumnElement,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    delete,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from correspondence import schema

Key = tuple[Any, ...]
_metadata = MetaData()
KEYS = Table(  # every readable key of a file's rows; `line`: its first valid row's, NULL if none was valid
    "import_keys", _metadata,
    Column("file", String(60), primary_key=True), Column("key", Text, primary_key=True), Column("line", Integer),
    prefixes=["TEMPORARY"],
)
NUMBERS = Table(  # the national number of each valid row of affiliates.csv
    "import_numbers", _metadata,
    Column("line", Integer, primary_key=True), Column("affiliate_id", String(20), nullable=False),
    Column("national_number", String(11), nullable=False),
    Index("ix_import_numbers_affiliate", "affiliate_id"),
    prefixes=["TEMPORARY"],
)
# A number's holder in the database: the first affiliate id holding it (two could, stored before the check).
HOLDERS = (select(schema.affiliates.c.national_number, func.min(schema.affiliates.c.affiliate_id).label("holder"))
           .group_by(schema.affiliates.c.national_number).subquery())


def text_key(key: Key) -> str:
    """A row's key as one text, the same for a parsed row and the row the database gives back."""
    if len(key) == 1 and isinstance(key[0], str):
        return key[0]
    return "\x1f".join(value.isoformat() if isinstance(value, date) else str(value) for value in key)


def among(connection: Connection, column: ColumnElement[Any], values: Collection[Any]) -> ColumnElement[bool]:
    """`column IN values` as one parameter however many values (a JSON array for SQLite, an array for
    PostgreSQL): the statement is compiled once, not once per number of values as `in_()` would be."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    table = func.json_each(bindparam(None, json.dumps(list(values)), type_=Text)).table_valued("value")
    return column.in_(select(table.c.value))


class MemoryKeys:
    """A file's keys in memory: `firsts` and `add` as FileKeys, for a text checked without a database."""

    def __init__(self) -> None:
        self.first: dict[Key, int] = {}
        self.present: set[Key] = set()

    def firsts(self, keys: Collection[Key]) -> dict[Key, int]:
        return {key: self.first[key] for key in keys if key in self.first}

    def add(self, present: Iterable[Key], firsts: dict[Key, int]) -> None:
        self.present.update(present)
        self.first.update(firsts)

    def count(self) -> int:
        return len(self.present)

    def missing(self, keys: list[Key]) -> list[Key]:
        return [key for key in keys if key not in self.present]


class _Many:
    """An INSERT of many rows straight to the driver, compiled once: the keys of millions of rows pass here,
    and SQLAlchemy's per-row parameter processing cost more than the inserts (plain text and integers only)."""

    def __init__(self, connection: Connection, statement: Any) -> None:
        compiled = statement.compile(dialect=connection.dialect)
        self.connection, self.sql, self.names = connection, str(compiled), compiled.positiontup

    def __call__(self, rows: list[dict[str, Any]]) -> None:
        params = [tuple(row[n] for n in self.names) for row in rows] if self.names else rows
        self.connection.exec_driver_sql(self.sql, params)


_Prepared = tuple[str, Any, list[tuple[int, Any]]]
_INSERTS: dict[tuple[str, Table, tuple[str, ...]], _Prepared | None] = {}


def insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys) into `table`, each value through its column type's own bind
    processing (a date as text on SQLite, an amount as cents), as SQLAlchemy would, but without its per-row
    handling of the parameters, which cost more than the database's own work (a fifth of an import): on
    SQLite the rows go to the driver as tuples, on PostgreSQL by COPY. Through SQLAlchemy when the INSERT
    would need a default SQLAlchemy fills in, or on another driver."""
    keys = tuple(rows[0])
    prepared = _prepared(connection, table, keys)
    if prepared is None or any(len(row) != len(keys) for row in rows):
        connection.execute(table.insert(), rows)
        return
    sql, values_of, processors = prepared
    params = []
    for row in rows:
        values = values_of(row)
        if processors:
            values = list(values)
            for i, processor in processors:
                values[i] = processor(values[i])
            values = tuple(values)
        params.append(values)
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for values in params:
                copy.write_row(values)
    else:
        connection.exec_driver_sql(sql, params)


def _prepared(connection: Connection, table: Table, keys: tuple[str, ...]) -> _Prepared | None:
    """The statement (INSERT, or COPY on PostgreSQL), how to take a row's values in its order, and the bind
    processors of the columns that have one; None when the INSERT needs more than the rows' keys."""
    cache_key = (connection.dialect.name, table, keys)
    if cache_key not in _INSERTS:
        dialect = connection.dialect
        compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
        names: tuple[str, ...] | None = None
        plain = set(compiled.params) <= set(keys)  # else a column default SQLAlchemy computes: its INSERT
        if plain and dialect.name == "postgresql" and dialect.driver == "psycopg":
            names, quote = keys, dialect.identifier_preparer.quote
            sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in keys)}) FROM STDIN"
        elif plain and dialect.paramstyle == "qmark" and compiled.positiontup is not None:
            names, sql = tuple(compiled.positiontup), str(compiled)
        _INSERTS[cache_key] = None if names is None else (
            sql, itemgetter(*names) if len(names) > 1 else _one(names[0]),
            [(i, processor) for i, name in enumerate(names)
             if (processor := table.c[name].type.bind_processor(dialect)) is not None])
    return _INSERTS[cache_key]


def _one(name: str) -> Any:
    return lambda row: (row[name],)


class FileKeys:
    """A file's keys in the import's temporary table."""

    def __init__(self, connection: Connection, file: str) -> None:
        self.connection, self.file = connection, file
        self._count = 0
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        statement = insert(KEYS)
        # A key first seen on a rejected row (line NULL) takes the line of its first valid row.
        self._valid = _Many(connection, statement.on_conflict_do_update(
            index_elements=[KEYS.c.file, KEYS.c.key], set_={"line": statement.excluded.line},
            where=KEYS.c.line.is_(None)))
        self._present = _Many(connection, statement.on_conflict_do_nothing(index_elements=[KEYS.c.file, KEYS.c.key]))

    def firsts(self, keys: Collection[Key]) -> dict[Key, int]:
        """The line of the first valid row of each of `keys` the file had before."""
        if not keys:
            return {}
        by_text = {text_key(key): key for key in keys}
        k = KEYS.c
        rows = self.connection.execute(select(k.key, k.line).where(
            k.file == self.file, among(self.connection, k.key, by_text), k.line.is_not(None)))
        return {by_text[text]: line for text, line in rows}

    def add(self, present: Iterable[Key], firsts: dict[Key, int]) -> None:
        """Remember the keys of a batch's rows (`present`: all readable, `firsts`: of its new valid rows)."""
        if firsts:
            self._valid([{"file": self.file, "key": text_key(key), "line": line} for key, line in firsts.items()])
        texts = {text_key(key) for key in present} - {text_key(key) for key in firsts}
        if texts:
            self._present([{"file": self.file, "key": t, "line": None} for t in texts])
        self._count = -1  # counted again when asked

    def count(self) -> int:
        """How many distinct keys the file held."""
        if self._count < 0:
            self._count = self.connection.scalar(select(func.count()).where(KEYS.c.file == self.file)) or 0
        return self._count

    def missing(self, keys: list[Key]) -> list[Key]:
        """Of `keys`, those the file did not hold."""
        by_text = {text_key(key): key for key in keys}
        held = set(self.connection.scalars(select(KEYS.c.key).where(
            KEYS.c.file == self.file, among(self.connection, KEYS.c.key, by_text))))
        return [key for text, key in by_text.items() if text not in held]

    def forget(self) -> None:
        self.connection.execute(delete(KEYS).where(KEYS.c.file == self.file))
        self._count = 0


class Store:
    """The import's temporary tables, on its one connection: `with Store(connection) as store:`."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def __enter__(self) -> Store:
        with self.connection.begin():
            _metadata.create_all(self.connection)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.connection.in_transaction():
            self.connection.rollback()
        with self.connection.begin():
            _metadata.drop_all(self.connection)

    def keys(self, file: str) -> FileKeys:
        return FileKeys(self.connection, file)

    def add_numbers(self, rows: list[tuple[int, str, str]]) -> None:
        if rows:
            self.connection.execute(NUMBERS.insert(), [
                {"line": line, "affiliate_id": affiliate, "national_number": number} for line, affiliate, number in rows])

    def numbers(self, keys: FileKeys) -> Iterator[tuple[int, str, str, str | None, str | None, bool]]:
        """Each valid row's (line, affiliate, number, the number's holder in the database, the holder's number
        in the file, whether the file holds the holder), by number then line: national_numbers.conflicts."""
        n, in_file, held = NUMBERS.alias("n"), NUMBERS.alias("holder_in_file"), KEYS.alias("held")
        query = (
            select(n.c.line, n.c.affiliate_id, n.c.national_number, HOLDERS.c.holder, in_file.c.national_number,
                   held.c.key.is_not(None))
            .select_from(n.outerjoin(HOLDERS, HOLDERS.c.national_number == n.c.national_number)
                         .outerjoin(in_file, in_file.c.affiliate_id == HOLDERS.c.holder)
                         .outerjoin(held, and_(held.c.file == keys.file, held.c.key == HOLDERS.c.holder)))
            .order_by(n.c.national_number, n.c.line)
        )
        for row in self.connection.execute(query):
            yield row[0], row[1], row[2], row[3], row[4], bool(row[5])

    def forget_numbers(self) -> None:
        self.connection.execute(delete(NUMBERS))


def known_ids(connection: Connection, affiliates: set[str], companies: set[str],
              claims: set[str]) -> tuple[set[str], set[str], set[str]]:
    """Of the ids a batch of rows names, those the database holds (the files before it are in it already)."""
    def held(column: Column[str], ids: set[str]) -> set[str]:
        return set(connection.scalars(select(column).where(among(connection, column, ids)))) if ids else set()

    return (held(schema.affiliates.c.affiliate_id, affiliates), held(schema.companies.c.company_id, companies),
            held(schema.claims.c.claim_id, claims))
