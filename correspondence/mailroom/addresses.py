"""The address a recipient would be written to today, to compare with the one printed on a letter (returned
mail, reprints)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from correspondence import schema
from correspondence.kinds.blocks import recipient_block
from correspondence.quarantine import Quarantine


class Gone:
    """The recipient is no longer in the fund's data."""


GONE = Gone()


def today(connection: Connection, kind: str, recipient_id: str, on: date,
          box_label: dict[str, str]) -> list[str] | None | Gone:
    """The postal lines under the name as a letter would print them on `on`; None when the address is unusable
    (empty field, unknown postcode), GONE when the recipient is not in the data. An address marked unreliable
    by returned mail still counts: it is the one on file."""
    table = schema.affiliates if kind == "affiliate" else schema.companies
    row = connection.execute(select(table).where(table.c[f"{kind}_id"] == recipient_id)).mappings().first()
    return GONE if row is None else of_row(kind, dict(row), on, box_label)


def of_row(kind: str, row: dict[str, Any], on: date, box_label: dict[str, str]) -> list[str] | None:
    """`today`'s lines from a recipient's row already read."""
    try:
        block = recipient_block(kind, {**row, "address_unreliable_since": None}, on, box_label)
    except Quarantine:
        return None
    lines: list[str] = block["address_lines"][1:]
    return lines
