"""The import record (issue 22): each run of `correspondence import FOLDER` — when it started and finished, the
folder, and per file its sha256 and rows read, new, changed, unchanged, rejected and gone from the export — so
that `correspondence imports` shows what came in, a night's summary names the import it planned on, and a
night refuses an export older than the fund profile allows.

The export's age is measured from `exported_at`: the newest modification time of the files the import read,
as the core system wrote them (a copy that keeps times: `cp -p`, `rsync -t`). Re-importing yesterday's files
therefore does not make them fresh. Counts, names and hashes only: never a row's content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, Engine, func, select

from correspondence import schema
from correspondence.brussels import brussels_time, utc

if TYPE_CHECKING:
    from correspondence.importing import Previous


class Report(Protocol):
    """What the record reads of an importing.FileReport."""

    name: str
    read: int
    rejected: int
    inserted: int
    updated: int
    unchanged: int
    gone: list[str]
    removed: list[str]
    sha256: str | None
    seconds: float
    checks: str


COUNTS = ("read", "new", "changed", "unchanged", "rejected", "disappeared")


def _file_row(import_id: int, directory: Path, report: Report, started_at: datetime) -> dict[str, Any]:
    path = directory / report.name
    try:
        stat = path.stat()
        modified, size = datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size
    except OSError:  # gone since it was read: the import's start stands for its time
        modified, size = started_at, 0
    return {"import_id": import_id, "name": report.name, "sha256": report.sha256,
            "modified_at": modified, "bytes": size, "read": report.read, "new": report.inserted,
            "changed": report.updated, "unchanged": report.unchanged, "rejected": report.rejected,
            "disappeared": len(report.gone) + len(report.removed), "removed": len(report.removed),
            "seconds": report.seconds, "checks": report.checks or None}


def begin(engine: Engine, started_at: datetime) -> int:
    """Note an import under way, before it changes anything (schema.import_starts); the note's id."""
    with engine.begin() as connection:
        return int(connection.execute(schema.import_starts.insert().values(started_at=started_at))
                   .inserted_primary_key[0])


def abandon(engine: Engine, start: int) -> None:
    """An import that read no file changed nothing: its note goes."""
    with engine.begin() as connection:
        connection.execute(schema.import_starts.delete().where(schema.import_starts.c.id == start))


def unchanged_candidates(engine: Engine, start: int) -> dict[str, Previous]:
    """Per file name, the latest import's record of it, when that import loaded every row of it, found
    nothing gone from it, and no other import started since without being recorded (one that stopped
    half-way may have changed the tables): the same file under the same checks would change nothing."""
    from correspondence.importing import Previous  # noqa: PLC0415 - the night reads records without importing

    f, i, s = schema.import_files.c, schema.imports.c, schema.import_starts.c
    with engine.connect() as connection:
        stopped = [utc(t) for t in connection.scalars(select(s.started_at).where(s.id != start))]
        found: dict[str, Previous] = {}
        seen: set[str] = set()
        for row in connection.execute(select(f.name, f.import_id, f.sha256, f.checks, f.read, f.rejected,
                                             f.disappeared, i.started_at)
                                      .join(schema.imports, i.id == f.import_id).order_by(f.import_id.desc())):
            if row.name in seen:
                continue
            seen.add(row.name)
            since = utc(row.started_at)
            if (row.sha256 and row.checks and not row.rejected and not row.disappeared
                    and not any(t >= since for t in stopped)):
                found[row.name] = Previous(row.import_id, row.sha256, row.checks, row.read)
    return found


