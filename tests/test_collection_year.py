"""A simulated year: a tiny fund with one affiliate per payer profile and a company, every night of 2026 run
in date order; the exact letters (type and date) each one receives, and the case handlers' list entries."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence import schema
from correspondence.importing import import_dir
from correspondence.store import connect
from scheduler.night import run_night
from tests.collection_totals import table_faults
from tests.conftest import settings_for

AFFILIATES = """affiliate_id,national_number,first_name,last_name,street,house_number,box,postcode,city,country,language,status,affiliated_since,affiliated_until
A0000001,71050860797,Jan,Tijdig,Kerkstraat,12,,2000,Antwerpen,BE,nl,main,2010-01-01,
A0000002,98102913457,Marie,Tardive,Rue de la Station,5,,5000,Namur,BE,fr,main,2015-04-01,
A0000003,83031193811,Jürgen,Teilweise,Kirchstraße,3,,4700,Eupen,BE,de,main,2001-01-01,
A0000004,71050860896,Piet,Nooit,Markt,1,,3000,Leuven,BE,nl,main,2010-01-01,
A0000005,71050860995,An,Plan,Veldstraat,7,,9000,Gent,BE,nl,main,2010-01-01,
A0000006,98102913556,Luc,Faillite,Rue Haute,9,,4000,Liège,BE,fr,main,2015-04-01,
"""
COMPANIES = """company_id,enterprise_number,name,street,house_number,box,postcode,city,country,language,incorporated_on,balance_sheet_total
C0000001,0417497106,Bakkerij Janssens BV,Markt,2,,3000,Leuven,BE,nl,2019-05-02,900000.00
"""
PROFILES = {  # affiliate: (payment day relative to the due date or None, share paid)
    "A0000001": (-10, 1), "A0000002": (40, 1), "A0000003": (-5, 0.5), "A0000004": (None, 0),
    "A0000005": (None, 0), "A0000006": (None, 0),
}
QUARTERS = {1: date(2026, 3, 31), 2: date(2026, 6, 30), 3: date(2026, 9, 30), 4: date(2026, 12, 31)}


def _fund(folder: Path) -> Path:
    folder.mkdir()
    (folder / "affiliates.csv").write_text(AFFILIATES, encoding="utf-8")
    (folder / "companies.csv").write_text(COMPANIES, encoding="utf-8")
    contributions = [["contribution_id", "affiliate_id", "year", "quarter", "kind", "amount", "fee", "due_date"]]
    payments = [["payment_id", "payer_type", "payer_id", "received_on", "amount", "structured_reference"]]
    for affiliate, (offset, share) in PROFILES.items():
        for quarter, due in QUARTERS.items():
            contributions.append([f"{affiliate}-{quarter}", affiliate, 2026, quarter, "provisional", "1000.00",
                                  "30.50", due.isoformat()])
            if offset is not None:
                payments.append([f"P{affiliate}-{quarter}", "affiliate", affiliate,
                                 (due + timedelta(offset)).isoformat(), f"{1030.50 * share:.2f}", ""])
    # The timely payer also paid 2025-Q4 in 2025 (a fiscal certificate in March) and gets a 2024 regularisation.
    contributions.append(["A0000001-2025-4", "A0000001", 2025, 4, "provisional", "1000.00", "30.50", "2025-12-31"])
    payments.append(["PA0000001-2025", "affiliate", "A0000001", "2025-12-20", "1030.50", ""])
    contributions.append(["A0000001-R2024", "A0000001", 2024, 4, "regularisation", "400.00", "12.20", "2026-09-30"])
    payments.append(["PA0000001-R", "affiliate", "A0000001", "2026-09-01", "412.20", ""])
    for name, rows in (("contributions.csv", contributions), ("payments.csv", payments)):
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    (folder / "payment_plans.csv").write_text("affiliate_id,kind,from,until\nA0000005,payment_plan,2026-04-01,\n")
    (folder / "suspensions.csv").write_text("affiliate_id,kind,from,until\nA0000006,bankruptcy,2026-05-01,\n")
    return folder


DUE = ["01-01 due_notice", "04-01 due_notice", "07-01 due_notice", "10-01 due_notice"]
DUE_OF = {"A0000006": DUE[:2]}  # bankrupt from 1 May
# Held for a case handler, every night until the bankruptcy ends (rules/parameters/interlocks.toml, [confirm]).
HELD = {"due_notice:A0000006:2026-Q3", "due_notice:A0000006:2026-Q4", "statement:A0000006:2026-09-15"}
EXPECTED = {  # letters per recipient: "MM-DD letter_type", in date order (the due notices are merged in below)
    # on time: a fiscal certificate for 2025 on the policy's date, the regularisation when it is charged
    "A0000001": ["03-01 fiscal_certificate", "04-01 regularisation"],
    # 40 days late: a reminder each quarter (paid before the formal notice), then a statement for the surcharges
    "A0000002": ["04-15 reminder", "07-15 reminder", "09-15 account_statement", "10-15 reminder"],
    # half paid: the unreferenced half-payments pay the oldest quarter, so every quarter is reminded and noticed
    "A0000003": ["04-15 reminder", "05-15 formal_notice", "07-15 reminder", "08-14 formal_notice",
                 "09-15 account_statement", "10-15 reminder", "11-14 formal_notice"],
    "A0000004": ["04-15 reminder", "05-15 formal_notice", "07-15 reminder", "08-14 formal_notice",
                 "09-15 account_statement", "10-15 reminder", "11-14 formal_notice"],
    # payment plan from 1 April: no reminder, formal notice or hand-over; the statement still goes out
    "A0000005": ["09-15 account_statement"],
    # bankrupt from 1 May: the April reminder went out before it, nothing that claims after it (the due notices
    # of Q3 and Q4 and the September statement are held for a case handler: HELD)
    "A0000006": ["04-15 reminder"],
    # the company: 2025 contribution unpaid (reminder, registered notice), then the 2026 due notice
    "C0000001": ["01-30 company_reminder", "03-01 company_formal_notice", "10-01 company_due_notice"],
}
LISTS = [  # (day, key) of the case handlers' list entries: a week after the formal notice's deadline (one month
    # from the third working day after posting, moved to a working day), hand-over three weeks after the call
    ("06-29", "call_list:A0000004:2026-Q1"),  # noticed Fri 15 May: received Wed 20 May, deadline Mon 22 June
    # A0000003's half-payment of 25 June settled 2026-Q1 before its call
    ("07-20", "handover:A0000004:2026-Q1"),
    ("09-28", "call_list:A0000003:2026-Q2"),  # noticed Fri 14 Aug: received Wed 19 Aug, deadline Mon 21 Sep
    ("09-28", "handover:A0000004:2026-Q2"),  # handed over before: no second call
    ("10-19", "handover:A0000003:2026-Q2"),
    ("12-25", "handover:A0000003:2026-Q3"),  # noticed Sat 14 Nov: received Wed 18 Nov, deadline Fri 18 Dec
    ("12-25", "handover:A0000004:2026-Q3"),
]


@pytest.mark.slow
def test_a_year_of_nights(sqlite_url: str, tmp_path: Path) -> None:
    # SQLite only: 365 nights take minutes; the triggers' queries run on PostgreSQL in the other tests.
    settings = settings_for(sqlite_url, tmp_path)
    engine = connect(settings.db_url)
    reports = import_dir(engine, _fund(tmp_path / "fund"))
    assert all(not r.errors for r in reports), [r.errors for r in reports]
    day = date(2026, 1, 1)
    while day <= date(2026, 12, 31):
        run_night(settings, day)
        day += timedelta(1)
    l, e, q = schema.letters.c, schema.case_list_entries.c, schema.quarantine.c
    with engine.connect() as connection:
        assert set(connection.scalars(select(q.event_key).distinct())) == HELD
        letters = connection.execute(select(l.recipient_id, l.letter_type, l.run_date, l.event_key, l.context)
                                     .order_by(l.recipient_id, l.run_date, l.letter_id)).all()
        entries = connection.execute(select(e.list, e.record, e.run_date, e.key).order_by(e.run_date, e.key)).all()
    got: dict[str, list[str]] = {}
    for r in letters:
        got.setdefault(r.recipient_id, []).append(f"{r.run_date:%m-%d} {r.letter_type}")
    expected = {k: sorted(v + (DUE_OF.get(k, DUE) if k.startswith("A") else [])) for k, v in EXPECTED.items()}
    assert got == expected
    # every euro explained: in every letter printing an amounts table, the rows add up to the printed total
    faults = {r.event_key: table_faults(json.loads(r.context)) for r in letters}
    assert {key: f for key, f in faults.items() if f} == {}
    got_lists = [(f"{r.run_date:%m-%d}", r.key) for r in entries]
    assert got_lists == LISTS, got_lists
    # one letter per key, ever: every event key in the journal is unique (the schema enforces it too)
    assert len({r.event_key for r in letters}) == len(letters)
