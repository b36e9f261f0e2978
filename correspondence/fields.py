"""Field parsers for imported text: each returns the value or raises `FieldError` with a reason for people."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from stdnum.be import nn, ogm_vcs, vat

from rules.errors import InvalidInput
from rules.money import parse_amount

Parser = Callable[[str], Any]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Every id that may become a folder or file name (affiliate_id, company_id, contribution_id, payment_id,
# claim_id): ASCII letters, digits, '.', '_', '-', not starting with '.', at most ID_MAX_LENGTH characters.
ID_MAX_LENGTH = 64
IDENTIFIER = re.compile(rf"[A-Za-z0-9_-][A-Za-z0-9._-]{{0,{ID_MAX_LENGTH - 1}}}")
_ID_CHARACTER = re.compile(r"[A-Za-z0-9._-]")
_ID = re.compile(r"[A-Za-z0-9._-]+")  # a whole id at once: the import reads millions
ID_RULE = "an id is letters, digits, '.', '_' and '-', not starting with '.'"


class FieldError(ValueError):
    """The value of one field is unusable; the message says why."""


def text(max_length: int, *, required: bool = True) -> Parser:
    def parse(value: str) -> str:
        value = value.strip()
        if required and not value:
            raise FieldError("is empty")
        if len(value) > max_length:
            raise FieldError(f"is {len(value)} characters long, at most {max_length} fit")
        if _CONTROL.search(value):
            raise FieldError("contains control characters")
        return value

    return parse


def identifier(max_length: int = ID_MAX_LENGTH) -> Parser:
    """An id that is safe as a file name: IDENTIFIER, no longer than the column (at most ID_MAX_LENGTH)."""
    max_length = min(max_length, ID_MAX_LENGTH)

    def parse(value: str) -> str:
        value = value.strip()
        if not value:
            raise FieldError("is empty")
        if len(value) > max_length:
            raise FieldError(f"is {len(value)} characters long, at most {max_length} fit")
        bad = None if _ID.fullmatch(value) else next((c for c in value if not _ID_CHARACTER.fullmatch(c)), None)
        if bad is not None:
            raise FieldError(f"contains {bad!r}: {ID_RULE}")
        if value.startswith("."):
            raise FieldError(f"starts with '.': {ID_RULE}")
        return value

    return parse


def choice(*allowed: str, default: str | None = None) -> Parser:
    def parse(value: str) -> str:
        value = value.strip()
        if not value and default is not None:
            return default
        if value not in allowed:
            raise FieldError(f"'{value}' is not one of {', '.join(allowed)}")
        return value

    return parse


def choices(*allowed: str, separator: str = ";", max_length: int = 200) -> Parser:
    """A `separator`-separated list, each item one of `allowed`; empty for none. Given back without the spaces
    around items and without empty items."""
    def parse(value: str) -> str:
        items = [i.strip() for i in text(max_length, required=False)(value).split(separator) if i.strip()]
        for item in items:
            if item not in allowed:
                raise FieldError(f"'{item}' is not one of {', '.join(allowed)} ('{separator}'-separated)")
        return separator.join(items)

    return parse


def iso_date(*, required: bool = True) -> Parser:
    def parse(value: str) -> date | None:
        value = value.strip()
        if not value and not required:
            return None
        if not _DATE.match(value):
            raise FieldError(f"'{value}' is not a date written YYYY-MM-DD")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise FieldError(f"'{value}' is not a date that exists") from None

    return parse


_PLAIN_AMOUNT = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,2})?")  # what parse_amount accepts as it is: most of an export
_PLAIN_SIGNED_AMOUNT = re.compile(r"-?[0-9]{1,9}(?:\.[0-9]{1,2})?")


def amount(*, allow_negative: bool = False, required: bool = True) -> Parser:
    plain = _PLAIN_SIGNED_AMOUNT if allow_negative else _PLAIN_AMOUNT

    def parse(value: str) -> Decimal | None:
        if plain.fullmatch(value):  # at most nine digits and two decimals: parse_amount would check no more
            return Decimal(value)
        if not value.strip() and not required:
            return None
        try:
            return parse_amount(value, "amount", allow_negative=allow_negative)
        except InvalidInput as exc:
            raise FieldError(exc.reason) from None

    return parse


_MONTH = re.compile(r"^\d{4}-\d{2}$")
_INTEGER = re.compile(r"-?\d+")


def month(value: str) -> str:
    """A calendar month written YYYY-MM (2026-10), kept as that text."""
    value = value.strip()
    if not _MONTH.match(value) or not 1 <= int(value[5:]) <= 12:
        raise FieldError(f"'{value}' is not a month written YYYY-MM")
    return value


def integer(low: int, high: int, *, required: bool = True, default: int | None = None) -> Parser:
    """A whole number from low to high; empty (when not required): `default`."""

    def parse(value: str) -> int | None:
        value = value.strip()
        if not value and not required:
            return default
        if not _INTEGER.fullmatch(value):
            raise FieldError(f"'{value}' is not a whole number")
        number = int(value)
        if not low <= number <= high:
            raise FieldError(f"{number} is outside {low}..{high}")
        return number

    return parse


def boolean(value: str) -> bool:
    value = value.strip().lower()
    if value in ("", "0", "false", "no", "n"):
        return False
    if value in ("1", "true", "yes", "y"):
        return True
    raise FieldError(f"'{value}' is not yes/no (use true or false)")


_ELEVEN_DIGITS = re.compile(r"(?<!\d)(?:\d[\s./-]?){10}\d(?!\d)")


def mask_national_numbers(text: str) -> str:
    """`text` with every run of 11 digits (a national register number however written, 85.07.30-123.45 or
    85073012345) shown as **.**.**-***.45: the last two digits only."""
    return _ELEVEN_DIGITS.sub(lambda m: f"**.**.**-***.{re.sub(r'[^0-9]', '', m[0])[-2:]}", text)


def national_number(value: str) -> str:
    digits = re.sub(r"[\s.\-]", "", value)
    if not nn.is_valid(digits):
        # The message never repeats the number itself: it is personal data and messages reach logs.
        raise FieldError("is not a valid national register number (11 digits, mod-97 check)")
    return digits


def enterprise_number(value: str) -> str:
    digits = re.sub(r"[\s.\-]|^BE", "", value.strip().upper())
    if not vat.is_valid(digits):
        raise FieldError(f"'{value}' is not a valid enterprise number (10 digits, mod-97 check)")
    return digits.zfill(10)


def country(value: str) -> str:
    value = value.strip().upper() or "BE"
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise FieldError(f"'{value}' is not a two-letter ISO country code")
    return value


_NOT_DIGIT = re.compile(r"\D")


def structured_reference(value: str) -> str:
    digits = _NOT_DIGIT.sub("", value)
    if not value.strip():
        return ""
    if len(digits) == 12 and digits.isascii() and int(digits) > 0:  # the usual case, as ogm_vcs checks it
        if int(digits[10:]) == (int(digits[:10]) % 97 or 97):
            return digits
        raise FieldError(f"'{value}' is not a valid structured communication")
    if not ogm_vcs.is_valid(digits):
        raise FieldError(f"'{value}' is not a valid structured communication")
    return digits


def postcode(value: str) -> str:
    value = value.strip()
    if not value:
        raise FieldError("is empty")
    if len(value) > 12:  # not repeated: a long value here is likely a name or street in the wrong column
        raise FieldError(f"is {len(value)} characters long, a postcode has at most 12")
    if _CONTROL.search(value):
        raise FieldError("contains control characters")
    return value
