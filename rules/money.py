"""Money as Decimal, rounded half-up to the cent, and strict parsing of amounts given as text."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from rules.errors import InvalidInput

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """Round half-up to the cent, as the fund's accounting does."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(value: object, field: str, *, allow_negative: bool = False) -> Decimal:
    """An amount from JSON or CSV text ("1234.56"); floats are refused because they are not exact."""
    if isinstance(value, (bool, float)):
        raise InvalidInput(field, f"must be a decimal amount written as text, e.g. \"1234.56\", not {value!r}")
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, (str, Decimal)):
        raise InvalidInput(field, f"must be an amount like \"1234.56\", got {type(value).__name__}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise InvalidInput(field, f"'{value}' is not an amount (use a point as decimal mark: 1234.56)") from None
    if not amount.is_finite():
        raise InvalidInput(field, f"'{value}' is not an amount")
    if amount < 0 and not allow_negative:
        raise InvalidInput(field, f"must not be negative, got {value}")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput(field, f"'{value}' has more than two decimals")
    if abs(amount) > Decimal("999999999.99"):
        raise InvalidInput(field, f"'{value}' is beyond any plausible amount")
    return amount


def fmt(amount: Decimal) -> str:
    """An amount as text with exactly two decimals, for JSON output and context snapshots."""
    return f"{cents(amount):.2f}"
