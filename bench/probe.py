"""Peak resident memory of a process and all its children (render workers, LibreOffice), sampled.

RSS is summed over the tree, so pages the processes share are counted once per process: the figure is
an upper bound of what the machine must hold, which is the safe side for the target.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Self

import psutil


def tree_rss(root: psutil.Process) -> int:
    total = 0
    try:
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:  # the night's process has ended
        return 0
    for process in tree:
        try:
            total += process.memory_info().rss
        except psutil.Error:  # a worker that ended between listing and reading
            continue
    return total


class PeakMemory:
    """`with PeakMemory() as peak: ...` then `peak.bytes`; samples every `interval` seconds the tree of `root`
    (this process by default)."""

    def __init__(self, interval: float = 0.05, root: psutil.Process | None = None) -> None:
        self.interval = interval
        self.bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._root = root or psutil.Process()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.bytes = max(self.bytes, tree_rss(self._root))
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self.bytes = max(self.bytes, tree_rss(self._root))


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.start
