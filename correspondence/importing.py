"""`correspondence import DIR`: load the core system's CSV exports, row by row, never half a row.

Each file is read first for its encoding (csv_in.py, which also gives its sha256), then row by row from a
header row, in batches of BATCH rows: a file's size does not change what the import holds in memory. A bad
row is reported as `file:line: field: reason`, one message for each bad field, and skipped as a whole; the
good rows are upserted by their key, so importing the same files again changes nothing. What the import must
remember of the rows it passed — keys for duplicates and for rows gone from the export, the national numbers
of affiliates.csv, read once more before it for that — is kept in its temporary tables (import_keys.py).
An affiliate whose national number another affiliate already has (earlier in the file, or in the database)
is rejected too (national_numbers.py). Each file is a full export: rows of the database that it no longer
holds are reported, and removed only when asked (`--accept-removals`, see removals.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, Engine, Table, select, tuple_

from correspondence import csv_in, import_keys, national_numbers, removals, schema
from correspondence import fields as f
from correspondence.fields import FieldError
from correspondence.plurals import counted
from rules.language import LANGUAGES
from rules.mantelzorg_input import DOCUMENTS, OTHER_BENEFITS

STATUSES = ("main", "secondary", "helper_main", "spouse_maxi", "spouse_mini", "pensioner", "art37")
ADDRESS_FIELDS = ("street", "house_number", "box", "postcode", "city", "country")
RowCheck = Callable[[dict[str, Any], "Known"], tuple[str, str] | None]
# Columns whose values a message never repeats: it reaches terminals and logs (a value in the wrong column,
# say a name under `status`, would otherwise be echoed by the column's "'…' is not one of" message).
PERSONAL = ("national_number", "first_name", "last_name", "name", "street", "city")
MAX_FIELD = 4096  # characters: no column needs more; a longer field rejects its row, not the file
BATCH = 5000  # rows read, checked and written at a time: the import's memory does not grow with the file
MESSAGES = 1000  # a file's errors kept to show, the first found; beyond, counted (a file whose every row is bad)


@dataclass(frozen=True)
class FileSpec:
    name: str
    table: Table
    columns: dict[str, f.Parser]
    key: tuple[str, ...]
    checks: tuple[RowCheck, ...] = ()
    rename: dict[str, str] = field(default_factory=dict)  # CSV column -> table column
    derive: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # columns computed from a valid row
    optional: tuple[str, ...] = ()  # columns a file may leave out of its header (read as empty)


@dataclass
class Known:
    """Ids that rows may refer to: those in the database plus those imported just before."""

    affiliates: set[str] = field(default_factory=set)
    companies: set[str] = field(default_factory=set)
    claims: set[str] = field(default_factory=set)
    # national number -> the affiliate id the database holds it under (never shown: personal data)
    national_numbers: dict[str, str] = field(default_factory=dict)


@dataclass
class FileReport:
    name: str
    read: int = 0
    rejected: int = 0  # rows; a row may give several errors
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What the file holds, for finding rows gone from the export: the key of every row, loaded or rejected
    # (in the import's temporary table, import_keys.py), whether the file was read to its end, and how many
    # rejected rows had no readable key.
    keys: import_keys.MemoryKeys | import_keys.FileKeys = field(default_factory=import_keys.MemoryKeys,
                                                                repr=False, compare=False)
    read_whole: bool = False
    keyless: int = 0
    gone: list[str] = field(default_factory=list)  # keys of rows gone from the export and kept
    removed: list[str] = field(default_factory=list)  # keys of rows gone from the export and removed
    removals: list[str] = field(default_factory=list)  # what was found and done about them, one line each
    separator: str | None = None  # as found (csv_in.py): ',', ';' or a tab
    encoding: str | None = None  # as found, for people: 'UTF-8', 'UTF-8 (BOM)', 'Windows-1252 (not UTF-8)'
    sha256: str | None = None  # hex digest of the file's bytes as read (the import record names it)
    seconds: float = 0.0  # reading, checking and writing the file (bench/import.py)
    checks: str = ""  # the import's checks as this version makes them (CHECKS)
    same_as: int | None = None  # the import whose file this one is, byte for byte: not read again
    more_errors: int = 0  # errors found beyond the MESSAGES kept: counted, not kept

    def error(self, message: str) -> None:
        """Keep an error to show, or count it when MESSAGES are kept: the import's memory does not grow with
        a file whose every row is bad (a date format the core system changed)."""
        if len(self.errors) < MESSAGES:
            self.errors.append(message)
        else:
            self.more_errors += 1


def _address_columns() -> dict[str, f.Parser]:
    return {
        "street": f.text(200),
        "house_number": f.text(20),
        "box": f.text(20, required=False),
        "postcode": f.postcode,
        "city": f.text(100),
        "country": f.country,
        "language": f.choice(*LANGUAGES),
    }


def _belgian_postcode(row: dict[str, Any], _known: Known) -> tuple[str, str] | None:
    from rules import postcodes

    if row["country"] == "BE" and not postcodes.exists(row["postcode"]):
        return "postcode", f"'{row['postcode']}' is not a Belgian postcode in use"
    return None


def _affiliation_period(row: dict[str, Any], _known: Known) -> tuple[str, str] | None:
    if row["affiliated_until"] and row["affiliated_until"] < row["affiliated_since"]:
        return "affiliated_until", "is before affiliated_since"
    return None


def _period(row: dict[str, Any], _known: Known) -> tuple[str, str] | None:
    if row["valid_until"] and row["valid_until"] < row["valid_from"]:
        return "until", "is before from"
    return None


def _affiliate_exists(row: dict[str, Any], known: Known) -> tuple[str, str] | None:
    if row["affiliate_id"] not in known.affiliates:
        return "affiliate_id", f"'{row['affiliate_id']}' is not a known affiliate"
    return None


def _claim_exists(row: dict[str, Any], known: Known) -> tuple[str, str] | None:
    if row["claim_id"] not in known.claims:
        return "claim_id", f"'{row['claim_id']}' is not a known claim"
    return None


def _death_reported(row: dict[str, Any], _known: Known) -> tuple[str, str] | None:
    reported, died = row["death_reported_on"], row["care_recipient_died_on"]
    if reported is not None and died is None:
        return "death_reported_on", "is given, but care_recipient_died_on is empty"
    if reported is not None and reported < died:
        return "death_reported_on", f"{reported.isoformat()} is before care_recipient_died_on ({died.isoformat()})"
    return None


def _benefit_paid(row: dict[str, Any], _known: Known) -> tuple[str, str] | None:
    if row["amount"] <= 0:
        return "amount", f"{row['amount']} is not above zero: a row is a payment the fund made"
    if row["paid_on"] < date.fromisoformat(f"{row['month']}-01"):
        return "paid_on", f"{row['paid_on'].isoformat()} is before the month it pays ({row['month']})"
    return None


def _known(kind_field: str, id_field: str) -> RowCheck:
    """The row's `id_field` names a known affiliate or company, as its `kind_field` says (payments' payer,
    letters' and consents' recipient)."""
    def check(row: dict[str, Any], known: Known) -> tuple[str, str] | None:
        ids = known.affiliates if row[kind_field] == "affiliate" else known.companies
        if row[id_field] not in ids:
            return id_field, f"'{row[id_field]}' is not a known {row[kind_field]}"
        return None

    return check


_payer_exists = _known("payer_type", "payer_id")
_recipient_exists = _known("recipient_type", "recipient_id")


# letters_sent.csv: the letter types a fund may state its former system sent, as (key prefix, recipient type,
# period pattern, what the period is); the event key is `<prefix>:<recipient>:<period>`, the one the trigger
# of that type gives (correspondence/kinds/), so the engine never prints that event again.
QUARTER = re.compile(r"[0-9]{4}-Q[1-4]")
ACCOUNT_PERIOD = re.compile(r"[0-9]{4}-(Q[1-4]|REG)")
YEAR = re.compile(r"[0-9]{4}")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SENT_TYPES: dict[str, tuple[str, str, re.Pattern[str], str]] = {
    "due_notice": ("due_notice", "affiliate", QUARTER, "a quarter, e.g. 2026-Q3"),
    "reminder": ("reminder", "affiliate", ACCOUNT_PERIOD, "the newest period reminded, e.g. 2026-Q3 or 2024-REG"),
    "formal_notice": ("formal_notice", "affiliate", ACCOUNT_PERIOD, "the period of the reminder it followed"),
    "account_statement": ("statement", "affiliate", DAY, "the statement date, e.g. 2026-06-30"),
    "fiscal_certificate": ("fiscal_certificate", "affiliate", YEAR, "the year certified, e.g. 2025"),
    "company_due_notice": ("company_due", "company", YEAR, "the contribution year, e.g. 2026"),
    "company_reminder": ("company_reminder", "company", YEAR, "the contribution year, e.g. 2026"),
    "company_formal_notice": ("company_formal_notice", "company", YEAR, "the contribution year, e.g. 2026"),
}


def _income_on_regularisation(row: dict[str, Any], _known: Known) -> tuple[str, str] | None:
    if row["income"] is not None and row["kind"] != "regularisation":
        return "income", "is given on a provisional row: only a regularisation row carries the year's final income"
    return None


def _claim_facts(row: dict[str, Any], _known: Known) -> tuple[str, str] | None:
    if row["completed_on"] is not None and row["completed_on"] < row["received_on"]:
        return "completed_on", (f"{row['completed_on'].isoformat()} is before the request was received "
                                f"({row['received_on'].isoformat()})")
    if row["other_benefit_kind"] is not None and not row["other_benefit"]:
        return "other_benefit_kind", "names a benefit, but other_benefit is false"
    return None


def _optional_choice(*allowed: str) -> f.Parser:
    """One of `allowed`, or empty (None)."""
    parse = f.choice(*allowed)
    return lambda value: parse(value) if value.strip() else None


def _letter_sent(row: dict[str, Any], known: Known) -> tuple[str, str] | None:
    _, recipient_type, pattern, what = SENT_TYPES[row["letter_type"]]
    if row["recipient_type"] != recipient_type:
        return "recipient_type", f"is '{row['recipient_type']}', but {row['letter_type']} goes to the {recipient_type}"
    if unknown := _recipient_exists(row, known):
        return unknown
    if not pattern.fullmatch(row["period"]):
        return "period", f"'{row['period']}' is not {what}"
    if pattern is DAY:
        try:
            date.fromisoformat(row["period"])
        except ValueError:
            return "period", f"'{row['period']}' is not a calendar day"
    return None


# statement_requests.csv: what an affiliate may ask for (kinds/statements.py answers both).
REQUESTED = ("account_statement", "fiscal_certificate")


def _requested(row: dict[str, Any], _known: Known) -> tuple[str, str] | None:
    """A fiscal certificate is asked for a year that was over when asked; an account statement for no year."""
    year, asked_on = row["year"], row["requested_on"]
    if row["letter_type"] == "account_statement":
        if year:
            return "year", ("is given for an account statement, which shows the account on the night it is "
                            "written: leave it empty")
        return None
    if not year:
        return "year", "is empty: a fiscal certificate is asked for a year, e.g. 2025"
    if year >= asked_on.year:
        return "year", f"{year} was not over on {asked_on} (requested_on): a fiscal certificate certifies a past year"
    return None


def _sent_key(row: dict[str, Any]) -> dict[str, Any]:
    return {"event_key": f"{SENT_TYPES[row['letter_type']][0]}:{row['recipient_id']}:{row['period']}"}


def _period_file(name: str, table: Table, kinds: tuple[str, ...]) -> FileSpec:
    """A file of situations that hold for an affiliate from a date until a date (open when empty)."""
    return FileSpec(
        name,
        table,
        {"affiliate_id": f.identifier(20), "kind": f.choice(*kinds), "from": f.iso_date(),
         "until": f.iso_date(required=False)},
        key=("affiliate_id", "kind", "valid_from"),
        checks=(_affiliate_exists, _period),
        rename={"from": "valid_from", "until": "valid_until"},
    )


SPECS: tuple[FileSpec, ...] = (
    FileSpec(
        "affiliates.csv",
        schema.affiliates,
        {
            "affiliate_id": f.identifier(20),
            "national_number": f.national_number,
            "first_name": f.text(100),
            "last_name": f.text(100),
            **_address_columns(),
            "status": f.choice(*STATUSES),
            "affiliated_since": f.iso_date(),
            "affiliated_until": f.iso_date(required=False),
        },
        key=("affiliate_id",),
        checks=(_belgian_postcode, _affiliation_period),
    ),
    FileSpec(
        "companies.csv",
        schema.companies,
        {
            "company_id": f.identifier(20),
            "enterprise_number": f.enterprise_number,
            "name": f.text(200),
            **_address_columns(),
            "incorporated_on": f.iso_date(),
            "balance_sheet_total": f.amount(required=False),
        },
        key=("company_id",),
        checks=(_belgian_postcode,),
    ),
    FileSpec(
        "contributions.csv",
        schema.contributions,
        {
            "contribution_id": f.identifier(30),
            "affiliate_id": f.identifier(20),
            "year": f.integer(1990, 2100),
            "quarter": f.integer(1, 4),
            "kind": f.choice("provisional", "regularisation"),
            "amount": f.amount(allow_negative=True),
            "fee": f.amount(allow_negative=True),
            "due_date": f.iso_date(),
            # A regularisation's final professional income of the year (tax authority); empty otherwise.
            "income": f.amount(allow_negative=True, required=False),
        },
        key=("contribution_id",),
        checks=(_affiliate_exists, _income_on_regularisation),
        optional=("income",),
    ),
    FileSpec(
        "payments.csv",
        schema.payments,
        {
            "payment_id": f.identifier(30),
            "payer_type": f.choice("affiliate", "company"),
            "payer_id": f.identifier(20),
            "received_on": f.iso_date(),
            "amount": f.amount(allow_negative=True),
            "structured_reference": f.structured_reference,
        },
        key=("payment_id",),
        checks=(_payer_exists,),
    ),
    _period_file("payment_plans.csv", schema.payment_plans, ("payment_plan",)),
    _period_file("suspensions.csv", schema.suspensions, ("exemption_request", "appeal", "bankruptcy", "death")),
    FileSpec(
        "claims.csv",
        schema.claims,
        {
            "claim_id": f.identifier(30),
            "affiliate_id": f.identifier(20),
            "kind": f.choice("mantelzorg"),
            "received_on": f.iso_date(),
            "break_start": f.iso_date(),
            "months": f.integer(-1000, 1000),
            "mode": f.choice("full", "partial"),
            "care_recipient": f.text(30),
            "relative_degree": f.integer(1, 10, required=False),
            "child_age": f.integer(0, 120, required=False),
            "documents": f.choices(*DOCUMENTS),  # the documents received (rules/mantelzorg_input.py DOCUMENTS)
            "care_recipient_died_on": f.iso_date(required=False),
            "other_benefit": f.boolean,
            "months_before_engine": f.integer(0, 12),
            "exempt_quarters_before_engine": f.integer(0, 4),
            # Which other benefit (rules/mantelzorg_input.py OTHER_BENEFITS): a refusal for it names it.
            "other_benefit_kind": _optional_choice(*OTHER_BENEFITS),
            # The day the request became complete, when its last document came after received_on (§6).
            "completed_on": f.iso_date(required=False),
            # The day the fund learnt of the death (a recovery names it); an optional column.
            "death_reported_on": f.iso_date(required=False),
        },
        key=("claim_id",),
        checks=(_affiliate_exists, _claim_facts, _death_reported),
        optional=("other_benefit_kind", "completed_on", "death_reported_on"),
    ),
    FileSpec(  # what the fund paid on each claim, one row per payment: a recovery claims back what was paid
        "benefit_payments.csv",
        schema.benefit_payments,
        {"claim_id": f.identifier(30), "month": f.month, "paid_on": f.iso_date(), "amount": f.amount()},
        key=("claim_id", "month", "paid_on"),
        checks=(_claim_exists, _benefit_paid),
    ),
    FileSpec(  # account statements and fiscal certificates affiliates asked for: each answered once (kinds/statements.py)
        "statement_requests.csv",
        schema.statement_requests,
        {"affiliate_id": f.identifier(20), "requested_on": f.iso_date(),
         "letter_type": f.choice(*REQUESTED, default="account_statement"),
         "year": f.integer(1990, 2100, required=False, default=0)},
        key=("affiliate_id", "requested_on", "letter_type", "year"),
        checks=(_affiliate_exists, _requested),
        optional=("letter_type", "year"),
    ),
    FileSpec(  # who chose the e-Box (issue 20): a consent, or its withdrawal, from a day on (ebox/consent.py)
        "ebox.csv",
        schema.ebox_consents,
        {"recipient_type": f.choice("affiliate", "company"), "recipient_id": f.identifier(20),
         "consent": f.choice("yes", "no"), "since": f.iso_date()},
        key=("recipient_type", "recipient_id", "since"),
        checks=(_recipient_exists,),
        derive=lambda row: {"consent": row["consent"] == "yes"},
    ),
    FileSpec(  # what the fund's former system sent before go-live (README: How a fund switches on)
        "letters_sent.csv",
        schema.letters_sent,
        {
            "recipient_type": f.choice("affiliate", "company"),
            "recipient_id": f.identifier(20),
            "letter_type": f.choice(*SENT_TYPES),
            "period": f.text(10),
            "sent_on": f.iso_date(),
        },
        key=("recipient_type", "recipient_id", "letter_type", "period"),
        checks=(_letter_sent,),
        derive=_sent_key,
    ),
)


def decode(path: Path, report: FileReport) -> str | None:
    """The file's text, its encoding noted in the report; None, with a message, when it is not text."""
    raw = path.read_bytes()
    report.sha256 = hashlib.sha256(raw).hexdigest()
    decoded = csv_in.decode(raw)
    report.encoding = decoded.encoding
    if decoded.problem:
        report.error(f"{path.name}:1: file: {decoded.problem}; nothing of this file was imported")
    return decoded.text