def record(engine: Engine, directory: Path, reports: Sequence[Report], started_at: datetime,
           accept_removals: bool = False, start: int | None = None) -> int:
    """Record an import that read `reports` (at least one file) from `directory`; its id. Its note of being
    under way (`begin`) goes in the same transaction."""
    if not reports:
        raise ValueError("an import that read no file is not recorded")
    finished = datetime.now(UTC)
    with engine.begin() as connection:
        if start is not None:
            connection.execute(schema.import_starts.delete().where(schema.import_starts.c.id == start))
        import_id = connection.execute(schema.imports.insert().values(
            started_at=started_at, finished_at=finished, folder=str(directory.resolve()),
            exported_at=finished, accept_removals=accept_removals)).inserted_primary_key[0]
        files = [_file_row(import_id, directory, r, started_at) for r in reports]
        connection.execute(schema.import_files.insert(), files)
        connection.execute(schema.imports.update().where(schema.imports.c.id == import_id)
                           .values(exported_at=max(f["modified_at"] for f in files)))
    return int(import_id)


def latest(connection: Connection) -> Mapping[str, Any] | None:
    """The newest import recorded (id, started_at, finished_at, folder, exported_at …), or None."""
    i = schema.imports.c
    return connection.execute(select(schema.imports).order_by(i.id.desc()).limit(1)).mappings().first()


def one(connection: Connection, import_id: int | None) -> Mapping[str, Any] | None:
    if import_id is None:
        return None
    return connection.execute(select(schema.imports).where(schema.imports.c.id == import_id)).mappings().first()


def utc_text(moment: datetime) -> str:
    """A moment as the JSON outputs give it: ISO 8601 in UTC, to the second."""
    return utc(moment).replace(microsecond=0).isoformat()


def imports(connection: Connection, limit: int | None = None) -> list[dict[str, Any]]:
    """The imports, newest first, each with its files (in the order they were imported) and the totals of
    their rows; moments in ISO 8601 UTC."""
    i, f = schema.imports.c, schema.import_files.c
    query = select(schema.imports).order_by(i.id.desc())
    heads = connection.execute(query.limit(limit) if limit else query).mappings().all()
    if not heads:
        return []
    files: dict[int, list[dict[str, Any]]] = {}
    for row in connection.execute(select(schema.import_files).where(f.import_id >= heads[-1]["id"])
                                  .where(f.import_id <= heads[0]["id"])).mappings():
        files.setdefault(row["import_id"], []).append(
            {"name": row["name"], "sha256": row["sha256"], "modified_at": utc_text(row["modified_at"]),
             "bytes": row["bytes"], **{k: row[k] for k in (*COUNTS, "removed")}, "seconds": row["seconds"]})
    order = {name: n for n, name in enumerate(_file_order())}
    out = []
    for head in heads:
        its = sorted(files.get(head["id"], []), key=lambda x: (order.get(x["name"], len(order)), x["name"]))
        out.append({"id": head["id"], "started_at": utc_text(head["started_at"]),
                    "finished_at": utc_text(head["finished_at"]), "exported_at": utc_text(head["exported_at"]),
                    "folder": head["folder"], "accept_removals": bool(head["accept_removals"]), "files": its,
                    **{k: sum(x[k] for x in its) for k in COUNTS}})
    return out


def _file_order() -> list[str]:
    from correspondence.importing import SPECS  # the import's own order (dependencies first)

    return [spec.name for spec in SPECS]


def count(connection: Connection) -> int:
    return int(connection.scalar(select(func.count()).select_from(schema.imports)) or 0)


def too_old(latest_import: Mapping[str, Any] | None, allowed: timedelta | None,
            now: datetime | None = None) -> str | None:
    """Why a night must not plan on the latest import's export, or None. No limit set (`allowed` None), or no
    import recorded at all (a database filled before imports were recorded, or not by `correspondence
    import`): None — the night runs and its summary says which import it planned on, or that none is recorded."""
    if allowed is None or latest_import is None:
        return None
    now = now or datetime.now(UTC)
    exported = utc(latest_import["exported_at"])
    age = now - exported
    if age <= allowed:
        return None
    hours = int(allowed.total_seconds() // 3600)
    return (f"the export is too old: the latest import (no. {latest_import['id']}, "
            f"{brussels_time(latest_import['finished_at'])}) read files written "
            f"{brussels_time(exported)}, {int(age.total_seconds() // 3600)} hours ago; the fund profile allows "
            f"{hours} hours ([import] max_export_age_hours) — have the core system export again, run "
            "correspondence import DIR, then run the night again")
