"""A statement the affiliate asked for (statement_requests.csv) and the regularisation's reference income
(contributions.csv `income`), through the in-memory fund: the request is answered once, from the day asked,
square account or not, respecting the interlocks and go-live; an income that contradicts the notice's figures
holds it for a case handler, one the rule cannot check is left out with a remark."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from correspondence.config import DEFAULT_FUND, TEMPLATES_DIR, load_fund
from correspondence.kinds.collection import compose as compose_account
from correspondence.kinds.letter import ComposeEnv, Event, Held, compose, left_to_former_system
from correspondence.kinds.memory import MemoryFund
from correspondence.kinds.registry import by_name
from correspondence.kinds.regularisation import regularisation_notices
from correspondence.kinds.statements import account_statements
from correspondence.templates import catalog
from rules.params import Parameters
from tests.kinds.fund_rows import affiliate, letter, paid, quarter

D = Decimal
A = "A0000001"
PARAMS = Parameters()
NIGHT = date(2026, 12, 2)  # no statement date's window holds it: only requests make statements
ENV = ComposeEnv(NIGHT, load_fund(DEFAULT_FUND), catalog.load(TEMPLATES_DIR), PARAMS)


def square() -> MemoryFund:
    """2026 Q1-Q3 charged and paid on time: nothing owed, nothing in credit."""
    return MemoryFund(affiliate_rows=[affiliate(A)], contributions=[quarter(A, 2026, q) for q in (1, 2, 3)],
                      payments=[paid(A, 2026, q, quarter(A, 2026, q)["due_date"]) for q in (1, 2, 3)])


def asked(*days: date, fund: MemoryFund | None = None) -> MemoryFund:
    fund = fund or square()
    fund.request_rows.extend({"affiliate_id": A, "requested_on": d} for d in days)
    return fund


def found(fund: MemoryFund, night: date = NIGHT) -> list[tuple[str, str]]:
    return [(e.key, "statement") if isinstance(e, Event) else (e.key, f"held: {e.quarantine.field}")
            for e in account_statements(fund, night, PARAMS)]


def suspended(kind: str, since: date) -> MemoryFund:
    fund = asked(NIGHT)
    fund.suspensions.append({"affiliate_id": A, "kind": kind, "valid_from": since, "valid_until": None})
    return fund


def sent_statement(on: date) -> MemoryFund:
    fund = asked(date(2026, 11, 20))
    fund.letters.append(letter("account_statement", f"statement:{A}:{on.isoformat()}", A, on))
    return fund


KEY = f"statement:{A}:{NIGHT.isoformat()}"
REQUESTS = [  # (case, fund, night, expected)
    ("no request, no statement date: nothing", square(), NIGHT, []),
    ("asked tonight, account square: sent all the same", asked(NIGHT), NIGHT, [(KEY, "statement")]),
    ("asked for tomorrow's date: not yet", asked(date(2026, 12, 3)), NIGHT, []),
    ("asked 30 days ago and never answered: still sent", asked(date(2026, 11, 2)), NIGHT,
     [(f"statement:{A}:2026-11-02", "statement")]),
    ("asked 31 days ago: stale", asked(date(2026, 11, 1)), NIGHT, []),
    ("asked twice: one letter, keyed by the latest", asked(date(2026, 11, 20), NIGHT), NIGHT, [(KEY, "statement")]),
    ("answered by a statement sent since", sent_statement(date(2026, 11, 21)), NIGHT, []),
    ("a statement sent before the request does not answer it", sent_statement(date(2026, 11, 19)), NIGHT,
     [(f"statement:{A}:2026-11-20", "statement")]),
    ("deceased: no letter (the heirs' list has the balance)", suspended("death", date(2026, 6, 8)), NIGHT, []),
    ("bankrupt: held for a case handler", suspended("bankruptcy", date(2026, 6, 8)), NIGHT, [(KEY, "held: suspension")]),
    ("a date of death after the night holds it", suspended("death", date(2026, 12, 20)), NIGHT,
     [(KEY, "held: date_of_death")]),
    ("asked, never charged: held for a case handler",
     MemoryFund(affiliate_rows=[affiliate(A)], request_rows=[{"affiliate_id": A, "requested_on": NIGHT}]), NIGHT,
     [(KEY, "held: affiliate_id")]),
]


@pytest.mark.parametrize(("case", "fund", "night", "expected"), REQUESTS, ids=[c[0] for c in REQUESTS])
def test_a_requested_statement(case: str, fund: MemoryFund, night: date, expected: list) -> None:
    assert found(fund, night) == expected


def test_on_a_statement_date_the_request_is_answered_by_the_periodic_statement() -> None:
    fund = asked(date(2026, 9, 15), date(2026, 9, 16), fund=square())
    fund.contributions.append(quarter(A, 2026, 2, "100.00", "3.05"))  # unpaid: the periodic statement goes
    fund.contributions[-1]["contribution_id"] += "x"
    assert found(fund, date(2026, 9, 16)) == [(f"statement:{A}:2026-09-15", "statement")]
    # once sent, a request made after it is answered on its own
    fund.letters.append(letter("account_statement", f"statement:{A}:2026-09-15", A, date(2026, 9, 15)))
    fund.request_rows.append({"affiliate_id": A, "requested_on": date(2026, 9, 20)})
    assert found(fund, date(2026, 9, 20)) == [(f"statement:{A}:2026-09-15", "statement"),
                                              (f"statement:{A}:2026-09-20", "statement")]


def test_a_periodic_statement_left_to_the_former_system_does_not_answer_a_request_made_since() -> None:
    """Go-live on 16 September: the statement of 15 September was the former system's, sent before the request
    of the 18th, which is answered on its own; without a cut-over tonight's periodic statement answers it."""
    def fund(go_live: date | None) -> MemoryFund:
        owing = asked(date(2026, 9, 18), fund=square())
        owing.contributions.append({**quarter(A, 2026, 2, "100.00", "3.05"), "contribution_id": "unpaid"})
        owing.go_live = go_live
        return owing

    assert found(fund(date(2026, 9, 16)), date(2026, 9, 20)) == [(f"statement:{A}:2026-09-15", "statement"),
                                                                 (f"statement:{A}:2026-09-18", "statement")]
    assert found(fund(None), date(2026, 9, 20)) == [(f"statement:{A}:2026-09-15", "statement")]


