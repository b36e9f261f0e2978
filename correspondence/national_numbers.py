"""A national number is one person's: which affiliates.csv rows give a number another affiliate has.

A row is rejected when an earlier kept row of the file has its number ("already given to affiliate A0000002
on line 7"), or when the database holds the number under another affiliate id that the file does not give
another number ("already given to affiliate A0000009 in the database", and ", which this export no longer
holds" when the file has no row of that affiliate). The number itself is never shown.
"""

from __future__ import annotations

from collections.abc import Iterable

# (line, affiliate id, number, the number's holder in the database or None, the holder's number in the file
# or None, whether the file has a row of the holder), ordered by number then line
Numbered = tuple[int, str, str, str | None, str | None, bool]


def conflicts(rows: Iterable[Numbered]) -> dict[int, str]:
    """The reason each rejected row's line is rejected for."""
    rejected: dict[int, str] = {}
    number, first = None, None  # the kept row holding the number: (affiliate, line)
    for line, affiliate, this_number, holder, holder_number, holder_present in rows:
        if this_number != number:
            number, first = this_number, None
        if first is not None:
            rejected[line] = f"already given to affiliate {first[0]} on line {first[1]}"
        elif holder is not None and holder != affiliate and holder_number in (None, this_number):
            gone = "" if holder_present else ", which this export no longer holds"
            rejected[line] = f"already given to affiliate {holder} in the database{gone}"
        else:
            first = (affiliate, line)
    return rejected
