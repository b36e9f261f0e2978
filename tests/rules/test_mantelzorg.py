"""Mantelzorg decisions, row by row of domain/mantelzorg.md, and `decide` on arbitrary payloads."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.errors import InvalidInput, MissingParameter, RuleError
from rules.mantelzorg import decide
from rules.params import DEFAULT_DIR, Parameters

# Only used when rules/parameters/contributions.toml (another module's file) is not there yet.
CONTRIBUTIONS_STAND_IN = """
[[period]]
valid_from = 2024-01-01
valid_until = 2024-12-31
source = "test stand-in for rules/parameters/contributions.toml"
[period.values]
minimum_quarterly_main = "864.15"

[[period]]
valid_from = 2025-01-01
valid_until = 2025-12-31
source = "test stand-in"
[period.values]
minimum_quarterly_main = "871.71"

[[period]]
valid_from = 2026-01-01
valid_until = 2026-12-31
source = "test stand-in"
[period.values]
minimum_quarterly_main = "890.42"
"""


@pytest.fixture(scope="module")
def params_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("parameters")
    for path in DEFAULT_DIR.glob("*.toml"):
        shutil.copy(path, directory / path.name)
    if not (directory / "contributions.toml").exists():
        (directory / "contributions.toml").write_text(CONTRIBUTIONS_STAND_IN, encoding="utf-8")
    return directory


@pytest.fixture
def params(params_dir: Path) -> Parameters:
    return Parameters(directory=params_dir)


def _prior_quarters(break_start: str) -> dict[str, str]:
    year, month = int(break_start[:4]), int(break_start[5:7])
    index = year * 4 + (month - 1) // 3
    return {f"{(index - n) // 4}-Q{(index - n) % 4 + 1}": "paid" for n in (2, 1)}


def payload(applicant: dict[str, Any] | None = None, **request: Any) -> dict[str, Any]:
    """The brief's example, with the two quarters before the break paid unless the row says otherwise."""
    req = {
        "received_on": "2026-02-20",
        "break_start": "2026-03-01",
        "months": 3,
        "mode": "full",
        "care_recipient": "spouse",
        "relative_degree": None,
        "child_age": None,
        "documents": ["medical_certificate"],
        "care_recipient_died_on": None,
    }
    req.update(request)
    app = {
        "status": "main",
        "provisional_quarterly_contribution": "890.42",
        "quarters": _prior_quarters(req["break_start"]) if isinstance(req["break_start"], str) else {},
        "months_already_received": 0,
        "exempt_quarters_already_used": 0,
        "other_benefit": False,
    }
    app.update(applicant or {})
    return {"applicant": app, "request": req}


def codes(result: dict[str, Any]) -> list[str]:
    return [g["code"] for g in result["grounds"]]


def facts(result: dict[str, Any], code: str) -> dict[str, Any]:
    return next(g["facts"] for g in result["grounds"] if g["code"] == code)


def test_the_briefs_example_exactly(params: Parameters) -> None:
    assert decide(payload(), params) == {
        "outcome": "granted",
        "grounds": [],
        "months": ["2026-03", "2026-04", "2026-05"],
        "amounts": {"2026-03": "1638.26", "2026-04": "1638.26", "2026-05": "1638.26"},
        "total": "4914.78",
        "exempt_quarters": ["2026-Q2"],
        "first_payment_on": "2026-03-31",
        "missing_documents": [],
    }


