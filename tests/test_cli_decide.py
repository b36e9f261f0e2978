"""`correspondence decide KIND FILE|-`: the issues' own examples in, their answers out; bad input exits 2."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from rules.decide import KINDS, input_of, schema
from rules.input_schema import field_rows
from scheduler import cli

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


EXAMPLES = [
    ("contribution", {"year": 2026, "status": "main", "income": "45000.00", "fee_rate": "0.0305"},
     {"quarterly": "2306.25", "fee": "70.34", "total": "2376.59", "basis": "income"}),
    ("company_contribution",
     {"year": 2025, "balance_sheet_total": "900000.00", "incorporated_on": "2019-05-02"},
     {"amount": "998.47", "due_date": "2025-12-31"}),
    ("mantelzorg", MANTELZORG,
     {"outcome": "granted", "grounds": [], "months": ["2026-03", "2026-04", "2026-05"],
      "amounts": {"2026-03": "1638.26", "2026-04": "1638.26", "2026-05": "1638.26"}, "total": "4914.78",
      "exempt_quarters": ["2026-Q2"], "first_payment_on": "2026-03-31", "missing_documents": []}),
]
SURCHARGES = {"contribution": {"year": 2026, "quarter": 1, "amount": "1000.00", "due_date": "2026-03-31"},
              "payments": [{"received_on": "2026-05-10", "amount": "400.00"}], "as_of": "2027-03-31"}


@pytest.mark.parametrize(("kind", "payload", "expected"), EXAMPLES)
def test_issue_examples(kind: str, payload: dict, expected: dict) -> None:
    done = decide(kind, payload)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected


def test_surcharges_example_starts_at_the_due_quarter() -> None:
    done = decide("surcharges", SURCHARGES)
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


# -- the kinds and their fields, declared once (rules/input_schema.py) ---------------------------------------

def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_inputs_these_tests_feed_are_valid_by_the_printed_schema(
        capsys: pytest.CaptureFixture[str]) -> None:
    fed = [("surcharges", SURCHARGES)] + [(kind, payload) for kind, payload, _ in EXAMPLES]
    for kind, payload in fed:
        code, out, _ = run(["decide", kind, "--schema"], capsys)
        assert code == 0
        printed = json.loads(out)
        jsonschema.Draft202012Validator.check_schema(printed)
        jsonschema.Draft202012Validator(printed).validate(payload)
        assert printed == schema(kind)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_help_of_a_kind_lists_every_field(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["decide", kind, "--help"], capsys)
    assert code == 0
    assert f"Usage: correspondence decide {kind} [OPTIONS] FILE" in out
    for name, _ in field_rows(input_of(kind)):
        assert re.search(rf"^\s+{re.escape(name)}(\s|$)", out, re.MULTILINE), name
    assert "--schema" in out and "Example input" in out


def test_help_of_decide_lists_every_kind_with_its_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["decide", "--help"], capsys)
    assert code == 0 and "correspondence decide [OPTIONS] KIND FILE|-" in out
    flat = " ".join(out.split())
    for kind in KINDS:
        assert f" {kind} " in flat and f"Fields: {', '.join(input_of(kind).names)}." in flat


@pytest.mark.parametrize(("kind", "says"), [
    ("horoscope", "decide: unknown kind 'horoscope': choose one of company_contribution, contribution, "
                  "mantelzorg, surcharges\n"),
    ("contributon", "decide: unknown kind 'contributon' (did you mean 'contribution'?): choose one of "
                    "company_contribution, contribution, mantelzorg, surcharges\n"),
])
def test_an_unknown_kind_is_refused_before_the_input_is_read(kind: str, says: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    class Untouchable(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            raise AssertionError("standard input was read")

    monkeypatch.setattr(sys, "stdin", Untouchable())
    assert run(["decide", kind, "-"], capsys) == (2, "", says)
    # a file that is not there: reading it first would say "cannot read"
    assert run(["decide", kind, str(tmp_path / "nowhere.json")], capsys) == (2, "", says)


@pytest.mark.parametrize(("kind", "payload", "lines"), [
    ("contribution", {},
     ["year: is missing", "status: is missing", "income: is missing", "fee_rate: is missing"]),
    ("company_contribution", {"year": "2025", "balance_sheet_total": 1.5, "incorporated_on": "2019-02-29",
                              "as_of": "31/12/2026"},
     ["year: must be a year as a whole number, e.g. 2026, got '2025'",
      'balance_sheet_total: must be a decimal amount written as text, e.g. "1234.56", not 1.5',
      "incorporated_on: '2019-02-29' is not a date in the calendar",
      "as_of: must be a date written YYYY-MM-DD, got '31/12/2026'"]),
    ("surcharges", {"contribution": {"year": 2026, "quarter": 0, "amount": "1000.00"}, "payments": {}},
     ["contribution.quarter: must be 1, 2, 3 or 4, got 0",
      "payments: must be a list of payments, got an object", "as_of: is missing"]),
])
def test_every_problem_is_a_line_and_exit_2(kind: str, payload: dict[str, Any], lines: list[str],
                                            tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "input.json"
    file.write_text(json.dumps(payload), encoding="utf-8")
    code, out, err = run(["decide", kind, str(file)], capsys)
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"decide {kind}: {line}" for line in lines]


def test_an_input_that_is_not_an_object_names_the_fields_expected(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "input.json"
    file.write_text("[2026]", encoding="utf-8")
    assert run(["decide", "contribution", str(file)], capsys) == (
        2, "", "decide contribution: input must be a JSON object with year, status, income, fee_rate "
               "(see correspondence decide contribution --help)\n")