def parse_rows(spec: FileSpec, text: str, known: Known, report: FileReport) -> list[dict[str, Any]]:
    """Valid rows of a text, keyed by table column, checked as the import checks a file but without a
    database (the ids rows refer to are `known`'s); a rejected row adds one message per bad field to the report."""
    keys = import_keys.MemoryKeys()
    rows = [row for batch in _batches(spec, lambda: io.StringIO(text, newline=""), len(text) + 1, report,
                                      lambda _rows: known, keys)
            for row in batch]
    if spec.table is schema.affiliates:
        number_in_file = {row["affiliate_id"]: row["national_number"] for _line, row in rows}
        numbered = [(line, row["affiliate_id"], row["national_number"], holder,
                     number_in_file.get(holder) if holder else None, (holder,) in keys.present)
                    for line, row in rows for holder in [known.national_numbers.get(row["national_number"])]]
        conflicts = national_numbers.conflicts(sorted(numbered, key=lambda r: (r[2], r[0])))
        rows = _without_conflicts(spec, rows, conflicts, report)
    for _line, row in rows:
        if spec.table is schema.affiliates:
            known.affiliates.add(row["affiliate_id"])
        elif spec.table is schema.companies:
            known.companies.add(row["company_id"])
        elif spec.table is schema.claims:
            known.claims.add(row["claim_id"])
    report.keys = keys
    _in_line_order(report)
    return [row for _line, row in rows]


