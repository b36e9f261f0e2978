"""The quarterly contribution against the published figures of domain/contributions.md (2024-2026)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from json_strategies import JSONISH

from rules.contributions import decide, quarterly_contribution, year_figures
from rules.decide import decide as decide_kind
from rules.errors import InvalidInput, MissingParameter, RuleError
from rules.params import Parameters

D = Decimal

# year, threshold 1, ceiling, minimum income (main), published minimum quarterly, published maximum quarterly
PUBLISHED = [
    (2024, "72810.95", "107300.30", "16861.46", "864.15", "4952.48"),
    (2025, "73447.52", "108238.40", "17008.88", "871.71", "4995.78"),
    (2026, "75024.54", "110562.42", "17374.00", "890.42", "5103.05"),
]


@pytest.mark.parametrize(
    ("year", "threshold_1", "ceiling", "minimum_income", "minimum", "maximum"), PUBLISHED
)
def test_published_minimum_and_maximum_follow_from_the_thresholds_to_the_cent(
    year: int, threshold_1: str, ceiling: str, minimum_income: str, minimum: str, maximum: str
) -> None:
    # The check of contributions.md, done by hand from the table, then through the parameter file.
    by_hand_min = D(minimum_income) * D("0.205") / 4
    by_hand_max = (D(threshold_1) * D("0.205") + (D(ceiling) - D(threshold_1)) * D("0.1416")) / 4
    assert by_hand_min.quantize(D("0.01"), "ROUND_HALF_UP") == D(minimum)
    assert by_hand_max.quantize(D("0.01"), "ROUND_HALF_UP") == D(maximum)
    figures = year_figures(year, Parameters())
    assert (figures.threshold_1, figures.ceiling, figures.minimum_income_main) == (
        D(threshold_1), D(ceiling), D(minimum_income))
    assert figures.quarterly_on(figures.minimum_income_main) == D(minimum)
    assert figures.quarterly_on(figures.ceiling) == D(maximum)


@pytest.mark.parametrize(
    ("year", "income", "quarterly", "basis"),
    [
        # minimum: below, and exactly at, the minimum income; a loss counts as no income
        (2024, "0.00", "864.15", "minimum"),
        (2024, "16861.46", "864.15", "minimum"),
        (2025, "-5000.00", "871.71", "minimum"),
        (2025, "17008.88", "871.71", "minimum"),
        (2026, "12000.00", "890.42", "minimum"),
        (2026, "17374.00", "890.42", "minimum"),
        # one cent above the minimum income: 17374.01 x 20.5 % / 4 = 890.41801... -> 890.42
        (2026, "17374.01", "890.42", "income"),
        # income-based, 20.5 % only: 45000 x 20.5 % / 4 = 2306.25
        (2024, "45000.00", "2306.25", "income"),
        (2026, "45000.00", "2306.25", "income"),
        # 30000 x 20.5 % / 4 = 1537.50
        (2025, "30000.00", "1537.50", "income"),
        # exactly at threshold 1: 72810.95 x 20.5 % / 4 = 3731.561... -> 3731.56
        (2024, "72810.95", "3731.56", "income"),
        # 73447.52 x 20.5 % / 4 = 3764.18540 -> 3764.19
        (2025, "73447.52", "3764.19", "income"),
        # 75024.54 x 20.5 % / 4 = 3845.00767... -> 3845.01
        (2026, "75024.54", "3845.01", "income"),
        # between threshold 1 and the ceiling: (75024.54 x 20.5 % + (90000 - 75024.54) x 14.16 %) / 4
        # = (15380.0307 + 2120.525136) / 4 = 4375.138959 -> 4375.14
        (2026, "90000.00", "4375.14", "income"),
        # (73447.52 x 20.5 % + 26552.48 x 14.16 %) / 4 = (15056.7416 + 3759.831168) / 4 = 4704.14
        (2025, "100000.00", "4704.14", "income"),
        # exactly at, and above, the ceiling
        (2024, "107300.30", "4952.48", "maximum"),
        (2024, "250000.00", "4952.48", "maximum"),
        (2025, "108238.40", "4995.78", "maximum"),
        (2025, "108238.41", "4995.78", "maximum"),
        (2026, "110562.42", "5103.05", "maximum"),
        (2026, "1000000.00", "5103.05", "maximum"),
    ],
)
def test_quarterly_contribution(year: int, income: str, quarterly: str, basis: str) -> None:
    result = quarterly_contribution(year, "main", D(income), D("0"), Parameters())
    assert (result.quarterly, result.basis) == (D(quarterly), basis)
    assert result.fee == 0 and result.total == result.quarterly


@pytest.mark.parametrize("status", ["main", "helper_main", "spouse_maxi"])
def test_main_profession_statuses_pay_the_main_minimum(status: str) -> None:
    assert quarterly_contribution(2026, status, D("1000.00"), D("0.0305")).quarterly == D("890.42")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        # 2306.25 x 3.05 % = 70.340625 -> 70.34
        ({"year": 2026, "status": "main", "income": "45000.00", "fee_rate": "0.0305"},
         {"quarterly": "2306.25", "fee": "70.34", "total": "2376.59", "basis": "income"}),
        # 890.42 x 4.25 % = 37.84285 -> 37.84
        ({"year": 2026, "status": "main", "income": "10000", "fee_rate": "0.0425"},
         {"quarterly": "890.42", "fee": "37.84", "total": "928.26", "basis": "minimum"}),
        # 864.15 x 3.05 % = 26.356575 -> 26.36
        ({"year": 2024, "status": "helper_main", "income": "0.00", "fee_rate": "0.0305"},
         {"quarterly": "864.15", "fee": "26.36", "total": "890.51", "basis": "minimum"}),
        # 4995.78 x 3.5 % = 174.8523 -> 174.85
        ({"year": 2025, "status": "spouse_maxi", "income": "200000.00", "fee_rate": "0.035"},
         {"quarterly": "4995.78", "fee": "174.85", "total": "5170.63", "basis": "maximum"}),
        # the fee rounds half-up: 871.71 x 0.5 % = 4.35855 -> 4.36
        ({"year": 2025, "status": "main", "income": "1.00", "fee_rate": "0.005"},
         {"quarterly": "871.71", "fee": "4.36", "total": "876.07", "basis": "minimum"}),
    ],
)
def test_decide(payload: dict, expected: dict) -> None:
    assert decide(payload) == expected
    assert decide_kind("contribution", payload) == expected


@pytest.mark.parametrize("status", ["secondary", "spouse_mini", "pensioner", "art37"])
def test_statuses_without_parameters_fail_saying_so(status: str) -> None:
    with pytest.raises(RuleError, match=f"status '{status}'.*not in rules/parameters/contributions.toml"):
        quarterly_contribution(2026, status, D("20000.00"), D("0.0305"))


@pytest.mark.parametrize("year", [2023, 2027])
def test_a_year_without_parameters_is_missing(year: int) -> None:
    with pytest.raises(MissingParameter, match="contributions.toml"):
        quarterly_contribution(year, "main", D("20000.00"), D("0.0305"))


GOOD = {"year": 2026, "status": "main", "income": "45000.00", "fee_rate": "0.0305"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"year": None}, "year"),
        ({"year": "2026"}, "year"),
        ({"year": 2026.0}, "year"),
        ({"year": True}, "year"),
        ({"year": 12026}, "year"),
        ({"status": "hoofdberoep"}, "status"),
        ({"status": 1}, "status"),
        ({"income": 45000.0}, "income"),
        ({"income": "45.000,00"}, "income"),
        ({"income": "45000.001"}, "income"),
        ({"income": "NaN"}, "income"),
        ({"income": None}, "income"),
        ({"fee_rate": 0.0305}, "fee_rate"),
        ({"fee_rate": "3.05"}, "fee_rate"),
        ({"fee_rate": "-0.01"}, "fee_rate"),
        ({"fee_rate": "abc"}, "fee_rate"),
        ({"fee_rate": "Infinity"}, "fee_rate"),
        ({"fee_rate": "0.00000001"}, "fee_rate"),
        ({"extra": 1}, "extra"),
    ],
)
def test_invalid_input_names_the_field(change: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        decide({**GOOD, **change})
    assert error.value.field == field


@pytest.mark.parametrize("missing", ["year", "status", "income", "fee_rate"])
def test_a_missing_field_is_named(missing: str) -> None:
    with pytest.raises(InvalidInput) as error:
        decide({k: v for k, v in GOOD.items() if k != missing})
    assert error.value.field == missing


def test_a_payload_that_is_not_an_object() -> None:
    with pytest.raises(InvalidInput) as error:
        decide(["year", 2026])  # type: ignore[arg-type]
    assert error.value.field == "payload"


def test_parameter_file_that_contradicts_its_published_figures_stops_the_rule(tmp_path) -> None:
    text = (Parameters().directory / "contributions.toml").read_text(encoding="utf-8")
    (tmp_path / "contributions.toml").write_text(text.replace('"890.42"', '"890.24"'), encoding="utf-8")
    with pytest.raises(RuleError, match="minimum_quarterly_main is 890.24 but the thresholds give 890.42"):
        quarterly_contribution(2026, "main", D("45000.00"), D("0.0305"), Parameters(tmp_path))


AMOUNTISH = st.one_of(
    st.decimals(min_value=-10**6, max_value=10**7, places=2).map(str),
    st.sampled_from(["0", "17374.00", "75024.54", "110562.42", "1e3", "-0", " 12.5 ", "", "1,5"]),
    JSONISH,
)
PAYLOADS = st.one_of(
    JSONISH,
    st.fixed_dictionaries(
        {},
        optional={
            "year": st.one_of(st.integers(min_value=2020, max_value=2030), JSONISH),
            "status": st.one_of(
                st.sampled_from(["main", "helper_main", "spouse_maxi", "secondary", "x"]), JSONISH
            ),
            "income": AMOUNTISH,
            "fee_rate": st.one_of(st.sampled_from(["0.0305", "0.0425", "0", "0.999999", "1"]), JSONISH),
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
    assert set(result) == {"quarterly", "fee", "total", "basis"}
    assert result["basis"] in ("minimum", "income", "maximum")
    amounts = {key: D(result[key]) for key in ("quarterly", "fee", "total")}
    assert all(value.as_tuple().exponent == -2 for value in amounts.values())
    assert amounts["quarterly"] + amounts["fee"] == amounts["total"]
