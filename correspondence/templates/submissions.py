"""Templates put forward for approval, and the four-eyes rule: a reviewer submits the working copy of a
(letter type, language); an approver who is not its submitter approves it with an effective date
(approvals.approve), or anyone withdraws it. A submission names the snapshot it put forward: if the working copy
changes after it, the submission no longer stands for what is on disk and must be made again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, select

from correspondence import journal, schema
from correspondence.templates import approvals, snapshots

PENDING, APPROVED, WITHDRAWN, SUPERSEDED = "pending", "approved", "withdrawn", "superseded"


class Refused(ValueError):
    """A submission, approval or withdrawal that may not be made, in one line saying why and what to do.
    `reason` names the case and `facts` its values, for a message in the reader's language (the desk)."""

    def __init__(self, message: str, reason: str, **facts: str) -> None:
        super().__init__(message)
        self.reason, self.facts = reason, facts


@dataclass(frozen=True)
class Submission:
    id: int
    letter_type: str
    language: str
    hash: str
    submitted_by: str
    submitted_at: datetime
    state: str
    decided_by: str | None
    decided_at: datetime | None

    @property
    def name(self) -> str:
        return f"{self.letter_type}/{self.language}"


def _row(r: object) -> Submission:
    return Submission(r.id, r.letter_type, r.language, r.hash, r.submitted_by, r.submitted_at, r.state,  # type: ignore[attr-defined]
                      r.decided_by, r.decided_at)  # type: ignore[attr-defined]


def history(connection: Connection, letter_type: str | None = None, language: str | None = None) -> list[Submission]:
    """Submissions, newest first."""
    s = schema.template_submissions.c
    query = select(schema.template_submissions).order_by(s.id.desc())
    if letter_type:
        query = query.where(s.letter_type == letter_type)
    if language:
        query = query.where(s.language == language)
    return [_row(r) for r in connection.execute(query)]


def pending(connection: Connection, letter_type: str, language: str) -> Submission | None:
    s = schema.template_submissions.c
    row = connection.execute(select(schema.template_submissions).where(
        s.letter_type == letter_type, s.language == language, s.state == PENDING).order_by(s.id.desc())).first()
    return _row(row) if row else None


def _decide(connection: Connection, submission: Submission, state: str, by: str) -> None:
    s = schema.template_submissions.c
    connection.execute(schema.template_submissions.update().where(s.id == submission.id).values(
        state=state, decided_by=by, decided_at=datetime.now(UTC)))


def submit(connection: Connection, templates_dir: Path, letter_type: str, language: str, by: str,
           today: date) -> Submission:
    """Put the working copy forward for approval (a pending submission of an earlier copy is superseded)."""
    snapshot = snapshots.working_copy(templates_dir, letter_type, language)
    in_force = approvals.approval_in_force(connection, letter_type, language, today)
    later = [a for a in approvals.history(connection, letter_type, language) if a.effective_from > today]
    if any(a.hash == snapshot.hash for a in ([in_force] if in_force else []) + later):
        raise Refused(f"{letter_type}/{language}: this version is approved already; change it before submitting",
                      "approved_already")
    earlier = pending(connection, letter_type, language)
    if earlier is not None and earlier.hash == snapshot.hash:
        raise Refused(f"{letter_type}/{language}: this version waits for approval already (submitted by "
                      f"{earlier.submitted_by})", "submitted_already", by=earlier.submitted_by)
    if earlier is not None:
        _decide(connection, earlier, SUPERSEDED, by)
    snapshots.store(connection, snapshot)
    now = datetime.now(UTC)
    new_id = connection.execute(schema.template_submissions.insert().values(
        letter_type=letter_type, language=language, hash=snapshot.hash, submitted_by=by, submitted_at=now,
        state=PENDING)).inserted_primary_key[0]
    return Submission(new_id, letter_type, language, snapshot.hash, by, now, PENDING, None, None)


def effective_open(connection: Connection, effective_from: date) -> None:
    """Refused when `effective_from` is on or before a night that has already started: an approval cannot change
    which version such a night used (its letters are printed from the versions in force when it began)."""
    first = journal.open_night(connection, effective_from)
    if first > effective_from:
        raise Refused(f"the night of {first - timedelta(days=1)} has already started: a version approved now is "
                      f"in force from the night of {first} at the earliest", "effective_past",
                      night=(first - timedelta(days=1)).isoformat(), first=first.isoformat())


def approve(connection: Connection, templates_dir: Path, letter_type: str, language: str, by: str,
            effective_from: date) -> approvals.Approval:
    """Approve the pending submission, by someone else than its submitter, while the working copy is still
    the version submitted."""
    submission = pending(connection, letter_type, language)
    if submission is None:
        raise Refused(f"{letter_type}/{language}: nothing waits for approval; a reviewer submits it first",
                      "nothing_submitted")
    if submission.submitted_by == by:
        raise Refused(f"{letter_type}/{language}: {by} submitted this version and may not approve it too "
                      "(four eyes: another approver approves it)", "four_eyes", by=by)
    if snapshots.working_copy(templates_dir, letter_type, language).hash != submission.hash:
        raise Refused(f"{letter_type}/{language}: the files changed since {submission.submitted_by} submitted "
                      "them; the new version must be submitted again", "changed_since", by=submission.submitted_by)
    approval = approvals.approve(connection, templates_dir, letter_type, language, by, effective_from)
    if approval.hash != submission.hash:  # changed in between: the transaction is rolled back by the caller
        raise Refused(f"{letter_type}/{language}: the files changed while approving; submit them again",
                      "changed_since", by=submission.submitted_by)
    _decide(connection, submission, APPROVED, by)
    return approval


def withdraw(connection: Connection, letter_type: str, language: str, by: str) -> Submission:
    submission = pending(connection, letter_type, language)
    if submission is None:
        raise Refused(f"{letter_type}/{language}: nothing waits for approval", "nothing_submitted")
    _decide(connection, submission, WITHDRAWN, by)
    return submission
