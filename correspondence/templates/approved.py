"""The letter types' settings the night goes by: those of the approved snapshot in force, never the working copy.

A (letter type, language) renders with the snapshot approved for the night's date; its `letter.toml` (mail
class, service, languages, decision, page cap) is read from that same snapshot and checked as `templates check`
checks it. When there is no approved version, or its settings are wrong (a mail class the mailroom does not
print, a service the fund profile does not have), the letters of that version are held with the reason: the
night goes on with the others.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from pathlib import Path

from sqlalchemy import Connection

from correspondence.quarantine import Quarantine
from correspondence.templates import approvals, catalog, snapshots

REASON_CHARS = 480  # the quarantine's reason column holds 500


class ApprovedTypes:
    """Per (letter type, language), looked up once a night: the approved snapshot's hash and its settings.

    Made once a night, before planning: it first records the shipped approvals whose files are on disk
    (`approvals.import_shipped`, its one write); every lookup after that only reads."""

    def __init__(self, connection: Connection, templates_dir: Path, day: date, services: Collection[str]) -> None:
        self.connection, self.day, self.services = connection, day, services
        approvals.import_shipped(connection, templates_dir)
        self._found: dict[tuple[str, str], tuple[str, catalog.LetterType] | tuple[str, str, str]] = {}

    def __call__(self, letter_type: str, language: str) -> catalog.LetterType:
        """The settings the night sends this letter with; Quarantine when it must be held."""
        return self.version(letter_type, language)[1]

    def hash(self, letter_type: str, language: str) -> str:
        """The snapshot the letter renders with; Quarantine when it must be held."""
        return self.version(letter_type, language)[0]

    def version(self, letter_type: str, language: str) -> tuple[str, catalog.LetterType]:
        key = (letter_type, language)
        if key not in self._found:
            self._found[key] = self._look_up(letter_type, language)
        found = self._found[key]
        if isinstance(found[1], catalog.LetterType):
            return found  # type: ignore[return-value]
        field, reason, action = found  # type: ignore[misc]
        raise Quarantine(f"template {letter_type}/{language}", field, reason, action)

    def _look_up(self, name: str, language: str) -> tuple[str, catalog.LetterType] | tuple[str, str, str]:
        try:
            snapshot_hash = approvals.in_force(self.connection, name, language, self.day)
        except approvals.NotApproved as exc:
            return "approval", str(exc), "review and approve the template (correspondence templates approve)"
        try:
            snapshot = snapshots.load(self.connection, snapshot_hash)
        except (LookupError, ValueError) as exc:
            return "approval", str(exc), "approve the template again (correspondence templates approve)"
        meta = f"{name}/letter.toml"
        again = "correct letter.toml (correspondence templates check), then approve it again"
        if meta not in snapshot.files:
            return "letter.toml", f"the approved version {snapshot_hash[:12]} has no {meta}", again
        try:
            text = snapshot.text(meta)
        except UnicodeDecodeError:
            return "letter.toml", f"the approved version {snapshot_hash[:12]}: {meta} is not UTF-8 text", again
        settings, problems = catalog.read(name, text, self.services)
        if settings is None:
            reason = f"the approved version {snapshot_hash[:12]}: " + "; ".join(p.detail for p in problems)
            return "letter.toml", reason[:REASON_CHARS], again
        return snapshot_hash, settings
