"""Switch-on day: a fund with a year of history (tests/test_collection_year.py's) switched on with go_live the
day before its first night prints no letter whose date is before go-live, reruns print nothing twice, the
next quarter's due notices go out, and letters_sent.csv makes the formal notice follow the former system's
reminder on its own date."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence import schema
from correspondence.config import DEFAULT_FUND
from correspondence.importing import import_dir
from correspondence.plurals import counted
from correspondence.store import connect
from rules.collection_policy import collection_policy
from scheduler.night import run_night
from tests.conftest import settings_for
from tests.test_collection_year import PROFILES, _fund

GO_LIVE, FIRST_NIGHT = date(2026, 12, 1), date(2026, 12, 2)
# The former system reminded A0000003 of 2026-Q3 late, on 20 November: its formal notice is the engine's.
SENT = "recipient_type,recipient_id,letter_type,period,sent_on\naffiliate,A0000003,reminder,2026-Q3,2026-11-20\n"


def _switched_on(tmp_path: Path) -> tuple[object, object]:
    folder = _fund(tmp_path / "fund")
    with (folder / "contributions.csv").open("a", encoding="utf-8") as handle:  # next quarter's contributions
        for affiliate in PROFILES:
            handle.write(f"{affiliate}-2027-1,{affiliate},2027,1,provisional,1000.00,30.50,2027-03-31\n")
    (folder / "letters_sent.csv").write_text(SENT, encoding="utf-8")
    profile = tmp_path / "fund.toml"
    profile.write_text(DEFAULT_FUND.read_text(encoding="utf-8") + f'\n[cutover]\ngo_live = "{GO_LIVE}"\n',
                       encoding="utf-8")
    return folder, profile


@pytest.mark.slow
def test_a_fund_switched_on_prints_nothing_from_before_go_live(sqlite_url: str, tmp_path: Path) -> None:
    folder, profile = _switched_on(tmp_path)
    settings = settings_for(sqlite_url, tmp_path, fund_file=profile)
    engine = connect(settings.db_url)
    reports = import_dir(engine, folder)
    assert all(not r.errors for r in reports), [r.errors for r in reports]

    first = run_night(settings, FIRST_NIGHT)
    # Everything the history calls for became due before go-live: last year's certificates, this quarter's due
    # notices, reminders and formal notices reaching back to April, statements, the company's letters.
    assert (first.letters, first.quarantined) == (0, 0), first.summary["by_type"]
    former = first.summary["left_to_former_system"]
    # the bankrupt affiliate's notice is held, and held before go-live it is neither quarantined nor journaled
    assert former["by_type"]["due_notice"] == len(PROFILES) - 1
    assert {"fiscal_certificate", "reminder", "formal_notice", "company_due_notice", "company_reminder"} <= set(
        former["by_type"]), former
    text = (settings.output_dir / FIRST_NIGHT.isoformat() / "summary.txt").read_text()
    assert f"Left to the former system (due before go-live, not printed): {counted(former['events'], 'event')}" in text

    # A rerun of the night, and the next night, print nothing twice and leave nothing twice (the next night
    # finds only the company's formal notice, which follows the company reminder left the night before).
    assert run_night(settings, FIRST_NIGHT).status == "already complete"
    second = run_night(settings, date(2026, 12, 3))
    assert second.letters == 0
    assert second.summary["left_to_former_system"]["by_type"] == {"company_formal_notice": 1}
    f = schema.former_letters.c
    with engine.connect() as connection:
        keys = list(connection.scalars(select(f.event_key)))
    assert len(keys) == len(set(keys)) == former["events"] + 1

    # The former system's reminder of 20 November (letters_sent.csv): the formal notice follows on its own date.
    noticed_on = collection_policy(GO_LIVE).formal_notice_on(date(2026, 11, 20))
    notice = run_night(settings, noticed_on)
    assert notice.summary["by_type"] == {"formal_notice": 1}

    # The next quarter's due notices go out.
    january = run_night(settings, date(2027, 1, 1))
    assert january.summary["by_type"].get("due_notice", 0) >= 4, january.summary["by_type"]

    l = schema.letters.c
    with engine.connect() as connection:
        letters = connection.execute(select(l.event_key, l.run_date, l.context)).all()
    assert len({r.event_key for r in letters}) == len(letters)
    [(key, context)] = [(r.event_key, json.loads(r.context)) for r in letters if r.event_key.startswith("formal")]
    assert key == "formal_notice:A0000003:2026-Q3" and context["notice"]["after_former"] is True
    assert all(r.event_key.endswith("2027-Q1") for r in letters if r.event_key.startswith("due_notice"))


@pytest.mark.parametrize(("count", "nouns", "text"), [
    (1, ("event",), "1 event"), (0, ("event",), "0 events"), (5, ("event",), "5 events"),
    (1, ("new entry", "new entries"), "1 new entry"), (2, ("new entry", "new entries"), "2 new entries"),
])
def test_the_report_counts_in_the_singular_for_one(count: int, nouns: tuple[str, ...], text: str) -> None:
    assert counted(count, *nouns) == text
