"""What a letter kind is, and what every letter shares when it is composed.

A kind is a name (its folder in letter_templates/), a trigger that reads the fund and yields the kind's
events, a composer that shapes one event into the kind's part of the letter's context, and, for a decision,
a record of it for the database. Between the trigger and its composer travels the event's typed facts
record, defined beside both in the kind's family module. `compose()` adds what every letter shares —
recipient, language, court, fund and service — and quarantines what cannot be sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from correspondence.kinds.blocks import fund_block, recipient_block, service_block
from correspondence.kinds.fund import Fund
from correspondence.quarantine import Quarantine
from correspondence.templates.catalog import LetterType
from rules.collection_policy import collection_policy
from rules.courts import NoCompetentCourt, competent_court
from rules.errors import RuleError
from rules.language import letter_language
from rules.params import Parameters


@dataclass(frozen=True)
class Event:
    """Something that calls for one letter; `key` is stable so the same fact never yields two letters.
    `facts` is the kind's own typed record: what its trigger found, all its composer may read.

    `due_on` is the day the letter first became due (each trigger says how it counts); an event due before
    the fund's go-live day was the former system's and is never printed (scheduler/night.py). None: the
    letter is owed whatever the date (a decision on a claim), never left to the former system."""

    key: str
    letter_type: str
    recipient_type: str  # affiliate | company
    recipient_id: str
    facts: Any
    due_on: date | None = None


def left_to_former_system(event: Event | Held, go_live: date | None) -> bool:
    """Whether the event first became due before the fund's go-live day: the former system's to send (a held
    one too: what the former system had to send is not held for a case handler here)."""
    return go_live is not None and event.due_on is not None and event.due_on < go_live


@dataclass(frozen=True)
class Held:
    """An event a trigger found but cannot turn into a letter (data the rules cannot read): quarantined under
    its key tonight, found again on the next night until a person corrects the data."""

    key: str
    quarantine: Quarantine
    due_on: date | None = None  # as Event.due_on: held before go-live, it is the former system's, not quarantined


Trigger = Callable[[Fund, date, Parameters], Iterator[Event | Held]]
Composer = Callable[[Event, dict[str, Any], "ComposeEnv", str], dict[str, Any]]
Recorder = Callable[[Event, date], Iterable[dict[str, Any]]]


@dataclass(frozen=True)
class LetterKind:
    """One letter type: its name (= its folder in letter_templates/), the trigger yielding its events, the
    composer of its own context, and `record`, for a decision, the rows it leaves in `schema.decisions` (the
    basis of later decisions) taken from the event's facts. `family` groups kinds for statistics."""

    name: str
    trigger: Trigger
    compose: Composer
    record: Recorder | None = None
    family: str = ""


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


def contest_block(own: dict[str, Any], env: ComposeEnv) -> dict[str, Any]:
    """By when the letter's amount may be contested with the fund: a formal notice's own dispute date (art. 46/
    47bis, one month), any other money letter the policy's `contest_months` after its date (a working day).
    `registered`: a formal notice is contested by registered letter (art. 46), as its body says."""
    notice = own.get("notice") or {}
    until = notice.get("deadline") or collection_policy(env.day, env.params).contest_until(
        env.day, env.params).isoformat()
    return {"until": until, "registered": bool(notice.get("deadline"))}


def compose(kind: LetterKind | None, event: Event, recipient: dict[str, Any] | None, env: ComposeEnv,
            letter_id: str) -> Letter:
    """The letter for `event` of `kind` (None: no kind of that name is registered), or `Quarantine` raised
    with the record, field and reason."""
    record = f"{event.recipient_type} {event.recipient_id}"
    if kind is None:
        raise Quarantine(record, "letter_type", f"no letter kind '{event.letter_type}' is registered",
                         "add its entry to correspondence/kinds/registry.py")
    if recipient is None:
        raise Quarantine(record, "recipient_id", "is not in the fund's data", "import the recipient, then rerun")
    if env.settings is None and event.letter_type not in env.types:
        raise Quarantine(record, "letter_type", f"no letter type '{event.letter_type}' in letter_templates/",
                         "restore the letter type's folder")
    block = recipient_block(event.recipient_type, recipient, env.day, env.fund["postal"]["box_label"])
    # To the heirs of a deceased affiliate (the trigger decided: kinds/interlocks.py); the wording is the templates'.
    # Only then is `recipient.estate` in the context (stored letters and samples of other letters have none).
    if getattr(event.facts, "estate", False):
        block["estate"] = True
    # The language laws decide the letter's language from the domicile; a contradicting preference is reported.
    try:
        choice = letter_language(block["postcode"], block["country"], block.pop("language"), env.params, env.day)
    except RuleError as exc:
        raise Quarantine(record, "language", str(exc), "correct the address or the recorded language") from exc
    language = choice.language
    notes = (("language", choice.conflict),) if choice.conflict else ()
    notes += tuple(getattr(event.facts, "notes", ()))  # the trigger's remarks (a regularisation's income)
    letter_type = env.types[event.letter_type] if env.settings is None else env.settings(event.letter_type, language)
    decision: dict[str, Any] = {}
    # Charter art. 14: a decision names the competent labour court and its address; a money letter's contest
    # block names it too (issue 16) — no court, no letter: the legal team names it, never a guess.
    if letter_type.decision or letter_type.contest:
        try:
            court = competent_court(block["postcode"], block["country"], language, env.params, env.day)
        except NoCompetentCourt as exc:
            raise Quarantine(record, "court", exc.reason, "the fund's legal team names the competent court") from exc
        decision["court"] = {"name": court.name(language), "address_lines": list(court.address)}
    if language not in letter_type.languages:
        raise Quarantine(record, "language", f"{event.letter_type} has no '{language}' version",
                         "add the template in that language")
    try:
        own = kind.compose(event, recipient, env, language)
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
    if letter_type.contest:
        context["contest"] = contest_block(own, env)
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
