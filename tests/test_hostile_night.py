"""Hostile names through a real night: Jinja syntax, markup, right-to-left and combining characters are
printed literally in the letter — nothing is evaluated, nothing executes, nothing crashes.

The importer side (1,000 generated inputs per file) is tests/test_hostile_input.py; this is the night side.
"""

from __future__ import annotations

import csv
import subprocess
from collections.abc import Callable
from pathlib import Path

import night_process as np
import pytest

from rules.calendar import quarter_of, quarter_start

pytestmark = pytest.mark.slow

# (affiliate, first name, last name, street, what must stand in the letter's text)
HOSTILE = [
    ("A0000001", "{{ 7*7 }}", "{% raw %}Peeters", "{{ config }}straat", "{{ 7*7 }}"),
    ("A0000002", "<script>alert(1)</script>", "<b>Dupont</b>", "Rue <img src=x onerror=alert(1)>", "<script>"),
    ("A0000003", "محمد", "אברהם", "شارع النيل", None),  # right to left: printed, not checked glyph by glyph
    ("A0000004", "Zoe\u0308 A\u0301ngel", "Nguye\u0302\u0303n", "Cafe\u0301straat", None),  # combining marks
]


def _rewrite(path: Path, change: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames or []), list(reader)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(change(rows))


def _hostile_names(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    by_id = {r["affiliate_id"]: r for r in rows}
    for affiliate, first, last, street, _ in HOSTILE:
        by_id[affiliate].update(first_name=first, last_name=last, street=street)
    return rows


def test_hostile_names_are_printed_literally_and_the_night_completes(tmp_path: Path) -> None:
    fund = np.demo_fund(tmp_path / "fund", affiliates=6)
    _rewrite(fund / "affiliates.csv", _hostile_names)
    # none of them has paid the night's quarter yet, so each gets its due notice
    hostile, since = {affiliate for affiliate, *_ in HOSTILE}, quarter_start(np.NIGHT.year, quarter_of(np.NIGHT))
    _rewrite(fund / "payments.csv", lambda rows: [r for r in rows if r["payer_id"] not in hostile
                                                   or r["received_on"] < since.isoformat()])
    templates = np.templates_copy(tmp_path / "letter_templates")
    url = f"sqlite:///{tmp_path / 'night.db'}"
    np.seed_database(url, fund, templates)

    night = np.run_night(np.env(url, tmp_path, templates, chunk=4), tmp_path / "cwd")
    assert night.returncode in (0, 1), night.stderr[-3000:]
    assert "Traceback" not in night.stderr
    state = np.outcome(url, tmp_path)
    assert "READY" in state.folder
    printed = {r["event_key"].split(":")[1]: r for r in state.letters.values()
               if r["status"] == "batched" and r["event_key"].startswith("due_notice:")}
    for affiliate, first, last, street, literal in HOSTILE:
        assert affiliate in printed, f"{affiliate}'s letter was not printed"
        pdf = tmp_path / "archive" / printed[affiliate]["archive_path"]
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        if literal:
            assert literal in text, text[:1500]
        if literal == "{{ 7*7 }}":
            assert "{% raw %}Peeters" in text and "{{ config }}straat" in text
        if literal == "<script>":
            assert "<b>Dupont</b>" in text and "onerror=alert(1)>" in text