def test_a_request_before_go_live_is_the_former_systems() -> None:
    [event] = account_statements(asked(date(2026, 11, 20)), NIGHT, PARAMS)
    assert event.due_on == date(2026, 11, 20)
    assert left_to_former_system(event, date(2026, 12, 1)) and not left_to_former_system(event, date(2026, 11, 20))


def test_the_requested_statement_shows_the_account_of_the_night_and_says_it_was_asked() -> None:
    fund = asked(date(2026, 11, 25), fund=square())
    fund.payments.append({**paid(A, 2026, 4, date(2026, 11, 30), "50.00"), "structured_reference": ""})
    [event] = account_statements(fund, NIGHT, PARAMS)
    own = compose_account(event, fund.affiliate_rows[0], ENV, "nl")
    assert own["account"]["as_of"] == NIGHT.isoformat() and own["account"]["requested_on"] == "2026-11-25"
    assert own["account"]["payments"][-1] == {"received_on": "2026-11-30", "amount": "50.00"}  # after the request
    assert own["account"]["credit"] == "50.00" and own["payment"] is None
    context = compose(by_name()["account_statement"], event, fund.affiliate_rows[0], ENV, "20261202-000001").context
    assert context["contest"]["until"] and context["court"]["name"]


# ---- the regularisation's reference income -----------------------------------------------------------

REG_DUE = date(2026, 9, 30)
REG = f"regularisation:C{A}-2024Q4R"


