"""Render chunks in worker processes, a bounded number in flight, results in submission order.

Each worker loads template snapshots from the shared database once and keeps its parsed templates,
stylesheet and fonts for the whole night. `workers=0` renders in this process (tests, tiny nights).
"""

from __future__ import annotations

import multiprocessing
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Self

from correspondence import render as render_module
from correspondence import snapshots
from correspondence.log import log
from correspondence.render import Failed, Job, Rendered, Renderer
from correspondence.store import connect

_renderer: Renderer | None = None


def _init(db_url: str) -> None:
    global _renderer
    engine = connect(db_url)

    def load(snapshot_hash: str) -> snapshots.Snapshot:
        with engine.connect() as connection:
            return snapshots.load(connection, snapshot_hash)

    _renderer = Renderer(load)


def _render(jobs: list[Job]) -> tuple[list[Rendered | Failed], Counter[str]]:
    """The chunk's results and the seconds its render steps took (summed by the pool for the night)."""
    assert _renderer is not None
    before = render_module.SECONDS.copy()
    results = _renderer.render(jobs)
    return results, render_module.SECONDS - before


class RenderPool:
    def __init__(self, db_url: str, workers: int) -> None:
        self.db_url, self.workers = db_url, workers
        self.executor: ProcessPoolExecutor | None = None
        self.seconds: Counter[str] = Counter()  # render steps (fill, layout, pdf, split), over all workers

    def __enter__(self) -> Self:
        if self.workers > 0:
            self.executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init,
                initargs=(self.db_url,),
            )
        else:
            _init(self.db_url)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.executor:
            self.executor.shutdown(wait=True, cancel_futures=True)  # workers end their LibreOffice at exit
        elif _renderer is not None and getattr(_renderer, "docx_renderer", None) is not None:
            _renderer.docx_renderer.close()  # rendering in this process: end LibreOffice with the night
        log("stages", stage="render", **{f"{step}_s": round(s, 3) for step, s in sorted(self.seconds.items())})

    def render(self, chunks: Iterable[list[Job]]) -> Iterator[tuple[list[Job], list[Rendered | Failed]]]:
        if self.executor is None:
            for chunk in chunks:
                yield chunk, self._count(_render(chunk))
            return
        in_flight: deque[tuple[list[Job], Future[list[Rendered | Failed]]]] = deque()
        for chunk in chunks:
            in_flight.append((chunk, self.executor.submit(_render, chunk)))
            if len(in_flight) > self.workers:
                done, future = in_flight.popleft()
                yield done, self._count(future.result())
        while in_flight:
            done, future = in_flight.popleft()
            yield done, self._count(future.result())

    def _count(self, outcome: tuple[list[Rendered | Failed], Counter[str]]) -> list[Rendered | Failed]:
        results, seconds = outcome
        self.seconds.update(seconds)
        return results