# (applicant, request, outcome, grounds, months, exempt quarters, first payment)
GRANTED_AND_REFUSED = [
    pytest.param(
        {},
        {"break_start": "2026-03-15"},
        "granted",
        [],
        ["2026-04", "2026-05", "2026-06"],
        ["2026-Q2"],
        "2026-04-30",
        id="mid-month start: next month",
    ),
    pytest.param(
        {},
        {"months": 6},
        "granted",
        [],
        ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08"],
        ["2026-Q2", "2026-Q3"],
        "2026-03-31",
        id="six months: quarters of 3rd and 6th month",
    ),
    pytest.param({}, {"months": 1}, "granted", [], ["2026-03"], [], "2026-03-31", id="one month"),
    pytest.param(
        {},
        {"months": 2},
        "granted",
        [],
        ["2026-03", "2026-04"],
        [],
        "2026-03-31",
        id="two months: no 3rd month, no exemption",
    ),
    pytest.param(
        {},
        {"break_start": "2026-01-01", "received_on": "2025-12-01", "months": 4},
        "granted",
        [],
        ["2026-01", "2026-02", "2026-03", "2026-04"],
        ["2026-Q1"],
        "2026-01-31",
        id="3rd month in the break's own quarter",
    ),
    # statuses
    pytest.param(
        {"status": "helper_main"},
        {},
        "granted",
        [],
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-03-31",
        id="helper main profession",
    ),
    pytest.param(
        {"status": "spouse_maxi"},
        {},
        "granted",
        [],
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-03-31",
        id="helping spouse maxi-status",
    ),
    pytest.param(
        {"status": "spouse_mini"},
        {},
        "refused",
        ["STATUS_NOT_ELIGIBLE"],
        [],
        [],
        None,
        id="helping spouse mini-status",
    ),
    pytest.param(
        {"status": "main", "provisional_quarterly_contribution": "100.00"},
        {},
        "granted",
        [],
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-03-31",
        id="main profession: no minimum-contribution test",
    ),
    # cared-for person
    pytest.param(
        {},
        {"care_recipient": "legal_cohabitant"},
        "granted",
        [],
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-03-31",
        id="legal cohabitant",
    ),
    pytest.param(
        {},
        {"care_recipient": "housemate"},
        "granted",
        [],
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-03-31",
        id="housemate per national register",
    ),
    pytest.param(
        {},
        {"care_recipient": "relative", "relative_degree": 1},
        "granted",
        [],
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-03-31",
        id="relative 1st degree",
    ),
    pytest.param(
        {},
        {"care_recipient": "relative", "relative_degree": 2},
        "granted",
        [],
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-03-31",
        id="relative 2nd degree",
    ),
    pytest.param(
        {},
        {"care_recipient": "relative", "relative_degree": 3},
        "refused",
        ["RECIPIENT_NOT_ELIGIBLE"],
        [],
        [],
        None,
        id="relative 3rd degree",
    ),
    pytest.param(
        {},
        {"care_recipient": "disabled_child", "child_age": 24, "documents": []},
        "granted",
        [],
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-03-31",
        id="disabled child 24: no physician's certificate needed",
    ),
    pytest.param(
        {},
        {"care_recipient": "disabled_child", "child_age": 25},
        "refused",
        ["RECIPIENT_NOT_ELIGIBLE"],
        [],
        [],
        None,
        id="disabled child 25",
    ),
    pytest.param(
        {},
        {"care_recipient": "neighbour"},
        "refused",
        ["RECIPIENT_NOT_ELIGIBLE"],
        [],
        [],
        None,
        id="other person: refused, not an input error",
    ),
    # request length
    pytest.param({}, {"months": 0}, "refused", ["REQUEST_LENGTH_INVALID"], [], [], None, id="0 months"),
    pytest.param({}, {"months": 7}, "refused", ["REQUEST_LENGTH_INVALID"], [], [], None, id="7 months"),
    pytest.param(
        {}, {"months": -2}, "refused", ["REQUEST_LENGTH_INVALID"], [], [], None, id="negative months"
    ),
    # other benefit, career cap reached
    pytest.param({"other_benefit": True}, {}, "refused", ["OTHER_BENEFIT"], [], [], None, id="other benefit"),
    # the cared-for person died before the break started: no care given, refused with its own ground
    pytest.param({}, {"care_recipient_died_on": "2026-02-27"}, "refused", ["RECIPIENT_DIED_BEFORE_BREAK"], [], [],
                 None, id="death before the break"),
    pytest.param({}, {"care_recipient_died_on": "2026-03-01"}, "granted", ["RECIPIENT_DIED_LIMITS"],
                 ["2026-03", "2026-04"], [], "2026-03-31", id="death on the break's first day: two months"),
    # §6: the first payment counts from the day the request became complete, the late-request limit from receipt
    pytest.param({}, {"received_on": "2026-02-20", "completed_on": "2026-04-14"}, "granted", [],
                 ["2026-03", "2026-04", "2026-05"], ["2026-Q2"], "2026-05-31", id="completed later: paid from then"),
    pytest.param({}, {"received_on": "2026-02-20", "completed_on": None}, "granted", [],
                 ["2026-03", "2026-04", "2026-05"], ["2026-Q2"], "2026-03-31", id="completed_on null: received_on"),
    pytest.param(
        {"months_already_received": 12},
        {},
        "refused",
        ["CAREER_CAP_REACHED"],
        [],
        [],
        None,
        id="12 months already received",
    ),
    pytest.param(
        {"months_already_received": 14},
        {},
        "refused",
        ["CAREER_CAP_REACHED"],
        [],
        [],
        None,
        id="more than 12 already received",
    ),
    # prior quarters
    pytest.param(
        {"quarters": {"2025-Q3": "paid", "2025-Q4": "unpaid"}},
        {},
        "refused",
        ["PRIOR_QUARTERS_NOT_PAID"],
        [],
        [],
        None,
        id="previous quarter unpaid",
    ),
    pytest.param(
        {"quarters": {"2025-Q4": "paid"}},
        {},
        "refused",
        ["PRIOR_QUARTERS_NOT_PAID"],
        [],
        [],
        None,
        id="absent quarter counts as not affiliated",
    ),
    pytest.param(
        {"quarters": {"2025-Q3": "not_affiliated", "2025-Q4": "paid"}},
        {},
        "refused",
        ["PRIOR_QUARTERS_NOT_PAID"],
        [],
        [],
        None,
        id="quarter not affiliated",
    ),
    pytest.param(
        {"quarters": {"2025-Q2": "unpaid", "2025-Q3": "paid", "2025-Q4": "paid"}},
        {},
        "granted",
        [],
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-03-31",
        id="an older unpaid quarter does not count",
    ),
    pytest.param(
        {"quarters": {"2025-Q4": "paid", "2026-Q1": "paid"}},
        {"break_start": "2026-04-01"},
        "granted",
        [],
        ["2026-04", "2026-05", "2026-06"],
        ["2026-Q2"],
        "2026-04-30",
        id="break in Q2: Q4 and Q1 before it",
    ),
    pytest.param(
        {"quarters": {"2025-Q3": "paid", "2025-Q4": "paid"}},
        {"break_start": "2026-03-15"},
        "granted",
        [],
        ["2026-04", "2026-05", "2026-06"],
        ["2026-Q2"],
        "2026-04-30",
        id="quarter of the break's first day, not of the first benefit month",
    ),
    # several grounds at once, in the order of the table
    pytest.param(
        {"status": "spouse_mini", "quarters": {}, "other_benefit": True, "months_already_received": 12},
        {"care_recipient": "friend", "months": 9},
        "refused",
        [
            "STATUS_NOT_ELIGIBLE",
            "PRIOR_QUARTERS_NOT_PAID",
            "RECIPIENT_NOT_ELIGIBLE",
            "REQUEST_LENGTH_INVALID",
            "OTHER_BENEFIT",
            "CAREER_CAP_REACHED",
        ],
        [],
        [],
        None,
        id="six grounds at once",
    ),
    pytest.param(
        {
            "status": "secondary",
            "provisional_quarterly_contribution": "500.00",
            "quarters": {"2025-Q3": "unpaid"},
        },
        {},
        "refused",
        ["CONTRIBUTION_BELOW_MAIN_MINIMUM", "PRIOR_QUARTERS_NOT_PAID"],
        [],
        [],
        None,
        id="secondary: low contribution and unpaid quarters",
    ),
]


