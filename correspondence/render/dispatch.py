"""Render letters to PDF bytes: many letters laid out as one WeasyPrint document, split back per letter.

A chunk is a plain list of jobs (letter id, template snapshot hash, context), so it can go to a worker
process here or to a distributed worker later. Fonts are embedded whole from the snapshot's fixed subset,
so a letter's bytes do not depend on which other letters shared its chunk. Nothing here touches output/.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import time
import tomllib
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from jinja2 import DictLoader, TemplateError
from pypdf import PdfReader, PdfWriter
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from correspondence.render.limits import (
    RenderTooHungry,
    RenderTooLarge,
    RenderTooLong,
    bounded,
    limit,
    memory_limit,
    time_limit,
)
from correspondence.render.slots import Marked
from correspondence.render.stamp.fonts import FILES, FontMetrics
from correspondence.render.stamp.overlay import Stamper
from correspondence.render.templating import marked_environment
from correspondence.templates import catalog
from correspondence.templates.snapshots import Snapshot

BASE_URL = "snapshot:///"
# Let urljoin resolve relative URLs (fonts/x.ttf inside assets/letter.css) against snapshot:/// URLs.
for _registry in (urllib.parse.uses_relative, urllib.parse.uses_netloc):
    if "snapshot" not in _registry:
        _registry.append("snapshot")
STYLESHEET = "assets/letter.css"
# Seconds this process spent per render step (fill, layout, pdf, split), for the benchmark and the logs.
SECONDS: Counter[str] = Counter()
# The browser's default 8px body margin only lands on a chunk's first page: it would shift the first letter of
# each chunk (address window, reprint bytes). A letter must not depend on its place in the chunk.
NO_BODY_MARGIN = CSS(string="body { margin: 0 }")


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


class AssetRefused(Exception):
    """A template asked for a file or URL outside its snapshot's assets/."""


class SnapshotFetcher(URLFetcher):
    """Serves `assets/` (or the folders named) from the snapshot and data: URIs; refuses everything else,
    fatally, so a letter whose logo or font cannot be loaded is quarantined instead of mailed degraded."""

    def __init__(self, snapshot: Snapshot, folders: tuple[str, ...] = ("assets",)) -> None:
        super().__init__(allowed_protocols=("data", "snapshot"), fail_on_errors=True)
        self.snapshot = snapshot
        self.folders = folders

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = url.removeprefix(BASE_URL)
        if url.startswith(BASE_URL) and path.split("/")[0] in self.folders and path in self.snapshot.files:
            mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, self.snapshot.files[path], {"Content-Type": mime})
        raise AssetRefused(f"'{url}' is not a file of " + " or ".join(f"letter_templates/{f}/" for f in self.folders))


