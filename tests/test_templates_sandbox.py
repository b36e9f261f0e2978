"""A hostile template that somehow got approved can never run in the night: its letters are quarantined."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from correspondence.config import TEMPLATES_DIR, Settings
from correspondence.importing import import_dir
from correspondence.store import connect
from correspondence.templates import approvals
from scheduler.night import run_night

NIGHT = date(2026, 11, 22)
SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"

HOSTILE = [
    # (what the template does, inserted before the salutation, words the quarantine reason must contain)
    ("Python internals", "{{ ''.__class__.__mro__ }}", ["__class__", "unsafe"]),
    ("a file of the system", "{% include '/etc/passwd' %}", ["/etc/passwd"]),
    ("a Python module", "{% import 'os' as os %}{{ os.system('id') }}", ["os"]),
    ("an image outside assets", '<img src="file:///etc/passwd">', ["file:///etc/passwd", "assets"]),
    ("a tracking pixel in CSS", '<p style="background: url(https://tracker.example/p.png)">x</p>',
     ["https://tracker.example/p.png"]),
    ("a range the sandbox caps", "{% for i in range(10000000) %}x{% endfor %}", ["range too big"]),
    ("a loop that never ends", "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
     ["took more than 0.5 s"]),
]


@pytest.mark.parametrize(("what", "insert", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_approved_template_quarantines_its_letters_and_the_night_goes_on(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str, insert: str,
        reason: list[str]) -> None:
    monkeypatch.setenv("CORRESPONDENCE_RENDER_SECONDS", "0.5")
    templates = tmp_path / "letter_templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    nl = templates / "due_notice" / "nl.html"
    nl.write_text(nl.read_text().replace("<p>Geachte", insert + "<p>Geachte", 1))
    settings = replace(settings, templates_dir=templates)
    with connect(settings.db_url).begin() as connection:  # approved without `templates check`
        approvals.import_shipped(connection, templates)
        approvals.approve(connection, templates, "due_notice", "nl", "Mallory", NIGHT)
    import_dir(connect(settings.db_url), SMALL_FUND)
    result = run_night(settings, NIGHT)
    assert (result.letters, result.exit_code) == (2, 1)
    [held] = result.summary["quarantined"]
    assert held["record"] == "affiliate A0000001"
    assert all(word.casefold() in held["reason"].casefold() for word in reason), held["reason"]