def _without_conflicts(spec: FileSpec, rows: list[tuple[int, dict[str, Any]]], conflicts: dict[int, str],
                       report: FileReport) -> list[tuple[int, dict[str, Any]]]:
    """The rows but those whose national number another affiliate has: each rejected with its reason."""
    kept = []
    for line, row in rows:
        if line in conflicts:
            report.error(f"{spec.name}:{line}: national_number: {conflicts[line]}")
            report.rejected += 1
        else:
            kept.append((line, row))
    return kept


def _in_line_order(report: FileReport) -> None:
    report.errors[:] = sorted((f.mask_national_numbers(e) for e in report.errors), key=_line_of)


def _batches(spec: FileSpec, open_text: Callable[[], TextIO], limit: int, report: FileReport,
             known_for: Callable[[list[dict[str, Any]]], Known],
             keys: import_keys.MemoryKeys | import_keys.FileKeys) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """The file's valid rows as (line, row) in batches of at most BATCH; each rejected row reported."""
    with _field_limit(limit), open_text() as handle:  # csv's own limit would end the file at the first long field
        first = handle.readline()
        report.separator = csv_in.separator(first, spec.columns)
        reader = csv.DictReader(itertools.chain([first], handle), delimiter=report.separator, strict=True)
        try:
            header = reader.fieldnames or []
        except csv.Error as exc:
            report.error(f"{spec.name}:1: header: {exc}; nothing of this file was imported")
            return
        empty = not first.strip() and _blank(open_text)
        problem = "the file is empty, not even a header" if empty else _header_problem(spec, header)
        if problem:
            report.error(f"{spec.name}:1: header: {problem}; nothing of this file was imported")
            return
        extra = [c for c in header if c not in spec.columns]
        if extra:
            names = f.mask_national_numbers(", ".join(map(str, extra)))
            report.warnings.append(f"{spec.name}:1: header: {_plural(len(extra), 'column')} {names} "
                                   f"{'is' if len(extra) == 1 else 'are'} ignored")
        yield from _read_rows(spec, reader, report, known_for, keys)


