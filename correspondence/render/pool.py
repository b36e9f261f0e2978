"""Render chunks in worker processes, a bounded number in flight, results in submission order.

Each worker loads template snapshots from the shared database once and keeps its parsed templates,
stylesheet and fonts for the whole night. `workers=0` renders in this process (tests, tiny nights).

A worker that dies (the out-of-memory killer, kill -9) breaks the pool: every chunk it had in flight is
rendered once more in a fresh pool; a chunk lost twice is rendered letter by letter in a pool of one worker,
so a letter that kills its worker even alone is quarantined with the cause and the others go out. A worker
that exits by itself (it could not start: the database, an import) is no letter's fault: `WorkersFailing`.
Each worker dies with the night (parent-death signal), so a killed night leaves no worker running, and a
worker's LibreOffice dies with its worker (correspondence/render/libreoffice.py).
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import tempfile
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Self

from correspondence import faults
from correspondence.log import log
from correspondence.render import libreoffice
from correspondence.render.dispatch import Renderer
from correspondence.render.jobs import Failed, Job, Rendered
from correspondence.render.stamp.shared import SharedPlans
from correspondence.store import connect
from correspondence.templates import snapshots

RETRIES = 1  # a chunk whose worker died is rendered once more whole, then letter by letter
MAX_BREAKS = 10  # pools lost in a row with no chunk rendered in between: the workers cannot work at all
STARTS = 3  # a worker for letters one by one that dies this often while starting: the workers cannot start
FULL_COLLECTION_EVERY = 10  # chunks: a worker's garbage collection looks at everything once in this many
FIELD = "render worker"  # the quarantine field of a letter that kills its worker
_PR_SET_PDEATHSIG = 1  # linux/prctl.h

_renderer: Renderer | None = None
_worker = False  # this process is a render worker (not the night rendering itself)
_chunks_since_full = 0


class WorkersFailing(Exception):
    """The render workers end for a reason no letter explains; the night stops (it resumes on the next run)."""


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent ends (a no-op elsewhere); if the parent is already
    gone (it died before we asked), end now. Linux sends it when the parent's *thread* that started the
    worker ends: the night starts its pools and shuts them down in its own thread (the daemon's job thread
    lives as long as the night)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the night's own shutdown ends its workers
        return
    if os.getppid() != parent:
        os._exit(1)


def _init(db_url: str, parent: int | None = None, plans: str | None = None) -> None:
    global _renderer, _worker
    if parent is not None:  # a worker process (else: the night renders itself)
        _worker = True
        die_with_parent(parent)
        faults.checkpoint("render.worker_start")
    engine = connect(db_url)

    def load(snapshot_hash: str) -> snapshots.Snapshot:
        with engine.connect() as connection:
            return snapshots.load(connection, snapshot_hash)

    _renderer = Renderer(load, SharedPlans(Path(plans)) if plans is not None else None)
    if _worker:
        gc.collect()
        gc.freeze()  # the modules and the renderer as they start: see collect_garbage


def _ready() -> bool:
    """Nothing: a worker that answers it has started."""
    return True


def _render(jobs: list[Job]) -> tuple[list[Rendered | Failed], Counter[str]]:
    """The chunk's results and the seconds its render steps took (summed by the pool for the night)."""
    assert _renderer is not None
    for job in jobs:
        faults.checkpoint("render.letter", job.letter_id)
    before = _renderer.watch.seconds.copy()
    results = _renderer.render(jobs)
    if _worker:
        collect_garbage()
    release_freed_memory()
    return results, _renderer.watch.seconds - before


def collect_garbage() -> None:
    """After a chunk: collect the chunk's garbage, then freeze what lives on (gc.freeze), so that the
    collections Python makes by itself while the next chunks are laid out look at those chunks' objects only.
    What lives on is mostly the worker's own state: its templates, fonts, shapes and plans. Before, a layout
    of ~200,000 objects set off full collections that walked all of it each time: 5-8 % of a mixed night's
    HTML rendering, 8-22 % for the letters with tables (README, Performance). Every FULL_COLLECTION_EVERY
    chunks, the frozen objects are collected too, in case a cache let go of a cycle."""
    global _chunks_since_full
    _chunks_since_full += 1
    if _chunks_since_full >= FULL_COLLECTION_EVERY:
        _chunks_since_full = 0
        gc.unfreeze()
    gc.collect()
    gc.freeze()


