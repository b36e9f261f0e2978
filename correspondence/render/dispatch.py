"""Render a chunk of letters to PDF bytes: each letter to the HTML or the Word renderer its snapshot asks for.

The render package's front door: `Renderer.render(jobs)` returns one `Rendered` or `Failed` per `Job`, in
order (the values live in correspondence/render/jobs.py, which both renderers import). A chunk is a plain list
of jobs, so it can go to a worker process here or to a distributed worker later. Whatever goes wrong with one
letter comes back as its `Failed`, never as an exception for the chunk. Nothing here touches output/.
"""

from __future__ import annotations

import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable

from jinja2 import TemplateError
from weasyprint.urls import FatalURLFetchingError

from correspondence.render.docx import DocxRenderer
from correspondence.render.html import SnapshotRenderer
from correspondence.render.jobs import Failed, Job, Rendered
from correspondence.render.limits import RenderTooHungry, RenderTooLarge, RenderTooLong, limit
from correspondence.render.stamp.shared import SharedPlans
from correspondence.templates.snapshots import Snapshot
from correspondence.timing import Stopwatch

__all__ = ["STAMPED_STEP", "TYPE_STEP", "WALL_STEP", "Failed", "Job", "Rendered", "Renderer"]

# Template snapshots a worker keeps ready (Jinja, stylesheet, fonts, shapes: ~3.6 MB each once used). A night
# meets up to ~40 (letter types x languages), mostly one type after the other; kept all, they were ~100 MB of
# each worker at 50,000 affiliates. One met again is made again; its shapes come back from the night's shared
# plans (stamp/shared.py), and a letter's bytes do not depend on which renderer made it.
SNAPSHOTS = 8
TYPE_STEP = "type."  # watch.seconds["type.reminder"]: a letter type's render CPU seconds (the night's render.type.*)
WALL_STEP = "wall."  # watch.seconds["wall.reminder"]: the same letters' seconds on the clock (render.wall.*)
STAMPED_STEP = "stamped."  # watch.letters["stamped.reminder"]: its letters printed into a shape's plan