def _blank(open_text: Callable[[], TextIO]) -> bool:
    """Whether the text holds nothing but white space (read again, line by line: it may be large)."""
    with open_text() as handle:
        return not any(line.strip() for line in handle)


@dataclass
class _Read:
    line: int
    raw: dict[str, Any]
    key: tuple[Any, ...] | None  # as the table holds it, even when another field rejects the row
    row: dict[str, Any]
    problems: list[tuple[str, str]]


def _read_rows(spec: FileSpec, reader: csv.DictReader[str], report: FileReport,
               known_for: Callable[[list[dict[str, Any]]], Known],
               keys: import_keys.MemoryKeys | import_keys.FileKeys) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    pending: list[_Read] = []
    keyless = 0
    header = reader.fieldnames or []
    first_column, last_column = (header[0], header[-1]) if header else (None, None)
    try:
        for raw in reader:
            line = reader.line_num
            first = raw.get(first_column)
            if not (first and not first.isspace()) and _separators_only(raw):  # most begin with a value: one look
                continue  # separators only (`;;;;`, an empty row a spreadsheet kept): nothing in it
            report.read += 1
            # A row as long as the header has no field under None (too many) nor a None value (too few).
            fields = len(header) if None not in raw and raw[last_column] is not None else _field_count(raw)
            if fields != len(header):
                report.error(f"{spec.name}:{line}: row: has {counted(fields, 'field')}, "
                             f"the header has {len(header)}")
                report.rejected += 1
                keyless += 1
                continue
            row, problems = _parse_fields(spec, raw)
            # The key as the table holds it, even when another field rejects the row; None if unreadable.
            key = tuple(row[k] for k in spec.key) if all(k in row for k in spec.key) else None
            keyless += key is None
            pending.append(_Read(line, raw, key, row, problems))
            if len(pending) >= BATCH:
                yield _settled(spec, pending, report, known_for, keys)
                pending = []
    except csv.Error as exc:
        report.error(f"{spec.name}:{reader.line_num}: row: {exc}; the rest of the file was not read")
    else:
        report.read_whole, report.keyless = True, keyless
    if pending:
        yield _settled(spec, pending, report, known_for, keys)