@pytest.mark.parametrize(
    ("applicant", "request_", "outcome", "grounds", "months", "exempt", "paid_on"), GRANTED_AND_REFUSED
)
def test_decision(
    params: Parameters,
    applicant: dict,
    request_: dict,
    outcome: str,
    grounds: list[str],
    months: list[str],
    exempt: list[str],
    paid_on: str | None,
) -> None:
    result = decide(payload(applicant, **request_), params)
    assert (result["outcome"], codes(result), result["months"]) == (outcome, grounds, months)
    assert result["exempt_quarters"] == exempt
    assert result["first_payment_on"] == paid_on
    if outcome == "refused":
        assert result["amounts"] == {} and result["total"] == "0.00" and result["missing_documents"] == []


@pytest.mark.parametrize(
    ("status", "break_start", "contribution", "outcome"),
    [
        ("secondary", "2024-03-01", "864.14", "refused"),
        ("secondary", "2024-03-01", "864.15", "granted"),
        ("secondary", "2025-03-01", "871.70", "refused"),
        ("secondary", "2025-03-01", "871.71", "granted"),
        ("secondary", "2026-03-01", "890.41", "refused"),
        ("secondary", "2026-03-01", "890.42", "granted"),
        ("secondary", "2026-12-15", "890.41", "refused"),  # year of the break's start, though paid from 2027
        ("pensioner", "2026-03-01", "890.41", "refused"),
        ("pensioner", "2026-03-01", "1200.00", "granted"),
        ("art37", "2025-06-01", "871.70", "refused"),
        ("art37", "2025-06-01", "871.71", "granted"),
    ],
)
def test_minimum_contribution_of_the_break_years_main_profession(
    params: Parameters, status: str, break_start: str, contribution: str, outcome: str
) -> None:
    result = decide(
        payload(
            {"status": status, "provisional_quarterly_contribution": contribution},
            break_start=break_start,
            received_on="2024-01-10",
        ),
        params,
    )
    assert result["outcome"] == outcome
    if outcome == "refused":
        assert codes(result) == ["CONTRIBUTION_BELOW_MAIN_MINIMUM"]
        assert (
            facts(result, "CONTRIBUTION_BELOW_MAIN_MINIMUM")["provisional_quarterly_contribution"]
            == contribution
        )
        assert facts(result, "CONTRIBUTION_BELOW_MAIN_MINIMUM")["year"] == int(break_start[:4])


