"""The one failure of a letter: it cannot go out tonight, and a person must act.

A trigger yields it as a value, a composer or the approved templates raise it, the renderer's `Failed`
becomes one; the journal writes it as a quarantine row. It names the record and the field, says why, and says
what to do — never personal data beyond the record's id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class Quarantine(Exception):
    """This letter cannot go out tonight; record, field, reason and what a person should do."""

    def __init__(self, record: str, field: str, reason: str, action: str) -> None:
        self.record, self.field, self.reason, self.action = record, field, reason, action
        super().__init__(f"{record}: {field}: {reason}")


# ---- causes ------------------------------------------------------------------------------------------------
# The morning report groups the quarantine by cause: one line per cause, with what clears it. A quarantine row
# has no cause column; its cause is derived here from what no row varies per record: the field, the action (a
# constant at each point of quarantine) and, for a template's failure, the template. The code is stable,
# "<category>:<field>"; the category says how the cause is cleared.

TEMPLATE = "template "  # the record of a template's failure: "template due_notice/nl" (templates/approved.py)
IMPORT = "correct the export, then correspondence import DIR"
CATEGORIES = ("template-approval", "template-settings", "template-render", "rules", "data", "case", "other")


@dataclass(frozen=True)
class Cause:
    code: str  # "<category>:<field>", the category one of CATEGORIES
    field: str
    subject: str  # the template a template's cause is about ("due_notice/nl"), else ""
    action: str  # what to do, as the point of quarantine says it
    clears: str  # the command that carries the fix in, "" when the action is all there is to do

    @property
    def key(self) -> tuple[str, str, str]:
        """What tells one cause from another: code, template, action (one field, two actions: two causes)."""
        return self.code, self.subject, self.action

    @property
    def todo(self) -> str:
        """The action to show beside `clears`: its first clause (the rest says when the letter goes out, which
        the report says once; "then rerun" too: a completed night is never rerun), without a command hint that
        `clears` spells out in full."""
        said = self.action.split(";")[0].strip().removesuffix(", then rerun")
        return re.sub(r"\s*\((correspondence )?templates? \w+\)", "", said) if self.clears else said


def cause(record: str, field: str, action: str) -> Cause:
    """The cause of a quarantine row and what clears it; every later night retries the letter, so once its
    cause is cleared the next night sends it."""
    if record.startswith(TEMPLATE):
        subject = record.removeprefix(TEMPLATE)
        name, _, language = subject.partition("/")
        approve = f"correspondence templates approve {name} --lang {language or 'L'} --by NAME"
        if field == "approval":
            return Cause(f"template-approval:{field}", field, subject, action, approve)
        return Cause(f"template-settings:{field}", field, subject, action,
                     f"correspondence templates check {name}, then {approve}")
    wording = action.casefold()
    if wording.startswith("correct the template"):  # the renderer's failures (journal.RENDER_ACTION)
        return Cause(f"template-render:{field}", field, "", action,
                     "correspondence templates check TYPE, then correspondence templates approve TYPE "
                     "--lang L --by NAME")
    if "rule parameters" in wording:
        fix = "add the period to rules/parameters/<name>.toml with its source"
        either = f"; or {IMPORT}" if "data" in wording else ""
        return Cause(f"rules:{field}", field, "", action, fix + either)
    if any(who in wording for who in ("case handler", "legal team", "by hand")):
        return Cause(f"case:{field}", field, "", action, "")
    if any(data in wording for data in ("core system", "import", ".csv", "address", "recorded language")):
        return Cause(f"data:{field}", field, "", action, IMPORT)
    return Cause(f"other:{field}", field, "", action, "")
