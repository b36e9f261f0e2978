"""Render Word-template letters (decisions): docxtpl fills the DOCX, LibreOffice prints it, the appeal check gates it.

Templates come from the letter's snapshot and run in the sandboxed, autoescaping, strict environment of
correspondence/templating.py. Every `partials/<lang>/*.docx` (the appeal block, the grounds) is rendered with
the same context and offered to the letter as a subdocument named after its file (`{{p appeal }}`). A
decision whose PDF lacks one of the six mentions of Charter art. 14 comes back `Failed`, never `Rendered`.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import re
import subprocess
import time
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from docx.oxml import CT_SectPr
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import BaseLoader, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pypdf import PdfReader

from correspondence import appeal_check
from correspondence.libreoffice import ConversionFailed, LibreOffice
from correspondence.render import SECONDS, Failed, Job, Rendered
from correspondence.snapshots import Snapshot
from correspondence.templating import environment


# A paragraph that prints a partial: `{{p appeal }}` alone (docxtpl's own syntax for a subdocument).
_PARTIAL = re.compile(r"\s*\{\{p\s+(\w+)\s*\}\}\s*")


class _DocxSnapshot:
    """What is parsed once per snapshot: the Jinja environment and the appeal mentions to check."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.env: ImmutableSandboxedEnvironment = environment(BaseLoader())
        # docxtpl compiles each XML part at every render; the parts of a snapshot never change, so compile once.
        self.env.from_string = functools.lru_cache(maxsize=64)(self.env.from_string)  # type: ignore[method-assign]
        text = snapshot.files.get(appeal_check.MENTIONS_FILE)
        self.mentions = appeal_check.load_mentions(text.decode("utf-8")) if text is not None else None
        self.prepared: dict[tuple[str, str], bytes] = {}

    def docx(self, job: Job) -> bytes:
        """The filled DOCX; TemplateError (with the file's name) or KeyError for a missing partial."""
        template = DocxTemplate(io.BytesIO(self._prepared(job.letter_type, job.language)))
        try:
            template.render(dict(job.context), self.env, autoescape=True)
        except TemplateError as exc:
            exc.name = exc.name if getattr(exc, "name", None) else f"{job.letter_type}/{job.language}.docx"  # type: ignore[attr-defined]
            raise
        return _stable_zip(template)

    def _prepared(self, letter_type: str, language: str) -> bytes:
        """The letter's template with its partials merged in, once per snapshot, letter type and language.

        Each `partials/<lang>/<name>.docx` is attached to the letter (its styles, numbering and images mapped
        by docxtpl's subdocument composer, as `{{p name }}` would at every letter) and its body, Jinja tags
        and all, replaces the paragraph that holds only `{{p name }}`. The partials see the letter's context
        either way, so one render per letter gives the letter that a render per partial gave, without
        opening, filling, saving and merging every partial again for each letter.
        """
        key = (letter_type, language)
        if key not in self.prepared:
            files = self.snapshot.files
            template = DocxTemplate(io.BytesIO(files[f"{letter_type}/{language}.docx"]))
            template.init_docx()
            prefix = f"partials/{language}/"
            bodies = {}
            for path in sorted(p for p in files if p.startswith(prefix) and p.endswith(".docx")):
                subdoc = template.new_subdoc(io.BytesIO(files[path]))
                bodies[path.removeprefix(prefix).removesuffix(".docx")] = [
                    element for element in subdoc.subdocx.element.body if not isinstance(element, CT_SectPr)]
            for paragraph in list(template.docx.element.body.iter(qn("w:p"))):
                found = _PARTIAL.fullmatch("".join(t.text or "" for t in paragraph.iter(qn("w:t"))))
                if found and found.group(1) in bodies:
                    for element in bodies[found.group(1)]:
                        paragraph.addprevious(copy.deepcopy(element))
                    paragraph.getparent().remove(paragraph)
            buffer = io.BytesIO()
            template.docx.save(buffer)
            self.prepared[key] = buffer.getvalue()
        return self.prepared[key]


