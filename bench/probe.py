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
    return sum(rss for _, rss in tree_parts(root))


def tree_parts(root: psutil.Process) -> list[tuple[str, int]]:
    """(what, RSS) of each process of the tree: "night" (the root), "python" (its workers), "soffice.bin" …"""
    try:
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:  # the night's process has ended
        return []
    parts = []
    for process in tree:
        try:
            parts.append(("night" if process.pid == root.pid else process.name(), process.memory_info().rss))
        except psutil.Error:  # a worker that ended between listing and reading
            continue
    return parts


class PeakMemory:
    """`with PeakMemory() as peak: ...` then `peak.bytes`; samples every `interval` seconds the tree of `root`
    (this process by default)."""

    def __init__(self, interval: float = 0.05, root: psutil.Process | None = None) -> None:
        self.interval = interval
        self.bytes = 0
        self.parts: list[tuple[str, int]] = []  # the tree's processes at the peak, largest first
        self.at = 0.0  # seconds from the start to the peak
        self._start = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._root = root or psutil.Process()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._take()
            self._stop.wait(self.interval)

    def _take(self) -> None:
        parts = tree_parts(self._root)
        if (total := sum(rss for _, rss in parts)) > self.bytes:
            self.bytes, self.parts = total, sorted(parts, key=lambda p: -p[1])
            self.at = time.perf_counter() - self._start

    def __enter__(self) -> Self:
        self._start = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._take()

    def described(self) -> str:
        """When the peak came and who held it: "at 312 s: python 289, python 256, night 250, soffice.bin 180 MB"."""
        return f"at {self.at:.0f} s: " + ", ".join(f"{name} {rss >> 20}" for name, rss in self.parts) + " MB"


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.start
