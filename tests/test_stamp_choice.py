"""Which letters the stamped path may print: those of a template snapshot with at least STAMP_MIN_LETTERS
letters in the night, counted whatever their status, so that a rerun after a crash (or a reprint) chooses as
the first run did; a small night lays its few letters out instead of planning a shape for each."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from correspondence import journal, schema
from correspondence.render.jobs import STAMP_MIN_LETTERS
from correspondence.store import connect

NIGHT = date(2026, 11, 22)
N = STAMP_MIN_LETTERS


def _letter(number: int, template_hash: str, status: str, day: date = NIGHT) -> dict[str, object]:
    return {"letter_id": f"{day:%Y%m%d}-{number:06d}", "event_key": f"e:{day}:{number}", "run_date": day,
            "letter_type": "due_notice", "recipient_type": "affiliate", "recipient_id": f"A{number:07d}",
            "language": "nl", "mail_class": "ordinary", "postcode": "1000", "sort_name": "x", "street": "s",
            "city": "c", "country": "BE", "status": status, "template_hash": template_hash, "context": "{}"}


# (letters of snapshot "a" tonight by status, letters of "a" on another night) -> whether "a" is stamped
CASES = {
    "one fewer than the minimum": ({"planned": N - 1}, 0, False),
    "the minimum": ({"planned": N}, 0, True),
    "rendered ones count too (a rerun)": ({"planned": 1, "rendered": N - 2, "batched": 1}, 0, True),
    "another night's letters do not": ({"planned": N - 1}, 5, False),
    "no letter tonight": ({}, N, False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_snapshot_is_stamped_when_the_night_has_enough_of_its_letters(sqlite_url: str, name: str) -> None:
    tonight, other_night, stamped = CASES[name]
    engine = connect(sqlite_url)
    rows, number = [], 0
    for status, count in tonight.items():
        for _ in range(count):
            number += 1
            rows.append(_letter(number, "a", status))
    rows += [_letter(900 + i, "a", "batched", date(2026, 11, 21)) for i in range(other_night)]
    rows += [_letter(800 + i, "b", "planned") for i in range(N)]  # another snapshot, always enough
    with engine.begin() as connection:
        for day in (NIGHT, date(2026, 11, 21)):
            connection.execute(schema.runs.insert().values(run_date=day, status="rendering", attempts=1,
                                                           started_at=datetime(2026, 11, 22, tzinfo=UTC)))
        connection.execute(schema.letters.insert(), rows)
    with engine.connect() as connection:
        assert journal.stamped_snapshots(connection, NIGHT) == ({"a", "b"} if stamped else {"b"})
    engine.dispose()
