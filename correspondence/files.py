"""Writing files so that they appear whole or not at all, readable only by the service and its group.

When CORRESPONDENCE_MAILROOM_GROUP names an existing group, every file and folder written is given to it.
A path built from data (an id, a journal entry) goes through `inside`, which proves it stays in its root.
"""

from __future__ import annotations

import grp
import os
from pathlib import Path

from correspondence import config, faults

FILE_MODE = 0o640  # service user reads and writes, the mailroom group reads, nobody else
DIR_MODE = 0o750


def mailroom_gid() -> int | None:
    """The gid of the group named by CORRESPONDENCE_MAILROOM_GROUP, or None (unset or no such group)."""
    name = config.get(config.MAILROOM_GROUP)
    if not name:
        return None
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def _give_to_group(path: Path | int) -> None:
    gid = mailroom_gid()
    if gid is not None:
        os.chown(path, -1, gid)


class OutsideRoot(ValueError):
    """A path built from data would leave the folder it belongs in."""


def inside(root: Path, *parts: str) -> Path:
    """`root/parts…` once proven inside `root`, `..` and symbolic links resolved; else OutsideRoot."""
    base = root.resolve()
    target = base.joinpath(*parts).resolve()
    if target == base or base not in target.parents:
        raise OutsideRoot(f"'{'/'.join(parts)}' is not a path inside {root}")
    return root.joinpath(*parts)


def make_dir(path: Path) -> Path:
    """The folder and any missing parent, each created 0750 (and given to the mailroom group).

    Only folders created here get that mode and group: an existing folder (the archive root, /, /srv) is
    never changed, whoever owns it."""
    if path.is_dir():
        return path
    if path.parent != path:
        make_dir(path.parent)
    try:
        path.mkdir(mode=DIR_MODE)
    except FileExistsError:
        if path.is_dir():  # created meanwhile by someone else: theirs, left as it is
            return path
        raise
    os.chmod(path, DIR_MODE)  # mkdir's mode is reduced by the umask
    _give_to_group(path)
    return path


def atomic_write(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write to a temporary name in the same folder, flush to disk, then rename over the target."""
    make_dir(path.parent)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        faults.checkpoint("file.tmp")
        os.chmod(tmp, FILE_MODE)
        _give_to_group(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
