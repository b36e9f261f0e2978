"""Hostile and broken input, generated: every importer and every `decide` kind answers with a message that
names file, line and field (or the JSON field), never crashes, never half-loads a row, never executes data.

At least 1,000 generated examples per importer and per decide kind (RELIABILITY figures in the README).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from correspondence.importing import SPECS, FileReport, Known, decode, import_dir, parse_rows
from correspondence.store import connect
from rules.decide import KINDS, decide
from rules.errors import InvalidInput, RuleError

EXAMPLES = 1000
VALID: dict[str, dict[str, str]] = {
    "affiliates.csv": {"affiliate_id": "A0000001", "national_number": "71050860797", "first_name": "Jan",
                       "last_name": "Peeters", "street": "Kerkstraat", "house_number": "12", "box": "",
                       "postcode": "2000", "city": "Antwerpen", "country": "", "language": "nl", "status": "main",
                       "affiliated_since": "2010-01-01", "affiliated_until": ""},
    "companies.csv": {"company_id": "C0000001", "enterprise_number": "0403446701", "name": "Dupont & Fils <BV>",
                      "street": "Rue Haute", "house_number": "3", "box": "", "postcode": "1000", "city": "Bruxelles",
                      "country": "BE", "language": "fr", "incorporated_on": "2019-05-02",
                      "balance_sheet_total": "900000.00"},
    "contributions.csv": {"contribution_id": "K1", "affiliate_id": "A0000001", "year": "2026", "quarter": "4",
                          "kind": "provisional", "amount": "890.42", "fee": "27.16", "due_date": "2026-12-31"},
    "payments.csv": {"payment_id": "P1", "payer_type": "affiliate", "payer_id": "A0000001",
                     "received_on": "2026-12-01", "amount": "917.58", "structured_reference": "000000126436"},
    "payment_plans.csv": {"affiliate_id": "A0000001", "kind": "payment_plan", "from": "2026-01-01", "until": ""},
    "suspensions.csv": {"affiliate_id": "A0000001", "kind": "bankruptcy", "from": "2026-01-01", "until": ""},
    "claims.csv": {"claim_id": "M1", "affiliate_id": "A0000001", "kind": "mantelzorg", "received_on": "2026-02-20",
                   "break_start": "2026-03-01", "months": "3", "mode": "full", "care_recipient": "spouse",
                   "relative_degree": "", "child_age": "", "documents": "medical_certificate",
                   "care_recipient_died_on": "", "other_benefit": "false", "months_before_engine": "0",
                   "exempt_quarters_before_engine": "0", "death_reported_on": ""},
    "benefit_payments.csv": {"claim_id": "M1", "month": "2026-03", "paid_on": "2026-04-30", "amount": "1638.26"},
}
HOSTILE = [
    "", " ", "{{ 7*7 }}", "{% include '/etc/passwd' %}", "<script>alert(1)</script>", "Dupont & Fils <BV>",
    "2026-02-30", "2026-13-01", "31/12/2026", "-1", "-0.01", "1e9", "999999999999.99", "1.234", "NaN", "Infinity",
    "0000", "12a4", "9999", "x" * 5000, "\u05e9\u05dc\u05d5\u05dd", "\u0627\u0644\u0633\u0644\u0627\u0645",
    "e\u0301\u0301\u0301", "\u202eevil", "\x00", "\x07bell", "true", "yes", "01050860797", "+++000/0001/26436+++",
    "'; DROP TABLE affiliates; --", "A0000001", "A0000002", "de", "registered",
]
SPEC = {spec.name: spec for spec in SPECS}
MESSAGE = re.compile(r"^(?P<file>[a-z_]+\.csv):(?P<line>\d+): (?P<field>[a-z_0-9]+): \S")
NATIONAL_NUMBER = re.compile(r"(?<!\d)(\d[\s./-]?){10}\d(?!\d)")
KNOWN = Known(affiliates={"A0000001", "A0000002"}, companies={"C0000001"}, claims={"M1"})


def _csv(header: list[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    return buffer.getvalue()


@st.composite
def hostile_file(draw: st.DrawFn, name: str) -> tuple[list[str], list[dict[str, str]]]:
    header = list(VALID[name])
    if draw(st.integers(0, 9)) == 0:
        header.remove(draw(st.sampled_from(header)))  # a missing column
    if draw(st.integers(0, 9)) == 0:
        header.append(draw(st.sampled_from(["extra", "note", "IBAN"])))  # an unexpected column
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        row = dict(VALID[name])
        for field in draw(st.lists(st.sampled_from(list(VALID[name])), max_size=3, unique=True)):
            row[field] = draw(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40)))
        rows.append(row)
    return header, rows


@pytest.mark.parametrize("name", sorted(VALID))
def test_every_importer_names_file_line_and_field(name: str) -> None:
    spec = SPEC[name]

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(hostile_file(name))
    def check(case: tuple[list[str], list[dict[str, str]]]) -> None:
        header, rows = case
        report = FileReport(name)
        known = Known(set(KNOWN.affiliates), set(KNOWN.companies), set(KNOWN.claims))
        loaded = parse_rows(spec, _csv(header, rows), known, report)
        for message in report.errors + report.warnings:
            match = MESSAGE.match(message)
            assert match and match["file"] == name, message
            assert not NATIONAL_NUMBER.search(message), message  # masked: messages reach terminals and logs
        if any(":1: header:" in e for e in report.errors):
            assert loaded == []  # a file that cannot be understood imports nothing
            return
        row_errors = [e for e in report.errors if not e.startswith(f"{name}:1:")]
        assert len(loaded) + report.rejected == report.read  # every row is loaded or rejected, never half
        assert len({e.split(":")[1] for e in row_errors}) == report.rejected  # and every rejected row named
        for row in loaded:
            for column, value in row.items():
                if isinstance(value, str) and column in ("first_name", "last_name", "name", "street", "city"):
                    assert "\x00" not in value and value == value.strip()

    check()


@pytest.mark.parametrize(("encoding", "found"), [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"),
                                               ("latin-1", "Windows-1252 (not UTF-8)"), ("utf-16", "UTF-16 (BOM)"),
                                               ("cp1252", "Windows-1252 (not UTF-8)")])
def test_another_encoding_is_read_as_what_it_is_and_named(tmp_path: Path, encoding: str, found: str) -> None:
    text = _csv(list(VALID["affiliates.csv"]), [dict(VALID["affiliates.csv"], last_name="Lefèvre")])
    path = tmp_path / "affiliates.csv"
    path.write_bytes(text.encode(encoding))
    report = FileReport("affiliates.csv")
    assert (decode(path, report), report.encoding, report.errors) == (text, found, [])


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(hostile_file("affiliates.csv"))
def test_a_real_import_loads_exactly_the_good_rows(tmp_path_factory: pytest.TempPathFactory,
                                                   case: tuple[list[str], list[dict[str, str]]]) -> None:
    folder = tmp_path_factory.mktemp("in")
    header, rows = case
    (folder / "affiliates.csv").write_text(_csv(header, rows), encoding="utf-8")
    url = f"sqlite:///{folder / 'db.sqlite'}"
    engine = connect(url)
    from correspondence.store import init

    init(engine)
    [report] = import_dir(engine, folder)
    expected = FileReport("affiliates.csv")
    parsed = parse_rows(SPEC["affiliates.csv"], _csv(header, rows), Known(), expected)
    assert report.inserted == len(parsed) and report.errors == expected.errors
    engine.dispose()


def _json_values() -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                       st.text(max_size=12), st.sampled_from(HOSTILE))
    return st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                        max_leaves=8)


SEEDS: dict[str, dict[str, Any]] = {
    "contribution": {"year": 2026, "status": "main", "income": "45000.00", "fee_rate": "0.0305"},
    "surcharges": {"contribution": {"year": 2026, "quarter": 1, "amount": "1000.00", "due_date": "2026-03-31"},
                   "payments": [{"received_on": "2026-05-10", "amount": "400.00"}], "as_of": "2027-03-31"},
    "company_contribution": {"year": 2025, "balance_sheet_total": "900000.00", "incorporated_on": "2019-05-02"},
    "mantelzorg": {"applicant": {"status": "main", "provisional_quarterly_contribution": "890.42",
                                 "quarters": {"2025-Q3": "paid", "2025-Q4": "paid"}, "months_already_received": 0,
                                 "exempt_quarters_already_used": 0, "other_benefit": False},
                   "request": {"received_on": "2026-02-20", "break_start": "2026-03-01", "months": 3,
                               "mode": "full", "care_recipient": "spouse", "relative_degree": None,
                               "child_age": None, "documents": ["medical_certificate"],
                               "care_recipient_died_on": None}},
}


@st.composite
def mutated(draw: st.DrawFn, seed: dict[str, Any]) -> dict[str, Any]:
    """The seed with a few fields (at any depth) replaced, dropped, or added."""
    def mutate(value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, inner in value.items():
                action = draw(st.integers(0, 11))
                if action == 0:
                    continue  # drop the field
                out[key] = draw(_json_values()) if action == 1 else mutate(inner)
            if draw(st.integers(0, 11)) == 0:
                out[draw(st.text(max_size=6))] = draw(_json_values())
            return out
        return value

    return mutate(seed)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_decide_kind_answers_or_names_the_field(kind: str) -> None:
    assert set(SEEDS) == set(KINDS)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(mutated(SEEDS[kind]))
    def check(payload: dict[str, Any]) -> None:
        try:
            result = decide(kind, payload)
        except InvalidInput as exc:
            assert exc.field and exc.reason
            return
        except RuleError as exc:
            assert str(exc)
            return
        assert isinstance(result, dict) and result

    check()
