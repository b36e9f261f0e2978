"""A render worker's garbage collection (correspondence/render/pool.py, collect_garbage): after each chunk what
lives on is frozen, so the collections Python makes during the next layouts do not walk it; every
FULL_COLLECTION_EVERY chunks the frozen objects are collected too, so a cycle a cache let go of is freed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from correspondence.render import pool


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture
def chunks() -> Iterator[None]:
    gc.collect()
    pool._chunks_since_full = 0  # the worker's count, reset for the test
    yield
    pool._chunks_since_full = 0
    gc.unfreeze()
    gc.collect()


# (chunks rendered after the cycle was let go, whether it is freed)
CASES = [(1, False), (pool.FULL_COLLECTION_EVERY - 2, False), (pool.FULL_COLLECTION_EVERY - 1, True)]


@pytest.mark.parametrize(("after", "freed"), CASES)
def test_a_cycle_frozen_while_alive_is_freed_by_the_next_full_collection(chunks: None, after: int,
                                                                         freed: bool) -> None:
    node = Node()
    gone = weakref.ref(node)
    pool.collect_garbage()  # the chunk that kept it: frozen with the worker's state
    assert gc.get_freeze_count() > 0
    del node
    for _ in range(after):
        pool.collect_garbage()
    assert (gone() is None) is freed


def test_a_cycle_that_dies_within_a_chunk_is_freed_at_its_end(chunks: None) -> None:
    node = Node()
    gone = weakref.ref(node)
    del node
    pool.collect_garbage()
    assert gone() is None
