"""Plausibility checks (issue 16, item 7) and the interlocks' rule data (item 2), as tables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rules.interlocks import way
from rules.params import Parameters
from rules.plausibility import Implausible, dated_after, quarterly_contribution

PARAMS = Parameters()
D = Decimal

CONTRIBUTIONS = [  # (case, year, amount, fee, fields found)
    ("an ordinary quarter", 2026, "890.42", "27.16", []),
    ("exactly the 2026 maximum", 2026, "5103.05", "155.64", []),
    ("a cent above the 2026 maximum", 2026, "5103.06", "155.64", ["amount"]),
    ("the 2025 maximum is lower", 2025, "5000.00", "0.00", ["amount"]),
    ("the 2024 maximum", 2024, "4952.48", "0.00", []),
    ("the issue's 6,631.09", 2026, "6631.09", "0.00", ["amount"]),
    ("the fee is apart from the maximum", 2026, "5103.05", "400.00", []),
    ("a negative contribution", 2026, "-10.00", "27.16", ["amount"]),
    ("a negative fee", 2026, "890.42", "-0.01", ["fee"]),
    ("a year without figures is not judged on the maximum", 2019, "9999.00", "0.00", []),
]


@pytest.mark.parametrize(("year", "amount", "fee", "fields"), [c[1:] for c in CONTRIBUTIONS],
                         ids=[c[0] for c in CONTRIBUTIONS])
def test_quarterly_contribution(year: int, amount: str, fee: str, fields: list[str]) -> None:
    assert [p.field for p in quarterly_contribution(year, D(amount), D(fee), PARAMS)] == fields


def test_the_reason_names_the_maximum_and_the_year() -> None:
    [problem] = quarterly_contribution(2026, D("6631.09"), D("0"), PARAMS)
    assert "5103.05" in problem.reason and "2026" in problem.reason and "fee excluded" in problem.reason


DATES = [  # (case, facts, night, fields found)
    ("no date", {"date_of_death": None}, date(2026, 12, 2), []),
    ("before the night", {"date_of_death": date(2026, 6, 8)}, date(2026, 12, 2), []),
    ("on the night", {"date_of_death": date(2026, 12, 2)}, date(2026, 12, 2), []),
    ("after the night", {"date_of_death": date(2026, 12, 3)}, date(2026, 12, 2), ["date_of_death"]),
]


@pytest.mark.parametrize(("facts", "day", "fields"), [c[1:] for c in DATES], ids=[c[0] for c in DATES])
def test_dated_after(facts: dict, day: date, fields: list[str]) -> None:
    assert [p.field for p in dated_after(facts, day)] == fields


def test_a_date_after_the_night_says_both_dates() -> None:
    assert dated_after({"date_of_death": date(2027, 1, 5)}, date(2026, 12, 2)) == [
        Implausible("date_of_death", "is 2027-01-05, after the letter's date 2026-12-02")]


WAYS = [  # (letter type, deceased, bankrupt, way)
    ("due_notice", False, False, "affiliate"),
    ("due_notice", True, False, "heirs_list"),
    ("due_notice", False, True, "case_handler"),
    ("due_notice", True, True, "heirs_list"),  # a death comes first
    ("regularisation", True, False, "heirs_list"),
    ("regularisation", False, True, "case_handler"),
    ("account_statement", True, False, "heirs_list"),
    ("account_statement", False, True, "case_handler"),
    ("fiscal_certificate", True, False, "estate"),
    ("fiscal_certificate", False, True, "affiliate"),
    ("a_type_the_data_does_not_name", False, True, "case_handler"),
]


@pytest.mark.parametrize(("letter_type", "deceased", "bankrupt", "expected"), WAYS)
def test_way(letter_type: str, deceased: bool, bankrupt: bool, expected: str) -> None:
    assert way(letter_type, deceased=deceased, bankrupt=bankrupt, day=date(2026, 12, 2), params=PARAMS) == expected


def test_every_interlock_choice_is_marked_for_confirmation() -> None:
    params = Parameters()
    way("due_notice", deceased=True, bankrupt=False, day=date(2026, 12, 2), params=params)
    marks = [m.mark for m in params.confirm_marks() if m.name == "interlocks"]
    assert len(marks) == 4 and all("[confirm]" in m for m in marks)
