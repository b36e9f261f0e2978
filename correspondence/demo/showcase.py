"""The demo fund's showcase: its first affiliates, the same whatever the fund's size, who make a demo night show
every letter in each language (the rest of the fund is drawn at random, and a small fund may draw few
German-speaking affiliates, or none who is late).

Per language area (Flanders, Wallonia, the German-speaking area): one affiliate who never pays — the due notice,
the formal notice after the former system's reminder, and a regularisation — four who pay on time, with nothing
that holds their letters back (no payment plan, suspension or other regularisation): the mantelzorg claimants
(granted, refused, incomplete, and the recovery), the statements and the fiscal certificate asked for; and one
who paid on time until the last quarter that fell due — the reminder (the one who never pays gets none beside
the formal notice that lists the same quarters: kinds/collection.py). All in the main profession, on an income
whose regularisation always changes the contribution.
"""

from __future__ import annotations

from decimal import Decimal

REGIONS = ("flanders", "wallonia", "german")  # their languages: nl, fr, de
PAYERS = ("never", "timely", "timely", "timely", "timely", "stops")  # per region, in this order
SIZE = len(REGIONS) * len(PAYERS)


def role(number: int) -> tuple[str, str] | None:
    """(region, payer) of the affiliate numbered `number` (from 1) if it is in the showcase."""
    index = number - 1
    if not 0 <= index < SIZE:
        return None
    return REGIONS[index % len(REGIONS)], PAYERS[index // len(REGIONS)]


def income(number: int) -> Decimal:
    """A yearly income between the minimum and the ceiling: a regularisation up or down changes the contribution."""
    return Decimal(30_000 + 1_000 * number)


def member(affiliate_id: str) -> bool:
    """Whether the affiliate (`A0000007`) is in the showcase."""
    return role(int(affiliate_id[1:])) is not None


def never_pays(affiliate_id: str) -> bool:
    found = role(int(affiliate_id[1:]))
    return found is not None and found[1] == "never"
