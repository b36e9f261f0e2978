"""Which template snapshot the night renders a (letter type, language) with on a date.

For now: the working copy, snapshotted. The reviewers' workflow (approve, effective dates) replaces this.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Connection

from correspondence import snapshots


class NotApproved(Exception):
    """No approved version of this template is in force on the date: its letters are quarantined."""


def in_force(connection: Connection, templates_dir: Path, letter_type: str, language: str, day: date) -> str:
    """The snapshot hash to render with (stored in the database); NotApproved if there is none."""
    snapshot = snapshots.working_copy(templates_dir, letter_type, language)
    snapshots.store(connection, snapshot)
    return snapshot.hash


def unapproved_changes(connection: Connection, templates_dir: Path, day: date) -> list[str]:
    """Templates whose file on disk differs from the version in force (listed in the morning report)."""
    return []
