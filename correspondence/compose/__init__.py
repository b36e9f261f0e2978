"""Compose: turn an event into a letter — type, recipient, language, mail class, and a context of plain values.

Each letter type has a module here with `compose(event, recipient, env) -> dict` (its own part of the
context); this package adds what every letter shares and quarantines what cannot be sent.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from correspondence.compose.common import Quarantine, fund_block, recipient_block, service_block
from correspondence.templates.catalog import LetterType
from rules.courts import NoCompetentCourt, competent_court
from rules.errors import RuleError
from rules.language import letter_language
from rules.params import Parameters

COMPOSERS = {
    "due_notice": "correspondence.compose.due_notice",
    "regularisation": "correspondence.compose.regularisation",
    "reminder": "correspondence.compose.collection",
    "formal_notice": "correspondence.compose.collection",
    "account_statement": "correspondence.compose.collection",
    "fiscal_certificate": "correspondence.compose.fiscal_certificate",
    "company_due_notice": "correspondence.compose.company",
    "company_reminder": "correspondence.compose.company",
    "company_formal_notice": "correspondence.compose.company",
    "mantelzorg_granted": "correspondence.compose.mantelzorg",
    "mantelzorg_refused": "correspondence.compose.mantelzorg",
    "mantelzorg_incomplete": "correspondence.compose.mantelzorg",
    "mantelzorg_recovery": "correspondence.compose.mantelzorg",
}


@dataclass(frozen=True)
class Event:
    """Something that calls for one letter; `key` is stable so the same fact never yields two letters."""

    key: str
    letter_type: str
    recipient_type: str  # affiliate | company
    recipient_id: str
    facts: dict[str, Any]


@dataclass(frozen=True)
class Letter:
    event_key: str
    letter_type: str
    recipient_type: str
    recipient_id: str
    language: str
    mail_class: str
    postcode: str
    sort_name: str
    context: dict[str, Any]
    notes: tuple[tuple[str, str], ...] = ()  # (kind, note): remarks for the morning report, never blocking


@dataclass(frozen=True)
class ComposeEnv:
    """What composing needs besides the event and its recipient.

    `settings(letter type, language)`, when given, is where a letter's type settings come from (the night:
    those of the approved snapshot, raising Quarantine when there is none or they are wrong); otherwise they
    come from `types`."""

    day: date
    fund: dict[str, Any]
    types: dict[str, LetterType]
    params: Parameters
    settings: Callable[[str, str], LetterType] | None = None


def compose(event: Event, recipient: dict[str, Any] | None, env: ComposeEnv, letter_id: str) -> Letter:
    """The letter for `event`, or `Quarantine` raised with the record, field and reason."""
    record = f"{event.recipient_type} {event.recipient_id}"
    if recipient is None:
        raise Quarantine(record, "recipient_id", "is not in the fund's data", "import the recipient, then rerun")
    if env.settings is None and event.letter_type not in env.types:
        raise Quarantine(record, "letter_type", f"no letter type '{event.letter_type}' in letter_templates/",
                         "restore the letter type's folder")
    block = recipient_block(event.recipient_type, recipient, env.day, env.fund["postal"]["box_label"])
    # The language laws decide the letter's language from the domicile; a contradicting preference is reported.
    try:
        choice = letter_language(block["postcode"], block["country"], block.pop("language"), env.params, env.day)
    except RuleError as exc:
        raise Quarantine(record, "language", str(exc), "correct the address or the recorded language") from exc
    language = choice.language
    notes = (("language", choice.conflict),) if choice.conflict else ()
    letter_type = env.types[event.letter_type] if env.settings is None else env.settings(event.letter_type, language)
    decision: dict[str, Any] = {}
    if letter_type.decision:  # Charter art. 14: a decision names the competent labour court and its address
        try:
            court = competent_court(block["postcode"], block["country"], language, env.params, env.day)
        except NoCompetentCourt as exc:
            raise Quarantine(record, "court", exc.reason, "the fund's legal team names the competent court") from exc
        decision["court"] = {"name": court.name(language), "address_lines": list(court.address)}
    if language not in letter_type.languages:
        raise Quarantine(record, "language", f"{event.letter_type} has no '{language}' version",
                         "add the template in that language")
    module = importlib.import_module(COMPOSERS[event.letter_type])
    try:
        own = module.compose(event, recipient, env, language)
    except RuleError as exc:
        raise Quarantine(record, getattr(exc, "field", "rule"), str(exc), "complete the rule parameters or the data") from exc
    context = {
        "letter": {"id": letter_id, "date": env.day.isoformat(), "language": language, "type": event.letter_type},
        "recipient": block,
        "fund": fund_block(env.fund, language),
        "service": service_block(env.fund, letter_type.service, language),
        **decision,
        **own,
    }
    return Letter(
        event_key=event.key,
        letter_type=event.letter_type,
        recipient_type=event.recipient_type,
        recipient_id=event.recipient_id,
        language=language,
        mail_class=letter_type.mail_class,
        postcode=block["postcode"],
        sort_name=block["sort_name"],
        context=context,
        notes=notes,
    )
