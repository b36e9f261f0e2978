"""Which approved template snapshot the night renders a (letter type, language) with on a date.

Reviewers approve a content-addressed snapshot with an effective date; the night uses the latest approval
in force and never the working copy. Shipped templates carry their approvals in letter_templates/approvals.toml.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Connection, select

from correspondence import schema
from correspondence.brussels import utc
from correspondence.templates import catalog, snapshots

SHIPPED_FILE = "approvals.toml"
# Shipped approvals are in force for any night: reviewers' own approvals (later effective dates) win over them.
SHIPPED_EFFECTIVE = date(2000, 1, 1)
RECORD_COMMAND = "correspondence templates approve --shipped --by NAME"


class NotApproved(Exception):
    """No approved version of this template is in force on the date: its letters are quarantined."""


@dataclass(frozen=True)
class Approval:
    letter_type: str
    language: str
    hash: str
    approved_by: str
    approved_at: datetime
    effective_from: date

    @property
    def name(self) -> str:
        return f"{self.letter_type}/{self.language}"


def shipped(templates_dir: Path) -> list[Approval]:
    """The approvals recorded with the shipped templates (empty when the file is absent)."""
    content = snapshots.read(templates_dir, templates_dir / SHIPPED_FILE)
    if content is None:
        return []
    data = tomllib.loads(content.decode("utf-8"))
    return [
        Approval(a["letter_type"], a["language"], a["hash"], a["by"], utc(a["at"]), a["effective_from"])
        for a in data.get("approval", [])
    ]


def _toml(approvals: list[Approval]) -> str:
    lines = [
        "# Approvals of the shipped templates: imported into the database when the files on disk match.",
        f"# After changing a template or a partial, re-record them with: {RECORD_COMMAND}",
    ]
    for a in sorted(approvals, key=lambda a: (a.letter_type, a.language)):
        lines += [
            "",
            "[[approval]]",
            f'letter_type = "{a.letter_type}"',
            f'language = "{a.language}"',
            f'hash = "{a.hash}"',
            f'by = "{a.approved_by.replace(chr(34), chr(39))}"',
            f"at = {a.approved_at.strftime('%Y-%m-%dT%H:%M:%SZ')}",
            f"effective_from = {a.effective_from.isoformat()}",
        ]
    return "\n".join(lines) + "\n"


def record_shipped(templates_dir: Path, by: str, at: datetime | None = None) -> list[Approval]:
    """Rewrite approvals.toml for the working copy; entries whose hash did not change keep who and when."""
    for link in snapshots.links(templates_dir):  # approving every template: a link anywhere is refused
        raise snapshots.UnsafeFile.link(templates_dir, templates_dir / link)
    moment = utc(at or datetime.now(UTC)).replace(microsecond=0)
    old = {(a.letter_type, a.language): a for a in shipped(templates_dir)}
    new = []
    for letter_type in catalog.load(templates_dir).values():
        for language in letter_type.languages:
            current = snapshots.working_copy(templates_dir, letter_type.name, language).hash
            kept = old.get((letter_type.name, language))
            if kept and kept.hash == current:
                new.append(kept)
            else:
                new.append(Approval(letter_type.name, language, current, by, moment, SHIPPED_EFFECTIVE))
    (templates_dir / SHIPPED_FILE).write_text(_toml(new), encoding="utf-8")
    return new


def _row(r: object) -> Approval:
    return Approval(r.letter_type, r.language, r.hash, r.approved_by, utc(r.approved_at), r.effective_from)  # type: ignore[attr-defined]


def history(connection: Connection, letter_type: str | None = None, language: str | None = None) -> list[Approval]:
    """Every recorded approval, oldest effective first."""
    a = schema.template_approvals.c
    query = select(schema.template_approvals).order_by(a.letter_type, a.language, a.effective_from, a.approved_at, a.id)
    if letter_type:
        query = query.where(a.letter_type == letter_type)
    if language:
        query = query.where(a.language == language)
    return [_row(r) for r in connection.execute(query)]


def import_shipped(connection: Connection, templates_dir: Path) -> None:
    """Record each shipped approval once, when the files on disk are the ones it approved (so we have them)."""
    a = schema.template_approvals.c
    known = {tuple(r) for r in connection.execute(select(a.letter_type, a.language, a.hash, a.effective_from))}
    try:
        recorded = shipped(templates_dir)
    except snapshots.UnsafeFile:
        return  # a linked approvals.toml is not read (templates check names it); the database's approvals stand
    for approval in recorded:
        if (approval.letter_type, approval.language, approval.hash, approval.effective_from) in known:
            continue
        try:
            snapshot = snapshots.working_copy(templates_dir, approval.letter_type, approval.language)
        except snapshots.UnsafeFile:
            continue  # a link among its files: never read, never imported (templates check names it)
        if snapshot.hash != approval.hash:
            continue  # the files changed since: this approval cannot be imported (templates check says so)
        _insert(connection, snapshot, approval)


def _insert(connection: Connection, snapshot: snapshots.Snapshot, approval: Approval) -> None:
    snapshots.store(connection, snapshot)
    connection.execute(schema.template_approvals.insert().values(
        letter_type=approval.letter_type, language=approval.language, hash=approval.hash,
        approved_by=approval.approved_by, approved_at=approval.approved_at, effective_from=approval.effective_from))


def approve(connection: Connection, templates_dir: Path, letter_type: str, language: str, by: str,
            effective_from: date, at: datetime | None = None) -> Approval:
    """Snapshot the working copy of (letter type, language) and record it as approved from `effective_from`."""
    if not by.strip():
        raise ValueError("the approver's name is empty")
    snapshot = snapshots.working_copy(templates_dir, letter_type, language)
    approval = Approval(letter_type, language, snapshot.hash, by.strip(), utc(at or datetime.now(UTC)), effective_from)
    _insert(connection, snapshot, approval)
    return approval


def approval_in_force(connection: Connection, letter_type: str, language: str, day: date) -> Approval | None:
    a = schema.template_approvals.c
    row = connection.execute(
        select(schema.template_approvals)
        .where(a.letter_type == letter_type, a.language == language, a.effective_from <= day)
        .order_by(a.effective_from.desc(), a.approved_at.desc(), a.id.desc()).limit(1)
    ).first()
    return _row(row) if row else None


def in_force(connection: Connection, letter_type: str, language: str, day: date) -> str:
    """The snapshot hash to render with (stored in the database); NotApproved if there is none. Only reads:
    the shipped approvals count once recorded (`import_shipped`, which the night calls first)."""
    approval = approval_in_force(connection, letter_type, language, day)
    if approval is None:
        later = [x for x in history(connection, letter_type, language) if x.effective_from > day]
        hint = f" (one is approved from {later[0].effective_from})" if later else ""
        raise NotApproved(f"template {letter_type}/{language} has no approved version in force on {day}{hint}")
    return approval.hash


def changed_files(connection: Connection, templates_dir: Path, approval: Approval) -> list[str]:
    """The files of the working copy that differ from the approved snapshot (added, changed or removed)."""
    approved = snapshots.load(connection, approval.hash).files
    working = snapshots.collect(templates_dir, approval.letter_type, approval.language)
    return sorted(p for p in set(approved) | set(working) if approved.get(p) != working.get(p))


def unapproved_changes(connection: Connection, templates_dir: Path, day: date) -> list[str]:
    """Templates whose file on disk differs from the version in force (listed in the morning report). Only
    reads: the shipped approvals were imported when the night planned (`ApprovedTypes`)."""
    types, problems = catalog.scan(templates_dir)  # a wrong working copy is flagged; it never stops the night
    flagged = [f"{problem} — this working copy cannot be approved (templates check)" for problem in problems]
    for letter_type in types.values():
        for language in letter_type.languages:
            approval = approval_in_force(connection, letter_type.name, language, day)
            if approval is None:
                flagged.append(f"{letter_type.name}/{language}: no approved version in force — its letters are held")
                continue
            try:
                if snapshots.working_copy(templates_dir, letter_type.name, language).hash == approval.hash:
                    continue
            except snapshots.UnsafeFile as exc:
                flagged.append(f"{letter_type.name}/{language}: {exc} — not read; the approved version is used")
                continue
            files = ", ".join(changed_files(connection, templates_dir, approval))
            flagged.append(f"{letter_type.name}/{language}: {files} changed since the version approved by "
                           f"{approval.approved_by} (in force from {approval.effective_from})")
    return flagged

