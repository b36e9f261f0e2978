"""Surcharges of art. 44/44bis: 3 % at each quarter end, 7 % on 1 January, payments on the contribution."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from json_strategies import DATES, JSONISH

from rules.decide import decide as decide_kind
from rules.errors import InvalidInput, RuleError
from rules.surcharges import Payment, decide, surcharges

D = Decimal
EXAMPLE = {
    "contribution": {"year": 2026, "quarter": 1, "amount": "1000.00", "due_date": "2026-03-31"},
    "payments": [{"received_on": "2026-05-10", "amount": "400.00"}],
    "as_of": "2027-03-31",
}


def test_the_example_of_the_brief_worked_out() -> None:
    # 1000.00 unpaid at the end of 31/3: 3 %; 400.00 paid on 10/5 leaves 600.00 for every later quarter end,
    # and 600.00 is still unpaid on 31/12/2026: 7 % on 1/1/2027. 30 + 4 x 18 + 42 = 144.00.
    assert decide(EXAMPLE) == {
        "surcharges": [
            {"date": "2026-03-31", "rate": "0.03", "base": "1000.00", "amount": "30.00"},
            {"date": "2026-06-30", "rate": "0.03", "base": "600.00", "amount": "18.00"},
            {"date": "2026-09-30", "rate": "0.03", "base": "600.00", "amount": "18.00"},
            {"date": "2026-12-31", "rate": "0.03", "base": "600.00", "amount": "18.00"},
            {"date": "2027-01-01", "rate": "0.07", "base": "600.00", "amount": "42.00"},
            {"date": "2027-03-31", "rate": "0.03", "base": "600.00", "amount": "18.00"},
        ],
        "total": "144.00",
        "unpaid": "600.00",
    }
    assert decide_kind("surcharges", EXAMPLE) == decide(EXAMPLE)


def row(year: int, quarter: int, amount: str, payments: list[tuple[str, str]], as_of: str,
        due_date: str | None = None) -> dict:
    contribution: dict = {"year": year, "quarter": quarter, "amount": amount}
    if due_date is not None:
        contribution["due_date"] = due_date
    return {"contribution": contribution,
            "payments": [{"received_on": day, "amount": paid} for day, paid in payments], "as_of": as_of}


@pytest.mark.parametrize(
    ("payload", "charged", "total", "unpaid"),
    [
        # paid in full on the due day: on time
        (row(2026, 1, "1000.00", [("2026-03-31", "1000.00")], "2027-12-31"), [], "0.00", "0.00"),
        # paid the day after: one 3 %, nothing more
        (row(2026, 1, "1000.00", [("2026-04-01", "1000.00")], "2027-12-31"),
         [("2026-03-31", "0.03", "1000.00", "30.00")], "30.00", "0.00"),
        # a Q4 contribution paid on 31/12 is on time: no 3 % and no 7 %
        (row(2025, 4, "871.71", [("2025-12-31", "871.71")], "2026-12-31"), [], "0.00", "0.00"),
        # ... paid on 2/1: 3 % at 31/12 (26.1513 -> 26.15) and 7 % on 1/1 (61.0197 -> 61.02)
        (row(2025, 4, "871.71", [("2026-01-02", "871.71")], "2026-12-31"),
         [("2025-12-31", "0.03", "871.71", "26.15"), ("2026-01-01", "0.07", "871.71", "61.02")],
         "87.17", "0.00"),
        # before the end of the quarter nothing is charged yet
        (row(2026, 1, "1000.00", [], "2026-03-30"), [], "0.00", "1000.00"),
        # as_of is inclusive; default due date = last day of the quarter
        (row(2024, 3, "864.15", [], "2024-09-30"), [("2024-09-30", "0.03", "864.15", "25.92")],
         "25.92", "864.15"),
        # partial payments, one received on a quarter end (counts for that quarter end)
        (row(2026, 2, "1000.00",
             [("2026-06-30", "250.00"), ("2026-09-30", "250.00"), ("2026-11-15", "100.00")], "2027-06-30"),
         [("2026-06-30", "0.03", "750.00", "22.50"), ("2026-09-30", "0.03", "500.00", "15.00"),
          ("2026-12-31", "0.03", "400.00", "12.00"), ("2027-01-01", "0.07", "400.00", "28.00"),
          ("2027-03-31", "0.03", "400.00", "12.00"), ("2027-06-30", "0.03", "400.00", "12.00")],
         "101.50", "400.00"),
        # payments after as_of are ignored
        (row(2026, 1, "1000.00", [("2026-07-01", "1000.00")], "2026-06-30"),
         [("2026-03-31", "0.03", "1000.00", "30.00"), ("2026-06-30", "0.03", "1000.00", "30.00")],
         "60.00", "1000.00"),
        # 7 % on 1 January exactly, on what was unpaid on 31/12 (a payment on 1/1 is too late for it)
        (row(2024, 4, "4952.48", [("2027-01-01", "4952.48")], "2025-01-01"),
         [("2024-12-31", "0.03", "4952.48", "148.57"), ("2025-01-01", "0.07", "4952.48", "346.67")],
         "495.24", "4952.48"),
        (row(2024, 4, "1000.00", [("2025-01-01", "1000.00")], "2025-06-30"),
         [("2024-12-31", "0.03", "1000.00", "30.00"), ("2025-01-01", "0.07", "1000.00", "70.00")],
         "100.00", "0.00"),
        # half-up rounding of every surcharge: 0.50 x 3 % = 0.015 -> 0.02; x 7 % = 0.035 -> 0.04
        (row(2025, 4, "0.50", [], "2026-01-01"),
         [("2025-12-31", "0.03", "0.50", "0.02"), ("2026-01-01", "0.07", "0.50", "0.04")], "0.06", "0.50"),
        # a due date in the middle of a quarter: first 3 % at that quarter's end
        (row(2026, 2, "500.00", [], "2026-09-30", due_date="2026-05-15"),
         [("2026-06-30", "0.03", "500.00", "15.00"), ("2026-09-30", "0.03", "500.00", "15.00")],
         "30.00", "500.00"),
        # a regularisation of 2024 due in 2026: the 7 % follows the year it was claimed (due), not 2024
        (row(2024, 2, "500.00", [], "2027-01-01", due_date="2026-06-30"),
         [("2026-06-30", "0.03", "500.00", "15.00"), ("2026-09-30", "0.03", "500.00", "15.00"),
          ("2026-12-31", "0.03", "500.00", "15.00"), ("2027-01-01", "0.07", "500.00", "35.00")],
         "80.00", "500.00"),
        # an overpayment leaves nothing unpaid, never a negative amount
        (row(2026, 1, "1000.00", [("2026-01-15", "1200.00")], "2026-12-31"), [], "0.00", "0.00"),
    ],
)
def test_surcharges(payload: dict, charged: list[tuple[str, str, str, str]], total: str, unpaid: str) -> None:
    result = decide(payload)
    assert [(s["date"], s["rate"], s["base"], s["amount"]) for s in result["surcharges"]] == charged
    assert (result["total"], result["unpaid"]) == (total, unpaid)


def test_judicial_collection_stops_the_quarterly_surcharge_but_not_the_seven_percent() -> None:
    statement = surcharges(D("1000.00"), 2026, 1, None, [Payment(date(2026, 1, 2), D("1.00"))],
                           date(2027, 6, 30), judicial_collection_on=date(2026, 11, 10))
    assert [(s.date, s.amount) for s in statement.surcharges] == [
        (date(2026, 3, 31), D("29.97")), (date(2026, 6, 30), D("29.97")), (date(2026, 9, 30), D("29.97")),
        (date(2027, 1, 1), D("69.93")),
    ]
    with_field = {**EXAMPLE, "judicial_collection_on": "2026-11-10"}
    assert [s["date"] for s in decide(with_field)["surcharges"]][-2:] == ["2026-09-30", "2027-01-01"]


def test_no_rate_before_the_parameters_begin_fails_naming_the_file() -> None:
    with pytest.raises(RuleError, match="surcharges.toml"):
        decide(row(2014, 1, "100.00", [], "2014-12-31"))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**EXAMPLE, "as_of": "2027-02-30"}, "as_of"),
        ({**EXAMPLE, "as_of": "31/03/2027"}, "as_of"),
        ({k: v for k, v in EXAMPLE.items() if k != "as_of"}, "as_of"),
        ({k: v for k, v in EXAMPLE.items() if k != "payments"}, "payments"),
        ({**EXAMPLE, "payments": {"received_on": "2026-05-10"}}, "payments"),
        ({**EXAMPLE, "payments": [{"received_on": "2026-05-10"}]}, "payments[0].amount"),
        ({**EXAMPLE, "payments": [{"received_on": "2026-05-10", "amount": "1"},
                                  {"received_on": "2026-5-10", "amount": "1"}]}, "payments[1].received_on"),
        ({**EXAMPLE, "payments": [{"received_on": "2026-05-10", "amount": 400.0}]}, "payments[0].amount"),
        ({**EXAMPLE, "payments": [{"received_on": "2026-05-10", "amount": "0"}]}, "payments[0].amount"),
        ({**EXAMPLE, "payments": [{"received_on": "2026-05-10", "amount": "1", "by": "x"}]},
         "payments[0].by"),
        ({**EXAMPLE, "payments": ["400.00"]}, "payments[0]"),
        ({**EXAMPLE, "contribution": {**EXAMPLE["contribution"], "quarter": 5}}, "contribution.quarter"),
        ({**EXAMPLE, "contribution": {**EXAMPLE["contribution"], "quarter": 1.0}}, "contribution.quarter"),
        ({**EXAMPLE, "contribution": {**EXAMPLE["contribution"], "year": "2026"}}, "contribution.year"),
        ({**EXAMPLE, "contribution": {**EXAMPLE["contribution"], "amount": "-1.00"}}, "contribution.amount"),
        ({**EXAMPLE, "contribution": {**EXAMPLE["contribution"], "due_date": "2025-12-31"}},
         "contribution.due_date"),
        ({**EXAMPLE, "contribution": {**EXAMPLE["contribution"], "period": "Q1"}}, "contribution.period"),
        ({**EXAMPLE, "contribution": "1000.00"}, "contribution"),
        ({**EXAMPLE, "interest": "0.03"}, "interest"),
        ({**EXAMPLE, "judicial_collection_on": 20261110}, "judicial_collection_on"),
    ],
)
def test_invalid_input_names_the_field(payload: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        decide(payload)
    assert error.value.field == field


AMOUNTS = st.one_of(st.decimals(min_value=0, max_value=10**5, places=2).map(str), JSONISH)
PAYMENT = st.fixed_dictionaries({}, optional={"received_on": DATES, "amount": AMOUNTS, "x": JSONISH})
PAYLOADS = st.one_of(
    JSONISH,
    st.fixed_dictionaries(
        {},
        optional={
            "contribution": st.one_of(
                st.fixed_dictionaries({}, optional={
                    "year": st.one_of(st.integers(2015, 2030), JSONISH),
                    "quarter": st.one_of(st.integers(0, 5), JSONISH),
                    "amount": AMOUNTS,
                    "due_date": DATES,
                }),
                JSONISH,
            ),
            "payments": st.one_of(st.lists(PAYMENT, max_size=4), JSONISH),
            "as_of": DATES,
            "judicial_collection_on": DATES,
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
    assert set(result) == {"surcharges", "total", "unpaid"}
    amounts = [D(s["amount"]) for s in result["surcharges"]]
    assert sum(amounts, D(0)) == D(result["total"])
    assert all(D(s["base"]) > 0 and s["rate"] in ("0.03", "0.07") for s in result["surcharges"])
    assert [s["date"] for s in result["surcharges"]] == sorted(s["date"] for s in result["surcharges"])
    assert D(result["unpaid"]) >= 0
