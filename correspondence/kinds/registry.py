"""Every letter kind the engine writes, in the order the night runs their triggers (the order gives the
letter ids, so it never changes for the kinds already here).

A letter type is its folder in letter_templates/ plus one entry here; tests/kinds/ checks that the two name
the same letter types. Several kinds may share one trigger (one reading of the fund yields the events of
all of them): the night runs each distinct trigger once, in the order of its first kind.
"""

from __future__ import annotations

from collections.abc import Iterable

from correspondence.kinds import collection, company, due_notice, mantelzorg, regularisation, statements
from correspondence.kinds.letter import LetterKind, Trigger

KINDS: tuple[LetterKind, ...] = (
    LetterKind("due_notice", due_notice.due_notices, due_notice.compose, family="due_notices"),
    LetterKind("regularisation", regularisation.regularisation_notices, regularisation.compose,
               family="regularisation"),
    LetterKind("reminder", collection.payment_reminders, collection.compose, family="collection"),
    LetterKind("formal_notice", collection.formal_notices, collection.compose, family="collection"),
    LetterKind("account_statement", statements.account_statements, collection.compose, family="statements"),
    LetterKind("fiscal_certificate", statements.fiscal_certificates, statements.compose_certificate,
               family="statements"),
    LetterKind("company_due_notice", company.company_letters, company.compose, family="company"),
    LetterKind("company_reminder", company.company_letters, company.compose, family="company"),
    LetterKind("company_formal_notice", company.company_letters, company.compose, family="company"),
    LetterKind("mantelzorg_granted", mantelzorg.mantelzorg_decisions, mantelzorg.compose, mantelzorg.record,
               family="mantelzorg"),
    LetterKind("mantelzorg_refused", mantelzorg.mantelzorg_decisions, mantelzorg.compose, mantelzorg.record,
               family="mantelzorg"),
    LetterKind("mantelzorg_incomplete", mantelzorg.mantelzorg_decisions, mantelzorg.compose, mantelzorg.record,
               family="mantelzorg"),
    LetterKind("mantelzorg_recovery", mantelzorg.mantelzorg_decisions, mantelzorg.compose, mantelzorg.record,
               family="mantelzorg"),
)


def triggers(kinds: Iterable[LetterKind] = KINDS) -> tuple[Trigger, ...]:
    """Each distinct trigger of these kinds once, in the order of its first kind."""
    return tuple(dict.fromkeys(kind.trigger for kind in kinds))


def by_name(kinds: Iterable[LetterKind] = KINDS) -> dict[str, LetterKind]:
    return {kind.name: kind for kind in kinds}
