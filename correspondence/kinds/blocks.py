"""What every letter's context shares: the recipient's address block, the fund, the handling service, the
payment block of a letter asking money."""

from __future__ import annotations

from datetime import date
from typing import Any

from correspondence.fields import ID_RULE, IDENTIFIER
from correspondence.quarantine import Quarantine
from rules import postcodes

COUNTRY_NAMES = {"NL": "NEDERLAND / PAYS-BAS", "FR": "FRANCE", "DE": "DEUTSCHLAND", "LU": "LUXEMBOURG"}


def recipient_block(kind: str, row: dict[str, Any], day: date, box_label: dict[str, str]) -> dict[str, Any]:
    """Name and postal address lines, checked for what the post needs; Quarantine when unusable."""
    record = f"{kind} {row[f'{kind}_id']}"
    if not IDENTIFIER.fullmatch(str(row[f"{kind}_id"])):  # imported before ids were checked; names a folder
        raise Quarantine(record, f"{kind}_id", f"is not a safe id ({ID_RULE}): its letters would be filed "
                         "outside the archive", "correct the id in the core system, then import again")
    if row.get("address_unreliable_since"):
        raise Quarantine(
            record, "address",
            f"address unknown — returned mail on {row['address_unreliable_since']}"
            f" ({row.get('address_returned_reason') or 'no reason given'})",
            "find the new address and import it; the letter then goes out on the next night",
        )
    for field in ("street", "house_number", "postcode", "city"):
        if not str(row.get(field) or "").strip():
            raise Quarantine(record, field, "is empty: the letter cannot be delivered", "complete the address")
    if row["country"] == "BE" and not postcodes.exists(row["postcode"]):
        raise Quarantine(record, "postcode", "is not a Belgian postcode in use",
                         "correct the address")
    if kind == "affiliate":
        name = f"{row['first_name']} {row['last_name']}"
        sort_name = f"{row['last_name']} {row['first_name']}".casefold()
    else:
        name = row["name"]
        sort_name = name.casefold()
    street = f"{row['street']} {row['house_number']}" + (f" {box_label[row['language']]} {row['box']}" if row.get("box") else "")
    lines = [name, street, f"{row['postcode']} {row['city'].upper()}"]
    if row["country"] != "BE":
        lines.append(COUNTRY_NAMES.get(row["country"], row["country"]))
    return {
        "id": row[f"{kind}_id"],
        "name": name,
        "address_lines": lines,  # as printed; the fields below are what other lists read (never parsed back)
        "street": street,
        "postcode": row["postcode"],
        "city": row["city"],
        "country": row["country"],
        "sort_name": sort_name,
        "language": row["language"],
    }


def in_language(value: Any, language: str) -> Any:
    return value[language] if isinstance(value, dict) and language in value else value


def fund_block(fund: dict[str, Any], language: str) -> dict[str, Any]:
    """The fund as the letter names it, every text in the letter's language (the profile has one per language)."""
    f = fund["fund"]
    keys = ("name", "short_name", "street", "postcode", "city", "phone", "email", "website",
            "enterprise_number", "recognition")
    block = {k: in_language(f[k], language) for k in keys}
    block["window"] = dict(fund["envelope_window"])
    block["privacy"] = {k: in_language(v, language) for k, v in fund["privacy"].items()}
    return block


NO_BREAK = "\u00a0"


def service_block(fund: dict[str, Any], service: str, language: str) -> dict[str, Any]:
    """The service that handles the letter; its telephone number never broken across two lines."""
    s = fund["services"][service]
    return {"name": in_language(s["name"], language), "phone": s["phone"].replace(" ", NO_BREAK),
            "email": in_language(s["email"], language),
            "signatory": s["signatory"], "capacity": in_language(s["capacity"], language)}


def payment_block(fund: dict[str, Any], language: str, amount: str, reference: str, *,
                  whole_account: bool = False) -> dict[str, Any]:
    """`whole_account`: the reference is the whole account's (a payment pays the oldest debt first)."""
    f = fund["fund"]
    return {
        "whole_account": whole_account,
        "amount": amount,
        "iban": f["iban"],
        "bic": f["bic"],
        "beneficiary": in_language(f["name"], language),
        "reference": reference,
    }