def test_refusal_facts_name_what_the_letter_states(params: Parameters) -> None:
    result = decide(
        payload(
            {
                "status": "secondary",
                "provisional_quarterly_contribution": "500.00",
                "quarters": {"2025-Q3": "paid", "2025-Q4": "unpaid"},
                "months_already_received": 12,
            },
            months=8,
            care_recipient="relative",
            relative_degree=3,
        ),
        params,
    )
    assert facts(result, "CONTRIBUTION_BELOW_MAIN_MINIMUM") == {
        "status": "secondary",
        "quarter": "2026-Q1",
        "provisional_quarterly_contribution": "500.00",
        "minimum_quarterly_main": "890.42",
        "year": 2026,
    }
    assert facts(result, "PRIOR_QUARTERS_NOT_PAID") == {
        "break_quarter": "2026-Q1",
        "quarters": {"2025-Q3": "paid", "2025-Q4": "unpaid"},
        "not_paid": ["2025-Q4"],
    }
    assert facts(result, "RECIPIENT_NOT_ELIGIBLE")["relative_degree"] == 3
    assert facts(result, "REQUEST_LENGTH_INVALID") == {"months_asked": 8, "minimum": 1, "maximum": 6}
    assert facts(result, "CAREER_CAP_REACHED") == {"months_already_received": 12, "career_maximum": 12}


# Limits: (applicant, request, outcome, grounds with what they drop, months, exempt quarters, first payment)
LIMITS = [
    pytest.param(
        {},
        {
            "break_start": "2026-07-01",
            "received_on": "2026-06-10",
            "months": 6,
            "care_recipient_died_on": "2026-09-14",
        },
        "granted",
        {"RECIPIENT_DIED_LIMITS": ["2026-11", "2026-12"]},
        ["2026-07", "2026-08", "2026-09", "2026-10"],
        ["2026-Q3"],
        "2026-07-31",
        id="seed: July-December, death in September -> September and October paid",
    ),
    pytest.param(
        {},
        {"months": 3, "care_recipient_died_on": "2026-05-02"},
        "granted",
        {},
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-03-31",
        id="death in the last month",
    ),
    pytest.param(
        {},
        {"months": 6, "care_recipient_died_on": "2026-03-31"},
        "granted",
        {"RECIPIENT_DIED_LIMITS": ["2026-05", "2026-06", "2026-07", "2026-08"]},
        ["2026-03", "2026-04"],
        [],
        "2026-03-31",
        id="death in the first month: two months, no exemption",
    ),
    pytest.param(
        {},
        {"received_on": "2026-02-05", "break_start": "2026-02-10", "care_recipient_died_on": "2026-02-20"},
        "granted",
        {"RECIPIENT_DIED_LIMITS": ["2026-04", "2026-05"]},
        ["2026-03"],
        [],
        "2026-03-31",
        id="death before the first month: the month after the death only",
    ),
    pytest.param(
        {},
        {"break_start": "2026-01-01", "received_on": "2026-03-10", "months": 6},
        "granted",
        {"LATE_REQUEST_LIMITS": ["2026-01"]},
        ["2026-02", "2026-03", "2026-04", "2026-05", "2026-06"],
        ["2026-Q2"],
        "2026-04-30",
        id="late: back to the month before receipt, not shifted",
    ),
    pytest.param(
        {},
        {"break_start": "2026-03-01", "received_on": "2026-03-20"},
        "granted",
        {},
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-04-30",
        id="late within one month: nothing lost, paid after receipt",
    ),
    pytest.param(
        {},
        {"break_start": "2026-03-01", "received_on": "2026-04-30"},
        "granted",
        {},
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-05-31",
        id="late: month before receipt kept",
    ),
    pytest.param(
        {},
        {"break_start": "2026-03-01", "received_on": "2026-05-01"},
        "granted",
        {"LATE_REQUEST_LIMITS": ["2026-03"]},
        ["2026-04", "2026-05"],
        [],
        "2026-06-30",
        id="late: 3rd month lost, so no exemption",
    ),
    pytest.param(
        {},
        {"break_start": "2026-01-01", "received_on": "2026-04-15", "months": 2},
        "refused",
        {"LATE_REQUEST_LIMITS": ["2026-01", "2026-02"]},
        [],
        [],
        None,
        id="late: every month lost",
    ),
    pytest.param(
        {},
        {"break_start": "2026-03-01", "received_on": "2026-03-01"},
        "granted",
        {},
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-04-30",
        id="received on the first day",
    ),
    pytest.param(
        {"months_already_received": 10},
        {"months": 6},
        "granted",
        {"CAREER_CAP_LIMITS": ["2026-05", "2026-06", "2026-07", "2026-08"]},
        ["2026-03", "2026-04"],
        [],
        "2026-03-31",
        id="career cap: 10 received, 2 left",
    ),
    pytest.param(
        {"months_already_received": 9},
        {"months": 6},
        "granted",
        {"CAREER_CAP_LIMITS": ["2026-06", "2026-07", "2026-08"]},
        ["2026-03", "2026-04", "2026-05"],
        ["2026-Q2"],
        "2026-03-31",
        id="career cap: 9 received, 3 left, exempt",
    ),
    pytest.param(
        {"months_already_received": 11},
        {"months": 1},
        "granted",
        {},
        ["2026-03"],
        [],
        "2026-03-31",
        id="career cap exactly reached by this request",
    ),
    pytest.param(
        {"exempt_quarters_already_used": 3},
        {"months": 6},
        "granted",
        {"EXEMPTION_CAP_LIMITS": ["2026-Q3"]},
        ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08"],
        ["2026-Q2"],
        "2026-03-31",
        id="exempt quarters: 3 used, 1 left",
    ),
    pytest.param(
        {"exempt_quarters_already_used": 4},
        {},
        "granted",
        {"EXEMPTION_CAP_LIMITS": ["2026-Q2"]},
        ["2026-03", "2026-04", "2026-05"],
        [],
        "2026-03-31",
        id="exempt quarters: 4 used, none left",
    ),
    pytest.param(
        {"exempt_quarters_already_used": 2},
        {"months": 6},
        "granted",
        {},
        ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08"],
        ["2026-Q2", "2026-Q3"],
        "2026-03-31",
        id="exempt quarters: 2 used, both granted",
    ),
    pytest.param(
        {"months_already_received": 9},
        {
            "break_start": "2026-01-01",
            "received_on": "2026-03-10",
            "months": 6,
            "care_recipient_died_on": "2026-04-03",
        },
        "granted",
        {
            "LATE_REQUEST_LIMITS": ["2026-01"],
            "RECIPIENT_DIED_LIMITS": ["2026-06"],
            "CAREER_CAP_LIMITS": ["2026-05"],
        },
        ["2026-02", "2026-03", "2026-04"],
        ["2026-Q2"],
        "2026-04-30",
        id="late, death and career cap together: each month dropped once",
    ),
]


