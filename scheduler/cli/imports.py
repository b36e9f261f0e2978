"""`correspondence import FOLDER`: load the core system's CSV exports. Exit 0 when every row was taken, 1 when
rows were rejected or are gone from a full export or the folder holds no file the import knows, 2 when the
folder cannot be read. Files it does not know are named (with the name meant, when one is close), and change
no exit code."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from correspondence.config import Settings
from correspondence.plurals import counted
from correspondence.store import connect, init
from scheduler.cli.base import Command, argument, pass_settings


def import_folder(settings: Settings, directory: Path, accept_removals: bool = False) -> int:
    from correspondence.csv_in import described
    from correspondence.importing import SPECS, import_dir
    from correspondence.importing_folder import nothing_known, unknown_files

    if not directory.is_dir():
        print(f"import: {directory} is not a folder", file=sys.stderr)
        return 2
    engine = connect(settings.db_url)
    init(engine)
    expected = [spec.name for spec in SPECS]
    try:
        unknown = unknown_files(directory, expected)
        reports = import_dir(engine, directory, accept_removals=accept_removals)
    except OSError as exc:  # a folder where a CSV file is expected, a file it may not read
        print(f"import: cannot read {exc.filename or directory}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not reports:
        for message in [*unknown, f"import: {nothing_known(directory, expected)}"]:
            print(message, file=sys.stderr)
        return 1
    for message in unknown:  # a warning: the files it knows were imported all the same
        print(message)
    for report in reports:
        found = described(report.separator, report.encoding)
        print(f"{report.name}: {counted(report.read, 'row')} read, {report.inserted} new, "
              f"{report.updated} changed, {report.unchanged} unchanged, {report.rejected} rejected"
              + (f"; {found}" if found else ""))
        for message in report.warnings + report.errors + report.removals:
            print(f"  {message}")
    return 1 if any(r.errors or r.gone for r in reports) else 0


@click.command("import", cls=Command)
@argument("directory", "the folder holding the exports (affiliates.csv, contributions.csv, …)")
@click.option("--accept-removals", is_flag=True,
              help="remove rows the database holds and the export no longer does (default: report them)")
@pass_settings()
def import_(settings: Settings, directory: str, accept_removals: bool) -> int:
    """Load the core system's CSV exports from a folder."""
    return import_folder(settings, Path(directory), accept_removals)
