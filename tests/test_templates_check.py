"""`templates check` on the shipped templates and on deliberately broken copies: file, place and cause named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from docx import Document
from jinja2 import DictLoader

from correspondence.config import TEMPLATES_DIR
from correspondence.render import templating
from correspondence.templates import catalog, word_tags
from correspondence.templates.check import check
from scheduler import cli
from tests.template_copies import copy_templates, edit_once

SHIPPED_TYPES = sorted(catalog.load(TEMPLATES_DIR))
WORD_TOML = """description = "A Word letter for the tests"
format = "docx"
mail_class = "registered"
service = "contributions"
recipient = "affiliate"
languages = ["nl", "fr", "de"]

[context.benefit]
monthly_amount = "the monthly amount"
months = "how many months"
"""


_copy = copy_templates
_edit = edit_once


def _errors(templates: Path, only: str | None = None) -> list[str]:
    return [str(f) for f in check(templates, only) if f.level == "error"]


@pytest.mark.parametrize("letter_type", SHIPPED_TYPES)
def test_every_shipped_template_passes_the_check_without_a_warning(letter_type: str) -> None:
    assert [str(f) for f in check(TEMPLATES_DIR, letter_type)] == []


BROKEN_HTML = [
    # (file, old, new, expected message parts)
    ("due_notice/fr.html", "{{ contribution.amount | money }}", "{{ contribution.montant | money }}",
     ["due_notice/fr.html, line 10:", '"{{ contribution.montant }}" is not something this letter knows',
      'did you mean "contribution.amount"?']),
    ("due_notice/nl.html", "{{ recipient.name }}", "{{ naam }}",
     ["due_notice/nl.html, line 4:", '"{{ naam }}" is not something this letter knows']),
    ("due_notice/de.html", "{% endblock %}", "{% endblok %}",
     ["due_notice/de.html, line 2:", "the template language is not written correctly"]),
    ("due_notice/nl.html", "{{ contribution.fee | money }}", "{{ contribution.fee | money }",
     ["due_notice/nl.html, line 10:", "not written correctly"]),
    ("partials/fr/payment.html", "{{ payment.iban | iban }}", "{{ payment.ibna | iban }}",
     ["partials/fr/payment.html, line 5:", 'did you mean "payment.iban"?']),
    ("due_notice/nl.html", "<p>Geachte", "{{ ''.__class__.__mro__ }}<p>Geachte",
     ["due_notice/nl.html, line 4:", '"__class__" reaches into the program\'s internals']),
    ("due_notice/nl.html", "<p>Geachte", "{% include '/etc/passwd' %}<p>Geachte",
     ["due_notice/nl.html, line 4:", 'uses "/etc/passwd", which is not a partial']),
    ("due_notice/nl.html", "<p>Geachte", "{% import 'os' as os %}<p>Geachte",
     ["due_notice/nl.html, line 4:", 'uses "os", which is not a partial']),
    ("due_notice/nl.html", "<p>Geachte", '<img src="file:///etc/passwd"><p>Geachte',
     ["due_notice/nl.html: with sample", 'loads "file:///etc/passwd" (img src)']),
    ("due_notice/nl.html", "<p>Geachte", '<p style="background: url(https://tracker.example/x.png)">Geachte',
     ["due_notice/nl.html: with sample", 'loads "https://tracker.example/x.png" (p style)']),
    ("assets/letter.css", "@page", "@import 'https://fonts.example/x.css';\n@page",
     ["assets/letter.css:", 'loads "https://fonts.example/x.css"']),
    ("due_notice/nl.html", "<p>Geachte", "{% for i in range(1000000) %}x{% endfor %}<p>Geachte",
     ["due_notice/nl.html, line 4: with sample", "range too big"]),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), BROKEN_HTML)
def test_a_broken_html_template_fails_naming_file_place_and_cause(tmp_path: Path, file: str, old: str, new: str,
                                                                   expected: list[str]) -> None:
    templates = _copy(tmp_path)
    _edit(templates / file, old, new)
    errors = _errors(templates, "due_notice")
    assert any(all(part.casefold() in e.casefold() for part in expected) for e in errors), "\n".join(errors)


def test_a_loop_that_never_ends_is_stopped_and_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORRESPONDENCE_RENDER_SECONDS", "0.5")
    templates = _copy(tmp_path)
    _edit(templates / "due_notice/de.html", "{% block body %}",
          "{% block body %}{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}")
    errors = _errors(templates, "due_notice")
    assert len(errors) == 1 and "took more than 0.5 s" in errors[0] and errors[0].startswith("due_notice/de.html")


@pytest.mark.parametrize(("change", "expected"), [
    ("delete de.html", "due_notice/de.html: the German template is missing"),
    ("drop de from letter.toml", "due_notice/letter.toml: the letter has no German version"),
])
def test_a_missing_language_fails(tmp_path: Path, change: str, expected: str) -> None:
    templates = _copy(tmp_path)
    if change == "delete de.html":
        (templates / "due_notice" / "de.html").unlink()
    else:
        _edit(templates / "due_notice" / "letter.toml", '["nl", "fr", "de"]', '["nl", "fr"]')
    assert any(e.startswith(expected) for e in _errors(templates, "due_notice"))


def test_a_decision_without_the_appeal_partial_fails(tmp_path: Path) -> None:
    templates = _copy(tmp_path)
    shutil.copytree(templates / "due_notice", templates / "refusal")
    _edit(templates / "refusal" / "letter.toml", 'recipient = "affiliate"', 'recipient = "affiliate"\ndecision = true')
    errors = _errors(templates, "refusal")
    for language in ("nl", "fr", "de"):
        assert (f"refusal/{language}.html: this decision does not include the appeal partial (partials/{language}/"
                "appeal.html): without the six mentions of art. 14 of the Charter the appeal deadline does not "
                "start") in errors


def _word(path: Path, paragraphs: list[list[tuple[str, bool]]]) -> None:
    """A .docx whose paragraphs are made of (text, bold) runs, as Word stores differently formatted pieces."""
    document = Document()
    for runs in paragraphs:
        paragraph = document.add_paragraph()
        for text, bold in runs:
            paragraph.add_run(text).bold = bold
    document.save(str(path))


def _word_type(templates: Path, fr: list[list[tuple[str, bool]]]) -> None:
    folder = templates / "benefit_letter"
    (folder / "samples").mkdir(parents=True)
    (folder / "letter.toml").write_text(WORD_TOML)
    good = [[("Madame, Monsieur {{ recipient.name }},", False)],
            [("Montant mensuel : {{ benefit.monthly_amount | money }} pendant {{ benefit.months }} mois.", False)]]
    for language in ("nl", "de"):
        _word(folder / f"{language}.docx", good)
    _word(folder / "fr.docx", fr)
    sample = json.loads((templates / "due_notice" / "samples" / "fr-brussels.json").read_text())
    sample["benefit"] = {"monthly_amount": "1234.56", "months": 6}
    (folder / "samples" / "fr.json").write_text(json.dumps(sample))


@pytest.mark.parametrize(("fr", "expected"), [
    ([[("Bonjour", False)], [("Le montant mensuel est de ", False), ("{{ montant_mensuel }}", False)]],
     ('benefit_letter/fr.docx, paragraph 2 ("Le montant mensuel est de {{ montant_mensuel }}"): '
     '"{{ montant_mensuel }}" is not something this letter knows — did you mean "benefit.monthly_amount"?')),
    ([[("Bonjour", False)], [("Cher ", False), ("{{ recipient.na", False), ("me }}", True)]],
     ('benefit_letter/fr.docx, paragraph 2 ("Cher {{ recipient.name }}"): the tag "{{ recipient.name }}" is split '
     'by Word into 2 pieces of differently formatted text ("{{ recipient.na" | "me }}")')),
    ([[("Bonjour", False)], [("Cher {", False), ("{ recipient.name }}", True)]],
     'benefit_letter/fr.docx, paragraph 2 ("Cher {{ recipient.name }}"): the tag "{{ recipient.name }}" is split'),
    ([[("Bonjour", False)], [("{% if benefit.months > 3 %}long", False)], [("{% endfi %}", False)]],
     'benefit_letter/fr.docx, paragraph 3 ("{% endfi %}"): the template language is not written correctly'),
    ([[("Bonjour {{ recipient.name", False)], [("}}", False)]],
     ('benefit_letter/fr.docx, paragraph 1 ("Bonjour {{ recipient.name"): "{{ recipient.name" is opened but '
     "not closed in this paragraph")),
])
def test_a_broken_word_template_fails_naming_the_paragraph(tmp_path: Path, fr: list[list[tuple[str, bool]]],
                                                            expected: str) -> None:
    templates = _copy(tmp_path)
    _word_type(templates, fr)
    errors = _errors(templates, "benefit_letter")
    assert any(e.startswith(expected) for e in errors), "\n".join(errors)


def test_a_correct_word_template_passes_and_escapes_data_for_word_xml(tmp_path: Path) -> None:
    templates = _copy(tmp_path)
    _word_type(templates, [[("Madame, Monsieur {{ recipient.name }},", False)],
                           [("Montant : {{ benefit.monthly_amount | money }}", False)]])
    assert _errors(templates, "benefit_letter") == []
    [part] = [p for p in word_tags.parts((templates / "benefit_letter" / "fr.docx").read_bytes())
              if p.name == "document"]
    env = templating.environment(DictLoader({}))
    context = {"letter": {"language": "fr"}, "recipient": {"name": "Dupont & Fils <BV> {{ 7*7 }}"},
               "benefit": {"monthly_amount": "1234.56"}}
    xml = env.from_string(part.source).render(context)
    assert "Dupont &amp; Fils &lt;BV&gt; {{ 7*7 }}" in xml
    assert word_tags.rendered_text(xml).splitlines()[:2] == [
        "Madame, Monsieur Dupont & Fils <BV> {{ 7*7 }},", "Montant : 1\u202f234,56\u00a0€"]


@pytest.mark.parametrize(("argv", "code", "needle"), [
    (["templates", "check", "due_notice"], 0, "0 errors, 0 warnings"),
    (["templates", "check", "no_such_letter"], 2, ""),
    (["templates", "variables", "due_notice"], 0, "{{ contribution.due_date }}"),
])
def test_the_check_commands_exit_codes(argv: list[str], code: int, needle: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == code
    assert needle in capsys.readouterr().out


def test_check_exits_1_on_a_broken_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    templates = _copy(tmp_path)
    _edit(templates / "due_notice/fr.html", "{{ contribution.total | money }}", "{{ contribution.totaal | money }}")
    monkeypatch.setenv("CORRESPONDENCE_TEMPLATES", str(templates))
    assert cli.main(["templates", "check", "due_notice"]) == 1
    out = capsys.readouterr().out
    assert 'did you mean "contribution.total"?' in out and out.rstrip().endswith("corrected")


DECISIONS = [t.name for t in catalog.load(TEMPLATES_DIR).values() if t.decision and t.format == "docx"]


@pytest.mark.skipif(not DECISIONS, reason="no Word decision letter type shipped yet")
def test_a_word_decision_whose_appeal_partial_lacks_the_mentions_fails(tmp_path: Path) -> None:
    templates = _copy(tmp_path)
    _word(templates / "partials" / "fr" / "appeal.docx", [[("Un recours est possible.", False)]])
    errors = _errors(templates, DECISIONS[0])
    assert any(e.startswith(f"{DECISIONS[0]}/fr.docx: with sample") and "the appeal text lacks mention 1:" in e
               for e in errors), "\n".join(errors)


@pytest.mark.parametrize(("old", "new", "warned"), [
    (".refs div { float: left; width: 34mm;", ".refs div { float: left;", True),  # references sized by content
    ("table.amounts:not(.account) { table-layout: fixed; width: 110mm; }", "", True),  # auto amount column
    ("/* No kerning", "/* No kerning", False),  # the shipped style: every sample stamped
])
def test_a_letter_type_laid_out_once_warns_when_its_letters_would_each_need_a_layout(
        tmp_path: Path, old: str, new: str, warned: bool) -> None:
    templates = _copy(tmp_path)
    _edit(templates / "assets" / "letter.css", old, new)
    warnings = [str(f) for f in check(templates, "due_notice") if "Layout once" in f.message]
    assert bool(warnings) == warned, warnings
    assert all("see \"Layout once\" in the README" in w for w in warnings)
