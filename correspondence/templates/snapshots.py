"""Content-addressed snapshots of the template files a letter is rendered with.

A snapshot of (letter type, language) holds that template, the letter type's metadata, and every partial
and asset; its hash is recorded on each letter, so a reprint renders from exactly the same files. Only plain
files inside letter_templates/ are ever read: a symbolic link (to /etc/passwd, to a folder elsewhere) is refused.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile
from collections.abc import Iterator
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


class UnsafeFile(ValueError):
    """A path of letter_templates/ that is a symbolic link or leads outside it: never read, never approved."""

    def __init__(self, file: str, why: str) -> None:
        super().__init__(f"{file} {why}: templates may only be plain files inside letter_templates/ "
                         "(replace the link by the file itself)")
        self.file = file

    @classmethod
    def link(cls, templates_dir: Path, path: Path) -> UnsafeFile:
        return cls(_name(templates_dir, path), f"is a symbolic link (to {os.readlink(path)})")


def _name(templates_dir: Path, path: Path) -> str:
    return path.relative_to(templates_dir).as_posix()


def _no_link_on_the_way(templates_dir: Path, path: Path) -> None:
    """UnsafeFile if `path` is not below templates_dir or any step from there to it is a symbolic link."""
    try:
        steps = path.relative_to(templates_dir).parts
    except ValueError:
        raise UnsafeFile(str(path), "is outside the templates folder") from None
    if ".." in steps:
        raise UnsafeFile(_name(templates_dir, path), "leads outside the templates folder")
    current = templates_dir
    for step in steps:
        current = current / step
        if current.is_symlink():
            raise UnsafeFile.link(templates_dir, current)
    if path.exists() and not path.resolve().is_relative_to(templates_dir.resolve()):
        raise UnsafeFile(_name(templates_dir, path), "resolves outside the templates folder")


def read(templates_dir: Path, path: Path) -> bytes | None:
    """The bytes of a plain file of the templates folder; None when there is none; UnsafeFile for a link.

    The file is opened without following a link (O_NOFOLLOW), so one swapped in after the check is refused
    too, and without blocking (O_NONBLOCK), so a FIFO planted as a template never stalls a night."""
    _no_link_on_the_way(templates_dir, path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError:
        if path.is_symlink():
            raise UnsafeFile.link(templates_dir, path) from None
        if path.is_dir():
            return None
        raise
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return file.read()


def _tree(templates_dir: Path, folder: Path) -> Iterator[Path]:
    """Every plain file under `folder`, never through a link: a linked file or folder is UnsafeFile. Hidden
    links (an editor's lock file `.#nl.html`) are left alone: hidden files are never read."""
    _no_link_on_the_way(templates_dir, folder)
    if not folder.is_dir():
        return
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    for entry in entries:
        path = Path(entry.path)
        if entry.is_symlink():
            if entry.name.startswith("."):
                continue
            raise UnsafeFile.link(templates_dir, path)
        if entry.is_dir(follow_symlinks=False):
            yield from _tree(templates_dir, path)
        elif entry.is_file(follow_symlinks=False) and not entry.name.startswith("."):
            yield path


def links(templates_dir: Path) -> list[str]:
    """Every symbolic link under the templates folder (not followed), by path relative to it."""
    found = []
    for folder, dirs, files in os.walk(templates_dir, followlinks=False):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            if path.is_symlink() and not name.startswith("."):
                found.append(_name(templates_dir, path))
    return sorted(found)


def digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode() + b"\0" + hashlib.sha256(files[path]).digest())
    return h.hexdigest()


def collect(templates_dir: Path, letter_type: str, language: str) -> dict[str, bytes]:
    """The working-copy files a (letter type, language) renders with, by path relative to templates_dir;
    UnsafeFile (naming it) when one of them is a symbolic link or lies outside the templates folder."""
    files: dict[str, bytes] = {}
    folder = templates_dir / letter_type
    _no_link_on_the_way(templates_dir, folder / language)
    for path in sorted(folder.glob(f"{language}.*")) + [folder / "letter.toml"]:
        if (content := read(templates_dir, path)) is not None:
            files[path.relative_to(templates_dir).as_posix()] = content
    for shared in SHARED_FOLDERS:
        for path in _tree(templates_dir, templates_dir / shared):
            if (content := read(templates_dir, path)) is not None:
                files[path.relative_to(templates_dir).as_posix()] = content
    return files


def folder_files(templates_dir: Path, *folders: str) -> dict[str, bytes]:
    """Every plain file under the named folders of the templates folder, by path relative to it; UnsafeFile
    for a link (the mailroom's sheets are read this way: never approved, still never read through a link)."""
    files: dict[str, bytes] = {}
    for folder in folders:
        for path in _tree(templates_dir, templates_dir / folder):
            if (content := read(templates_dir, path)) is not None:
                files[path.relative_to(templates_dir).as_posix()] = content
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
