"""Structured communication (OGM/VCS) derived deterministically from payer and period.

Base (10 digits) = payer number (7 digits) + year (2 digits) + period code (1 digit); check = base mod 97,
97 when that is 0. Period codes: 1-4 the quarter's contribution, 5 a regularisation, 6 the company
contribution, 7 a benefit claimed back (a mantelzorg recovery: the year is that of the break's first day, so
the communication is the claim's own), 9 the whole open account (reminders, formal notices, statements). See
domain/payments.md.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rules.errors import InvalidInput

PERIOD_CODES = {"Q1": 1, "Q2": 2, "Q3": 3, "Q4": 4, "regularisation": 5, "company": 6, "recovery": 7, "account": 9}


@lru_cache(maxsize=4096)  # a payer's charges ask it once each, one payer after another
def payer_number(payer_id: str) -> int:
    """The digits of an affiliate or company id (`A0001234` → 1234); at most seven."""
    digits = re.sub(r"\D", "", payer_id)
    if not digits or len(digits.lstrip("0")) > 7:
        raise InvalidInput("payer_id", f"'{payer_id}' has no payer number of at most 7 digits")
    return int(digits)


def structured_reference(payer_id: str, year: int, period: str) -> str:
    """`+++DDD/DDDD/DDDDD+++` for this payer, year and period code name."""
    digits = reference_digits(payer_number(payer_id), year, period)
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def reference_digits(number: int, year: int, period: str) -> str:
    """The twelve digits of the communication of payer number `number` (`payer_number`), year and period."""
    if period not in PERIOD_CODES:
        raise InvalidInput("period", f"unknown period code '{period}'")
    base = number * 1000 + (year % 100) * 10 + PERIOD_CODES[period]
    return f"{base:010d}{base % 97 or 97:02d}"


def digits_of(reference: str) -> str:
    """The twelve digits of a printed structured communication."""
    return re.sub(r"\D", "", reference)
