"""Render Word-template letters (decisions): docxtpl fills the DOCX, LibreOffice prints it, the appeal check gates it.

Templates come from the letter's snapshot and run in the sandboxed, autoescaping, strict environment of
correspondence/templating.py. Every `partials/<lang>/*.docx` (the appeal block, the grounds) is rendered with
the same context and offered to the letter as a subdocument named after its file (`{{p appeal }}`). A
decision whose PDF lacks one of the six mentions of Charter art. 14 comes back `Failed`, never `Rendered`.
"""

from __future__ import annotations

import functools
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import BaseLoader, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pypdf import PdfReader

from correspondence import appeal_check
from correspondence.libreoffice import ConversionFailed, LibreOffice
from correspondence.render import Failed, Job, Rendered
from correspondence.snapshots import Snapshot
from correspondence.templating import environment


class _DocxSnapshot:
    """What is parsed once per snapshot: the Jinja environment and the appeal mentions to check."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.env: ImmutableSandboxedEnvironment = environment(BaseLoader())
        # docxtpl compiles each XML part at every render; the parts of a snapshot never change, so compile once.
        self.env.from_string = functools.lru_cache(maxsize=64)(self.env.from_string)  # type: ignore[method-assign]
        text = snapshot.files.get(appeal_check.MENTIONS_FILE)
        self.mentions = appeal_check.load_mentions(text.decode("utf-8")) if text is not None else None

    def docx(self, job: Job) -> bytes:
        """The filled DOCX; TemplateError (with the file's name) or KeyError for a missing partial."""
        files, language = self.snapshot.files, job.language
        template = DocxTemplate(io.BytesIO(files[f"{job.letter_type}/{language}.docx"]))
        context: dict[str, Any] = dict(job.context)
        prefix = f"partials/{language}/"
        for path in sorted(p for p in files if p.startswith(prefix) and p.endswith(".docx")):
            name = path.removeprefix(prefix).removesuffix(".docx")
            context[name] = template.new_subdoc(io.BytesIO(self._fill(path, job.context)))
        try:
            template.render(context, self.env, autoescape=True)
        except TemplateError as exc:
            exc.name = exc.name if getattr(exc, "name", None) else f"{job.letter_type}/{language}.docx"  # type: ignore[attr-defined]
            raise
        return _stable_zip(template)

    def _fill(self, path: str, context: dict[str, Any]) -> bytes:
        partial = DocxTemplate(io.BytesIO(self.snapshot.files[path]))
        try:
            partial.render(context, self.env, autoescape=True)
        except TemplateError as exc:
            exc.name = path  # type: ignore[attr-defined]
            raise
        return _stable_zip(partial)


def _stable_zip(template: DocxTemplate) -> bytes:
    """The DOCX with fixed zip timestamps, so the same letter archives as the same bytes."""
    raw = io.BytesIO()
    template.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), source.read(info))
    return out.getvalue()


class DocxRenderer:
    """Renders the Word-template jobs of a chunk; one LibreOffice profile for the worker's whole night."""

    def __init__(self, load_snapshot: Callable[[str], Snapshot]) -> None:
        self.load_snapshot = load_snapshot
        self.cache: dict[str, _DocxSnapshot] = {}
        self.office: LibreOffice | None = None

    def _for(self, snapshot_hash: str) -> _DocxSnapshot:
        if snapshot_hash not in self.cache:
            self.cache[snapshot_hash] = _DocxSnapshot(self.load_snapshot(snapshot_hash))
        return self.cache[snapshot_hash]

    def render(self, jobs: Iterable[Job]) -> list[Rendered | Failed]:
        filled: dict[str, bytes] = {}
        results: dict[str, Rendered | Failed] = {}
        order = []
        for job in jobs:
            order.append(job)
            try:
                filled[job.letter_id] = self._for(job.template_hash).docx(job)
            except TemplateError as exc:
                line = getattr(exc, "lineno", None)
                results[job.letter_id] = Failed(job.letter_id, "template",
                                                f"{getattr(exc, 'name', None)}{f', line {line}' if line else ''}: {exc}")
            except KeyError as exc:
                results[job.letter_id] = Failed(job.letter_id, "template", f"file {exc} is not in the template snapshot")
            except Exception as exc:  # noqa: BLE001 - a broken Word template quarantines its letters, not the night
                results[job.letter_id] = Failed(job.letter_id, "template", f"{type(exc).__name__}: {exc}")
        if filled:
            if self.office is None:
                self.office = LibreOffice()
            pdfs = self.office.convert(filled)
            for job in order:
                if job.letter_id in filled:
                    results[job.letter_id] = self._checked(job, filled[job.letter_id], pdfs[job.letter_id])
        return [results[job.letter_id] for job in order]

    def _checked(self, job: Job, docx: bytes, pdf: bytes | ConversionFailed) -> Rendered | Failed:
        if isinstance(pdf, ConversionFailed):
            return Failed(job.letter_id, "libreoffice", str(pdf))
        mentions = self._for(job.template_hash).mentions
        if mentions is None:
            return Failed(job.letter_id, "appeal_mentions", f"{appeal_check.MENTIONS_FILE} is not in the snapshot")
        try:
            missing = appeal_check.missing_numbers(appeal_check.pdf_text(pdf), job.language, job.context, mentions)
        except KeyError as exc:
            return Failed(job.letter_id, "appeal_mentions", f"the context has no {exc} for the appeal check")
        if missing:
            number, what = missing[0]
            rest = f" (and {len(missing) - 1} more mention(s) missing)" if len(missing) > 1 else ""
            return Failed(job.letter_id, f"appeal_mention_{number}", f"{what}{rest}")
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        return Rendered(job.letter_id, pdf, pages, hashlib.sha256(pdf).hexdigest(), docx=docx)