def regularised(income: str | None, status: str = "main", quarters: tuple[int, ...] = (1, 2, 3, 4),
                amount: str = "1204.88") -> MemoryFund:
    """2024 charged at the 2024 minimum (864.15) for these quarters; regularised by `amount`."""
    row = quarter(A, 2024, 4, amount, "36.75", "regularisation", REG_DUE)
    row["income"] = None if income is None else D(income)
    return MemoryFund(affiliate_rows=[affiliate(A, status=status)],
                      contributions=[*(quarter(A, 2024, q, "864.15", "26.36") for q in quarters), row])


def regularisation(fund: MemoryFund) -> tuple[str, object]:
    [event] = regularisation_notices(fund, date(2026, 5, 1), PARAMS)
    if isinstance(event, Held):
        return "held", (event.quarantine.record, event.quarantine.field)
    return "sent", (event.facts.income, [kind for kind, _ in event.facts.notes])


INCOMES = [  # (case, fund, expected)
    # 22,738.93 gives 1,165.37 a quarter (2024, main): 4 x 1,165.37 = 4 x 864.15 + 1,204.88
    ("consistent: printed", regularised("22738.93"), ("sent", ("22738.93", []))),
    ("a euro off: held (1,165.32 a quarter)", regularised("22738.00"), ("held", (f"contribution C{A}-2024Q4R", "income"))),
    ("the income of another year: held", regularised("50000.00"), ("held", (f"contribution C{A}-2024Q4R", "income"))),
    ("helper in main profession: the same rule", regularised("22738.93", "helper_main"), ("sent", ("22738.93", []))),
    ("below the minimum income: the minimum, so a supplement of a cent contradicts it",
     regularised("10000.00", amount="0.01"), ("held", (f"contribution C{A}-2024Q4R", "income"))),
    ("charged three quarters: compared over three",
     regularised("22738.93", quarters=(2, 3, 4), amount=str(D("1165.37") * 3 - D("864.15") * 3)),
     ("sent", ("22738.93", []))),
    ("secondary: the rule has no figures, left out with a remark", regularised("22738.93", "secondary"),
     ("sent", (None, ["income"]))),
    ("no provisional quarter: cannot compare, left out with a remark", regularised("22738.93", quarters=()),
     ("sent", (None, ["income"]))),
    ("no income given: nothing printed, no remark", regularised(None), ("sent", (None, []))),
]


@pytest.mark.parametrize(("case", "fund", "expected"), INCOMES, ids=[c[0] for c in INCOMES])
def test_the_reference_income(case: str, fund: MemoryFund, expected: tuple) -> None:
    assert regularisation(fund) == expected


def test_the_income_is_printed_with_its_year_and_an_unchecked_one_is_remarked() -> None:
    fund = regularised("22738.93")
    [event] = regularisation_notices(fund, date(2026, 5, 1), PARAMS)
    letter_ = compose(by_name()["regularisation"], event, fund.affiliate_rows[0], ENV, "20261202-000001")
    assert (letter_.context["regularisation"]["income"], letter_.context["regularisation"]["income_year"]) == (
        "22738.93", 2024)
    fund = regularised("22738.93", "secondary")
    [event] = regularisation_notices(fund, date(2026, 5, 1), PARAMS)
    letter_ = compose(by_name()["regularisation"], event, fund.affiliate_rows[0], ENV, "20261202-000001")
    assert letter_.context["regularisation"]["income"] is None
    [(kind, note)] = letter_.notes
    assert kind == "income" and "cannot be checked" in note and "22738" not in note


def test_an_inconsistent_income_names_both_figures_for_the_case_handler() -> None:
    [event] = regularisation_notices(regularised("50000.00"), date(2026, 5, 1), PARAMS)
    assert isinstance(event, Held) and event.key == REG and event.due_on == date(2026, 4, 1)
    assert "4661.48" in event.quarantine.reason and "inconsistent" in event.quarantine.reason
