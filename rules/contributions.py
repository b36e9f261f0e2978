"""The quarterly social contribution of a self-employed affiliate, and the fund's management fee on it.

Figures come from rules/parameters/contributions.toml by contribution year; `decide` is the JSON face.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from rules.errors import InvalidInput, RuleError
from rules.input_schema import Field, Obj, Value, read_input
from rules.inputs import SIGNED_AMOUNT, YEAR, choice
from rules.money import cents, fmt
from rules.params import Parameters

# Every status the fund records (the same list as the mantelzorg input). Only those in
# MAIN_MINIMUM_STATUSES can be computed: a helper in main profession and a helping spouse under the
# maxi-statute are insured exactly like a self-employed person in main profession, so they pay the same
# contributions and the same minimum. The others (secondary profession, mini-statute spouse, active
# pensioner, art. 37) have their own thresholds or minimum, which are not in the data: the rule refuses them.
STATUSES = ("main", "secondary", "helper_main", "spouse_maxi", "spouse_mini", "pensioner", "art37")
MAIN_MINIMUM_STATUSES = ("main", "helper_main", "spouse_maxi")
BASES = ("minimum", "income", "maximum")
# Funds charge 3.05 % to 4.25 %; a rate of 1 or more is a percentage typed as a number ("3.05").
MAX_FEE_RATE = Decimal(1)
NAME = "contributions"


@dataclass(frozen=True)
class Contribution:
    quarterly: Decimal
    fee: Decimal
    total: Decimal
    basis: str  # minimum | income | maximum


@dataclass(frozen=True)
class YearFigures:
    """One contribution year's figures, checked against the published quarterly minimum and maximum."""

    year: int
    threshold_1: Decimal
    ceiling: Decimal
    minimum_income_main: Decimal
    minimum_quarterly_main: Decimal
    maximum_quarterly: Decimal
    rate_1: Decimal
    rate_2: Decimal

    def quarterly_on(self, income: Decimal) -> Decimal:
        """annual contribution on `income` / 4, rounded half-up only once, at the end."""
        base = min(max(income, Decimal(0)), self.ceiling)
        above_threshold = max(base - self.threshold_1, Decimal(0))
        annual = min(base, self.threshold_1) * self.rate_1 + above_threshold * self.rate_2
        return cents(annual / 4)


def year_figures(year: int, params: Parameters) -> YearFigures:
    """The figures of `year`: MissingParameter if it has none, RuleError if they contradict each other."""
    day = date(year, 1, 1)
    keys = ("threshold_1", "ceiling", "minimum_income_main", "minimum_quarterly_main", "maximum_quarterly",
            "rate_1", "rate_2")
    figures = YearFigures(year, *(params.decimal(NAME, day, key) for key in keys))
    # A typing error in the parameter file must stop the rule, not reach thousands of letters.
    for label, published, computed in (
        ("minimum_quarterly_main", figures.minimum_quarterly_main,
         figures.quarterly_on(figures.minimum_income_main)),
        ("maximum_quarterly", figures.maximum_quarterly, figures.quarterly_on(figures.ceiling)),
    ):
        if published != computed:
            raise RuleError(
                f"rules/parameters/{NAME}.toml {year}: {label} is {published} "
                f"but the thresholds give {computed}"
            )
    return figures


def quarterly_contribution(
    year: int, status: str, income: Decimal, fee_rate: Decimal, params: Parameters | None = None
) -> Contribution:
    """The quarterly contribution of `year` on the annual net taxable professional `income`.

    A loss (negative income) counts as no income. For the main-profession statuses the minimum applies
    when income <= minimum income (basis "minimum"); income >= ceiling gives basis "maximum". At exactly
    those incomes both readings give the same amount; the basis names the published figure charged.
    """
    if status not in STATUSES:
        raise InvalidInput("status", f"unknown status '{status}': choose one of {', '.join(STATUSES)}")
    figures = year_figures(year, params or Parameters())
    if status not in MAIN_MINIMUM_STATUSES:
        raise RuleError(
            f"status '{status}': its thresholds and minimum for {year} are not in "
            f"rules/parameters/{NAME}.toml (not found [confirm]); "
            f"only {', '.join(MAIN_MINIMUM_STATUSES)} can be computed"
        )
    if income <= figures.minimum_income_main:
        basis, quarterly = "minimum", figures.minimum_quarterly_main
    elif income >= figures.ceiling:
        basis, quarterly = "maximum", figures.maximum_quarterly
    else:
        basis, quarterly = "income", figures.quarterly_on(income)
    fee = cents(quarterly * fee_rate)
    return Contribution(quarterly=quarterly, fee=fee, total=quarterly + fee, basis=basis)


def decide(payload: Mapping[str, Any]) -> dict[str, str]:
    """`{"year", "status", "income", "fee_rate"}` -> `{"quarterly", "fee", "total", "basis"}`."""
    data = read_input(INPUT, payload)
    result = quarterly_contribution(year=data["year"], status=data["status"], income=data["income"],
                                    fee_rate=data["fee_rate"])
    return {"quarterly": fmt(result.quarterly), "fee": fmt(result.fee), "total": fmt(result.total),
            "basis": result.basis}


def parse_rate(value: object, field: str) -> Decimal:
    """A fraction written as text ("0.0305" for 3.05 %); floats are refused because they are not exact."""
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be a fraction written as text, e.g. \"0.0305\", not {value!r}")
    try:
        rate = Decimal(value.strip())
    except InvalidOperation:
        raise InvalidInput(field, f"'{value}' is not a number (e.g. \"0.0305\" for 3.05 %)") from None
    if not rate.is_finite() or not Decimal(0) <= rate < MAX_FEE_RATE:
        raise InvalidInput(field, f"'{value}' must be a fraction from 0 to below 1 (\"0.0305\" for 3.05 %)")
    if rate.as_tuple().exponent < -6:  # type: ignore[operator]
        raise InvalidInput(field, f"'{value}' has more than six decimals")
    return rate


RATE = Value('a fraction written as text, e.g. "0.0305" for 3.05 %', parse_rate,
             {"type": "string", "pattern": "^0(\\.[0-9]{1,6})?$"})
# The input of `correspondence decide contribution`, declared once: read, explained and printed from here.
INPUT = Obj(
    fields=(
        Field("year", YEAR, "the contribution year"),
        Field("status", choice(STATUSES), f"the affiliate's status (only {', '.join(MAIN_MINIMUM_STATUSES)} "
                                          "can be computed)"),
        Field("income", SIGNED_AMOUNT, "the annual net taxable professional income; a loss counts as none"),
        Field("fee_rate", RATE, "the fund's management fee on the contribution"),
    ),
    description="The quarterly social contribution of a self-employed affiliate and the fund's management "
                "fee on it. Answers quarterly, fee, total and basis (minimum, income or maximum).",
    examples=({"year": 2026, "status": "main", "income": "45000.00", "fee_rate": "0.0305"},),
)
