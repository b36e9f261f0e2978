"""What the fiscal certificate and the regularisation notice show (issue 16, item 9), through the in-memory fund:
the certificate's assessment year, tax-return code by status and the fund's fee apart; the regularisation's
calculation per quarter, to the cent, its rows adding up to the difference charged or refunded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from correspondence.config import DEFAULT_FUND, TEMPLATES_DIR, load_fund
from correspondence.importing import STATUSES
from correspondence.kinds.letter import ComposeEnv, Event
from correspondence.kinds.memory import MemoryFund
from correspondence.kinds.regularisation import calculation, regularisation_notices
from correspondence.kinds.regularisation import compose as compose_regularisation
from correspondence.kinds.statements import compose_certificate, fiscal_certificates
from correspondence.templates import catalog
from rules.errors import RuleError
from rules.fiscal_certificate import declaration, fee_part
from rules.params import Parameters
from tests.kinds.fund_rows import affiliate, paid, quarter

D = Decimal
A = "A0000001"
PARAMS = Parameters()
ENV = ComposeEnv(date(2026, 3, 1), load_fund(DEFAULT_FUND), catalog.load(TEMPLATES_DIR), PARAMS)

CALCULATIONS = [
    # provisional per quarter, difference, the final per quarter
    ({1: "864.15", 2: "864.15", 3: "864.15", 4: "864.15"}, "1204.88", ["1165.37"] * 4),
    ({2: "1200.00", 3: "1200.00", 4: "1200.00"}, "-410.00", ["1063.33", "1063.33", "1063.34"]),
    ({1: "900.00", 2: "900.00", 3: "800.00", 4: "800.00"}, "0.01", ["850.00", "850.00", "850.00", "850.01"]),
    ({1: "864.15"}, "-864.15", ["0.00"]),
    ({}, "100.00", []),
]


@pytest.mark.parametrize(("provisional", "difference", "finals"), CALCULATIONS)
def test_the_calculation_shares_the_final_total_in_equal_quarters_and_adds_up(
        provisional: dict[int, str], difference: str, finals: list[str]) -> None:
    rows = calculation({q: D(v) for q, v in provisional.items()}, D(difference))
    assert [r["final"] for r in rows] == finals
    for r in rows:
        assert D(r["final"]) - D(r["provisional"]) == D(r["difference"])
    if rows:
        assert sum(D(r["difference"]) for r in rows) == D(difference)


def test_the_regularisation_notice_shows_income_year_and_quarters_adding_up_to_its_total() -> None:
    fund = MemoryFund(affiliate_rows=[affiliate(A)], contributions=[
        *(quarter(A, 2024, q, "864.15", "26.36") for q in (1, 2, 3, 4)),
        quarter(A, 2024, 4, "1204.88", "36.75", "regularisation", date(2026, 9, 30))])
    [event] = regularisation_notices(fund, date(2026, 5, 1), PARAMS)
    context = compose_regularisation(event, fund.affiliate_rows[0], ENV, "nl")["regularisation"]
    assert context["income_year"] == 2024 and [q["quarter"] for q in context["quarters"]] == [1, 2, 3, 4]
    assert sum(D(q["difference"]) for q in context["quarters"]) == D(context["difference"]) == D("1204.88")
    assert D(context["final_total"]) - D(context["provisional_total"]) == D(context["difference"])
    assert D(context["amount"]) + D(context["fee"]) == D(context["total"]) == D("1241.63")


def _certificate_fund(status: str) -> MemoryFund:
    """2025: Q1 and Q2 paid in full, Q3 half, and 120.00 refunded in November."""
    fund = MemoryFund(affiliate_rows=[affiliate(A, status=status)],
                      contributions=[quarter(A, 2025, q, "907.53", "27.68") for q in (1, 2, 3, 4)],
                      payments=[paid(A, 2025, 1, date(2025, 3, 20), "935.21"),
                                paid(A, 2025, 2, date(2025, 6, 20), "935.21"),
                                paid(A, 2025, 3, date(2025, 9, 20), "500.00")])
    fund.payments.append({**paid(A, 2025, 4, date(2025, 11, 5), "-120.00"), "structured_reference": ""})
    return fund


def _certificate(status: str) -> dict:
    fund = _certificate_fund(status)
    [event] = fiscal_certificates(fund, date(2026, 3, 1), PARAMS)
    assert isinstance(event, Event)
    return compose_certificate(event, fund.affiliate_rows[0], ENV, "nl")["certificate"]


CODES = [
    ("main", "1606-43", "2606-13"),
    ("secondary", "1606-43", "2606-13"),
    ("helper_main", "1606-43", "2606-13"),
    ("pensioner", "1606-43", "2606-13"),
    ("art37", "1606-43", "2606-13"),
    ("spouse_maxi", "1451-04", "2451-71"),
    ("spouse_mini", "1451-04", "2451-71"),
]


def test_every_status_of_the_import_has_a_code() -> None:
    assert {status for status, _, _ in CODES} == set(STATUSES)


@pytest.mark.parametrize(("status", "code", "partner_code"), CODES)
def test_the_certificate_names_the_assessment_year_and_the_code_for_the_status(
        status: str, code: str, partner_code: str) -> None:
    certificate = _certificate(status)
    assert (certificate["year"], certificate["assessment_year"]) == (2025, 2026)
    assert (certificate["code"], certificate["partner_code"]) == (code, partner_code)


def test_the_certificate_shows_the_fee_apart_and_its_rows_add_up() -> None:
    certificate = _certificate("main")
    # 935.21 = 907.53 + 27.68; the part payment of 500.00 pays both in proportion: 14.80 fee
    assert [p["amount"] for p in certificate["periods"]] == ["907.53", "907.53", "485.20"]
    assert (certificate["contributions"], certificate["fee"], certificate["refunds"]) == ("2300.26", "70.16", "120.00")
    assert sum(D(p["amount"]) for p in certificate["periods"]) == D(certificate["contributions"])
    assert D(certificate["contributions"]) + D(certificate["fee"]) == D("2370.42")  # all received in 2025
    assert certificate["fee_deductible"] is True  # [confirm] in rules/parameters/fiscal_certificate.toml
    assert D(certificate["deductible"]) == D("2370.42") - D("120.00")


def test_an_unknown_status_has_no_code() -> None:
    with pytest.raises(RuleError, match="status 'astronaut'"):
        declaration(2025, "astronaut", PARAMS)


@pytest.mark.parametrize(("received", "amount", "fee", "part"), [
    ("935.21", "907.53", "27.68", "27.68"),
    ("500.00", "907.53", "27.68", "14.80"),
    ("0.01", "907.53", "27.68", "0.00"),
    ("100.00", "100.00", "0.00", "0.00"),
    ("10.00", "0.00", "0.00", "0.00"),
])
def test_a_payment_pays_contribution_and_fee_in_proportion(received: str, amount: str, fee: str, part: str) -> None:
    assert fee_part(D(received), D(amount), D(fee)) == D(part)
