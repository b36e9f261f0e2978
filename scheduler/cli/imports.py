"""`correspondence import FOLDER`: load the core system's CSV exports. Exit 0 when every row was taken, 1 when
rows were rejected or are gone from a full export, 2 when the folder cannot be read."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from correspondence.config import Settings
from correspondence.store import connect, init
from scheduler.cli.base import Command, argument, pass_settings


def import_folder(settings: Settings, directory: Path, accept_removals: bool = False) -> int:
    from correspondence.importing import import_dir

    if not directory.is_dir():
        print(f"import: {directory} is not a folder", file=sys.stderr)
        return 2
    engine = connect(settings.db_url)
    init(engine)
    try:
        reports = import_dir(engine, directory, accept_removals=accept_removals)
    except OSError as exc:  # a folder where a CSV file is expected, a file it may not read
        print(f"import: cannot read {exc.filename or directory}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not reports:
        print(f"import: no known CSV file in {directory}", file=sys.stderr)
        return 1
    for report in reports:
        print(f"{report.name}: {report.read} rows read, {report.inserted} new, {report.updated} changed, "
              f"{report.unchanged} unchanged, {len(report.errors)} rejected")
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