class _SnapshotRenderer:
    """Everything parsed once per snapshot and worker: Jinja templates, the stylesheet, the fonts."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        texts = {p: b.decode("utf-8") for p, b in snapshot.files.items() if p.endswith((".html", ".css", ".svg"))}
        self.env = marked_environment(DictLoader(texts))
        self.fetch = SnapshotFetcher(snapshot)
        self.fonts = FontConfiguration()
        self.css = CSS(
            string=snapshot.text(STYLESHEET),
            base_url=BASE_URL + STYLESHEET,
            url_fetcher=self.fetch,
            font_config=self.fonts,
        )
        with time_limit():  # compiling is inside the limit too: a huge template costs its letters, not the night
            self.document = self.env.get_template("partials/document.html")
        self.max_pages = _max_pages(snapshot)
        self.too_long: dict[str, str] = {}  # templates whose compiling was cut: their letters fail at once
        self.stamper = None
        if _layout_once(snapshot) and all(path in snapshot.files for path in FILES.values()):
            fonts = {name: FontMetrics.load(name, snapshot.files[path]) for name, path in FILES.items()}
            self.stamper = Stamper(self.layout, fonts)

    def marked(self, job: Job) -> Marked:
        """The filled-in letter: compiled and filled within the time limit, its size and memory capped."""
        name = f"{job.letter_type}/{job.language}.html"
        if name in self.too_long:
            raise RenderTooLong(self.too_long[name])
        started = time.perf_counter()
        try:
            with time_limit(), memory_limit():  # a template whose loop never ends costs this letter, not the night
                try:
                    template = self.env.get_template(name)
                except RenderTooLong:
                    self.too_long[name] = (f"compiling {name} took more than {limit():g} s — a template too large "
                                           "or too deeply nested?")
                    raise RenderTooLong(self.too_long[name]) from None
                return Marked.parse(bounded(template.generate(job.context)))
        finally:
            SECONDS["fill"] += time.perf_counter() - started

    def html(self, job: Job) -> str:
        return self.marked(job).html()

    def layout(self, html: str) -> Any:
        """One letter laid out alone, as the stamped path's plans need it."""
        started = time.perf_counter()
        document = HTML(string=self.document.render(sections=[self.env.filters["safe"](html)]), base_url=BASE_URL,
                        url_fetcher=self.fetch).render(stylesheets=[NO_BODY_MARGIN, self.css], font_config=self.fonts)
        SECONDS["plan"] += time.perf_counter() - started
        return document

    def stamped(self, letter_id: str, marked: Marked) -> Rendered | None:
        """The letter printed into its shape's plan, or None when it must be laid out on its own."""
        if self.stamper is None:
            return None
        started = time.perf_counter()
        stamped = self.stamper.pdf(marked)
        SECONDS["stamp"] += time.perf_counter() - started
        if stamped is None:
            return None
        pdf, pages = stamped
        return Rendered(letter_id, pdf, pages, hashlib.sha256(pdf).hexdigest())

    def pdf(self, sections: list[tuple[str, str]]) -> list[Rendered]:
        """One document for these (letter id, HTML) sections, split back into one PDF per letter."""
        started = time.perf_counter()
        html = self.document.render(sections=[self.env.filters["safe"](s) for _, s in sections])
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=self.fetch).render(
            stylesheets=[NO_BODY_MARGIN, self.css], font_config=self.fonts
        )
        first_page: dict[str, int] = {}
        for number, page in enumerate(document.pages):
            for anchor in page.anchors:
                first_page.setdefault(anchor, number)
        laid_out = time.perf_counter()
        reader = PdfReader(io.BytesIO(document.write_pdf(full_fonts=True)))
        written = time.perf_counter()
        starts = [first_page[letter_id] for letter_id, _ in sections] + [len(reader.pages)]
        results = []
        for (letter_id, _), start, end in zip(sections, starts, starts[1:], strict=False):
            writer = PdfWriter()
            for number in range(start, end):
                writer.add_page(reader.pages[number])
            buffer = io.BytesIO()
            writer.write(buffer)
            pdf = buffer.getvalue()
            results.append(Rendered(letter_id, pdf, end - start, hashlib.sha256(pdf).hexdigest()))
        SECONDS.update(layout=laid_out - started, pdf=written - laid_out, split=time.perf_counter() - written)
        return results


