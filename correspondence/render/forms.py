"""A letter's form: the part of its context a template's shape can follow, known when the letter is planned.

The shape a stamped letter is printed into (`slots.Marked.with_codes`) is the filled template with its values
left out; what still changes it comes from the context's structure: which blocks and keys there are, how many
rows a table has, which flags are set and which values are missing. The form is a digest of exactly that
(every string and number replaced by its kind), so letters of one form nearly always share one shape, and the
night can count its letters per form before any template is filled (journal.stamped_forms): a form with few
letters is laid out letter by letter instead of being planned for them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

SIZE = 8  # bytes of the digest: 16 hex characters in letters.form


def skeleton(value: Any) -> Any:
    """The context with its values left out: keys, list lengths, booleans and nulls kept, each other value
    replaced by its kind."""
    if isinstance(value, dict):
        return {str(key): skeleton(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [skeleton(item) for item in value]
    if value is None or isinstance(value, bool):
        return value
    return type(value).__name__


def form(context: dict[str, Any]) -> str:
    """The form of a letter with this context."""
    text = json.dumps(skeleton(context), sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=SIZE).hexdigest()
