"""Attacks on a letter type's settings and size, replayed: the night goes by the approved `letter.toml`, a wrong
setting is an error of `templates check` and a held letter at night (never a crash, never a lost letter), and
`mailroom verify` finds a letter the journal says went out that no print file holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence import schema
from correspondence.config import Settings
from correspondence.importing import import_dir
from correspondence.mailroom import verify as mailroom_verify
from correspondence.store import connect
from correspondence.templates import approvals, catalog
from correspondence.templates.check import check
from scheduler import cli
from scheduler.night import NightResult, run_night
from tests.template_copies import copy_templates, edit_once

NIGHT = date(2026, 11, 22)
SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"  # three due notices: nl, fr and de
LETTER_TOML = "due_notice/letter.toml"

# (what a reviewer wrote in due_notice/letter.toml, the key, what the error must say)
WRONG_SETTINGS = [
    ('mail_class = "ordinary"', 'mail_class = "Registered"', "mail_class",
     'mail_class = "Registered": must be one of ordinary, registered (write "registered", exactly so)'),
    ('mail_class = "ordinary"', 'mail_class = "express"', "mail_class",
     'mail_class = "express": must be one of ordinary, registered'),
    ('service = "contributions"', 'service = "legal"', "service",
     'service = "legal": is not a service of the fund profile'),
    ('recipient = "affiliate"', 'recipient = "affiliates"', "recipient",
     'recipient = "affiliates": must be one of affiliate, company'),
    ('languages = ["nl", "fr", "de"]', 'languages = ["nl", "fr", "en"]', "languages",
     'languages = ["nl", "fr", "en"]: "en" is not a language of the letters (nl, fr, de)'),
    ('format = "html"', 'format = "pdf"', "format", 'format = "pdf": must be one of html, docx'),
    ('format = "html"', 'format = "html"\nmax_pages = 0', "max_pages",
     "max_pages = 0: must be a whole number of pages from 1 to 100"),
    ('format = "html"', 'format = "html"\nmailclass = "registered"', "mailclass", 'mailclass = "registered": unknown key'),
]


_templates = copy_templates
_edit = edit_once


def _night(settings: Settings) -> NightResult:
    import_dir(connect(settings.db_url), SMALL_FUND)
    return run_night(settings, NIGHT)


def _letters(settings: Settings) -> list[dict[str, object]]:
    with connect(settings.db_url).connect() as connection:
        return [dict(r) for r in connection.execute(select(schema.letters).where(
            schema.letters.c.run_date == NIGHT).order_by(schema.letters.c.letter_id)).mappings()]


def _verify(settings: Settings) -> list[str]:
    with connect(settings.db_url).connect() as connection:
        return mailroom_verify.verify(connection, settings.output_dir, settings.archive_dir, NIGHT)


@pytest.mark.parametrize("edit", ['mail_class = "registered"', 'mail_class = "Registered"', 'service = "legal"'])
def test_an_unapproved_letter_toml_does_not_change_the_night(settings: Settings, tmp_path: Path, edit: str) -> None:
    templates = _templates(tmp_path)
    settings = replace(settings, templates_dir=templates)
    with connect(settings.db_url).begin() as connection:  # the approved versions, before the edit
        approvals.import_shipped(connection, templates)
    key = edit.split(" ")[0]
    old = {"mail_class": 'mail_class = "ordinary"', "service": 'service = "contributions"'}[key]
    _edit(templates / LETTER_TOML, old, edit)

    result = _night(settings)

    assert (result.letters, result.exit_code, result.summary["quarantined"]) == (3, 0, [])
    letters = _letters(settings)
    assert {(r["mail_class"], r["status"]) for r in letters} == {("ordinary", "batched")}
    assert {f["mail_class"] for f in result.summary["print_files"]} == {"ordinary"}
    flagged = "\n".join(result.summary["unapproved_templates"])
    assert "due_notice/letter.toml" in flagged, flagged
    assert _verify(settings) == []


@pytest.mark.parametrize(("old", "new", "key", "message"), WRONG_SETTINGS, ids=[w[1] for w in WRONG_SETTINGS])
def test_a_wrong_setting_is_an_error_of_templates_check_naming_file_key_and_value(
        tmp_path: Path, old: str, new: str, key: str, message: str) -> None:
    templates = _templates(tmp_path)
    _edit(templates / LETTER_TOML, old, new)
    errors = [str(f) for f in check(templates, "due_notice") if f.level == "error"]
    assert f"{LETTER_TOML}: {message}" in [e[: len(LETTER_TOML) + 2 + len(message)] for e in errors], errors
    assert not any(e.startswith(("due_notice/nl", "due_notice/fr", "due_notice/de")) for e in errors), errors


@pytest.mark.parametrize("command", [["templates", "check", "due_notice"],
                                     ["templates", "variables", "due_notice"],
                                     ["templates", "approve", "due_notice", "--by", "A. Reviewer"]])
def test_the_template_commands_name_a_wrong_setting_without_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        command: list[str]) -> None:
    templates = _templates(tmp_path)
    _edit(templates / LETTER_TOML, 'mail_class = "ordinary"', 'mail_class = "Registered"')
    monkeypatch.setenv("CORRESPONDENCE_TEMPLATES", str(templates))
    monkeypatch.setenv("CORRESPONDENCE_DB", f"sqlite:///{tmp_path / 'db.sqlite'}")
    code = cli.main(command)
    out = capsys.readouterr()
    assert code in (1, 2)
    assert f'{LETTER_TOML}: mail_class = "Registered"' in out.out + out.err
    assert "Traceback" not in out.out + out.err


def test_the_engine_refuses_to_load_a_wrong_setting_and_names_it(tmp_path: Path) -> None:
    templates = _templates(tmp_path)
    _edit(templates / LETTER_TOML, 'service = "contributions"', 'service = "legal"')
    with pytest.raises(catalog.CatalogError, match='service = "legal"'):
        catalog.load(templates, services=("benefits", "collection", "contributions"))
    types, problems = catalog.scan(templates, services=("benefits", "collection", "contributions"))
    assert "due_notice" not in types and "reminder" in types
    assert [(p.file, p.key, p.value) for p in problems] == [(LETTER_TOML, "service", "legal")]


@pytest.mark.parametrize(("old", "new", "reason"), [
    ('mail_class = "ordinary"', 'mail_class = "Registered"', 'mail_class = "Registered": must be one of'),
    ('service = "contributions"', 'service = "legal"', 'service = "legal": is not a service of the fund profile'),
])
def test_an_approved_wrong_setting_holds_its_letters_and_the_night_goes_on(
        settings: Settings, tmp_path: Path, old: str, new: str, reason: str) -> None:
    templates = _templates(tmp_path)
    settings = replace(settings, templates_dir=templates)
    _edit(templates / LETTER_TOML, old, new)
    with connect(settings.db_url).begin() as connection:  # approved without `templates check` (as before it)
        approvals.import_shipped(connection, templates)
        for language in ("nl", "fr", "de"):
            approvals.approve(connection, templates, "due_notice", language, "Mallory", NIGHT)

    result = _night(settings)  # no KeyError, no letter journaled that no print file holds

    assert (result.status, result.letters, result.exit_code) == ("complete", 0, 1)
    held = result.summary["quarantined"]
    assert sorted(h["record"] for h in held) == ["template due_notice/de", "template due_notice/fr",
                                                 "template due_notice/nl"]
    for h in held:
        assert h["field"] == "letter.toml" and reason in h["reason"] and "templates check" in h["action"], h
    assert _letters(settings) == []
    assert _verify(settings) == []


def _damage(settings: Settings, damage: str) -> str:
    """Do `damage` to a completed night; the letter id (or file) verify must then name."""
    l = schema.letters.c
    folder = settings.output_dir / NIGHT.isoformat()
    first = _letters(settings)[0]
    with connect(settings.db_url).begin() as connection:
        if damage == "journaled as sent, placed in no print file":  # what mail_class = "Registered" did
            connection.execute(schema.letters.update().where(l.letter_id == first["letter_id"]).values(
                status="rendered", mail_class="Registered", print_file=None, first_page=None))
            return f"letter {first['letter_id']} of the journal is in no print file"
        if damage == "journaled after the print files were written":
            row = {**first, "letter_id": f"{NIGHT:%Y%m%d}-999999", "event_key": "attack:late", "status": "rendered",
                   "print_file": None, "first_page": None}
            connection.execute(schema.letters.insert().values(**row))
            return f"letter {NIGHT:%Y%m%d}-999999 of the journal is in no print file"
        if damage == "journal points at a print file the night has not":
            connection.execute(schema.letters.update().where(l.letter_id == first["letter_id"]).values(
                print_file="registered/batch-0001.pdf"))
            return f"letter {first['letter_id']}: the print file the journal names is not one of the night's"
    if damage == "print file deleted":
        (folder / first["print_file"]).unlink()
        return f"{first['print_file']}: missing — it holds letters {', '.join(r['letter_id'] for r in _letters(settings))}"
    if damage == "letter listed in two print files":
        manifest = folder / "manifest.csv"
        line = next(x for x in manifest.read_text(encoding="utf-8").splitlines() if x.startswith(first["letter_id"]))
        manifest.write_text(manifest.read_text(encoding="utf-8") + line.replace(first["print_file"], "registered/x.pdf")
                            + "\n", encoding="utf-8")
        return f"letter {first['letter_id']} ({first['print_file']}, registered/x.pdf): in more than one print file"
    raise AssertionError(damage)


@pytest.mark.parametrize("damage", ["journaled as sent, placed in no print file",
                                    "journaled after the print files were written",
                                    "journal points at a print file the night has not", "print file deleted",
                                    "letter listed in two print files"])
def test_verify_names_a_letter_the_journal_sent_that_is_not_in_exactly_one_print_file(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        damage: str) -> None:
    result = _night(settings)
    assert (result.letters, _verify(settings)) == (3, [])
    named = _damage(settings, damage)
    problems = _verify(settings)
    assert any(p.startswith(named) for p in problems), problems
    for key, value in {"CORRESPONDENCE_DB": settings.db_url, "CORRESPONDENCE_OUTPUT": str(settings.output_dir),
                       "CORRESPONDENCE_ARCHIVE": str(settings.archive_dir)}.items():
        monkeypatch.setenv(key, value)
    assert cli.main(["mailroom", "verify", NIGHT.isoformat()]) == 1
    assert f"DIFFERENCE: {named}" in capsys.readouterr().out


def _hostile_nl(settings: Settings, tmp_path: Path, insert: str, max_pages: int | None = None) -> Settings:
    """due_notice/nl.html with `insert` before its salutation, approved without `templates check`."""
    templates = _templates(tmp_path)
    _edit(templates / "due_notice" / "nl.html", "<p>Geachte", insert + "<p>Geachte")
    if max_pages is not None:
        _edit(templates / LETTER_TOML, 'format = "html"', f'format = "html"\nmax_pages = {max_pages}')
    with connect(settings.db_url).begin() as connection:
        approvals.import_shipped(connection, templates)
        for language in ("nl", "fr", "de"):
            approvals.approve(connection, templates, "due_notice", language, "Mallory", NIGHT)
    return replace(settings, templates_dir=templates)


def _held(result: NightResult) -> dict[str, object]:
    [held] = result.summary["quarantined"]
    assert held["record"] == "affiliate A0000001", held  # the nl letter; fr and de went out
    assert (result.status, result.letters, result.exit_code) == ("complete", 2, 1)
    return held


PAGES = "{% for i in range(N) %}<p style=\"page-break-before: always\">{{ i }}</p>{% endfor %}"


@pytest.mark.parametrize(("pages", "max_pages", "reason"), [
    pytest.param(489, None, "489 pages, more than the 6 that due_notice/letter.toml allows (max_pages)",
                 marks=pytest.mark.slow),
    (4, 3, "4 pages, more than the 3 that due_notice/letter.toml allows (max_pages)"),
    (4, 4, None),
])
def test_a_letter_over_its_page_cap_is_held_naming_the_cap(settings: Settings, tmp_path: Path, pages: int,
                                                           max_pages: int | None, reason: str | None) -> None:
    if pages > 100 and not settings.db_url.startswith("sqlite"):
        pytest.skip("laying out 489 pages takes half a minute: once, on SQLite, is enough for the page cap")
    settings = _hostile_nl(settings, tmp_path, PAGES.replace("N", str(pages - 1)), max_pages)
    result = _night(settings)
    if reason is None:
        assert (result.letters, result.exit_code) == (3, 0)
        nl = next(r for r in _letters(settings) if r["recipient_id"] == "A0000001")
        assert nl["pages"] == pages
        return
    held = _held(result)
    assert (held["field"], held["reason"]) == ("pages", reason + " — a loop that prints too much?")
    assert _verify(settings) == []


SLOW_TO_COMPILE = "".join(f"{{% if letter.id == '{i}' %}}<b>{{{{ letter.id }}}}{i}</b>{{% endif %}}"
                          for i in range(20000))  # seconds to compile, on any machine


@pytest.mark.parametrize(("insert", "seconds", "megabytes", "field", "reason"), [
    # each case gets room under the limits it is not about, so a busy machine cannot hold it for another cause
    # cut while compiling, or (on a busy machine, when the signal lands just after) in the first instructions
    (SLOW_TO_COMPILE, "0.5", "1024", "template", "took more than 0.5 s"),
    ("{% for i in range(99999) %}<p>{{ i }} " + "x" * 400 + "</p>{% endfor %}", "60", "1024", "memory",
     "the filled-in letter is larger than 2,000,000 characters"),
    ('{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}', "60", "64",
     "memory", "filling in the template needed more than 64 MB of memory"),
], ids=["slow to compile", "prints too much", "builds ever larger values"])
def test_a_template_over_the_time_size_or_memory_limit_is_held_and_the_night_goes_on(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, insert: str, seconds: str,
        megabytes: str, field: str, reason: str) -> None:
    monkeypatch.setenv("CORRESPONDENCE_RENDER_SECONDS", seconds)
    monkeypatch.setenv("CORRESPONDENCE_RENDER_MEMORY_MB", megabytes)
    settings = _hostile_nl(settings, tmp_path, insert)
    held = _held(_night(settings))
    assert held["field"] == field and reason in held["reason"], held
    assert _verify(settings) == []


@pytest.mark.parametrize(("insert", "seconds", "megabytes", "reason"), [
    (SLOW_TO_COMPILE, "0.5", "1024", "took more than 0.5 s"),
    ("{% for i in range(99999) %}<p>{{ i }} " + "x" * 400 + "</p>{% endfor %}", "60", "1024",
     "the filled-in letter is larger than 2,000,000 characters"),
    ('{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}', "60", "64",
     "filling in the template needed more than 64 MB of memory"),
], ids=["slow to compile", "prints too much", "builds ever larger values"])
def test_templates_check_names_a_template_over_the_time_size_or_memory_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, insert: str, seconds: str, megabytes: str,
        reason: str) -> None:
    monkeypatch.setenv("CORRESPONDENCE_RENDER_SECONDS", seconds)
    monkeypatch.setenv("CORRESPONDENCE_RENDER_MEMORY_MB", megabytes)
    templates = _templates(tmp_path)
    _edit(templates / "due_notice" / "nl.html", "<p>Geachte", insert + "<p>Geachte")
    errors = [str(f) for f in check(templates, "due_notice") if f.level == "error"]
    assert errors and all(e.startswith("due_notice/nl.html") and reason in e for e in errors), errors
