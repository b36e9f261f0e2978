"""Render Word-template letters (decisions): docxtpl fills the DOCX, LibreOffice prints it, the appeal check gates it.

Templates come from the letter's snapshot and run in the sandboxed, autoescaping, strict environment of
correspondence/render/templating.py. Every `partials/<lang>/*.docx` (the appeal block, the grounds) is rendered
with the same context and offered to the letter as a subdocument named after its file (`{{p appeal }}`). A
decision whose PDF lacks one of the six mentions of Charter art. 14 comes back `Failed`, never `Rendered`, and
so does a recovery (`recovery = true`) lacking one of the six of art. 15. `{{ payment | epc_qr }}` prints the
EPC 'scan to pay' QR code as a picture (30 mm), drawn from the same matrix as the HTML letters'.
The filled DOCX loses every reference outside itself but hyperlinks before conversion
(correspondence/templates/word_links.py). `WordSnapshot.fill` is the filling `templates check` uses too.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from docx.oxml import CT_SectPr
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import BaseLoader, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from correspondence.plurals import counted
from correspondence.render import barcode, qr
from correspondence.render.jobs import Failed, Job, Rendered
from correspondence.render.libreoffice import ConversionFailed, LibreOffice, normalise
from correspondence.render.limits import time_limit
from correspondence.render.templating import barcode_text, environment
from correspondence.templates import appeal_check, recovery_check, word_links, word_styles
from correspondence.templates.snapshots import Snapshot
from correspondence.timing import Stopwatch

# A paragraph that prints a partial: `{{p appeal }}` alone (docxtpl's own syntax for a subdocument).
_PARTIAL = re.compile(r"\s*\{\{p\s+(\w+)\s*\}\}\s*")
QR_WIDTH = Mm(30)  # the EPC code's printed width, as the HTML payment slip's
BARCODE_WIDTH, BARCODE_HEIGHT = Mm(45), Mm(9)  # the letter id's barcode, as assets/letter.css prints it


class _Template(DocxTemplate):
    """docxtpl's template, with its XML clean-up (`patch_xml`, a dozen regular expressions over the whole part)
    done once per snapshot's part instead of for every letter: it depends on the template's XML alone."""

    def __init__(self, source: io.BytesIO, patched: dict[str, str]) -> None:
        super().__init__(source)
        self.patched = patched

    def patch_xml(self, src_xml: str) -> str:
        if (patched := self.patched.get(src_xml)) is None:
            patched = self.patched[src_xml] = super().patch_xml(src_xml)
        return patched


class WordSnapshot:
    """What is parsed once per snapshot: the Jinja environment and the appeal mentions to check.

    `fill` is the one way a Word letter is filled in: the night and `templates check` both go through it."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.env: ImmutableSandboxedEnvironment = environment(BaseLoader(), snapshot.files)
        # docxtpl compiles each XML part at every render; the parts of a snapshot never change, so compile once.
        self.env.from_string = functools.lru_cache(maxsize=64)(self.env.from_string)  # type: ignore[method-assign]
        text = snapshot.files.get(appeal_check.MENTIONS_FILE)
        self.mentions = appeal_check.load_mentions(text.decode("utf-8")) if text is not None else None
        self.recovery = recovery_check.required(snapshot.files)  # art. 15 mentions checked too
        self.recovery_mentions = recovery_check.mentions_in(snapshot.files) if self.recovery else None
        self.prepared: dict[tuple[str, str], bytes] = {}
        self.patched: dict[str, str] = {}  # docxtpl's patch_xml, per part source
        self.filling: DocxTemplate | None = None  # the letter being filled: `| epc_qr` adds its picture to it
        self.env.filters["epc_qr"] = self._qr_picture
        self.env.filters["barcode"] = self._barcode_picture

    def _qr_picture(self, payment: dict) -> InlineImage:
        """`{{ payment | epc_qr }}` in a Word letter: the EPC code as a PNG picture of the letter being filled."""
        png = io.BytesIO()
        qr.matrix(qr.epc_payload(payment)).save(png, kind="png", scale=8, border=0)
        png.seek(0)
        return InlineImage(self.filling, png, width=QR_WIDTH)

    def _barcode_picture(self, text: str) -> InlineImage:
        """`{{ letter.id | barcode }}` in a Word letter: the Code 128 bars as a PNG picture, as wide as the HTML
        letters' barcode."""
        return InlineImage(self.filling, barcode.png(barcode_text(text)), width=BARCODE_WIDTH, height=BARCODE_HEIGHT)

    def fill(self, job: Job) -> bytes:
        """The filled DOCX, within the time limit; TemplateError (with the file's name), KeyError for a missing
        file, RenderTooLong for a template whose loop never ends."""
        with time_limit():  # a template whose loop never ends costs this letter, not the night
            template = _Template(io.BytesIO(self._prepared(job.letter_type, job.language)), self.patched)
            self.filling = template
            try:
                template.render(dict(job.context), self.env, autoescape=True)
            except TemplateError as exc:
                exc.name = exc.name if getattr(exc, "name", None) else f"{job.letter_type}/{job.language}.docx"  # type: ignore[attr-defined]
                raise
            finally:
                self.filling = None
        # Defence in depth behind `templates check`: whatever points outside the letter (a linked picture, an
        # INCLUDETEXT field …) is taken out before LibreOffice opens it, so it can neither read a file of the
        # machine into the letter nor call a server.
        return word_links.sanitised(_stable_zip(template))

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
            word_styles.prune(template.docx)
            buffer = io.BytesIO()
            template.docx.save(buffer)
            self.prepared[key] = buffer.getvalue()
        return self.prepared[key]


