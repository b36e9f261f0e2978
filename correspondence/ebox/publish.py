"""The night's e-Box stage, between rendering and the print files: each letter that may go to the e-Box is
published there once, and only a letter the e-Box did not take goes on paper.

A letter may go to the e-Box when the e-Box is on (CORRESPONDENCE_EBOX_URL), its type is listed in the fund
profile's `[ebox.letter_types]`, it is not registered (unless `[ebox] registered = true`), and its recipient's
consent (ebox.csv) is in force on the night. Then, by the e-Box's answer (client.py):

- delivered: status `ebox`, the message id journaled; in no print file, listed in the night's ebox.csv;
- refused (no e-Box, recipient unknown …): printed the same night, like any letter;
- no answer: status `ebox_pending`, in no print file; tried again on each next night with the same
  idempotency key, and printed on the night `fallback_days` after the first try if still without an answer.

The journal is written after each group of answers: a crash after publishing and before journaling leaves the
letter as it was; the rerun publishes it again under the same key, the e-Box answers 409, and the letter is
journaled as delivered — exactly once. A letter settled by the e-Box on a later night than its own is counted
in the folder of the night that settled it (`print_night`). When the e-Box is off, letters still pending from
earlier nights are printed tonight: nothing waits for an e-Box that is no longer there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from sqlalchemy import Engine, and_, or_, select

from correspondence import csv_out, faults, journal, schema
from correspondence.config import Settings
from correspondence.ebox import client as ebox_client
from correspondence.ebox import consent
from correspondence.files import OutsideRoot, inside
from correspondence.log import log

BATCH = 100  # letters read, published side by side and journaled together
IN_A_ROW = 20  # letters without an answer in a row after which the e-Box is not called again tonight
COLUMNS = ("letter_id", "recipient_type", "message_id", "status", "answer")
Publish = Callable[[ebox_client.Publication], ebox_client.Answer]


def publish(engine: Engine, day: date, settings: Settings, fund: dict[str, Any]) -> Counter[str]:
    """Publish tonight's e-Box letters and retry the pending ones; what happened, counted (delivered,
    refused, pending, printed after the delay, printed: e-Box off)."""
    counts: Counter[str] = Counter()
    profile = fund.get("ebox")
    if settings.ebox is None or profile is None:
        if printed := _to_paper(engine, day, "the e-Box is off: printed"):
            counts["printed: e-Box off"] = printed
        return counts
    with ebox_client.Client(settings.ebox) as ebox:
        _publish_all(engine, day, settings, profile, ebox.publish, counts)
    if any(counts.values()):
        log("ebox", run_date=day, **{k.replace(" ", "_").replace(":", ""): v for k, v in sorted(counts.items())})
    return counts


def _publish_all(engine: Engine, day: date, settings: Settings, profile: dict[str, Any], send: Publish,
                 counts: Counter[str]) -> None:
    in_a_row = 0
    with ThreadPoolExecutor(ebox_client.CONNECTIONS) as pool:
        for batch in _candidates(engine, day, profile):
            if in_a_row >= IN_A_ROW:  # the e-Box is down: the rest wait for the next night, untried
                answers = [ebox_client.Answer(ebox_client.NO_ANSWER, "not tried: the e-Box gave no answer to "
                                              f"{IN_A_ROW} letters in a row tonight")] * len(batch)
            else:
                publications = [_publication(settings, profile, letter) for letter in batch]
                answers = list(pool.map(lambda p: p if isinstance(p, ebox_client.Answer) else send(p), publications))
            for letter, answer in zip(batch, answers, strict=True):
                faults.checkpoint("ebox.published", letter["letter_id"])  # crash harness: published, not journaled
                in_a_row = in_a_row + 1 if answer.outcome == ebox_client.NO_ANSWER else 0
            faults.checkpoint("ebox.published")
            with engine.begin() as connection:
                for letter, answer in zip(batch, answers, strict=True):
                    values = _settled(letter, answer, day, int(profile["fallback_days"]))
                    counts[values.pop("_counted")] += 1
                    connection.execute(schema.letters.update()
                                       .where(schema.letters.c.letter_id == letter["letter_id"]).values(**values))


def _candidates(engine: Engine, day: date, profile: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """Tonight's letters for the e-Box, then the letters still pending from earlier nights, BATCH at a time
    in letter id order (each batch read after the one before was journaled)."""
    l = schema.letters.c
    types = sorted(profile["letter_types"])
    classes = ("ordinary", "registered") if profile["registered"] else ("ordinary",)
    columns = (l.letter_id, l.event_key, l.run_date, l.letter_type, l.recipient_type, l.recipient_id, l.language,
               l.archive_path, l.status, l.ebox_first_try, l.ebox_tries)
    tonight = (l.run_date == day, l.status == "rendered", l.ebox_tries.is_(None), l.letter_type.in_(types),
               l.mail_class.in_(classes))
    earlier = (l.status == journal.EBOX_PENDING, l.run_date <= day, l.ebox_first_try < day)  # not those that just waited
    for where, consented in ((tonight, True), (earlier, False)):
        last = ""
        while True:
            with engine.connect() as connection:
                rows = [dict(r) for r in connection.execute(
                    select(*columns).where(*where, l.letter_id > last).order_by(l.letter_id).limit(BATCH)).mappings()]
                if not rows:
                    break
                last = rows[-1]["letter_id"]
                chosen = consent.in_force(connection, day, ((r["recipient_type"], r["recipient_id"]) for r in rows))
                if consented:
                    rows = [r for r in rows if (r["recipient_type"], r["recipient_id"]) in chosen]
                for row in rows:  # a pending letter whose recipient withdrew since goes on paper
                    row["withdrawn"] = (row["recipient_type"], row["recipient_id"]) not in chosen
                numbers = _numbers(connection, rows)
            for row in rows:
                row["number"] = numbers.get((row["recipient_type"], row["recipient_id"]))
            if rows:
                yield rows


def _numbers(connection: Any, rows: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """Each recipient's number in the e-Box: an affiliate's national register number, a company's enterprise
    number (read here, never journaled nor logged)."""
    found: dict[tuple[str, str], str] = {}
    for kind, table, column in (("affiliate", schema.affiliates, "national_number"),
                                ("company", schema.companies, "enterprise_number")):
        ids = sorted({r["recipient_id"] for r in rows if r["recipient_type"] == kind})
        if ids:
            key = table.c[f"{kind}_id"]
            found.update(((kind, i), n) for i, n in connection.execute(
                select(key, table.c[column]).where(key.in_(ids))))
    return found


def _publication(settings: Settings, profile: dict[str, Any], letter: dict[str, Any]
                 ) -> ebox_client.Publication | ebox_client.Answer:
    """What to publish for this letter, or why it cannot be (a refusal: it goes on paper)."""
    kind = profile["letter_types"].get(letter["letter_type"])
    if letter["withdrawn"]:
        return ebox_client.Answer(ebox_client.REFUSED, "the recipient withdrew their e-Box consent since")
    if kind is None:  # pending, and its type was taken off the list since
        return ebox_client.Answer(ebox_client.REFUSED, f"{letter['letter_type']} is no longer an e-Box letter type")
    if letter["number"] is None:
        return ebox_client.Answer(ebox_client.REFUSED, f"{letter['recipient_type']} no longer in the fund's data")
    try:
        pdf = inside(settings.archive_dir, letter["archive_path"] or "").read_bytes()
    except (OutsideRoot, OSError) as exc:
        return ebox_client.Answer(ebox_client.REFUSED, f"archived PDF not readable: {type(exc).__name__}")
    return ebox_client.Publication(
        event_key=letter["event_key"],
        recipient_type="citizen" if letter["recipient_type"] == "affiliate" else "enterprise",
        recipient_id="".join(ch for ch in letter["number"] if ch.isdigit()),
        subject={letter["language"]: kind["subject"][letter["language"]]},
        sender_organization_id=profile["sender_organization_id"],
        sender_application_id=kind["sender_application_id"],
        message_type_id=kind["message_type_id"],
        filename=f"{letter['letter_id']}-{letter['letter_type']}.pdf",
        pdf=pdf,
    )


def _settled(letter: dict[str, Any], answer: ebox_client.Answer, day: date, fallback_days: int) -> dict[str, Any]:
    """The letter's journal columns after this answer, and what it counts as (`_counted`)."""
    first = letter["ebox_first_try"] or day
    values: dict[str, Any] = {"ebox_first_try": first, "ebox_tries": (letter["ebox_tries"] or 0) + 1,
                              "ebox_answer": answer.detail[:200]}
    if answer.outcome == ebox_client.DELIVERED:
        return {**values, "status": journal.EBOX, "ebox_message_id": answer.message_id, "print_night": day,
                "_counted": "delivered"}
    if answer.outcome == ebox_client.REFUSED:
        return {**values, "status": "rendered", "print_night": day, "ebox_answer": f"refused: {answer.detail}"[:200],
                "_counted": "refused: printed"}
    if (day - first).days >= fallback_days:
        return {**values, "status": "rendered", "print_night": day,
                "ebox_answer": f"no answer since {first}: printed ({answer.detail})"[:200],
                "_counted": "no answer: printed after the delay"}
    return {**values, "status": journal.EBOX_PENDING, "ebox_answer": f"no answer: {answer.detail}"[:200], "_counted": "pending"}


