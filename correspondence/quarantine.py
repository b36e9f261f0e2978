"""The one failure of a letter: it cannot go out tonight, and a person must act.

A trigger yields it as a value, a composer or the approved templates raise it, the renderer's `Failed`
becomes one; the journal writes it as a quarantine row. It names the record and the field, says why, and says
what to do — never personal data beyond the record's id.
"""

from __future__ import annotations


class Quarantine(Exception):
    """This letter cannot go out tonight; record, field, reason and what a person should do."""

    def __init__(self, record: str, field: str, reason: str, action: str) -> None:
        self.record, self.field, self.reason, self.action = record, field, reason, action
        super().__init__(f"{record}: {field}: {reason}")
