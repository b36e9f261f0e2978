"""DOCX → PDF through LibreOffice headless: a whole chunk per `soffice` call, one private profile per worker.

Starting LibreOffice costs ~1.3 s and converting a one-page letter ~0.1 s, so a worker converts its chunk's
documents in one call with a profile it keeps for the night. The PDFs are normalised (no dates, an /ID
derived from the content) so the same DOCX always gives the same bytes.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, NameObject

SOFFICE = os.environ.get("CORRESPONDENCE_SOFFICE", "soffice")
TIMEOUT_BASE_S, TIMEOUT_PER_DOCUMENT_S = 60, 5


class ConversionFailed(Exception):
    """LibreOffice produced no PDF for a document (or did not run at all)."""


class LibreOffice:
    """One worker's LibreOffice: a private user profile (`-env:UserInstallation`) reused by every call."""

    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="correspondence-lo-"))
        self.profile = (self.home / "profile").as_uri()
        atexit.register(self.close)

    def close(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)

    def convert(self, documents: dict[str, bytes]) -> dict[str, bytes | ConversionFailed]:
        """PDF bytes per name for DOCX bytes per name (names are plain file stems), in one soffice call."""
        work = Path(tempfile.mkdtemp(dir=self.home))
        try:
            inputs = []
            for name, data in documents.items():
                path = work / f"{name}.docx"
                path.write_bytes(data)
                inputs.append(str(path))
            out = work / "pdf"
            command = [SOFFICE, f"-env:UserInstallation={self.profile}", "--headless", "--norestore",
                       "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out), *inputs]
            timeout = TIMEOUT_BASE_S + TIMEOUT_PER_DOCUMENT_S * len(inputs)
            try:
                subprocess.run(command, capture_output=True, timeout=timeout, check=False,
                               env={**os.environ, "HOME": str(self.home)})
            except (OSError, subprocess.TimeoutExpired) as exc:
                return {name: ConversionFailed(f"LibreOffice did not run: {type(exc).__name__}: {exc}")
                        for name in documents}
            results: dict[str, bytes | ConversionFailed] = {}
            for name in documents:
                pdf = out / f"{name}.pdf"
                results[name] = (normalise(pdf.read_bytes()) if pdf.is_file()
                                 else ConversionFailed("LibreOffice could not convert the DOCX to PDF"))
            return results
        finally:
            shutil.rmtree(work, ignore_errors=True)


def normalise(pdf: bytes) -> bytes:
    """The same PDF without dates, producer or XMP metadata, with an /ID derived from its pages' content."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer._info = None  # type: ignore[assignment] # no /Info at all: LibreOffice writes the time into it
    if "/Metadata" in writer.root_object:
        del writer.root_object[NameObject("/Metadata")]
    writer._ID = ArrayObject([ByteStringObject(bytes(16))] * 2)  # LibreOffice's /ID is random: hash without it
    body = io.BytesIO()
    writer.write(body)
    identifier = ByteStringObject(hashlib.md5(body.getvalue(), usedforsecurity=False).digest())
    writer._ID = ArrayObject([identifier, identifier])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
