"""Which letters the stamped path may print: those of a form (a template snapshot and a structure of the
context) with at least STAMP_MIN_LETTERS letters in the night, counted whatever their status, so that a rerun
after a crash (or a reprint) chooses as the first run did; a rare form is laid out letter by letter instead of
having a shape planned for one or two letters."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest

from correspondence import journal, schema
from correspondence.render import forms
from correspondence.render.jobs import STAMP_MIN_LETTERS
from correspondence.store import connect

NIGHT = date(2026, 11, 22)
N = STAMP_MIN_LETTERS


def _letter(number: int, template_hash: str, status: str, form: str | None, day: date = NIGHT) -> dict[str, object]:
    return {"letter_id": f"{day:%Y%m%d}-{number:06d}", "event_key": f"e:{day}:{number}", "run_date": day,
            "letter_type": "due_notice", "recipient_type": "affiliate", "recipient_id": f"A{number:07d}",
            "language": "nl", "mail_class": "ordinary", "postcode": "1000", "sort_name": "x", "street": "s",
            "city": "c", "country": "BE", "status": status, "template_hash": template_hash, "context": "{}",
            "form": form}


# (letters of snapshot "a" tonight: (status, form) -> count; letters of "a" on another night) -> the forms of
# "a" stamped. Snapshot "b" always has enough letters of its one form.
CASES = {
    "one fewer than the minimum": ({("planned", "x"): N - 1}, 0, set()),
    "the minimum": ({("planned", "x"): N}, 0, {"x"}),
    "rendered ones count too (a rerun)": ({("planned", "x"): 1, ("rendered", "x"): N - 2, ("batched", "x"): 1}, 0,
                                          {"x"}),
    "another night's letters do not": ({("planned", "x"): N - 1}, 5, set()),
    "no letter tonight": ({}, N, set()),
    "each form counts its own letters": ({("planned", "x"): N, ("planned", "y"): N - 1}, 0, {"x"}),
    "the snapshot's letters together do not make a form": ({("planned", "x"): N - 1, ("planned", "y"): N - 1}, 0,
                                                             set()),
    "letters planned before forms count per snapshot": ({("rendered", None): N}, 0, {None}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_form_is_stamped_when_the_night_has_enough_of_its_letters(sqlite_url: str, name: str) -> None:
    tonight, other_night, stamped = CASES[name]
    engine = connect(sqlite_url)
    rows, number = [], 0
    for (status, form), count in tonight.items():
        for _ in range(count):
            number += 1
            rows.append(_letter(number, "a", status, form))
    rows += [_letter(900 + i, "a", "batched", "x", date(2026, 11, 21)) for i in range(other_night)]
    rows += [_letter(800 + i, "b", "planned", "z") for i in range(N)]
    with engine.begin() as connection:
        for day in (NIGHT, date(2026, 11, 21)):
            connection.execute(schema.runs.insert().values(run_date=day, status="rendering", attempts=1,
                                                           started_at=datetime(2026, 11, 22, tzinfo=UTC)))
        connection.execute(schema.letters.insert(), rows)
    with engine.connect() as connection:
        assert journal.stamped_forms(connection, NIGHT) == {("a", f) for f in stamped} | {("b", "z")}
    engine.dispose()


CONTEXT = {"letter": {"id": "20261122-000001", "date": "2026-11-22"}, "payment": {"amount": "123.45", "paid": False},
           "interest": [{"month": "2026-01-01", "amount": "1.00"}] * 3, "note": None, "count": 3}


def _changed(path: tuple[str | int, ...], value: object) -> dict[str, object]:
    context = copy.deepcopy(CONTEXT)
    target: object = context
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    if value is _DROP:
        del target[path[-1]]  # type: ignore[arg-type, union-attr]
    else:
        target[path[-1]] = value  # type: ignore[index]
    return context


_DROP = object()

# What changes a letter's form: its context's structure. What does not: its values.
FORMS = [
    ("another letter id and date", ("letter", "id"), "20261122-000002", True),
    ("another amount", ("payment", "amount"), "9999.99", True),
    ("another count", ("count",), 7, True),
    ("a row more", ("interest",), [{"month": "2026-01-01", "amount": "1.00"}] * 4, False),
    ("a flag set", ("payment", "paid"), True, False),
    ("a value missing", ("payment", "amount"), None, False),
    ("a null given", ("note",), "see the annex", False),
    ("a key left out", ("note",), _DROP, False),
    ("an amount as a number", ("payment", "amount"), 123.45, False),
]


@pytest.mark.parametrize(("path", "value", "same"), [f[1:] for f in FORMS], ids=[f[0] for f in FORMS])
def test_a_letter_s_form_follows_its_context_s_structure_not_its_values(path: tuple[str | int, ...], value: object,
                                                                        same: bool) -> None:
    assert (forms.form(_changed(path, value)) == forms.form(CONTEXT)) is same
    assert len(forms.form(CONTEXT)) == 2 * forms.SIZE