def _to_paper(engine: Engine, day: date, why: str) -> int:
    """Letters pending from earlier nights, printed tonight (the e-Box was switched off since)."""
    l = schema.letters.c
    with engine.begin() as connection:
        return connection.execute(schema.letters.update().where(l.status == journal.EBOX_PENDING, l.run_date <= day)
                                  .values(status="rendered", print_night=day, ebox_answer=why)).rowcount or 0


def of_night(day: date) -> Any:
    """The letters the e-Box had a part in, as night `day`'s folder tells it (its ebox.csv and summary): those
    it settled that night (delivered, or printed after a refusal or the delay) and those still waiting."""
    l = schema.letters.c
    return and_(l.ebox_tries.is_not(None),
                or_(journal.accounted(day), and_(l.status == journal.EBOX_PENDING, l.run_date <= day)))


def night_files(connection: Any, day: date) -> dict[str, bytes]:
    """{"ebox.csv": …} for night `day`'s folder: each letter the e-Box delivered, refused or left pending
    tonight, with its message id and the e-Box's last answer; nothing when the e-Box had no part in the night."""
    l = schema.letters.c
    query = (select(l.letter_id, l.recipient_type, l.ebox_message_id, l.status, l.ebox_answer)
             .where(of_night(day)).order_by(l.letter_id))
    rows = [[r.letter_id, r.recipient_type, r.ebox_message_id or "", _status(r.status), r.ebox_answer or ""]
            for r in connection.execute(query)]
    return {"ebox.csv": csv_out.encode([list(COLUMNS), *rows])} if rows else {}


def _status(status: str) -> str:
    return {journal.EBOX: "delivered", journal.EBOX_PENDING: "pending"}.get(status, "on paper")
