"""The HTML renderer: many letters laid out as one WeasyPrint document, split back per letter.

Fonts are embedded whole from the snapshot's fixed subset, so a letter's bytes do not depend on which other
letters shared its chunk. A letter type laid out once per shape (`layout = "once"`) is printed into its
shape's plan by the stamper instead (correspondence/render/stamp/). Only the snapshot's assets/ are fetched.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import tomllib
import urllib.parse
from collections import Counter
from typing import Any

from lxml import html as lxml_html
from pypdf import PdfReader, PdfWriter
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from correspondence.render.jobs import Failed, Job, Rendered
from correspondence.render.limits import time_limit
from correspondence.render.slots import Marked
from correspondence.render.stamp.fonts import FILES, FontMetrics
from correspondence.render.stamp.overlay import Stamper
from correspondence.render.stamp.shared import SharedPlans
from correspondence.render.templating import HtmlTemplates
from correspondence.templates import catalog, contest_check
from correspondence.templates.appeal_check import load_mentions
from correspondence.templates.snapshots import Snapshot
from correspondence.timing import Stopwatch

BASE_URL = "snapshot:///"
# Let urljoin resolve relative URLs (fonts/x.ttf inside assets/letter.css) against snapshot:/// URLs.
for _registry in (urllib.parse.uses_relative, urllib.parse.uses_netloc):
    if "snapshot" not in _registry:
        _registry.append("snapshot")
STYLESHEET = "assets/letter.css"
# The browser's default 8px body margin only lands on a chunk's first page: it would shift the first letter of
# each chunk (address window, reprint bytes). A letter must not depend on its place in the chunk.
NO_BODY_MARGIN = CSS(string="body { margin: 0 }")


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


class SnapshotRenderer:
    """Everything parsed once per snapshot and worker: Jinja templates, the stylesheet, the fonts.

    Its steps' seconds go to `watch` (fill, plan, stamp, layout, pdf, split: the night records them as
    render.fill …)."""

    def __init__(self, snapshot: Snapshot, watch: Stopwatch | None = None, shared: SharedPlans | None = None,
                 type_pages: dict[str, int] | None = None) -> None:
        self.snapshot = snapshot
        self.watch = watch if watch is not None else Stopwatch()
        self.templates = HtmlTemplates(snapshot.files)
        self.env = self.templates.env
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
        self.usual_pages: int | None = None  # the page count most letters of this snapshot had: pdf()'s guess
        # The page count letters of this type had last, in any language, planned or laid out: layout()'s guess,
        # and pdf()'s first guess for this snapshot (kept by the Renderer, per letter type).
        self.type_pages = type_pages if type_pages is not None else {}
        meta = _letter_toml(snapshot)
        self.kind = meta[0] if meta is not None else snapshot.hash
        self.contest = _contest(snapshot)
        mentions = snapshot.files.get(contest_check.MENTIONS_FILE)
        self.contest_mentions = load_mentions(mentions.decode("utf-8")) if mentions is not None else None
        self.stamper = None
        if _layout_once(snapshot) and all(path in snapshot.files for path in FILES.values()):
            fonts = {name: FontMetrics.load(name, snapshot.files[path]) for name, path in FILES.items()}
            self.stamper = Stamper(self.layout, fonts, shared, snapshot.hash)

    def fill(self, job: Job) -> Marked:
        """The filled-in letter (correspondence.render.templating.HtmlTemplates.fill)."""
        with self.watch.step("fill"):
            return self.templates.fill(job.letter_type, job.language, job.context)

    def contest_failed(self, job: Job, marked: Marked) -> Failed | None:
        """Failed when a money letter (`contest = true`) lacks a mention of its contest block: never sent so."""
        if not self.contest:
            return None
        if self.contest_mentions is None:
            return Failed(job.letter_id, "contest_mentions", f"{contest_check.MENTIONS_FILE} is not in the snapshot")
        with self.watch.step("check"):
            html = marked.html(drawings=False)
            text = lxml_html.fromstring(html).text_content() if html.strip() else ""
            try:
                missing = contest_check.missing(text, job.language, job.context, self.contest_mentions)
            except KeyError as exc:
                return Failed(job.letter_id, "contest_mentions", f"the context has no {exc} for the contest check")
        if not missing:
            return None
        number, what = missing[0]
        rest = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        return Failed(job.letter_id, f"contest_mention_{number}", f"{what}{rest}")

    def layout(self, html: str) -> Any:
        """One letter laid out alone, as the stamped path's plans need it. Its footer says "1/2": laid out with
        the page count the last one had, and again with its own when that was not it (a plan lays a shape out
        three times or so, nearly always with the count of the one before: one layout each instead of two; the
        count is kept per letter type, so a type's second and third language guess right from the start)."""
        with self.watch.step("plan"):
            guess = self.type_pages.get(self.kind, 1)
            document = self._alone_document(page_count(html, guess))
            if len(document.pages) != guess:
                document = self._alone_document(page_count(html, len(document.pages)))
            self.type_pages[self.kind] = len(document.pages)
            return document

    def _alone_document(self, html: str) -> Any:
        return HTML(string=self.document.render(sections=[self.env.filters["safe"](html)]), base_url=BASE_URL,
                    url_fetcher=self.fetch).render(stylesheets=[NO_BODY_MARGIN, self.css], font_config=self.fonts)

    def stamped(self, letter_id: str, marked: Marked) -> Rendered | None:
        """The letter printed into its shape's plan, or None when it must be laid out on its own."""
        if self.stamper is None:
            return None
        with self.watch.step("stamp"):
            stamped = self.stamper.pdf(marked)
        if stamped is None:
            return None
        pdf, pages = stamped
        return Rendered(letter_id, pdf, pages, hashlib.sha256(pdf).hexdigest(), stamped=True)

    def pdf(self, sections: list[tuple[str, str]]) -> list[Rendered]:
        """One document for these (letter id, HTML) sections, split back into one PDF per letter.

        Each letter's footer says "1/2": its own page count, which only the layout knows. The sections are laid
        out with the count most letters of this snapshot had so far; a letter whose count differs is laid out
        again with its own (the footer's text never moves the letter's body, so the count stays). The first
        time, a few letters (fewer than PROBE) take the count this letter type's letters had last, in another
        language or in a plan; more letters learn it from their first one, laid out alone with that count: a
        wrong guess for a whole first chunk (a language whose letters run a page longer) would lay it out twice.
        Guessing one page for a snapshot whose letters all have two once laid its whole first chunk out twice."""
        if self.usual_pages is None and len(sections) < PROBE:
            self.usual_pages = self.type_pages.get(self.kind)
        if self.usual_pages is None and len(sections) > 1:
            letter_id, html = sections[0]
            known = self.type_pages.get(self.kind, 1)
            [first] = self._pdf([(letter_id, page_count(html, known))])
            if first.pages != known:
                [first] = self._pdf([(letter_id, page_count(html, first.pages))])
            self.usual_pages = first.pages
            return [first, *self.pdf(sections[1:])]
        guess = self.usual_pages or 1
        results = self._pdf([(letter_id, page_count(html, guess)) for letter_id, html in sections])
        self.usual_pages = Counter(r.pages for r in results).most_common(1)[0][0] if results else guess
        self.type_pages[self.kind] = self.usual_pages
        wrong = [i for i, r in enumerate(results) if r.pages != guess]
        if wrong:
            again = self._pdf([(sections[i][0], page_count(sections[i][1], results[i].pages)) for i in wrong])
            for i, result in zip(wrong, again, strict=True):
                results[i] = result
        return results

    def _pdf(self, sections: list[tuple[str, str]]) -> list[Rendered]:
        with self.watch.step("layout"):
            html = self.document.render(sections=[self.env.filters["safe"](s) for _, s in sections])
            document = HTML(string=html, base_url=BASE_URL, url_fetcher=self.fetch).render(
                stylesheets=[NO_BODY_MARGIN, self.css], font_config=self.fonts
            )
            first_page: dict[str, int] = {}
            for number, page in enumerate(document.pages):
                for anchor in page.anchors:
                    first_page.setdefault(anchor, number)
        with self.watch.step("pdf"):
            reader = PdfReader(io.BytesIO(document.write_pdf(full_fonts=True)))
        with self.watch.step("split"):
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
        return results


PAGES = 'data-pages="1"'  # as partials/layout.html writes it
PROBE = 8  # a snapshot's first chunk of this many letters or more learns its page count from one letter first


def page_count(html: str, pages: int) -> str:
    """The letter's HTML with its page count (data-pages of its running element) set to `pages`."""
    return html if pages == 1 else html.replace(PAGES, f'data-pages="{pages}"', 1)


def _letter_toml(snapshot: Snapshot) -> tuple[str, str] | None:
    """The letter type's name and the text of its letter.toml in the snapshot (None if it has not one)."""
    metas = [p for p in snapshot.files if p.endswith("/letter.toml")]
    return (metas[0].split("/")[0], snapshot.text(metas[0])) if len(metas) == 1 else None


def _max_pages(snapshot: Snapshot) -> int:
    """The page cap of the snapshot's letter type (`max_pages` of its letter.toml, else the default)."""
    meta = _letter_toml(snapshot)
    letter_type = catalog.read(*meta)[0] if meta is not None else None
    return letter_type.max_pages if letter_type is not None else catalog.MAX_PAGES


def _contest(snapshot: Snapshot) -> bool:
    """Whether the snapshot's letter type states an amount and must carry the contest block (`contest = true`)."""
    meta = _letter_toml(snapshot)
    return meta is not None and tomllib.loads(meta[1]).get("contest") is True


def _layout_once(snapshot: Snapshot) -> bool:
    """Whether the snapshot's letter type asks to be laid out once per shape (`layout = "once"`)."""
    meta = _letter_toml(snapshot)
    return meta is not None and tomllib.loads(meta[1]).get("layout") == "once"