@pytest.mark.parametrize(
    ("applicant", "request_", "outcome", "dropped", "months", "exempt", "paid_on"), LIMITS
)
def test_limits(
    params: Parameters,
    applicant: dict,
    request_: dict,
    outcome: str,
    dropped: dict[str, list[str]],
    months: list[str],
    exempt: list[str],
    paid_on: str | None,
) -> None:
    result = decide(payload(applicant, **request_), params)
    assert result["outcome"] == outcome
    assert codes(result) == list(dropped)
    for code, lost in dropped.items():
        key = "quarters_not_exempt" if code == "EXEMPTION_CAP_LIMITS" else "months_dropped"
        assert facts(result, code)[key] == lost
    assert result["months"] == months
    assert result["exempt_quarters"] == exempt
    assert result["first_payment_on"] == paid_on


def test_a_death_before_the_break_names_both_dates(params: Parameters) -> None:
    result = decide(payload(care_recipient_died_on="2026-02-27"), params)
    assert facts(result, "RECIPIENT_DIED_BEFORE_BREAK") == {"died_on": "2026-02-27", "break_start": "2026-03-01"}


@pytest.mark.parametrize(("completed_on", "field"), [
    ("2026-02-19", "request.completed_on"),  # before the request was received
    ("2026-2-30", "request.completed_on"),
    (20260301, "request.completed_on"),
])
def test_a_completion_that_cannot_be_is_an_input_error(params: Parameters, completed_on: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decide(payload(completed_on=completed_on), params)
    assert caught.value.field == field


def test_documents_not_received_is_a_refusal_naming_them() -> None:
    from rules.mantelzorg import documents_not_received

    result = documents_not_received(("sworn_statement",), date(2026, 7, 10), date(2026, 8, 10)).to_json()
    assert (result["outcome"], result["months"], result["first_payment_on"]) == ("refused", [], None)
    assert result["grounds"] == [{"code": "DOCUMENTS_NOT_RECEIVED", "facts": {
        "asked_on": "2026-07-10", "deadline": "2026-08-10", "missing_documents": ["sworn_statement"]}}]


def test_limiting_facts(params: Parameters) -> None:
    late = decide(payload(break_start="2026-01-01", received_on="2026-03-10", months=6), params)
    assert facts(late, "LATE_REQUEST_LIMITS") == {
        "received_on": "2026-03-10",
        "break_start": "2026-01-01",
        "earliest_month": "2026-02",
        "months_dropped": ["2026-01"],
    }
    capped = decide(payload({"months_already_received": 10}, months=3), params)
    assert facts(capped, "CAREER_CAP_LIMITS") == {
        "months_already_received": 10,
        "career_maximum": 12,
        "months_dropped": ["2026-05"],
    }
    died = decide(
        payload(
            break_start="2026-07-01", received_on="2026-06-10", months=6, care_recipient_died_on="2026-09-14"
        ),
        params,
    )
    assert facts(died, "RECIPIENT_DIED_LIMITS") == {
        "died_on": "2026-09-14",
        "last_month": "2026-10",
        "months_dropped": ["2026-11", "2026-12"],
    }


@pytest.mark.parametrize(
    ("mode", "break_start", "received_on", "amounts", "total"),
    [
        ("full", "2025-01-01", "2024-12-10", ["1606.15", "1638.26", "1638.26"], "4882.67"),
        ("partial", "2025-01-01", "2024-12-10", ["803.08", "819.13", "819.13"], "2441.34"),
        ("full", "2024-01-01", "2023-12-01", ["1606.15", "1606.15", "1606.15"], "4818.45"),
        ("partial", "2024-10-01", "2024-09-01", ["803.08", "803.08", "803.08"], "2409.24"),
        ("partial", "2026-03-01", "2026-02-20", ["819.13", "819.13", "819.13"], "2457.39"),
        ("full", "2024-12-02", "2024-11-20", ["1606.15", "1638.26", "1638.26"], "4882.67"),
    ],
)
def test_amounts_by_the_month_the_benefit_is_for(
    params: Parameters, mode: str, break_start: str, received_on: str, amounts: list[str], total: str
) -> None:
    documents = ["medical_certificate", "sworn_statement"]
    result = decide(
        payload(mode=mode, break_start=break_start, received_on=received_on, documents=documents), params
    )
    assert result["outcome"] == "granted"
    assert list(result["amounts"].values()) == amounts
    assert result["total"] == total
    # Partial breaks are never exempt; full three-month breaks are.
    assert (result["exempt_quarters"] == []) == (mode == "partial")


@pytest.mark.parametrize(
    ("request_", "outcome", "missing", "grounds"),
    [
        pytest.param(
            {"documents": []}, "incomplete", ["medical_certificate"], [], id="no physician's certificate"
        ),
        pytest.param(
            {"mode": "partial"}, "incomplete", ["sworn_statement"], [], id="partial without sworn statement"
        ),
        pytest.param(
            {"mode": "partial", "documents": []},
            "incomplete",
            ["medical_certificate", "sworn_statement"],
            [],
            id="partial without anything",
        ),
        pytest.param(
            {"mode": "full", "documents": ["medical_certificate", "sworn_statement"]},
            "granted",
            [],
            [],
            id="extra sworn statement for a full break is harmless",
        ),
        pytest.param(
            {"care_recipient": "disabled_child", "child_age": 3, "mode": "partial", "documents": []},
            "incomplete",
            ["sworn_statement"],
            [],
            id="disabled child, partial: only the sworn statement",
        ),
        pytest.param(
            {"documents": [], "care_recipient": "friend"},
            "refused",
            [],
            ["RECIPIENT_NOT_ELIGIBLE"],
            id="refusal ground beats missing paper",
        ),
        pytest.param(
            {"documents": [], "months": 7},
            "refused",
            [],
            ["REQUEST_LENGTH_INVALID"],
            id="invalid length beats missing paper",
        ),
        pytest.param(
            {"documents": [], "break_start": "2026-01-01", "received_on": "2026-04-15", "months": 2},
            "refused",
            [],
            ["LATE_REQUEST_LIMITS"],
            id="(fund policy) no month left beats missing paper",
        ),
        pytest.param(
            {"documents": [], "break_start": "2026-01-01", "received_on": "2026-03-15", "months": 3},
            "incomplete",
            ["medical_certificate"],
            [],
            id="months left: incomplete, limits told at decision",
        ),
    ],
)
def test_documents_and_precedence(
    params: Parameters, request_: dict, outcome: str, missing: list[str], grounds: list[str]
) -> None:
    result = decide(payload(**request_), params)
    assert (result["outcome"], result["missing_documents"], codes(result)) == (outcome, missing, grounds)
    if outcome != "granted":
        assert (
            result["months"] == [] and result["first_payment_on"] is None and result["exempt_quarters"] == []
        )


@pytest.mark.parametrize(
    ("break_start", "received_on", "paid_on"),
    [
        ("2026-03-01", "2026-01-10", "2026-03-31"),  # asked well before: end of the first month
        ("2026-03-01", "2026-02-28", "2026-03-31"),
        ("2026-03-01", "2026-03-05", "2026-04-30"),  # received in the first month: end of the next month
        ("2026-02-10", "2026-02-01", "2026-03-31"),  # first month March
        ("2026-12-01", "2026-11-30", "2026-12-31"),
        ("2026-12-01", "2026-12-01", "2027-01-31"),  # across the year
        ("2028-02-01", "2028-01-15", "2028-02-29"),  # leap year
    ],
)
def test_first_payment_on(params: Parameters, break_start: str, received_on: str, paid_on: str) -> None:
    result = decide(payload(break_start=break_start, received_on=received_on), params)
    assert (result["outcome"], result["first_payment_on"]) == ("granted", paid_on)


def _set(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    *path, last = dotted.split(".")
    target = data
    for key in path:
        target = target[key]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("dotted", "value", "field"),
    [
        ("request.break_start", "2026-02-30", "request.break_start"),
        ("request.received_on", "20-02-2026", "request.received_on"),
        ("request.received_on", "0001-01-01", "request.received_on"),
        ("request.care_recipient_died_on", "2026-13-01", "request.care_recipient_died_on"),
        ("request.mode", "half", "request.mode"),
        ("request.months", "3", "request.months"),
        ("request.months", 2.5, "request.months"),
        ("request.months", True, "request.months"),
        ("request.months", None, "request.months"),
        ("request.care_recipient", 5, "request.care_recipient"),
        ("request.documents", "medical_certificate", "request.documents"),
        ("request.documents", ["photo"], "request.documents[0]"),
        ("request.child_age", -1, "request.child_age"),
        ("request.relative_degree", 0, "request.relative_degree"),
        ("request.extra", 1, "request.extra"),
        ("request.mode", _DELETE, "request.mode"),
        ("applicant.status", "boss", "applicant.status"),
        (
            "applicant.provisional_quarterly_contribution",
            890.42,
            "applicant.provisional_quarterly_contribution",
        ),
        (
            "applicant.provisional_quarterly_contribution",
            "-1.00",
            "applicant.provisional_quarterly_contribution",
        ),
        ("applicant.quarters", {"2025-Q5": "paid"}, "applicant.quarters.2025-Q5"),
        ("applicant.quarters", {"2025-Q3": "late"}, "applicant.quarters.2025-Q3"),
        ("applicant.quarters", [], "applicant.quarters"),
        ("applicant.months_already_received", -1, "applicant.months_already_received"),
        ("applicant.exempt_quarters_already_used", "2", "applicant.exempt_quarters_already_used"),
        ("applicant.other_benefit", "no", "applicant.other_benefit"),
        ("applicant.other_benefit", _DELETE, "applicant.other_benefit"),
        ("applicant", None, "applicant"),
        ("surprise", {}, "surprise"),
    ],
)
def test_invalid_input_names_the_field(params: Parameters, dotted: str, value: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        decide(_set(payload(), dotted, value), params)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({"care_recipient": "relative", "relative_degree": None}, "request.relative_degree"),
        ({"care_recipient": "disabled_child", "child_age": None}, "request.child_age"),
    ],
)
def test_eligibility_fact_missing_is_an_input_error(params: Parameters, request_: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        decide(payload(**request_), params)
    assert error.value.field == field


def test_a_month_without_an_amount_names_the_month(tmp_path: Path, params_dir: Path) -> None:
    shutil.copy(params_dir / "contributions.toml", tmp_path / "contributions.toml")
    text = (DEFAULT_DIR / "mantelzorg.toml").read_text(encoding="utf-8")
    # The same table, but the 2025 amounts end with 2025: January 2026 has none.
    (tmp_path / "mantelzorg.toml").write_text(
        text.replace("valid_from = 2025-02-01\n", "valid_from = 2025-02-01\nvalid_until = 2025-12-31\n"),
        encoding="utf-8",
    )
    with pytest.raises(MissingParameter, match="2026-01"):
        decide(
            payload(break_start="2025-12-01", received_on="2025-11-01", months=2),
            Parameters(directory=tmp_path),
        )


def test_a_break_before_the_table_is_an_error_not_a_guess(params: Parameters) -> None:
    with pytest.raises(MissingParameter):
        decide(payload(break_start="2023-10-01", received_on="2023-09-01"), params)


def test_partial_amount_is_half_the_full_amount_rounded_half_up(params: Parameters) -> None:
    for period in params.periods("mantelzorg"):
        full, partial = Decimal(period.values["monthly_full"]), Decimal(period.values["monthly_partial"])
        assert partial == (full / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert period.source


# -- property: any payload gives a well-formed decision or a RuleError, never another exception ------------

GROUND_CODES = {
    "STATUS_NOT_ELIGIBLE",
    "CONTRIBUTION_BELOW_MAIN_MINIMUM",
    "PRIOR_QUARTERS_NOT_PAID",
    "RECIPIENT_NOT_ELIGIBLE",
    "REQUEST_LENGTH_INVALID",
    "OTHER_BENEFIT",
    "CAREER_CAP_REACHED",
    "LATE_REQUEST_LIMITS",
    "RECIPIENT_DIED_LIMITS",
    "CAREER_CAP_LIMITS",
    "EXEMPTION_CAP_LIMITS",
    "RECIPIENT_DIED_BEFORE_BREAK",
}
_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_any_date = st.dates().map(lambda d: d.isoformat())
_plausible = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)).map(lambda d: d.isoformat())
_quarter_labels = st.builds(lambda y, q: f"{y}-Q{q}", st.integers(2022, 2027), st.integers(1, 4))
_states = st.sampled_from(["paid", "paid", "paid", "unpaid", "not_affiliated"])
_applicants = st.fixed_dictionaries(
    {
        "status": st.sampled_from(
            ["main", "secondary", "helper_main", "spouse_maxi", "spouse_mini", "pensioner", "art37"]
        ),
        "provisional_quarterly_contribution": st.one_of(
            st.just("890.42"), st.decimals(800, 3000, places=2).map(str)
        ),
        "quarters": st.dictionaries(_quarter_labels, _states, max_size=3),
        "months_already_received": st.one_of(st.just(0), st.integers(0, 14)),
        "exempt_quarters_already_used": st.integers(0, 5),
        "other_benefit": st.sampled_from([False, False, False, True]),
    }
)
_requests = st.fixed_dictionaries(
    {
        "received_on": st.one_of(_plausible, _plausible, _plausible, _plausible, _any_date),
        "break_start": st.one_of(_plausible, _plausible, _plausible, _plausible, _any_date),
        "months": st.one_of(st.integers(1, 6), st.integers(1, 6), st.integers(-1, 8)),
        "mode": st.sampled_from(["full", "partial"]),
        "care_recipient": st.sampled_from(
            ["spouse", "legal_cohabitant", "relative", "housemate", "disabled_child", "cousin"]
        ),
        "relative_degree": st.one_of(st.none(), st.integers(1, 4)),
        "child_age": st.one_of(st.none(), st.integers(0, 30)),
        "documents": st.one_of(
            st.just(["medical_certificate", "sworn_statement"]),
            st.lists(st.sampled_from(["medical_certificate", "sworn_statement"]), max_size=2),
        ),
        "care_recipient_died_on": st.one_of(st.none(), st.none(), _plausible),
    }
)


