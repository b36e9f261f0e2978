"""Content-addressed snapshots of the template files a letter is rendered with.

A snapshot of (letter type, language) holds that template, the letter type's metadata, and every partial
and asset; its hash is recorded on each letter, so a reprint renders from exactly the same files.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, select

from correspondence import schema

SHARED_FOLDERS = ("partials", "assets")


@dataclass(frozen=True)
class Snapshot:
    hash: str
    files: dict[str, bytes]

    def text(self, path: str) -> str:
        return self.files[path].decode("utf-8")


def digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode() + b"\0" + hashlib.sha256(files[path]).digest())
    return h.hexdigest()


def collect(templates_dir: Path, letter_type: str, language: str) -> dict[str, bytes]:
    """The working-copy files a (letter type, language) renders with, by path relative to templates_dir."""
    files: dict[str, bytes] = {}
    folder = templates_dir / letter_type
    for path in sorted(folder.glob(f"{language}.*")) + [folder / "letter.toml"]:
        if path.is_file():
            files[path.relative_to(templates_dir).as_posix()] = path.read_bytes()
    for shared in SHARED_FOLDERS:
        for path in sorted((templates_dir / shared).rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                files[path.relative_to(templates_dir).as_posix()] = path.read_bytes()
    return files


def working_copy(templates_dir: Path, letter_type: str, language: str) -> Snapshot:
    files = collect(templates_dir, letter_type, language)
    return Snapshot(digest(files), files)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, files[path])
    return buffer.getvalue()


def store(connection: Connection, snapshot: Snapshot) -> None:
    exists = connection.scalar(
        select(schema.template_snapshots.c.hash).where(schema.template_snapshots.c.hash == snapshot.hash)
    )
    if not exists:
        connection.execute(
            schema.template_snapshots.insert().values(
                hash=snapshot.hash, files=_zip(snapshot.files), created_at=datetime.now(UTC)
            )
        )


def load(connection: Connection, snapshot_hash: str) -> Snapshot:
    blob = connection.scalar(
        select(schema.template_snapshots.c.files).where(schema.template_snapshots.c.hash == snapshot_hash)
    )
    if blob is None:
        raise LookupError(f"template snapshot {snapshot_hash[:12]} is not in the database")
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    if digest(files) != snapshot_hash:
        raise ValueError(f"template snapshot {snapshot_hash[:12]} does not match its hash")
    return Snapshot(snapshot_hash, files)
