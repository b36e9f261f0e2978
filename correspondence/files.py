"""Writing files so that they appear whole or not at all, readable only by the service and its group."""

from __future__ import annotations

import os
from pathlib import Path

from correspondence import faults

FILE_MODE = 0o640  # service user reads and writes, the mailroom group reads, nobody else
DIR_MODE = 0o750


def make_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
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
