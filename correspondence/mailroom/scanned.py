"""A letter id as the desk receives it from a barcode scanner (or a person) at the returned-mail form.

A scanner is a keyboard: it sends the keys a US keyboard has for the id's characters. On the Belgian and French
AZERTY keyboards the digits need Shift, so without it the signs above them arrive instead: "20261122-000001"
is typed "éàé§&&éé)ààààà&" on a Belgian keyboard. Such a line is read back through the layout's top row;
anything that is still no letter id is refused, never guessed.
"""

from __future__ import annotations

import re

LETTER_ID = re.compile(r"\d{8}-\d{6,7}")  # scheduler/night.py: the night's date, the letter's number that night
# The unshifted top row of each keyboard for the keys 1234567890 and the hyphen's key.
LAYOUTS = {
    "be": str.maketrans("&é\"'(§è!çà)", "1234567890-"),
    "fr": str.maketrans("&é\"'(-è_çà)", "1234567890-"),
}


def letter_id(typed: str) -> str | None:
    """The letter id in what was typed or scanned (spaces and line ends ignored), or None."""
    text = "".join(typed.split())
    for candidate in (text, *(text.translate(layout) for layout in LAYOUTS.values())):
        if LETTER_ID.fullmatch(candidate):
            return candidate
    return None
