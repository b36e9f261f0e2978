"""`templates check` as people and scripts read it: one message per cause with every place listed once, errors
first, a suggestion for a misspelled filter, a fix where one is known, `--errors-only`, `--json` in its
documented shape, progress on a terminal only; and `templates preview` saying what the check says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import pytest

from correspondence.config import TEMPLATES_DIR
from correspondence.templates import check_report
from correspondence.templates.check import Finding, check
from scheduler import cli
from tests.json_shapes import validate
from tests.template_copies import copy_templates, edit_once

# Where the acceptance test misspells `| date` as `| datum`: two letters' languages and three partials, twice
# on one line of the Dutch letter (a place is listed once however often the mistake is on it).
DATUM = [
    ("due_notice/nl.html", "{{ contribution.due_date | date }}",
     "{{ contribution.due_date | datum }} ({{ contribution.due_date | datum('short') }})"),
    ("due_notice/fr.html", "{{ contribution.due_date | date }}", "{{ contribution.due_date | datum }}"),
    ("partials/nl/contest.html", "{{ contest.until | date }}", "{{ contest.until | datum }}"),
    ("partials/fr/contest.html", "{{ contest.until | date }}", "{{ contest.until | datum }}"),
    ("partials/fr/letter.html", "{{ letter.date | date }}", "{{ letter.date | datum }}"),
]


def _places(templates: Path, needle: str) -> list[str]:
    """Every `file, line N` holding `needle`, as the check names places."""
    return [f"{file}, line {number}" for file, _, _ in DATUM
            for number, line in enumerate((templates / file).read_text(encoding="utf-8").splitlines(), 1)
            if needle in line]


@pytest.fixture
def datum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    templates = copy_templates(tmp_path)
    for file, old, new in DATUM:
        edit_once(templates / file, old, new)
    monkeypatch.setenv("CORRESPONDENCE_TEMPLATES", str(templates))
    return templates


@pytest.mark.slow
def test_an_unknown_filter_is_one_message_with_a_suggestion_and_every_place(
        datum: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["templates", "check", "due_notice"]) == 1
    out, err = capsys.readouterr()
    assert err == ""  # not a terminal: no progress
    mentions = [line for line in out.splitlines() if "datum" in line]
    assert mentions == ["ERROR   unknown filter `datum`: did you mean `date`?"]
    places = _places(datum, "| datum")
    assert len(places) == 5
    block = out.split(mentions[0] + "\n", 1)[1].splitlines()[:len(places)]
    assert sorted(line.strip() for line in block) == sorted(places)
    assert out.endswith("1 error, 0 warnings — nothing may be approved until the errors are corrected\n")
    assert cli.main(["templates", "check", "due_notice", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    validate("templates-check", data)
    [finding] = data["findings"]
    assert (data["errors"], data["warnings"], finding["level"]) == (1, 0, "error")
    assert finding["cause"] == "unknown filter `datum`: did you mean `date`?" and "hint" not in finding
    assert sorted(f"{p['file']}, {p['at']}" for p in finding["places"]) == sorted(places)
    assert (finding["letter_types"], sorted(finding["languages"])) == (["due_notice"], ["fr", "nl"])


def _without_appeal(path: Path) -> None:
    document = docx.Document(str(path))
    block = next(p for p in document.paragraphs if p.text.strip() == "{{p appeal }}")
    block._element.getparent().remove(block._element)
    document.save(str(path))


@pytest.mark.slow
@pytest.mark.parametrize(("languages", "named"), [
    (["fr"], "mantelzorg_refused/fr.docx: this decision does not include the appeal partial "
             "(partials/fr/appeal.docx)"),
    (["fr", "de"], "this decision does not include the appeal partial (partials/<lang>/appeal.docx)"),
])
def test_a_removed_appeal_paragraph_is_one_error_with_its_fix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        languages: list[str], named: str) -> None:
    templates = copy_templates(tmp_path)
    for language in languages:
        _without_appeal(templates / "mantelzorg_refused" / f"{language}.docx")
    monkeypatch.setenv("CORRESPONDENCE_TEMPLATES", str(templates))
    assert cli.main(["templates", "check", "mantelzorg_refused", "--errors-only"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ERROR   " + named)
    assert out[-2:] == [
        "          fix: put a paragraph holding only `{{p appeal }}` back where the appeal block was",
        "1 error — nothing may be approved until the errors are corrected"]
    assert out[1:-2] == [f"          mantelzorg_refused/{x}.docx" for x in languages if len(languages) > 1]
    assert cli.main(["templates", "check", "mantelzorg_refused", "--json", "--errors-only"]) == 1
    data = json.loads(capsys.readouterr().out)
    validate("templates-check", data)
    assert (data["errors"], data["warnings"], len(data["findings"])) == (1, None, 1)
    assert data["findings"][0]["hint"].startswith("put a paragraph holding only `{{p appeal }}` back")


@pytest.mark.slow
@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("due_notice/nl.html", "{{ contribution.total | money }}", "{{ contribution.total | mony }}",
     "due_notice/nl.html, line 12: unknown filter `mony`: did you mean `money`?"),
    ("due_notice/nl.html", "{{ contribution.total | money }}", "{{ contribution.total | zzz }}",
     "due_notice/nl.html, line 12: unknown filter `zzz`"),
    ("due_notice/nl.html", "{% if contribution.partly_paid %}", "{% if contribution.partly_paid is tru %}",
     "unknown test `tru`"),
    ("due_notice/nl.html", "{{ recipient.name }}", "{{ recipient.nme }}",
     'due_notice/nl.html, line 4: "{{ recipient.nme }}" is not something this letter knows — did you mean '
     '"recipient.name"?'),
])
def test_unknown_names_are_found_before_any_sample_is_filled(tmp_path: Path, file: str, old: str, new: str,
                                                              expected: str) -> None:
    templates = copy_templates(tmp_path)
    edit_once(templates / file, old, new)
    errors = [f for f in check(templates, "due_notice") if f.level == "error"]
    assert [f.sample for f in errors] == [None], [str(f) for f in errors]  # said once, not once per sample
    assert expected in str(errors[0])


@pytest.mark.slow
def test_a_value_one_language_does_not_print_is_a_warning_naming_the_others(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit_once(templates / "due_notice" / "fr.html", "{{ contribution.fee | money }}", "")
    warnings = [f for f in check(templates, "due_notice") if f.level == "warning"]
    assert [(str(f), f.hint) for f in warnings] == [
        ('due_notice/fr.html: "contribution.fee" is printed by the Dutch and German version but not by this '
         "one",
         "the languages should say the same: print it here too, or remove it from the others")]


@pytest.mark.slow
def test_a_sample_with_a_wrong_value_is_named_with_its_line_and_what_a_sample_holds(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit_once(templates / "due_notice" / "samples" / "fr-brussels.json", '"due_date": "2026-12-31"',
              '"due_date": 20261231')
    text = check_report.report(check(templates, "due_notice", warnings=False), errors_only=True)
    assert text.splitlines() == [
        "ERROR   a value of the sample cannot be printed here (TypeError: fromisoformat: argument must be "
        'str) — in a sample, dates are written as "2026-12-31", amounts as "1545.75" (in quotes), counts as '
        "numbers",
        '          due_notice/nl.html, line 20: with sample "fr-brussels"',
        '          due_notice/fr.html, line 21: with sample "fr-brussels"',
        '          due_notice/de.html, line 20: with sample "fr-brussels"',
        "1 error — nothing may be approved until the errors are corrected"]


@pytest.mark.slow
def test_progress_names_each_letter_type_and_language_in_turn() -> None:
    said: list[str] = []
    check(TEMPLATES_DIR, "due_notice", progress=said.append, warnings=False)
    assert said == [f"checking due_notice (1 of 1): {x} …" for x in ("nl", "fr", "de")]


def _f(level: str, file: str, message: str, language: str | None = "nl", letter_type: str = "due_notice",
       place: str = "", sample: str | None = None, hint: str | None = None) -> Finding:
    said = f'with sample "{sample}": {message}' if sample else message
    return Finding(level, file, place, said, letter_type, language, sample, hint)


ONE_ERROR = "1 error — nothing may be approved until the errors are corrected"
# (findings, the report's lines): the grouping itself, without running the check.
GROUPED = [
    ([_f("warning", "due_notice/nl.html", "a warning"),
      _f("error", "due_notice/nl.html", "an error", place="line 3")],
     ["ERROR   due_notice/nl.html, line 3: an error", "warning due_notice/nl.html: a warning",
      "1 error, 1 warning — nothing may be approved until the errors are corrected"]),
    ([_f("error", "due_notice/nl.html", "missing", place="line 3", sample=s) for s in ("a", "b", "c")],
     ['ERROR   due_notice/nl.html, line 3: with 3 samples ("a", "b", "c"): missing',
      "1 error — nothing may be approved until the errors are corrected"]),
    ([_f("error", "partials/fr/x.html", "bad", "fr", t, "line 2") for t in ("due_notice", "reminder")]
     + [_f("error", "partials/nl/x.html", "bad", "nl", "reminder", "line 2")],
     ["ERROR   bad (in due_notice, reminder)", "          partials/fr/x.html, line 2",
      "          partials/nl/x.html, line 2", ONE_ERROR]),
    ([_f("error", f"t/{x}.docx", f"lacks partials/{x}/appeal.docx", x, hint=f"put partials/{x}/a back")
      for x in ("nl", "fr")],
     ["ERROR   lacks partials/<lang>/appeal.docx", "          t/nl.docx", "          t/fr.docx",
      "          fix: put partials/<lang>/a back", ONE_ERROR]),
    ([_f("error", f, "is a symbolic link (to /etc/x)", None) for f in ("due_notice", "due_notice/letter.toml")],
     ["ERROR   due_notice: is a symbolic link (to /etc/x)", ONE_ERROR]),  # a linked folder, not each file in it
    ([], ["0 errors"]),
]


@pytest.mark.parametrize(("findings", "lines"), GROUPED)
def test_findings_are_grouped_by_cause_errors_first(findings: list[Finding], lines: list[str]) -> None:
    errors_only = not findings or all(f.level == "error" for f in findings)
    assert check_report.report(findings, errors_only).splitlines() == lines
    data = check_report.as_json(findings, errors_only)
    validate("templates-check", data)
    assert data["errors"] == sum(line.startswith("ERROR") for line in lines)


def test_progress_is_shown_on_a_terminal_only_and_cleared(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import correspondence.templates.check as module

    def fake(templates_dir: Path, only: str | None, progress: object = None,
             warnings: bool = True) -> list[Finding]:
        if progress is not None:
            progress("checking due_notice (1 of 1): nl …")  # type: ignore[operator]
        return []

    monkeypatch.setattr(module, "check", fake)
    assert cli.main(["templates", "check", "due_notice"]) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert cli.main(["templates", "check", "due_notice"]) == 0
    out, err = capsys.readouterr()
    assert err == "\r\033[Kchecking due_notice (1 of 1): nl …\r\033[K" and out == "0 errors, 0 warnings\n"


@pytest.mark.slow
@pytest.mark.parametrize(("edit", "says"), [
    (("due_notice/samples/fr-brussels.json", '"due_date": "2026-12-31"', '"due_date": 20261231'),
     'due_notice/fr.html, line 21: with sample "fr-brussels": a value of the sample cannot be printed here '
     "(TypeError: fromisoformat: argument must be str)"),
    (("partials/fr/letter.html", "{{ letter.id }}", "{{ letter.idd }}"),
     'partials/fr/letter.html, line 8: "{{ letter.idd }}" is not something this letter knows — did you mean '
     '"letter.id"?'),
])
def test_a_preview_that_cannot_be_printed_says_what_the_check_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        edit: tuple[str, str, str], says: str) -> None:
    templates = copy_templates(tmp_path)
    edit_once(templates / edit[0], edit[1], edit[2])
    monkeypatch.setenv("CORRESPONDENCE_TEMPLATES", str(templates))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["templates", "preview", "due_notice", "--lang", "fr", "--sample", "fr-brussels"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith("templates preview: " + says), err
    assert "Traceback" not in err and not list(tmp_path.glob("*.pdf"))


@pytest.mark.slow
def test_a_preview_goes_into_a_private_temporary_folder_or_the_folder_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    assert cli.main(["templates", "preview", "due_notice", "--lang", "nl", "--sample", "nl-brussels"]) == 0
    [written] = capsys.readouterr().out.split()
    folder = rf"{tmp_path}/tmp/correspondence-previews-\d+"
    assert re.fullmatch(folder + r"/preview-due_notice-nl-nl-brussels\.pdf", written)
    assert Path(written).parent.stat().st_mode & 0o777 == 0o700 and not list((tmp_path / "repo").iterdir())
    (tmp_path / "mine").mkdir()
    nl = ["templates", "preview", "due_notice", "--lang", "nl"]
    assert cli.main([*nl, "--out-dir", str(tmp_path / "mine")]) == 0
    assert capsys.readouterr().out.split() == [f"{tmp_path}/mine/preview-due_notice-nl-nl-brussels.pdf"]
    assert cli.main([*nl, "--out-dir", str(tmp_path / "nope")]) == 2
    said = capsys.readouterr().err
    assert said == f"templates preview: cannot write into {tmp_path}/nope: no such folder\n"