def _settled(spec: FileSpec, pending: list[_Read], report: FileReport,
             known_for: Callable[[list[dict[str, Any]]], Known],
             keys: import_keys.MemoryKeys | import_keys.FileKeys) -> list[tuple[int, dict[str, Any]]]:
    """A batch's rows checked (against the ids known, then for a key an earlier row has): the valid ones."""
    known = known_for([read.row for read in pending]) if spec.checks else Known()
    for read in pending:
        read.problems += _checked(spec, read.row, known)
    earlier = keys.firsts({tuple(r.row[k] for k in spec.key) for r in pending if not r.problems})
    firsts: dict[tuple[Any, ...], int] = {}
    valid = []
    for read in pending:
        if not read.problems:
            key = tuple(read.row[k] for k in spec.key)
            first = earlier.get(key) or firsts.get(key)
            if first is not None:
                read.problems = [(spec.key[0], f"duplicate of line {first}; the first one is kept")]
            else:
                firsts[key] = read.line
        if read.problems:
            report.rejected += 1
            for column, reason in read.problems:
                report.error(f"{spec.name}:{read.line}: {column}: {_without_personal_data(reason, read.raw)}")
            continue
        if spec.derive is not None:
            read.row.update(spec.derive(read.row))
        valid.append((read.line, dict(read.row)))
    keys.add([r.key for r in pending if r.key is not None], firsts)
    return valid