class Renderer:
    """Renders chunks; keeps one `SnapshotRenderer` per template snapshot it has met, and a `DocxRenderer`
    (one LibreOffice) once a Word letter comes. `watch.seconds`: the seconds of each render step so far.
    `shared`: the night's shapes and plans, planned once for all its workers (stamp/shared.py)."""

    def __init__(self, load_snapshot: Callable[[str], Snapshot], shared: SharedPlans | None = None) -> None:
        self.load_snapshot = load_snapshot
        self.shared = shared
        self.watch = Stopwatch()
        self.cache: OrderedDict[str, SnapshotRenderer] = OrderedDict()  # the SNAPSHOTS used last
        self.too_long: dict[str, str] = {}  # snapshots whose document template could not be compiled in time
        self.docx_renderer: DocxRenderer | None = None  # made when the first Word letter comes
        self.type_pages: dict[str, int] = {}  # letter type -> the page count its letters had last

    def _for(self, snapshot_hash: str) -> SnapshotRenderer:
        if snapshot_hash in self.too_long:  # its compiling was cut once: the other letters need not wait again
            raise RenderTooLong(self.too_long[snapshot_hash])
        if snapshot_hash in self.cache:
            self.cache.move_to_end(snapshot_hash)
        else:
            try:
                self.cache[snapshot_hash] = SnapshotRenderer(self.load_snapshot(snapshot_hash), self.watch,
                                                             self.shared, self.type_pages)
                if len(self.cache) > SNAPSHOTS:
                    self.cache.popitem(last=False)
            except RenderTooLong:
                self.too_long[snapshot_hash] = (f"compiling partials/document.html took more than {limit():g} s — "
                                                "a template too large or too deeply nested?")
                raise RenderTooLong(self.too_long[snapshot_hash]) from None
        return self.cache[snapshot_hash]

    def render(self, jobs: Iterable[Job]) -> list[Rendered | Failed]:
        """Also adds each letter type's seconds to `watch.seconds`, for the night's figures per type (a chunk
        document's layout to its type, the Word letters' conversion shared by count): "type.<letter type>" the
        worker's CPU seconds, "wall.<letter type>" the seconds on the clock. The clock also counts the time a
        worker waits for a core the other processes hold, or for a shape another worker is planning (that
        worker's CPU counts it once); a Word letter's conversion is LibreOffice's work in its own process, so
        its share of the conversion's clock time counts as its CPU too."""
        results: dict[str, Rendered | Failed] = {}
        groups: dict[str, list[tuple[str, str]]] = {}
        group_types: dict[str, str] = {}
        order: list[Job] = []
        docx_jobs: list[Job] = []
        spent: Counter[str] = Counter()  # CPU seconds by letter type
        clock: Counter[str] = Counter()
        jobs = list(jobs)
        word = {job.letter_id for job in jobs if self._word(job)}
        if self.docx_renderer is not None and not word:
            self.close()  # LibreOffice (~160 MB) lives while Word letters come, not for the rest of the night
        for job in jobs:
            order.append(job)
            started, cpu = time.perf_counter(), time.process_time()
            try:
                renderer = self._for(job.template_hash)
                if job.letter_id in word:
                    docx_jobs.append(job)
                    continue
                marked = renderer.fill(job)
                if (refused := renderer.contest_failed(job, marked)) is not None:
                    results[job.letter_id] = refused
                    continue
                stamped = renderer.stamped(job.letter_id, marked) if job.stamp else None
                if stamped is not None:
                    results[job.letter_id] = stamped
                    continue
                groups.setdefault(job.template_hash, []).append((job.letter_id, marked.html()))
                group_types[job.template_hash] = job.letter_type
            except TemplateError as exc:
                results[job.letter_id] = Failed(job.letter_id, "template", _template_reason(job, exc))
            except (RenderTooLarge, RenderTooHungry) as exc:
                results[job.letter_id] = Failed(job.letter_id, "memory", str(exc))
            except FatalURLFetchingError as exc:
                results[job.letter_id] = Failed(job.letter_id, "asset", f"{exc}: {exc.__cause__}")
            except Exception as exc:  # noqa: BLE001 - a broken snapshot quarantines its letters, not the night
                results[job.letter_id] = Failed(job.letter_id, "template", f"{type(exc).__name__}: {exc}")
            finally:
                spent[job.letter_type] += time.process_time() - cpu
                clock[job.letter_type] += time.perf_counter() - started
        for snapshot_hash, sections in groups.items():
            started, cpu = time.perf_counter(), time.process_time()
            renderer = self._for(snapshot_hash)
            try:
                rendered: list[Rendered | Failed] = list(renderer.pdf(sections))
            except (Exception, FatalURLFetchingError):  # noqa: BLE001 - isolate the failing letter, keep the others
                rendered = [self._alone(renderer, section) for section in sections]
            results.update((r.letter_id, r) for r in rendered)
            spent[group_types[snapshot_hash]] += time.process_time() - cpu
            clock[group_types[snapshot_hash]] += time.perf_counter() - started
        if docx_jobs:
            started = time.perf_counter()
            if self.docx_renderer is None:
                self.docx_renderer = DocxRenderer(lambda h: self._for(h).snapshot, self.watch)
            results.update((r.letter_id, r) for r in self.docx_renderer.render(docx_jobs))
            share = (time.perf_counter() - started) / len(docx_jobs)
            for job in docx_jobs:
                spent[job.letter_type] += share
                clock[job.letter_type] += share
        for letter_type, seconds in spent.items():
            self.watch.seconds[f"{TYPE_STEP}{letter_type}"] += seconds
            self.watch.seconds[f"{WALL_STEP}{letter_type}"] += clock[letter_type]
        return [self._within_pages(job, results[job.letter_id]) for job in order]

    def _word(self, job: Job) -> bool:
        """Whether the job is a Word-template letter (its snapshot has the .docx)."""
        try:
            return f"{job.letter_type}/{job.language}.docx" in self._for(job.template_hash).snapshot.files
        except Exception:  # noqa: BLE001 - a snapshot that cannot be had fails its letter in render(), not here
            return False

    def close(self) -> None:
        """End the Word renderer's LibreOffice, if a Word letter started one (the night is over, or the chunk
        has no Word letter: a later one starts it again)."""
        if self.docx_renderer is not None:
            self.docx_renderer.close()
            self.docx_renderer = None

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
    def _alone(renderer: SnapshotRenderer, section: tuple[str, str]) -> Rendered | Failed:
        try:
            return renderer.pdf([section])[0]
        except FatalURLFetchingError as exc:
            return Failed(section[0], "asset", f"{exc}: {exc.__cause__}")
        except Exception as exc:  # noqa: BLE001 - a layout failure quarantines this letter only
            return Failed(section[0], "layout", f"{type(exc).__name__}: {exc}")


def _template_reason(job: Job, exc: TemplateError) -> str:
    where = f"{job.letter_type}/{job.language}"
    line = getattr(exc, "lineno", None)
    name = getattr(exc, "name", None) or where
    return f"{name}{f', line {line}' if line else ''}: {exc.message or exc}"
