"""The structured communication (domain/payments.md): base = payer number, year, period code; check = base mod 97
(97 for 0). Expected values worked out by hand from that rule."""

from __future__ import annotations

import pytest

from correspondence.kinds.ledgers import reference
from rules.errors import RuleError
from rules.payment_reference import payer_number, reference_digits, structured_reference


@pytest.mark.parametrize(("payer", "year", "period", "printed"), [
    # 0001234 26 1 = 12342611 -> 12342611 mod 97 = 33
    ("A0001234", 2026, "Q1", "+++000/1234/26133+++"),
    # 9999999 25 9 = 99999992 59 -> mod 97 = 84
    ("C9999999", 2025, "account", "+++999/9999/25984+++"),
    # 0000001 00 4 = 1004 -> 1004 mod 97 = 34
    ("A0000001", 2000, "Q4", "+++000/0001/00434+++"),
    # 0000001 26 1 = 1261 = 13 x 97: mod 97 is 0, and the check is then 97
    ("A0000001", 2026, "Q1", "+++000/0001/26197+++"),
])
def test_the_communication_of_a_payer_year_and_period(payer: str, year: int, period: str, printed: str) -> None:
    assert structured_reference(payer, year, period) == printed
    digits = printed.replace("+", "").replace("/", "")
    assert reference_digits(payer_number(payer), year, period) == digits
    assert reference(payer, year, period) == digits


@pytest.mark.parametrize(("payer", "period"), [("A12345678", "Q1"), ("ABC", "Q1"), ("A0001234", "Q5")])
def test_no_communication_without_a_payer_number_or_a_known_period(payer: str, period: str) -> None:
    with pytest.raises(RuleError):
        structured_reference(payer, 2026, period)
    assert reference(payer, 2026, period) == ""
