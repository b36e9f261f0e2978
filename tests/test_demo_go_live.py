"""The demo switched on as a real fund: go-live on the first day of its night's quarter, and a letters_sent.csv
that the importer reads without a rejected row, stating only reminders sent before go-live (the former system ran until the day before), its last round's
formal notices falling due on go-live itself, so every demo night shows one."""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import date, timedelta

import pytest

from correspondence.config import DEFAULT_FUND
from correspondence.demo import former
from correspondence.demo.fund import build
from correspondence.fund_profile import go_live, problems
from correspondence.importing import SPECS, FileReport, Known, parse_rows


@pytest.mark.parametrize(("night", "day"), [
    (date(2026, 12, 2), date(2026, 10, 1)), (date(2027, 1, 1), date(2027, 1, 1)), (date(2026, 6, 30), date(2026, 4, 1)),
])
def test_the_demo_goes_live_on_its_night_s_quarter_s_first_day(night: date, day: date) -> None:
    profile = tomllib.loads(former.switched_on(DEFAULT_FUND.read_text(encoding="utf-8"), night))
    assert problems(profile) == [] and go_live(profile) == day


def test_a_profile_that_states_its_go_live_keeps_it() -> None:
    text = DEFAULT_FUND.read_text(encoding="utf-8") + '\n[cutover]\ngo_live = "2026-11-15"\n'
    assert former.switched_on(text, date(2026, 12, 2)) == text


def test_the_demo_s_letters_sent_are_the_former_system_s_reminders_and_import_cleanly() -> None:
    night = date(2026, 12, 2)
    rows = build(60, 1, night).rows
    sent = rows["letters_sent.csv"]
    assert sent and {r["letter_type"] for r in sent} <= {"reminder", "company_reminder"}
    assert all(date.fromisoformat(r["sent_on"]) < night for r in sent)
    spec = next(s for s in SPECS if s.name == "letters_sent.csv")
    handle = io.StringIO(newline="")
    writer = csv.DictWriter(handle, fieldnames=list(spec.columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(sent)
    known = Known({r["affiliate_id"] for r in rows["affiliates.csv"]}, {r["company_id"] for r in rows["companies.csv"]})
    report = FileReport(spec.name)
    assert len(parse_rows(spec, handle.getvalue(), known, report)) == len(sent) and report.errors == []


# In the first quarter the companies' last year is due on 31 December, after the former system's last round: its
# reminder is the engine's (30 January), its formal notice a month later (no company formal notice before March).
@pytest.mark.parametrize(("night", "types"), [
    (date(2026, 12, 3), {"reminder", "company_reminder"}), (date(2026, 10, 1), {"reminder", "company_reminder"}),
    (date(2026, 5, 20), {"reminder", "company_reminder"}), (date(2026, 2, 10), {"reminder"}),
])
def test_the_former_system_sent_nothing_from_go_live_on_and_its_last_round_s_notices_fall_due_on_it(
        night: date, types: set[str]) -> None:
    start, last = former.go_live(night), former.last_round(night)
    sent = build(60, 1, night).rows["letters_sent.csv"]
    assert all(date.fromisoformat(r["sent_on"]) < start for r in sent)
    assert last + timedelta(30) == start  # the policy's formal_notice_after_reminder_days: due on go-live
    on_last = {r["letter_type"] for r in sent if r["sent_on"] == last.isoformat()}
    assert on_last == types, on_last
