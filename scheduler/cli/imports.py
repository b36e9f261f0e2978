"""`correspondence import FOLDER`: load the core system's CSV exports. Exit 0 when every row was taken, 1 when
rows were rejected or are gone from a full export or the folder holds no file the import knows, 2 when the
folder cannot be read. Files it does not know are named (with the name meant, when one is close), and change
no exit code. Each import that read a file is recorded (correspondence/import_record.py), rejected rows or
not; `correspondence imports` lists the record."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from correspondence import import_record
from correspondence.brussels import brussels_time
from correspondence.config import Settings
from correspondence.plurals import counted
from correspondence.store import connect, existing, init
from scheduler.cli.base import COUNT, Command, argument, pass_settings
from scheduler.cli.tables import Column, dump, show


def import_folder(settings: Settings, directory: Path, accept_removals: bool = False, full: bool = False,
                  create: bool = False) -> int:
    """`create`: make the database if there is none (the demo); otherwise a missing one is refused in one line,
    as every command but init and demo refuses it, so a mistyped CORRESPONDENCE_DB never starts a second one."""
    from correspondence.csv_in import described
    from correspondence.importing import MESSAGES, SPECS, import_dir
    from correspondence.importing_folder import nothing_known, unknown_files

    if not directory.is_dir():
        print(f"import: {directory} is not a folder", file=sys.stderr)
        return 2
    engine = connect(settings.db_url) if create else existing(settings.db_url)
    init(engine)
    expected = [spec.name for spec in SPECS]
    started = datetime.now(UTC)
    start = import_record.begin(engine, started)  # left behind if it stops half-way: nothing is skipped then
    try:
        unknown = unknown_files(directory, expected)
        previous = None if full else import_record.unchanged_candidates(engine, start)
        reports = import_dir(engine, directory, accept_removals=accept_removals, previous=previous)
    except OSError as exc:  # a folder where a CSV file is expected, a file it may not read
        print(f"import: cannot read {exc.filename or directory}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not reports:  # nothing was read: no import to record (the latest recorded one stays the latest)
        import_record.abandon(engine, start)
        for message in [*unknown, f"import: {nothing_known(directory, expected)}"]:
            print(message, file=sys.stderr)
        return 1
    for message in unknown:  # a warning: the files it knows were imported all the same
        print(message)
    for report in reports:
        found = described(report.separator, report.encoding)
        if report.same_as is not None:
            print(f"{report.name}: {counted(report.unchanged, 'row')} unchanged: the same file as import no. "
                  f"{report.same_as}, not read again (--full reads it)" + (f"; {found}" if found else ""))
            continue
        print(f"{report.name}: {counted(report.read, 'row')} read, {report.inserted} new, "
              f"{report.updated} changed, {report.unchanged} unchanged, {report.rejected} rejected"
              + (f"; {found}" if found else ""))
        for message in report.warnings + report.errors + report.removals:
            print(f"  {message}")
        if report.more_errors:
            print(f"  … and {counted(report.more_errors, 'more error')} in {report.name}, not shown (the first "
                  f"{MESSAGES:,} found are above)")
    # recorded, rejected rows or not; said by `correspondence imports`, so the lines above stay as they were
    import_record.record(engine, directory, reports, started, accept_removals, start)
    return 1 if any(r.errors or r.gone for r in reports) else 0


@click.command("import", cls=Command)
@argument("directory", "the folder holding the exports (affiliates.csv, contributions.csv, …)")
@click.option("--accept-removals", is_flag=True,
              help="remove rows the database holds and the export no longer does (default: report them)")
@click.option("--full", is_flag=True,
              help="read every file, even one the latest import read byte for byte and loaded whole")
@pass_settings()
def import_(settings: Settings, directory: str, accept_removals: bool, full: bool) -> int:
    """Load the core system's CSV exports from a folder."""
    return import_folder(settings, Path(directory), accept_removals, full)


IMPORT_COLUMNS = (Column("id", "import", number=True), Column("finished", "finished"),
                  Column("exported", "files written"), Column("files", "files", number=True),
                  Column("new", "new", number=True), Column("changed", "changed", number=True),
                  Column("unchanged", "unchanged", number=True), Column("rejected", "rejected", number=True),
                  Column("disappeared", "disappeared", number=True))


@click.command("imports", cls=Command)
@click.option("--limit", type=COUNT, help="only the newest N imports (default: all)")
@click.option("--json", "as_json", is_flag=True, help="JSON on standard output instead of a table")
@pass_settings()
def imports(settings: Settings, limit: int | None, as_json: bool) -> int:
    """The imports, newest first: when, the files read, rows new, changed, unchanged, rejected, disappeared."""
    engine = existing(settings.db_url)
    with engine.connect() as connection:
        rows = import_record.imports(connection, limit)
    if as_json:
        dump(rows)
        return 0
    show(IMPORT_COLUMNS, [{**row, "files": len(row["files"]),
                           "finished": _shown(row["finished_at"]), "exported": _shown(row["exported_at"])}
                          for row in rows],
         title="Imports, newest first (times in Brussels time; rows summed over the files)")
    return 0


def _shown(moment: str) -> str:
    return brussels_time(datetime.fromisoformat(moment)).removesuffix(" Brussels time")
