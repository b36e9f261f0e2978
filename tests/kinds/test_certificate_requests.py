"""A fiscal certificate the affiliate asked for (statement_requests.csv, `letter_type` fiscal_certificate), through
the in-memory fund: answered once per request from the day asked, for the year asked, keyed by the request; answered
by the season's certificate when that goes out the same night, not when it was the former system's (go-live);
interlocks as for the season's certificate; nothing to certify is held for a case handler."""

from __future__ import annotations

from datetime import date

import pytest

from correspondence.config import DEFAULT_FUND, TEMPLATES_DIR, load_fund
from correspondence.kinds.letter import ComposeEnv, Event, compose, left_to_former_system
from correspondence.kinds.memory import MemoryFund
from correspondence.kinds.registry import by_name
from correspondence.kinds.statements import fiscal_certificates
from correspondence.templates import catalog
from rules.params import Parameters
from tests.kinds.fund_rows import affiliate, letter, paid, quarter

A = "A0000001"
PARAMS = Parameters()
NIGHT = date(2026, 12, 2)  # in the season of the 2025 certificates (from 1 March 2026)
ENV = ComposeEnv(NIGHT, load_fund(DEFAULT_FUND), catalog.load(TEMPLATES_DIR), PARAMS)


def paid_in(*years: int, go_live: date | None = None) -> MemoryFund:
    """Every quarter of these years charged and paid on its due date."""
    rows = [quarter(A, y, q) for y in years for q in (1, 2, 3, 4)]
    return MemoryFund(affiliate_rows=[affiliate(A)], contributions=rows,
                      payments=[paid(A, r["year"], r["quarter"], r["due_date"]) for r in rows], go_live=go_live)


def asked(fund: MemoryFund, *requests: tuple[date, int]) -> MemoryFund:
    fund.request_rows.extend({"affiliate_id": A, "requested_on": on, "letter_type": "fiscal_certificate", "year": y}
                             for on, y in requests)
    return fund


def with_rows(fund: MemoryFund, **rows: list) -> MemoryFund:
    for name, added in rows.items():
        getattr(fund, name).extend(added)
    return fund


def found(fund: MemoryFund, night: date = NIGHT) -> list[tuple[str, str]]:
    out = []
    for e in fiscal_certificates(fund, night, PARAMS):
        if not isinstance(e, Event):
            out.append((e.key, f"held: {e.quarantine.field}"))
        else:
            out.append((e.key, "to the heirs" if e.facts.estate else f"asked {e.facts.requested_on}"
                        if e.facts.requested_on else "the season's"))
    return out


def death(on: date) -> dict:
    return {"affiliate_id": A, "kind": "death", "valid_from": on, "valid_until": None}


