"""The company contribution: low or high amount, due date, and 1 % late interest per started month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from json_strategies import DATES, JSONISH

from rules.company_contribution import decide, late_interest
from rules.decide import decide as decide_kind
from rules.errors import InvalidInput, MissingParameter, RuleError
from rules.surcharges import Payment

D = Decimal


def test_the_example_of_the_brief() -> None:
    payload = {"year": 2025, "balance_sheet_total": "900000.00", "incorporated_on": "2019-05-02"}
    assert decide(payload) == {"amount": "998.47", "due_date": "2025-12-31"}
    assert decide_kind("company_contribution", payload) == decide(payload)


@pytest.mark.parametrize(
    ("year", "total", "amount"),
    [
        (2023, "825750.09", "384.44"),  # at the threshold: low
        (2023, "825750.10", "960.26"),
        (2023, "0.00", "384.44"),
        (2025, "858605.72", "399.73"),  # at the threshold: low
        (2025, "858605.73", "998.47"),
        (2025, "100000.00", "399.73"),
        (2026, "858605.72", "399.73"),  # 2025 carried forward [confirm]
        (2026, "2000000.00", "998.47"),
    ],
)
def test_amount_by_balance_sheet_total(year: int, total: str, amount: str) -> None:
    result = decide({"year": year, "balance_sheet_total": total, "incorporated_on": "2010-01-01"})
    assert result == {"amount": amount, "due_date": f"{year}-12-31"}


def test_2024_has_no_known_threshold_and_fails_naming_it() -> None:
    with pytest.raises(MissingParameter, match="balance_sheet_threshold.*company_contribution.toml"):
        decide({"year": 2024, "balance_sheet_total": "100.00", "incorporated_on": "2010-01-01"})


@pytest.mark.parametrize(
    ("year", "incorporated_on", "due_date"),
    [
        (2025, "2025-01-01", "2025-12-31"),
        (2025, "2025-09-30", "2025-12-31"),
        (2025, "2025-10-01", "2026-01-31"),
        (2025, "2025-11-15", "2026-02-28"),
        (2023, "2023-11-15", "2024-02-29"),  # leap year
        (2025, "2025-12-31", "2026-03-31"),
        (2025, "2024-11-02", "2025-12-31"),  # the late date is for the year of incorporation only
    ],
)
def test_due_date(year: int, incorporated_on: str, due_date: str) -> None:
    result = decide({"year": year, "balance_sheet_total": "1.00", "incorporated_on": incorporated_on})
    assert result["due_date"] == due_date


def test_a_company_incorporated_after_the_year_owes_nothing_for_it() -> None:
    with pytest.raises(InvalidInput) as error:
        decide({"year": 2025, "balance_sheet_total": "1.00", "incorporated_on": "2026-01-01"})
    assert error.value.field == "incorporated_on"


DUE = date(2025, 12, 31)


@pytest.mark.parametrize(
    ("due", "payments", "as_of", "months", "total", "unpaid"),
    [
        (DUE, [], "2025-12-31", [], "0.00", "998.47"),
        (DUE, [("2025-12-31", "998.47")], "2026-12-31", [], "0.00", "0.00"),  # paid on the due date
        # 998.47 x 1 % = 9.9847 -> 9.98: a started month counts in full
        (DUE, [], "2026-01-01", [("2026-01-01", "998.47", "9.98")], "9.98", "998.47"),
        (DUE, [("2026-01-02", "998.47")], "2026-06-30", [("2026-01-01", "998.47", "9.98")], "9.98", "0.00"),
        # partial payment: 498.47 x 1 % = 4.9847 -> 4.98
        (DUE, [("2026-01-20", "500.00")], "2026-03-15",
         [("2026-01-01", "998.47", "9.98"), ("2026-02-01", "498.47", "4.98"),
          ("2026-03-01", "498.47", "4.98")],
         "19.94", "498.47"),
        # a payment after as_of is ignored
        (DUE, [("2026-02-01", "998.47")], "2026-01-31", [("2026-01-01", "998.47", "9.98")], "9.98", "998.47"),
        # a month end stays a month end: due 28/2 -> months begin 1/3, 1/4
        (date(2026, 2, 28), [], "2026-04-01",
         [("2026-03-01", "399.73", "4.00"), ("2026-04-01", "399.73", "4.00")], "8.00", "399.73"),
        # another due day keeps its day of the month: due 15/1 -> months begin 16/1, 16/2
        (date(2026, 1, 15), [], "2026-02-16",
         [("2026-01-16", "399.73", "4.00"), ("2026-02-16", "399.73", "4.00")], "8.00", "399.73"),
    ],
)
def test_late_interest(due: date, payments: list, as_of: str, months: list, total: str, unpaid: str) -> None:
    amount = D("998.47") if due == DUE else D("399.73")
    statement = late_interest(amount, due, [Payment(date.fromisoformat(d), D(a)) for d, a in payments],
                              date.fromisoformat(as_of))
    assert [(m.date.isoformat(), f"{m.base:.2f}", f"{m.amount:.2f}") for m in statement.months] == months
    assert all(m.rate == D("0.01") for m in statement.months)
    assert (f"{statement.total:.2f}", f"{statement.unpaid:.2f}") == (total, unpaid)


def test_decide_with_as_of_adds_the_late_interest() -> None:
    payload = {"year": 2025, "balance_sheet_total": "900000.00", "incorporated_on": "2019-05-02",
               "as_of": "2026-02-15", "payments": [{"received_on": "2026-01-10", "amount": "498.47"}]}
    assert decide(payload) == {
        "amount": "998.47",
        "due_date": "2025-12-31",
        "late_interest": [
            {"date": "2026-01-01", "rate": "0.01", "base": "998.47", "amount": "9.98"},
            {"date": "2026-02-01", "rate": "0.01", "base": "500.00", "amount": "5.00"},
        ],
        "interest_total": "14.98",
        "unpaid": "500.00",
    }


GOOD = {"year": 2025, "balance_sheet_total": "900000.00", "incorporated_on": "2019-05-02"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({k: v for k, v in GOOD.items() if k != "year"}, "year"),
        ({k: v for k, v in GOOD.items() if k != "balance_sheet_total"}, "balance_sheet_total"),
        ({k: v for k, v in GOOD.items() if k != "incorporated_on"}, "incorporated_on"),
        ({**GOOD, "year": "2025"}, "year"),
        ({**GOOD, "balance_sheet_total": 900000.0}, "balance_sheet_total"),
        ({**GOOD, "balance_sheet_total": "-1.00"}, "balance_sheet_total"),
        ({**GOOD, "incorporated_on": "2019-02-29"}, "incorporated_on"),
        ({**GOOD, "incorporated_on": None}, "incorporated_on"),
        ({**GOOD, "payments": []}, "as_of"),
        ({**GOOD, "as_of": "2026-13-01"}, "as_of"),
        ({**GOOD, "as_of": "2026-01-01", "payments": [{"amount": "1.00"}]}, "payments[0].received_on"),
        ({**GOOD, "legal_form": "BV"}, "legal_form"),
    ],
)
def test_invalid_input_names_the_field(payload: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        decide(payload)
    assert error.value.field == field


AMOUNTS = st.one_of(st.decimals(min_value=0, max_value=2 * 10**6, places=2).map(str), JSONISH)
PAYLOADS = st.one_of(
    JSONISH,
    st.fixed_dictionaries(
        {},
        optional={
            "year": st.one_of(st.integers(2022, 2027), JSONISH),
            "balance_sheet_total": AMOUNTS,
            "incorporated_on": DATES,
            "as_of": DATES,
            "payments": st.one_of(st.lists(st.fixed_dictionaries(
                {}, optional={"received_on": DATES, "amount": AMOUNTS}), max_size=3), JSONISH),
            "other": JSONISH,
        },
    ),
)


@settings(max_examples=400, deadline=None)
@given(PAYLOADS)
def test_decide_returns_a_well_formed_result_or_a_rule_error(payload: object) -> None:
    try:
        result = decide(payload)  # type: ignore[arg-type]
    except RuleError:
        return
    with_interest = {"amount", "due_date", "late_interest", "interest_total", "unpaid"}
    assert set(result) in ({"amount", "due_date"}, with_interest)
    assert result["amount"] in ("384.44", "960.26", "399.73", "998.47")
    date.fromisoformat(result["due_date"])
    if "late_interest" in result:
        assert sum((D(m["amount"]) for m in result["late_interest"]), D(0)) == D(result["interest_total"])
