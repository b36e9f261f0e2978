"""What goes into the renderer and what comes out: a `Job` per letter, a `Rendered` PDF or a `Failed` reason.

Plain frozen values, so a chunk of jobs can go to a worker process and its results come back; the HTML and
the Word renderers both speak them, and `dispatch` chooses between the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A letter type laid out once per shape (`layout = "once"`) is stamped only when the night has at least this
# many letters of its template snapshot (one letter type in one language). Planning a shape costs a few full
# layouts with their PDF, ~1-2 s on the reference machine: about what ten letters laid out in small chunks cost.
# A night of a few letters in many snapshots spent most of its render time planning (8 due notices in two
# languages: 4.5 of 6 seconds). The choice is the night's, counted over all its letters whatever their status,
# so a rerun after a crash, or a reprint, renders each letter the way the first run did.
STAMP_MIN_LETTERS = 10


@dataclass(frozen=True)
class Job:
    letter_id: str
    letter_type: str
    language: str
    template_hash: str
    context: dict[str, Any]
    stamp: bool = True  # whether the stamped path may print it (STAMP_MIN_LETTERS)


@dataclass(frozen=True)
class Rendered:
    letter_id: str
    pdf: bytes
    pages: int
    sha256: str
    docx: bytes | None = None  # Word-template letters: the filled DOCX, archived beside the PDF
    stamped: bool = False  # printed into its shape's plan, not laid out on its own (the night counts them)


@dataclass(frozen=True)
class Failed:
    letter_id: str
    field: str
    reason: str