def _line_of(message: str) -> int:
    """The line a `file:line: field: reason` message names, so that a file's messages go in line order."""
    match = re.match(r"[^:]*:(\d+):", message)
    return int(match[1]) if match else 0


def _plural(count: int, noun: str) -> str:
    return noun if count == 1 else f"{noun}s"


def _header_problem(spec: FileSpec, header: list[str]) -> str | None:
    if not any(c in spec.columns for c in header):
        return (f"names none of the expected columns ({', '.join(spec.columns)}): the first line names the "
                "columns, separated by ',', ';' or a tab")
    missing = [c for c in spec.columns if c not in header and c not in spec.optional]
    if missing:
        return f"missing {_plural(len(missing), 'column')} {', '.join(missing)}"
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:  # csv.DictReader would silently keep the last one
        return (f"{_plural(len(twice), 'column')} {', '.join(repr(c) for c in twice)} "
                f"{'appears' if len(twice) == 1 else 'appear'} more than once")
    return None


def _separators_only(raw: dict[str | None, Any]) -> bool:
    """Whether a row holds separators only (`;;;;`, an empty row a spreadsheet kept): nothing in it."""
    return all(not v or not v.strip() for v in raw.values() if isinstance(v, str)) and None not in raw


def _field_count(raw: dict[str | None, Any]) -> int:
    """How many fields the row has: csv.DictReader puts a short row's missing ones as None, a long row's
    extra ones in a list under None."""
    return sum(v is not None for k, v in raw.items() if k is not None) + len(raw.get(None) or ())


def _without_personal_data(reason: str, raw: dict[str, str]) -> str:
    for column in PERSONAL:
        value = (raw.get(column) or "").strip()
        if len(value) >= 3:  # a parser may have changed its case ('VANDENBROUCKE' is not a country code)
            reason = re.sub(re.escape(value), "…", reason, flags=re.IGNORECASE)
    return reason


@contextmanager
def _field_limit(size: int) -> Iterator[None]:
    """Let csv read fields up to `size` characters: MAX_FIELD then rejects a row, not the rest of the file."""
    before = csv.field_size_limit()
    csv.field_size_limit(max(before, size))
    try:
        yield
    finally:
        csv.field_size_limit(before)


class _Unparsed(Exception):
    """A row check asked for a field that did not parse: that field's own message says what is wrong."""


class _Parsed(dict[str, Any]):
    def __missing__(self, column: str) -> Any:
        raise _Unparsed(column)


