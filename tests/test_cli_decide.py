"""`correspondence decide KIND FILE|-`: the issues' own examples in, their answers out; bad input exits 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

MANTELZORG = {
    "applicant": {"status": "main", "provisional_quarterly_contribution": "890.42",
                  "quarters": {"2025-Q3": "paid", "2025-Q4": "paid"}, "months_already_received": 0,
                  "exempt_quarters_already_used": 0, "other_benefit": False},
    "request": {"received_on": "2026-02-20", "break_start": "2026-03-01", "months": 3, "mode": "full",
                "care_recipient": "spouse", "relative_degree": None, "child_age": None,
                "documents": ["medical_certificate"], "care_recipient_died_on": None},
}


def decide(kind: str, payload: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scheduler.cli", "decide", kind, "-"],
                          input=payload if isinstance(payload, str) else json.dumps(payload),
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(
    ("kind", "payload", "expected"),
    [
        ("contribution", {"year": 2026, "status": "main", "income": "45000.00", "fee_rate": "0.0305"},
         {"quarterly": "2306.25", "fee": "70.34", "total": "2376.59", "basis": "income"}),
        ("company_contribution", {"year": 2025, "balance_sheet_total": "900000.00", "incorporated_on": "2019-05-02"},
         {"amount": "998.47", "due_date": "2025-12-31"}),
        ("mantelzorg", MANTELZORG,
         {"outcome": "granted", "grounds": [], "months": ["2026-03", "2026-04", "2026-05"],
          "amounts": {"2026-03": "1638.26", "2026-04": "1638.26", "2026-05": "1638.26"}, "total": "4914.78",
          "exempt_quarters": ["2026-Q2"], "first_payment_on": "2026-03-31", "missing_documents": []}),
    ],
)
def test_issue_examples(kind: str, payload: dict, expected: dict) -> None:
    done = decide(kind, payload)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected


def test_surcharges_example_starts_at_the_due_quarter() -> None:
    done = decide("surcharges", {"contribution": {"year": 2026, "quarter": 1, "amount": "1000.00",
                                                  "due_date": "2026-03-31"},
                                 "payments": [{"received_on": "2026-05-10", "amount": "400.00"}],
                                 "as_of": "2027-03-31"})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["surcharges"][0] == {"date": "2026-03-31", "rate": "0.03", "base": "1000.00", "amount": "30.00"}
    assert (out["total"], out["unpaid"]) == ("144.00", "600.00")


@pytest.mark.parametrize(
    ("kind", "payload", "named"),
    [
        ("contribution", {"year": 2026, "status": "main", "income": 45000.5, "fee_rate": "0.0305"}, "income"),
        ("contribution", {"year": 2031, "status": "main", "income": "45000.00", "fee_rate": "0.0305"}, "2031"),
        ("mantelzorg", {**MANTELZORG, "request": {**MANTELZORG["request"], "break_start": "2026-02-30"}},
         "request.break_start"),
        ("mantelzorg", {**MANTELZORG, "request": {**MANTELZORG["request"], "months": "three"}}, "request.months"),
        ("mantelzorg", {**MANTELZORG, "request": {**MANTELZORG["request"], "mode": "half"}}, "request.mode"),
        ("surcharges", "{not json", "not JSON"),
        ("horoscope", {}, "unknown kind"),
    ],
)
def test_invalid_input_exits_2_naming_the_field(kind: str, payload: object, named: str) -> None:
    done = decide(kind, payload)
    assert done.returncode == 2
    assert named in done.stderr and "Traceback" not in done.stderr, done.stderr
