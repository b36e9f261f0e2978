"""What goes into the renderer and what comes out: a `Job` per letter, a `Rendered` PDF or a `Failed` reason.

Plain frozen values, so a chunk of jobs can go to a worker process and its results come back; the HTML and
the Word renderers both speak them, and `dispatch` chooses between the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A letter type laid out once per shape (`layout = "once"`) is stamped only when the night has at least this
# many letters of its form: one template snapshot (a letter type in one language) and one structure of the
# context (correspondence/render/forms.py), which nearly always means one shape. Planning a shape costs three
# layouts and its background's PDF; a letter laid out alone costs about 1.3 layouts (its share of a chunk's
# PDF included): from about three letters a shape, stamping is cheaper. Five leaves room for a form whose
# values still split it into two shapes. Measured at a quarter end (5,000 affiliates), the company formal
# notices came as 24, 13, 5, 1, 1 and 1 letters a form: planning the three single letters' shapes had cost
# more than a third of the type's render time. Counted per snapshot instead (10 letters), 8 due notices in two
# languages were laid out alone, as they still are. The choice is the night's, counted over all its letters
# whatever their status, so a rerun after a crash, or a reprint, renders each letter the way the first run did.
STAMP_MIN_LETTERS = 5


@dataclass(frozen=True)
class Job:
    letter_id: str
    letter_type: str
    language: str
    template_hash: str
    context: dict[str, Any]
    stamp: bool = True  # whether the stamped path may print it (STAMP_MIN_LETTERS of its form)


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