def pdf_text(pdf: bytes) -> str:
    """The PDF's text for the appeal check, by poppler's pdftotext (~5 ms; pypdf's extract_text took ~80 ms)."""
    try:
        done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                              timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return appeal_check.pdf_text(pdf)  # no poppler here: the same check, slower
    return done.stdout.decode("utf-8", errors="replace")


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
        self.converter: ThreadPoolExecutor | None = None

    def _for(self, snapshot_hash: str) -> _DocxSnapshot:
        if snapshot_hash not in self.cache:
            self.cache[snapshot_hash] = _DocxSnapshot(self.load_snapshot(snapshot_hash))
        return self.cache[snapshot_hash]

    def render(self, jobs: Iterable[Job]) -> list[Rendered | Failed]:
        """Fill each letter and hand it at once to LibreOffice, which converts it (in its own process, waited
        for by one thread) while this thread fills the next: filling and converting overlap."""
        if self.office is None:
            self.office = LibreOffice()
        if self.converter is None:
            self.converter = ThreadPoolExecutor(1, thread_name_prefix="libreoffice")
        results: dict[str, Rendered | Failed | Future[Rendered | Failed]] = {}
        order = []
        for job in jobs:
            order.append(job)
            started = time.perf_counter()
            try:
                docx = self._for(job.template_hash).docx(job)
            except TemplateError as exc:
                line = getattr(exc, "lineno", None)
                results[job.letter_id] = Failed(job.letter_id, "template",
                                                f"{getattr(exc, 'name', None)}{f', line {line}' if line else ''}: {exc}")
            except KeyError as exc:
                results[job.letter_id] = Failed(job.letter_id, "template", f"file {exc} is not in the template snapshot")
            except Exception as exc:  # noqa: BLE001 - a broken Word template quarantines its letters, not the night
                results[job.letter_id] = Failed(job.letter_id, "template", f"{type(exc).__name__}: {exc}")
            else:
                results[job.letter_id] = self.converter.submit(self._converted, job, docx)
            finally:
                SECONDS["docx_fill"] += time.perf_counter() - started
        return [r.result() if isinstance(r, Future) else r for r in (results[job.letter_id] for job in order)]

    def _converted(self, job: Job, docx: bytes) -> Rendered | Failed:
        """In the converter thread: LibreOffice's PDF for the filled DOCX, then the appeal check."""
        assert self.office is not None
        started = time.perf_counter()
        pdf = self.office.convert({job.letter_id: docx})[job.letter_id]
        converted = time.perf_counter()
        SECONDS["convert"] += converted - started
        try:
            return self._checked(job, docx, pdf)
        finally:
            SECONDS["check"] += time.perf_counter() - converted

    def close(self) -> None:
        """End this worker's LibreOffice (the night is over); a later chunk would start a new one."""
        if self.converter is not None:
            self.converter.shutdown(wait=True)
            self.converter = None
        if self.office is not None:
            self.office.close()
            self.office = None

    def _checked(self, job: Job, docx: bytes, pdf: bytes | ConversionFailed) -> Rendered | Failed:
        if isinstance(pdf, ConversionFailed):
            return Failed(job.letter_id, "libreoffice", str(pdf))
        mentions = self._for(job.template_hash).mentions
        if mentions is None:
            return Failed(job.letter_id, "appeal_mentions", f"{appeal_check.MENTIONS_FILE} is not in the snapshot")
        try:
            missing = appeal_check.missing_numbers(pdf_text(pdf), job.language, job.context, mentions)
        except KeyError as exc:
            return Failed(job.letter_id, "appeal_mentions", f"the context has no {exc} for the appeal check")
        if missing:
            number, what = missing[0]
            rest = f" (and {len(missing) - 1} more mention(s) missing)" if len(missing) > 1 else ""
            return Failed(job.letter_id, f"appeal_mention_{number}", f"{what}{rest}")
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        return Rendered(job.letter_id, pdf, pages, hashlib.sha256(pdf).hexdigest(), docx=docx)
