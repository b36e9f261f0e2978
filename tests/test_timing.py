"""The one timing helper: each way of timing adds to the named step, and only to it."""

from __future__ import annotations

import time

import pytest

from correspondence.timing import Stopwatch

PAUSE = 0.02


def _step(watch: Stopwatch) -> None:
    with watch.step("fill"):
        time.sleep(PAUSE)


def _timed(watch: Stopwatch) -> None:
    def slow():
        for item in range(2):
            time.sleep(PAUSE / 2)
            yield item
    assert list(watch.timed(slow(), "fill")) == [0, 1]  # the items pass through unchanged


def _lap(watch: Stopwatch) -> None:
    time.sleep(PAUSE)
    watch.lap("fill")


def _raising_step(watch: Stopwatch) -> None:
    with pytest.raises(ValueError), watch.step("fill"):
        time.sleep(PAUSE)
        raise ValueError


@pytest.mark.parametrize("way", [_step, _timed, _lap, _raising_step])
def test_each_way_adds_its_time_to_its_step(way) -> None:
    watch = Stopwatch()
    way(watch)
    assert set(watch.seconds) == {"fill"}
    assert PAUSE * 0.9 <= watch.seconds["fill"] < PAUSE + 1.0


def test_a_watch_adds_to_the_counter_it_is_given() -> None:
    seconds = Stopwatch().seconds
    seconds["plan"] = 1.0
    watch = Stopwatch(seconds)
    watch.lap("plan")
    assert watch.seconds is seconds and seconds["plan"] >= 1.0
