"""What goes into the renderer and what comes out: a `Job` per letter, a `Rendered` PDF or a `Failed` reason.

Plain frozen values, so a chunk of jobs can go to a worker process and its results come back; the HTML and
the Word renderers both speak them, and `dispatch` chooses between the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Job:
    letter_id: str
    letter_type: str
    language: str
    template_hash: str
    context: dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    letter_id: str
    pdf: bytes
    pages: int
    sha256: str
    docx: bytes | None = None  # Word-template letters: the filled DOCX, archived beside the PDF


@dataclass(frozen=True)
class Failed:
    letter_id: str
    field: str
    reason: str