K2024 = f"fiscal_certificate:{A}:2024:{NIGHT}"
REQUESTS = [  # (case, fund, night, expected)
    ("asked for 2024 tonight: sent, keyed by the request", asked(paid_in(2024), (NIGHT, 2024)), NIGHT,
     [(K2024, f"asked {NIGHT}")]),
    ("no request, nothing paid in 2025: nothing", paid_in(2024), NIGHT, []),
    ("asked for a date after the night: not yet", asked(paid_in(2024), (date(2026, 12, 3), 2024)), NIGHT, []),
    ("asked 30 days ago: still sent", asked(paid_in(2024), (date(2026, 11, 2), 2024)), NIGHT,
     [(f"fiscal_certificate:{A}:2024:2026-11-02", "asked 2026-11-02")]),
    ("asked 31 days ago: stale", asked(paid_in(2024), (date(2026, 11, 1), 2024)), NIGHT, []),
    ("asked twice for a year: one letter, keyed by the latest",
     asked(paid_in(2024), (date(2026, 11, 20), 2024), (NIGHT, 2024)), NIGHT, [(K2024, f"asked {NIGHT}")]),
    ("asked for two years: one letter each",
     asked(paid_in(2023, 2024), (NIGHT, 2023), (NIGHT, 2024)), NIGHT,
     [(f"fiscal_certificate:{A}:2023:{NIGHT}", f"asked {NIGHT}"), (K2024, f"asked {NIGHT}")]),
    ("answered by a certificate of the year sent since",
     with_rows(asked(paid_in(2024), (date(2026, 11, 20), 2024)),
               letters=[letter("fiscal_certificate", f"fiscal_certificate:{A}:2024:2026-11-19", A, date(2026, 11, 21))]),
     NIGHT, []),
    ("a certificate of another year does not answer it",
     with_rows(asked(paid_in(2024), (date(2026, 11, 20), 2024)),
               letters=[letter("fiscal_certificate", f"fiscal_certificate:{A}:2023", A, date(2026, 11, 21))]),
     NIGHT, [(f"fiscal_certificate:{A}:2024:2026-11-20", "asked 2026-11-20")]),
    ("a certificate sent before the request does not answer it",
     with_rows(asked(paid_in(2024), (date(2026, 11, 20), 2024)),
               letters=[letter("fiscal_certificate", f"fiscal_certificate:{A}:2024:2026-10-01", A, date(2026, 10, 1))]),
     NIGHT, [(f"fiscal_certificate:{A}:2024:2026-11-20", "asked 2026-11-20")]),
    ("the season's certificate written tonight answers tonight's request",
     asked(paid_in(2025), (NIGHT, 2025)), NIGHT, [(f"fiscal_certificate:{A}:2025", "the season's")]),
    ("the season's certificate due before go-live is the former system's: the request is answered on its own",
     asked(paid_in(2025, go_live=date(2026, 10, 1)), (NIGHT, 2025)), NIGHT,
     [(f"fiscal_certificate:{A}:2025", "the season's"), (f"fiscal_certificate:{A}:2025:{NIGHT}", f"asked {NIGHT}")]),
    ("before the season, last year's certificate is sent on request",
     asked(paid_in(2025), (date(2026, 2, 10), 2025)), date(2026, 2, 10),
     [(f"fiscal_certificate:{A}:2025:2026-02-10", "asked 2026-02-10")]),
    ("nothing received nor refunded in the year: held for a case handler", asked(paid_in(2024), (NIGHT, 2022)),
     NIGHT, [(f"fiscal_certificate:{A}:2022:{NIGHT}", "held: year")]),
    ("never charged: held for a case handler",
     asked(MemoryFund(affiliate_rows=[affiliate(A)]), (NIGHT, 2024)), NIGHT, [(K2024, "held: affiliate_id")]),
    ("deceased: addressed to the heirs", with_rows(asked(paid_in(2024), (NIGHT, 2024)), suspensions=[death(date(2026, 6, 8))]),
     NIGHT, [(K2024, "to the heirs")]),
    ("a date of death after the night holds it",
     with_rows(asked(paid_in(2024), (NIGHT, 2024)), suspensions=[death(date(2026, 12, 20))]), NIGHT,
     [(K2024, "held: date_of_death")]),
]


@pytest.mark.parametrize(("case", "fund", "night", "expected"), REQUESTS, ids=[c[0] for c in REQUESTS])
def test_a_requested_certificate(case: str, fund: MemoryFund, night: date, expected: list) -> None:
    assert found(fund, night) == expected


def test_a_request_before_go_live_is_the_former_systems() -> None:
    [event] = fiscal_certificates(asked(paid_in(2024), (date(2026, 11, 20), 2024)), NIGHT, PARAMS)
    assert event.due_on == date(2026, 11, 20)
    assert left_to_former_system(event, date(2026, 12, 1)) and not left_to_former_system(event, date(2026, 11, 20))


def test_the_requested_certificate_is_the_year_s_certificate_and_says_it_was_asked() -> None:
    fund = asked(paid_in(2024, 2025), (date(2026, 11, 25), 2024))
    events = {e.key: e for e in fiscal_certificates(fund, NIGHT, PARAMS)}
    requested, season = events[f"fiscal_certificate:{A}:2024:2026-11-25"], events[f"fiscal_certificate:{A}:2025"]
    assert [p["period"] for p in requested.facts.periods] == [f"2024-Q{q}" for q in (1, 2, 3, 4)]
    figures = ("contributions", "fee", "refunds")  # 2024 and 2025 were charged and paid alike
    assert [getattr(requested.facts, f) for f in figures] == [getattr(season.facts, f) for f in figures]
    assert season.facts.requested_on is None and requested.facts.year == 2024
    context = compose(by_name()["fiscal_certificate"], requested, fund.affiliate_rows[0], ENV, "20261202-000001").context
    assert context["certificate"]["requested_on"] == "2026-11-25" and context["certificate"]["year"] == 2024
    assert context["certificate"]["assessment_year"] == 2025 and context["contest"]["until"]
