"""Seconds spent per step, summed: the one way the engine and the night time their work."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


class Stopwatch:
    """`with watch.step("compose"): ...` adds the block's seconds to `watch.seconds["compose"]`;
    `watch.timed(items, "triggers")` adds the time spent producing each item of an iterator;
    `watch.lap("write")` adds the time since the previous lap (or since the watch was made), for a sequence of
    steps that follow each other. `watch.letters[name]`: how many letters a step handled, where it counts them."""

    def __init__(self, seconds: Counter[str] | None = None) -> None:
        self.seconds: Counter[str] = Counter() if seconds is None else seconds
        self.letters: Counter[str] = Counter()
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] += now - self._last
        self._last = now

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started

    def timed(self, items: Iterable[T], name: str) -> Iterator[T]:
        iterator = iter(items)
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                self.seconds[name] += time.perf_counter() - started
            yield item