class Renderer:
    """Renders chunks; keeps one `_SnapshotRenderer` per template snapshot it has met."""

    def __init__(self, load_snapshot: Callable[[str], Snapshot]) -> None:
        self.load_snapshot = load_snapshot
        self.cache: dict[str, _SnapshotRenderer] = {}
        self.too_long: dict[str, str] = {}  # snapshots whose document template could not be compiled in time
        self.docx_renderer: Any = None  # correspondence.render.docx.DocxRenderer, made when a Word letter comes

    def _for(self, snapshot_hash: str) -> _SnapshotRenderer:
        if snapshot_hash in self.too_long:  # its compiling was cut once: the other letters need not wait again
            raise RenderTooLong(self.too_long[snapshot_hash])
        if snapshot_hash not in self.cache:
            try:
                self.cache[snapshot_hash] = _SnapshotRenderer(self.load_snapshot(snapshot_hash))
            except RenderTooLong:
                self.too_long[snapshot_hash] = (f"compiling partials/document.html took more than {limit():g} s — "
                                                "a template too large or too deeply nested?")
                raise RenderTooLong(self.too_long[snapshot_hash]) from None
        return self.cache[snapshot_hash]

    def render(self, jobs: Iterable[Job]) -> list[Rendered | Failed]:
        results: dict[str, Rendered | Failed] = {}
        groups: dict[str, list[tuple[str, str]]] = {}
        order: list[Job] = []
        docx_jobs: list[Job] = []
        for job in jobs:
            order.append(job)
            try:
                renderer = self._for(job.template_hash)
                if f"{job.letter_type}/{job.language}.docx" in renderer.snapshot.files:
                    docx_jobs.append(job)
                    continue
                marked = renderer.marked(job)
                stamped = renderer.stamped(job.letter_id, marked)
                if stamped is not None:
                    results[job.letter_id] = stamped
                    continue
                groups.setdefault(job.template_hash, []).append((job.letter_id, marked.html()))
            except TemplateError as exc:
                results[job.letter_id] = Failed(job.letter_id, "template", _template_reason(job, exc))
            except (RenderTooLarge, RenderTooHungry) as exc:
                results[job.letter_id] = Failed(job.letter_id, "memory", str(exc))
            except FatalURLFetchingError as exc:
                results[job.letter_id] = Failed(job.letter_id, "asset", f"{exc}: {exc.__cause__}")
            except Exception as exc:  # noqa: BLE001 - a broken snapshot quarantines its letters, not the night
                results[job.letter_id] = Failed(job.letter_id, "template", f"{type(exc).__name__}: {exc}")
        for snapshot_hash, sections in groups.items():
            renderer = self._for(snapshot_hash)
            try:
                rendered: list[Rendered | Failed] = list(renderer.pdf(sections))
            except (Exception, FatalURLFetchingError):  # noqa: BLE001 - isolate the failing letter, keep the others
                rendered = [self._alone(renderer, section) for section in sections]
            results.update((r.letter_id, r) for r in rendered)
        if docx_jobs:
            if self.docx_renderer is None:
                from correspondence.render.docx import DocxRenderer  # imports this module: import when needed

                self.docx_renderer = DocxRenderer(lambda h: self._for(h).snapshot)
            results.update((r.letter_id, r) for r in self.docx_renderer.render(docx_jobs))
        return [self._within_pages(job, results[job.letter_id]) for job in order]

    def _within_pages(self, job: Job, result: Rendered | Failed) -> Rendered | Failed:
        """The letter, or Failed when it has more pages than its letter.toml allows (`max_pages`)."""
        if isinstance(result, Failed):
            return result
        cap = self._for(job.template_hash).max_pages
        if result.pages <= cap:
            return result
        return Failed(job.letter_id, "pages", f"{result.pages} pages, more than the {cap} that "
                      f"{job.letter_type}/letter.toml allows (max_pages) — a loop that prints too much?")

    @staticmethod
    def _alone(renderer: _SnapshotRenderer, section: tuple[str, str]) -> Rendered | Failed:
        try:
            return renderer.pdf([section])[0]
        except FatalURLFetchingError as exc:
            return Failed(section[0], "asset", f"{exc}: {exc.__cause__}")
        except Exception as exc:  # noqa: BLE001 - a layout failure quarantines this letter only
            return Failed(section[0], "layout", f"{type(exc).__name__}: {exc}")


def _letter_toml(snapshot: Snapshot) -> tuple[str, str] | None:
    """The letter type's name and the text of its letter.toml in the snapshot (None if it has not one)."""
    metas = [p for p in snapshot.files if p.endswith("/letter.toml")]
    return (metas[0].split("/")[0], snapshot.text(metas[0])) if len(metas) == 1 else None


def _max_pages(snapshot: Snapshot) -> int:
    """The page cap of the snapshot's letter type (`max_pages` of its letter.toml, else the default)."""
    meta = _letter_toml(snapshot)
    letter_type = catalog.read(*meta)[0] if meta is not None else None
    return letter_type.max_pages if letter_type is not None else catalog.MAX_PAGES


def _layout_once(snapshot: Snapshot) -> bool:
    """Whether the snapshot's letter type asks to be laid out once per shape (`layout = "once"`)."""
    meta = _letter_toml(snapshot)
    return meta is not None and tomllib.loads(meta[1]).get("layout") == "once"


def _template_reason(job: Job, exc: TemplateError) -> str:
    where = f"{job.letter_type}/{job.language}"
    line = getattr(exc, "lineno", None)
    name = getattr(exc, "name", None) or where
    return f"{name}{f', line {line}' if line else ''}: {exc.message or exc}"