def _parse_fields(spec: FileSpec, raw: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The row by table column (those fields that parse), and each field that does not as (column, reason)."""
    row = _Parsed()
    # Every field is text here (the row has the header's length): one sum, and each field only when it is long.
    problems = [] if sum(map(len, raw.values())) <= MAX_FIELD else [
        (str(column), f"is {len(value)} characters long, a field holds at most {MAX_FIELD}; the row was skipped")
        for column, value in raw.items() if isinstance(value, str) and len(value) > MAX_FIELD]
    too_long = {column for column, _ in problems}
    for column, parse in spec.columns.items():
        if column in too_long:
            continue
        value = raw.get(column) or ""  # an optional column the header leaves out reads as empty
        try:
            row[spec.rename.get(column, column)] = parse(value)
        except FieldError as exc:
            problems.append((column, _reason(str(exc), value)))
    return row, problems


def _checked(spec: FileSpec, row: dict[str, Any], known: Known) -> list[tuple[str, str]]:
    """The problems of each row check whose fields parsed."""
    problems = []
    for check in spec.checks:
        try:
            problem = check(row, known)
        except _Unparsed:
            continue
        if problem:
            problems.append(problem)
    return problems


def _reason(reason: str, value: str) -> str:
    """An empty field is said to be empty, with what was expected: "is empty; expected a date written …"."""
    if value.strip():
        return reason
    unreadable = "'' is not "  # a parser's "'' is not a date written YYYY-MM-DD"
    return f"is empty; expected {reason[len(unreadable):]}" if reason.startswith(unreadable) else "is empty"


def upsert(connection: Connection, spec: FileSpec, rows: list[dict[str, Any]], report: FileReport,
           fresh: bool = False) -> None:
    """Insert new rows, update changed ones, leave equal ones alone (so a re-import changes nothing).
    `fresh`: the table was empty when the file's import began, so it holds only rows of this file, each key
    once (a duplicate is rejected): every row is new, and none is looked up."""
    if fresh:
        if rows:
            import_keys.insert(connection, spec.table, rows)
            report.inserted += len(rows)
        return
    key_columns = [spec.table.c[k] for k in spec.key]
    step = len(rows) if len(key_columns) == 1 else 500  # one key column: one parameter for the whole batch
    for start in range(0, len(rows), max(step, 1)):
        batch = rows[start : start + step]
        keys = [tuple(r[k] for k in spec.key) for r in batch]
        matching = (import_keys.among(connection, key_columns[0], [k[0] for k in keys]) if len(key_columns) == 1
                    else tuple_(*key_columns).in_(keys))
        existing = {
            tuple(row[k] for k in spec.key): dict(row)
            for row in connection.execute(select(spec.table).where(matching)).mappings()
        }
        inserts = []
        for row in batch:
            old = existing.get(tuple(row[k] for k in spec.key))
            if old is None:
                inserts.append(row)
                continue
            changed = {c: v for c, v in row.items() if old.get(c) != v}
            if not changed:
                report.unchanged += 1
                continue
            if spec.table is schema.affiliates and any(c in changed for c in ADDRESS_FIELDS):
                # A new address ends the "returned mail" block on this affiliate's letters.
                changed |= {"address_unreliable_since": None, "address_returned_reason": None}
            where = [c == old[c.name] for c in key_columns]
            connection.execute(spec.table.update().where(*where).values(**changed))
            report.updated += 1
        if inserts:
            import_keys.insert(connection, spec.table, inserts)
            report.inserted += len(inserts)


def known_ids(connection: Connection) -> Known:
    """Every id the database holds that rows may refer to, and each national number's holder (in memory: for
    checking texts with parse_rows; the import itself asks the database batch by batch)."""
    a = schema.affiliates.c
    numbers: dict[str, str] = {}
    for number, affiliate in connection.execute(select(a.national_number, a.affiliate_id)
                                                .order_by(a.affiliate_id)):
        numbers.setdefault(number, affiliate)  # stored twice before this check: the first id holds it
    return Known(
        affiliates=set(connection.scalars(select(a.affiliate_id))),
        companies=set(connection.scalars(select(schema.companies.c.company_id))),
        claims=set(connection.scalars(select(schema.claims.c.claim_id))),
        national_numbers=numbers,
    )


def _known_in(connection: Connection, rows: list[dict[str, Any]]) -> Known:
    """Of the ids a batch of rows names (those that parsed), the ones the database holds."""
    wanted: dict[str, set[str]] = {"affiliate": set(), "company": set(), "claim": set()}
    for row in rows:
        for kind, column in (("affiliate", "affiliate_id"), ("claim", "claim_id")):
            if (value := dict.get(row, column)) is not None:
                wanted[kind].add(value)
        for kind_column, column in (("payer_type", "payer_id"), ("recipient_type", "recipient_id")):
            kind, value = dict.get(row, kind_column), dict.get(row, column)
            if kind in ("affiliate", "company") and value is not None:
                wanted[kind].add(value)
    affiliates, companies, claims = import_keys.known_ids(connection, wanted["affiliate"], wanted["company"],
                                                          wanted["claim"])
    return Known(affiliates, companies, claims)


def _checks_fingerprint() -> str:
    """The import's checks as this version of the engine makes them: the source of the modules that read and
    check a row, and each file's columns. A file imported under other checks is read again, not taken as
    unchanged on its sha256 (a rule that now rejects a row, a column now read)."""
    digest = hashlib.sha256()
    for module in (csv_in, f, national_numbers, import_keys):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(repr([(spec.name, list(spec.columns), spec.key) for spec in SPECS]).encode())
    return digest.hexdigest()


CHECKS = _checks_fingerprint()


@dataclass(frozen=True)
class Previous:
    """A file as the latest import that read it recorded it, when every row of it was loaded and nothing was
    gone from it and no import stopped half-way since (import_record.unchanged_candidates): the same bytes
    under the same checks would change nothing, and are not read again."""

    import_id: int
    sha256: str
    checks: str
    read: int


def import_dir(engine: Engine, directory: Path, only: Iterable[str] | None = None,
               accept_removals: bool = False, previous: Mapping[str, Previous] | None = None) -> list[FileReport]:
    """Import every known CSV present in `directory`, in dependency order; one transaction per file. Rows
    the database holds and a file no longer does are reported (`gone`), and removed if `accept_removals`.

    Each file is read in batches (its text never whole): the rows of a batch are checked, the ids they refer
    to looked up in the database (the files before are in it), and written; the keys and national numbers
    of the rows passed are remembered in the import's temporary tables (import_keys.py)."""
    reports = []
    wanted = set(only) if only else None
    with engine.connect() as connection, import_keys.Store(connection) as store:
        for spec in SPECS:
            path = directory / spec.name
            if not path.exists() or (wanted and spec.name not in wanted):
                continue
            report = FileReport(spec.name)
            reports.append(report)
            started = time.perf_counter()
            _import_file(connection, store, spec, path, report, (previous or {}).get(spec.name))
            report.seconds = round(time.perf_counter() - started, 3)
        removals.settle(connection, {spec.name: spec for spec in SPECS}, reports, accept_removals)
    return reports