@st.composite
def _payloads(draw: st.DrawFn) -> Any:
    """Mostly well-formed requests (so every outcome is reached), some with one field spoilt."""
    applicant, request = draw(_applicants), draw(_requests)
    if draw(st.sampled_from([True, True, True, False])):  # usually the two quarters before the break
        applicant["quarters"].update({q: draw(_states) for q in _prior_quarters(request["break_start"])})
    if request["care_recipient"] == "relative" and draw(st.booleans()):
        request["relative_degree"] = draw(st.integers(1, 3))
    if request["care_recipient"] == "disabled_child" and draw(st.booleans()):
        request["child_age"] = draw(st.integers(0, 30))
    data: dict[str, Any] = {"applicant": applicant, "request": request}
    # The first choice is hypothesis's favourite: keep it the well-formed payload.
    spoil = draw(
        st.sampled_from(["none", "none", "none", "none", "junk", "junk", "delete", "extra", "whole"])
    )
    part = data[draw(st.sampled_from(["request", "applicant"]))]
    key = draw(st.sampled_from(sorted(part)))
    if spoil == "junk":
        part[key] = draw(_junk)
    elif spoil == "delete":
        del part[key]
    elif spoil == "extra":
        part["unexpected"] = draw(_junk)
    elif spoil == "whole":
        return draw(_junk)
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_payloads())
def test_decide_never_fails_otherwise(params: Parameters, data: Any) -> None:
    try:
        result = decide(data, params)
    except RuleError:
        return
    assert set(result) == {
        "outcome",
        "grounds",
        "months",
        "amounts",
        "total",
        "exempt_quarters",
        "first_payment_on",
        "missing_documents",
    }
    json.dumps(result)
    assert result["outcome"] in {"granted", "refused", "incomplete"}
    assert {g["code"] for g in result["grounds"]} <= GROUND_CODES
    assert list(result["amounts"]) == result["months"]
    assert sum((Decimal(a) for a in result["amounts"].values()), Decimal("0.00")) == Decimal(result["total"])
    assert (result["first_payment_on"] is not None) == (result["outcome"] == "granted")
    assert (result["months"] != []) == (result["outcome"] == "granted")
    assert len(result["months"]) <= 6 and len(result["exempt_quarters"]) <= 2
    if result["outcome"] == "refused":
        assert result["grounds"]
    if result["outcome"] == "incomplete":
        assert result["missing_documents"]
