"""rules/params.py: an instance (one night) reads each parameter file once; a new instance sees an edit."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from rules.params import DEFAULT_DIR, Parameters


def test_a_night_sees_one_set_of_figures_and_the_next_sees_the_edit(tmp_path: Path) -> None:
    folder = tmp_path / "parameters"
    shutil.copytree(DEFAULT_DIR, folder)
    night = Parameters(directory=folder)
    day = date(2026, 10, 1)
    before = night.period("surcharges", day).source
    path = folder / "surcharges.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(before, "edited source"), encoding="utf-8")
    assert night.period("surcharges", day).source == before
    assert Parameters(directory=folder).period("surcharges", day).source == "edited source"