def _import_file(connection: Connection, store: import_keys.Store, spec: FileSpec, path: Path,
                 report: FileReport, before: Previous | None) -> None:
    sniffed = csv_in.sniff(path)
    report.sha256, report.encoding, report.checks = sniffed.sha256, sniffed.encoding, CHECKS
    if sniffed.codec is None:
        report.error(f"{path.name}:1: file: {sniffed.problem}; nothing of this file was imported")
        return
    codec = sniffed.codec

    def open_text() -> TextIO:
        return path.open(encoding=codec, newline="")

    if before is not None and (before.sha256, before.checks) == (sniffed.sha256, CHECKS):
        report.read = report.unchanged = before.read
        report.same_as = before.import_id
        with open_text() as handle:
            report.separator = csv_in.separator(handle.readline(), spec.columns)
        return

    limit = path.stat().st_size + 1
    conflicts = _number_conflicts(connection, store, spec, open_text, limit) if spec.table is schema.affiliates else {}
    keys = store.keys(spec.name)
    with connection.begin():
        fresh = connection.scalar(select(spec.table.c[spec.key[0]]).limit(1)) is None
        for batch in _batches(spec, open_text, limit, report, partial(_known_in, connection), keys):
            upsert(connection, spec, [row for _line, row in _without_conflicts(spec, batch, conflicts, report)],
                   report, fresh)
    report.keys = keys
    _in_line_order(report)


def _number_conflicts(connection: Connection, store: import_keys.Store, spec: FileSpec,
                      open_text: Callable[[], TextIO], limit: int) -> dict[int, str]:
    """affiliates.csv read once first, to know each valid row's national number before writing any: a row may
    take a number another affiliate gives up further down the file."""
    keys = store.keys(f"{spec.name} (national numbers)")
    with connection.begin():
        for batch in _batches(spec, open_text, limit, FileReport(spec.name), partial(_known_in, connection), keys):
            store.add_numbers([(line, row["affiliate_id"], row["national_number"]) for line, row in batch])
        found = national_numbers.conflicts(store.numbers(keys))
        store.forget_numbers()
        keys.forget()
    return found
