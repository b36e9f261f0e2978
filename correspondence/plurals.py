"""Counts in the operator's messages, in English, with the noun right: "1 letter", "2 letters"."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str = "") -> str:
    """`counted(1, "entry", "entries")` → "1 entry"; the plural defaults to the singular and an s."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"