def fill_failure(exc: Exception) -> str:
    """Why a Word letter could not be filled in, as the night quarantines it and `templates check` says it."""
    if isinstance(exc, TemplateError):
        line = getattr(exc, "lineno", None)
        return f"{getattr(exc, 'name', None)}{f', line {line}' if line else ''}: {exc}"
    if isinstance(exc, KeyError):
        return f"file {exc} is not in the template snapshot"
    return f"{type(exc).__name__}: {exc}"


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

    def __init__(self, load_snapshot: Callable[[str], Snapshot], watch: Stopwatch | None = None) -> None:
        self.load_snapshot = load_snapshot
        self.watch = watch if watch is not None else Stopwatch()  # docx_fill, convert, check: render.convert …
        self.cache: dict[str, WordSnapshot] = {}
        self.office: LibreOffice | None = None
        self.converter: ThreadPoolExecutor | None = None
        self.checker: ThreadPoolExecutor | None = None

    def _for(self, snapshot_hash: str) -> WordSnapshot:
        if snapshot_hash not in self.cache:
            self.cache[snapshot_hash] = WordSnapshot(self.load_snapshot(snapshot_hash))
        return self.cache[snapshot_hash]

    def render(self, jobs: Iterable[Job]) -> list[Rendered | Failed]:
        """Fill each letter and hand it at once to LibreOffice; a third thread normalises and checks each PDF.

        Three steps overlap: this thread fills the next letter, the `libreoffice` thread waits for
        LibreOffice's PDF of the one before (LibreOffice works in its own process), and the `check` thread
        normalises and checks the one before that, so LibreOffice rarely waits for Python between letters.
        """
        if self.office is None:
            self.office = LibreOffice()
        if self.converter is None:
            self.converter = ThreadPoolExecutor(1, thread_name_prefix="libreoffice")
            self.checker = ThreadPoolExecutor(1, thread_name_prefix="check")
        assert self.checker is not None
        results: dict[str, Rendered | Failed | Future[Rendered | Failed]] = {}
        order = []
        for job in jobs:
            order.append(job)
            with self.watch.step("docx_fill"):
                try:
                    prepared = self._for(job.template_hash)
                    docx = prepared.fill(job)
                except Exception as exc:  # noqa: BLE001 - a broken Word template quarantines its letters, not the night
                    results[job.letter_id] = Failed(job.letter_id, "template", fill_failure(exc))
                    continue
            converted = self.converter.submit(self._converted, job, docx)
            results[job.letter_id] = self.checker.submit(self._checked, job, docx, prepared, converted)
        return [r.result() if isinstance(r, Future) else r for r in (results[job.letter_id] for job in order)]

    def _converted(self, job: Job, docx: bytes) -> bytes | ConversionFailed:
        """In the `libreoffice` thread: LibreOffice's PDF for the filled DOCX, as it wrote it."""
        assert self.office is not None
        with self.watch.step("convert"):
            return self.office.convert({job.letter_id: docx}, normalised=False)[job.letter_id]

    def close(self) -> None:
        """End this worker's LibreOffice (the night is over); a later chunk would start a new one."""
        for executor in (self.converter, self.checker):
            if executor is not None:
                executor.shutdown(wait=True)
        self.converter = self.checker = None
        if self.office is not None:
            self.office.close()
            self.office = None

    def _checked(self, job: Job, docx: bytes, prepared: WordSnapshot,
                 converted: Future[bytes | ConversionFailed]) -> Rendered | Failed:
        """In the `check` thread: the normalised PDF, once its six appeal mentions (and a recovery's six of
        art. 15) are found in its text.

        Whatever goes wrong with one letter here (a PDF that cannot be read, a file that cannot be written)
        quarantines that letter with the reason; the chunk and the night go on.
        """
        try:
            raw = converted.result()
        except Exception as exc:  # noqa: BLE001 - this letter's conversion, not the night
            return Failed(job.letter_id, "libreoffice", f"{type(exc).__name__}: {exc}")
        with self.watch.step("check"):
            try:
                return self._check(job, docx, prepared, raw)
            except Exception as exc:  # noqa: BLE001 - a PDF LibreOffice wrote but nobody can read is not mailed
                return Failed(job.letter_id, "pdf", f"the PDF could not be read back: {type(exc).__name__}: {exc}")

    @staticmethod
    def _check(job: Job, docx: bytes, prepared: WordSnapshot, raw: bytes | ConversionFailed) -> Rendered | Failed:
        if isinstance(raw, ConversionFailed):
            return Failed(job.letter_id, "libreoffice", str(raw))
        checks = [("appeal", appeal_check.MENTIONS_FILE, prepared.mentions)]
        if prepared.recovery:  # Charter art. 15: a decision claiming a benefit back
            checks.append(("recovery", recovery_check.MENTIONS_FILE, prepared.recovery_mentions))
        pdf = normalise(raw)
        text, pages = appeal_check.read_pdf(pdf)
        for name, file, mentions in checks:
            if mentions is None:
                return Failed(job.letter_id, f"{name}_mentions", f"{file} is not in the snapshot")
            try:
                missing = appeal_check.missing_numbers(text, job.language, job.context, mentions)
            except (KeyError, TypeError, ArithmeticError) as exc:
                return Failed(job.letter_id, f"{name}_mentions", f"the context has no {exc} for the {name} check")
            if missing:
                number, what = missing[0]
                rest = f" (and {counted(len(missing) - 1, 'more mention')} missing)" if len(missing) > 1 else ""
                return Failed(job.letter_id, f"{name}_mention_{number}", f"{what}{rest}")
        return Rendered(job.letter_id, pdf, pages, hashlib.sha256(pdf).hexdigest(), docx=docx)