def release_freed_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's malloc_trim; nothing elsewhere). A chunk's layouts
    free their boxes, but the freed pages stayed the process's: each worker kept the high-water mark of its
    largest chunk for the rest of the night (~50 MB a worker at a quarter end, bench.night's peak parts)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        return


@dataclass
class _Chunk:
    jobs: list[Job]
    future: Future[tuple[list[Rendered | Failed], Counter[str]]] | None = None
    lost: int = 0  # how many times a worker died with this chunk in flight


class RenderPool:
    """The night's workers. With more than one, they share a folder of planned shapes (stamp/shared.py), a
    temporary directory that ends with the pool."""

    def __init__(self, db_url: str, workers: int) -> None:
        self.db_url, self.workers = db_url, workers
        self.plans: tempfile.TemporaryDirectory[str] | None = None
        self.executor: ProcessPoolExecutor | None = None
        self.alone: ProcessPoolExecutor | None = None  # one worker, for letters rendered one by one
        self.breaks = 0  # pools lost in a row
        self.seconds: Counter[str] = Counter()  # render steps (fill, layout, pdf, split …), over all workers

    def _pool(self, size: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(size, mp_context=multiprocessing.get_context("spawn"), initializer=_init,
                                   initargs=(self.db_url, os.getpid(), self.plans.name if self.plans else None))

    def __enter__(self) -> Self:
        if self.workers > 0:
            self.plans = tempfile.TemporaryDirectory(prefix="correspondence-plans-")
            self.executor = self._pool(self.workers)
        else:
            _init(self.db_url)
        return self

    def __exit__(self, *exc: object) -> None:
        for executor in (self.executor, self.alone):
            if executor:
                executor.shutdown(wait=True, cancel_futures=True)  # workers end their LibreOffice at exit
        if self.executor is None and _renderer is not None:
            _renderer.close()  # rendering in this process: end LibreOffice with the night
        if self.plans is not None:
            self.plans.cleanup()
        log("stages", stage="render", **{f"{step}_s": round(s, 3) for step, s in sorted(self.seconds.items())})

    def render(self, chunks: Iterable[list[Job]]) -> Iterator[tuple[list[Job], list[Rendered | Failed]]]:
        if self.executor is None:
            for chunk in chunks:
                yield chunk, self._count(_render(chunk))
            return
        in_flight: deque[_Chunk] = deque()
        for jobs in chunks:
            chunk = _Chunk(jobs)
            self._submit(chunk, in_flight)
            in_flight.append(chunk)
            if len(in_flight) > self.workers:
                yield self._next(in_flight)
        while in_flight:
            yield self._next(in_flight)

    def _submit(self, chunk: _Chunk, in_flight: deque[_Chunk]) -> None:
        while chunk.future is None:
            assert self.executor is not None
            try:
                chunk.future = self.executor.submit(_render, chunk.jobs)
            except BrokenProcessPool:  # a worker died since the last look: the pool takes no more work
                self._replace(in_flight)

    def _next(self, in_flight: deque[_Chunk]) -> tuple[list[Job], list[Rendered | Failed]]:
        """The oldest chunk's results, once it is rendered: whole, or letter by letter if it was lost twice."""
        chunk = in_flight[0]
        while True:
            if chunk.lost > RETRIES:
                in_flight.popleft()
                return chunk.jobs, [result for job in chunk.jobs for result in self._alone(job)]
            if chunk.future is None:
                self._submit(chunk, in_flight)
            assert chunk.future is not None
            try:
                outcome = chunk.future.result()
            except BrokenProcessPool:
                self._replace(in_flight)
                continue
            in_flight.popleft()
            self.breaks = 0
            return chunk.jobs, self._count(outcome)

    def _replace(self, in_flight: deque[_Chunk]) -> None:
        """A worker died: a fresh pool; the chunks that were in the lost one go again (or, lost twice, alone)."""
        assert self.executor is not None
        cause = _ended(self.executor)
        libreoffice.remove_stale_profiles()  # the dead worker's, now that nobody holds it
        lost = [c for c in in_flight if c.future is not None and _broken(c.future)]
        for chunk in lost:
            chunk.future, chunk.lost = None, chunk.lost + 1
        self.breaks += 1
        log("render", status="worker died", outcome=cause, chunks=len(lost), letters=sum(len(c.jobs) for c in lost))
        _by_itself(cause)
        if self.breaks > MAX_BREAKS:
            raise WorkersFailing(f"the render workers died {self.breaks} times in a row ({cause}) without rendering "
                                 f"a chunk; {_RESUME}")
        self.executor = self._pool(self.workers)
        for chunk in in_flight:
            if chunk.future is None and chunk.lost <= RETRIES:
                try:
                    chunk.future = self.executor.submit(_render, chunk.jobs)
                except BrokenProcessPool:  # lost already: submitted again when its turn comes
                    break

    def _alone_pool(self) -> ProcessPoolExecutor:
        """The pool of one worker, seen alive: a worker that dies while starting is no letter's fault."""
        cause = "unknown cause"
        for _ in range(STARTS):
            if self.alone is not None:
                return self.alone
            pool = self._pool(1)
            try:
                pool.submit(_ready).result()
            except BrokenProcessPool:
                cause = _ended(pool)
                log("render", status="worker died", stage="starting", outcome=cause)
                _by_itself(cause)
                continue
            self.alone = pool
        raise WorkersFailing(f"a render worker died {STARTS} times while starting ({cause}); {_RESUME}")

    def _alone(self, job: Job) -> list[Rendered | Failed]:
        """One letter in the pool of one worker: its results, or Failed naming why its worker died."""
        while True:
            pool = self._alone_pool()
            try:
                future = pool.submit(_render, [job])
            except BrokenProcessPool:  # it died between two letters: neither one's fault
                _ended(pool)
                self.alone = None
                continue
            try:
                return self._count(future.result())
            except BrokenProcessPool:
                cause = _ended(pool)
                self.alone = None
            libreoffice.remove_stale_profiles()
            log("render", status="worker died", outcome=cause, chunks=0, letters=1)
            _by_itself(cause)
            return [Failed(job.letter_id, FIELD, f"the render worker died ({cause}) while rendering this letter "
                           "alone, after its chunk was lost twice; a letter that needs more memory than the "
                           "worker has ends this way")]

    def _count(self, outcome: tuple[list[Rendered | Failed], Counter[str]]) -> list[Rendered | Failed]:
        results, seconds = outcome
        self.seconds.update(seconds)
        return results


_RESUME = "nothing unrendered is marked sent — correct the cause (see the log), then run again: the night resumes"


def _by_itself(cause: str) -> None:
    """A worker that ended without a signal could not start (database, import): no letter is the cause."""
    if not cause.startswith("signal"):
        raise WorkersFailing(f"a render worker ended by itself ({cause}); {_RESUME}")


def _broken(future: Future[Any]) -> bool:
    """After its pool was shut down: did this chunk go down with the pool (rather than finish before)?"""
    return not future.done() or future.cancelled() or isinstance(future.exception(), BrokenProcessPool)


def _ended(executor: ProcessPoolExecutor) -> str:
    """Shut a broken pool down (its futures all settled) and say how its dead worker ended: "signal 9",
    or "exit code 1" for one that ended by itself. The pool ends the survivors with SIGTERM."""
    processes: list[BaseProcess] = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=True, cancel_futures=True)
    codes = [p.exitcode for p in processes if p.exitcode is not None]
    first = next((c for c in codes if c != -signal.SIGTERM), codes[0] if codes else None)
    if first is None:
        return "unknown cause"
    return f"signal {-first}" if first < 0 else f"exit code {first}"
