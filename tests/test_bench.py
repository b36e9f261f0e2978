"""The benchmark commands run a real night as `correspondence run` in its own process and report its figures."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

import pytest

from bench import decisions, night

pytestmark = pytest.mark.slow


def test_due_notice_bench_runs_the_night_in_its_own_process(tmp_path: Path) -> None:
    result = night.run(40, 1, 16, date(2026, 10, 1), 2, None, tmp_path / "night")
    assert result["letters"] >= 30 and result["quarantined"] == 0
    assert (tmp_path / "night" / "output" / "2026-10-01" / "READY").is_file()
    assert (tmp_path / "night" / "night.log").stat().st_size > 0  # the night's own log, not the benchmark's
    assert 50 < result["peak_rss_mb"] < 1100 and result["cpu_seconds"] > 0
    assert {"plan", "render", "assemble"} <= set(result["stages"])
    assert {"render.fill", "render.stamp"} <= set(result["stages"])  # the renderer's steps, as the night records them
    assert result["naive"]["reprints_identical"] == 2 and result["ratio_to_naive"] > 0
    assert "letters/s" in night.report(result)


def test_quarter_end_bench_reports_every_letter_type_the_day_brings(tmp_path: Path) -> None:
    result = night.run(120, 2, 40, date(2026, 10, 1), 4, None, tmp_path / "night", mix="quarter-end")
    types = result["letter_types"]
    assert {"due_notice", "regularisation", "formal_notice"} <= set(types), types
    assert sum(t["letters"] for t in types.values()) == result["letters"]
    assert all(t["render_ms_per_letter"] > 0 and t["letters_per_second"] > 0 for t in types.values()), types
    assert all(t["wall_ms_per_letter"] > 0 for t in types.values()), types  # CPU, and the clock beside it
    assert result["mix"] == "quarter-end" and result["naive"]["reprints_identical"] == 4
    text = night.report(result)
    assert "per letter type" in text and "regularisation" in text
    figures = night.median([result, result])
    assert figures["letter_types"]["due_notice"]["letters"] == types["due_notice"]["letters"]


def test_decision_bench_reports_the_word_path(tmp_path: Path) -> None:
    result = decisions.run(4, 1, 2, decisions.DEFAULT_NIGHT, None, tmp_path / "decisions")
    assert result["letters"] == 4 and result["quarantined"] == 0
    assert set(result["letter_types"]) <= set(decisions.DECISIONS)
    assert result["stages"]["render.convert"] > 0 and result["stages"]["render.check"] > 0
    assert 50 < result["peak_rss_mb"] < 1100  # it was ~1.5 GB when LibreOffice imported every style
    assert "peak RSS" in decisions.report(result)
    assert decisions.median([result, result | {"seconds": 1.0}])["seconds"] == (result["seconds"] + 1.0) / 2


def test_a_night_that_did_not_complete_is_no_result(tmp_path: Path) -> None:
    """A rerun of a completed night does nothing: reporting its (zero-second) figures would be a lie."""
    night.run(12, 0, 12, date(2026, 10, 1), 1, None, tmp_path / "night")
    with contextlib.ExitStack() as stack:
        settings, engine = night.workspace(stack, "unused", tmp_path / "night", None, 0, 12)
        engine.dispose()
    with pytest.raises(SystemExit, match="did not complete"):
        night.run_night_process(settings, date(2026, 10, 1), tmp_path / "rerun.log")
