"""The journal's writes, each as a row of a table: what is written, and the journal it leaves behind.

One planned letter is journaled first (status planned, address as fields); each case then writes through
`correspondence.journal` and compares the letters and quarantine rows with what a reader expects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, select

from correspondence import journal, schema
from correspondence.kinds.blocks import recipient_block
from correspondence.kinds.letter import Letter
from correspondence.quarantine import Quarantine
from correspondence.render.dispatch import Failed
from correspondence.store import connect

NIGHT = date(2026, 11, 22)
LETTER_ID = "20261122-000001"
KEY = "due_notice:A0000001:2026-Q4"
PERSON = {"affiliate_id": "A0000001", "first_name": "Anke", "last_name": "de Vries", "street": "Damrak",
          "house_number": "1", "box": "", "postcode": "1012 AB", "city": "Amsterdam", "country": "NL",
          "language": "nl"}
BOX_LABEL = {"nl": "bus", "fr": "boîte", "de": "Box"}


def _letter(notes: tuple[tuple[str, str], ...] = ()) -> Letter:
    block = recipient_block("affiliate", PERSON, NIGHT, BOX_LABEL)
    block.pop("language")
    return Letter(KEY, "due_notice", "affiliate", "A0000001", "nl", "registered", block["postcode"],
                  block["sort_name"], {"recipient": block, "letter": {"id": LETTER_ID}}, notes)


@dataclass(frozen=True)
class Case:
    name: str
    write: Callable[[Connection], None]
    letter: dict[str, Any] | None  # the letter's row afterwards (the columns named), None: withdrawn
    quarantine: list[dict[str, Any]]  # the night's quarantine rows (record, field, reason, action)


HELD = Quarantine("affiliate A0000001", "postcode", "is not a Belgian postcode in use", "correct the address")
PLANNED = {"status": "planned", "street": "Damrak 1", "postcode": "1012 AB", "city": "Amsterdam", "country": "NL",
           "pages": None, "archive_path": None}
ARCHIVED = journal.Archived(LETTER_ID, 2, "ab" * 32, journal.archive_path("affiliate", "A0000001", LETTER_ID,
                                                                           "due_notice"))
CASES = [
    Case("planned: the address as fields beside the context", lambda c: None, PLANNED, []),
    Case("quarantine from a Quarantine", lambda c: journal.record_quarantine(c, NIGHT, [("other:key", HELD)]),
         PLANNED, [{"record": "affiliate A0000001", "field": "postcode", "reason": "is not a Belgian postcode in use",
                    "action": "correct the address", "event_key": "other:key"}]),
    Case("a chunk's rendered letter", lambda c: journal.record_chunk(c, NIGHT, [ARCHIVED], []),
         {**PLANNED, "status": "rendered", "pages": 2, "sha256": "ab" * 32,
          "archive_path": "affiliate/A0000001/20261122-000001-due_notice.pdf"}, []),
    Case("a chunk's failed letter: withdrawn, the renderer's Failed quarantined",
         lambda c: journal.record_chunk(c, NIGHT, [], [journal.Withdrawn(LETTER_ID, KEY, journal.failed(
             Failed(LETTER_ID, "template", "'amount' is undefined"), "affiliate A0000001"))]),
         None, [{"record": "affiliate A0000001", "field": "template", "reason": "'amount' is undefined",
                 "action": journal.RENDER_ACTION, "event_key": KEY}]),
    Case("placed in a print file", lambda c: journal.record_placements(c, [_Placed(LETTER_ID, "registered/batch-0001.pdf", 3)]),
         {**PLANNED, "status": "batched", "print_file": "registered/batch-0001.pdf", "first_page": 3}, []),
]


@dataclass(frozen=True)
class _Placed:
    letter_id: str
    file: str
    first_page: int


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_write_leaves_the_journal_a_reader_expects(db_url: str, case: Case) -> None:
    engine = connect(db_url)
    with engine.begin() as connection:
        connection.execute(schema.runs.insert().values(run_date=NIGHT, status="planning",
                                                       started_at=datetime.now(UTC), attempts=1))
        journal.record_letters(connection, [journal.planned(LETTER_ID, NIGHT, _letter(), "f" * 64)])
        case.write(connection)
    with engine.connect() as connection:
        row = connection.execute(select(schema.letters)).mappings().first()
        held = [dict(r) for r in connection.execute(
            select(schema.quarantine.c.record, schema.quarantine.c.field, schema.quarantine.c.reason,
                   schema.quarantine.c.action, schema.quarantine.c.event_key)).mappings()]
    engine.dispose()
    if case.letter is None:
        assert row is None
    else:
        assert row is not None
        assert {k: row[k] for k in case.letter} == case.letter
        assert json.loads(row["context"])["recipient"]["address_lines"] == ["Anke de Vries", "Damrak 1",
                                                                            "1012 AB AMSTERDAM", "NEDERLAND / PAYS-BAS"]
    assert held == case.quarantine


def test_decisions_notes_and_case_entries_are_journaled_once(db_url: str) -> None:
    @dataclass(frozen=True)
    class Entry:
        key: str
        list: str
        record: str
        row: dict[str, Any]

    entry = Entry("call:A0000001:2026", "calls", "affiliate A0000001", {"affiliate": "A0000001"})
    engine = connect(db_url)
    with engine.begin() as connection:
        journal.record_decisions(connection, [{"event_key": "decision:mantelzorg:C1", "claim_id": "C1",
                                               "decided_on": NIGHT, "outcome": "granted",
                                               "result": json.dumps({"outcome": "granted"})}])
        journal.record_notes(connection, NIGHT, journal.notes(_letter((("language", "prefers fr"),))))
        added = [journal.record_case_entries(connection, NIGHT, [entry, entry]),
                 journal.record_case_entries(connection, NIGHT, [entry])]
    with engine.connect() as connection:
        decision = connection.execute(select(schema.decisions)).mappings().one()
        note = connection.execute(select(schema.notes)).mappings().one()
    engine.dispose()
    assert (decision["decided_on"], decision["outcome"], json.loads(decision["result"])) == (
        NIGHT, "granted", {"outcome": "granted"})
    assert (note["event_key"], note["record"], note["kind"], note["note"]) == (
        KEY, "affiliate A0000001", "language", "prefers fr")
    assert added == [1, 0]
