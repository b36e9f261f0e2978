"""Issue 16, items 4, 6 and 9: each letter speaks for the fund in its own language, every money letter says how
to contest it and names the competent labour court, every letter carries the privacy notice, and a letter's
pages say "1/2" and, after the first, whose letter it is.

Letters are composed as the night composes them (the in-memory fund of tests/kinds/scenarios.py, the recipient
moved to a municipality of each language) and filled by the renderer's own filling; no layout, except the one
test of the page footer.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from correspondence.config import DEFAULT_FUND, TEMPLATES_DIR, load_fund
from correspondence.fund_profile import problems
from correspondence.kinds.letter import ComposeEnv, compose
from correspondence.kinds.registry import by_name
from correspondence.quarantine import Quarantine
from correspondence.render.html import SnapshotRenderer, page_count
from correspondence.render.jobs import Failed, Job
from correspondence.render.templating import HtmlTemplates
from correspondence.templates import catalog, check, contest_check, snapshots
from rules.language import LANGUAGES
from rules.params import Parameters
from tests.kinds.scenarios import SCENARIOS

PARAMS = Parameters()
FUND = load_fund(DEFAULT_FUND)
TYPES = catalog.load(TEMPLATES_DIR)
MONEY = sorted(name for name, t in TYPES.items() if t.contest)
HTML_TYPES = sorted(name for name, t in TYPES.items() if t.format == "html")
WORD_TYPES = sorted(name for name, t in TYPES.items() if t.format == "docx")
# A municipality of each language area, and the court that is competent there.
PLACES = {"nl": ("9000", "Gent"), "fr": ("5000", "Namur"), "de": ("4700", "Eupen")}
COURTS = {"nl": "Arbeidsrechtbank Gent", "fr": "Tribunal du travail de Liège", "de": "Arbeitsgericht Eupen"}
PRIVACY = {"nl": "Gegevensbeschermingsautoriteit", "fr": "Autorité de protection des données",
           "de": "Datenschutzbehörde"}
_FILLERS: dict[tuple[str, str], HtmlTemplates] = {}


def composed(name: str, language: str) -> dict[str, Any]:
    """The letter's context as the night composes it, for a recipient living where `language` is spoken."""
    make, day = SCENARIOS[name]
    fund = make()
    [event] = [e for e in by_name()[name].trigger(fund, day, PARAMS) if getattr(e, "letter_type", "") == name]
    row = fund.recipients(event.recipient_type, [event.recipient_id])[event.recipient_id]
    postcode, city = PLACES[language]
    row = {**row, "postcode": postcode, "city": city, "country": "BE", "language": language}
    letter = compose(by_name()[name], event, row, ComposeEnv(day, FUND, TYPES, PARAMS), "20260101-000001")
    assert letter.language == language
    return letter.context


def text_of(name: str, language: str, context: dict[str, Any]) -> str:
    if (name, language) not in _FILLERS:
        _FILLERS[name, language] = HtmlTemplates(snapshots.working_copy(TEMPLATES_DIR, name, language).files)
    html = _FILLERS[name, language].fill(name, language, context).html()
    return re.sub(r"\s+", " ", lxml_html.fromstring(html).text_content())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", MONEY)
def test_every_money_letter_says_how_to_contest_it_and_names_the_court(name: str, language: str) -> None:
    context = composed(name, language)
    assert context["court"]["name"] == COURTS[language]
    text = text_of(name, language, context)
    assert COURTS[language] in text
    assert contest_check.missing(text, language, context) == []
    if "notice" in context:  # the formal notice's one dispute date (art. 46/47bis), not a second one
        assert context["contest"]["until"] == context["notice"]["deadline"]
        # ... and its one way, as its body says: by registered letter; the check requires the words.
        assert context["contest"]["registered"] is True
        registered = {"nl": "aangetekende brief", "fr": "lettre recommandée", "de": "Einschreiben"}[language]
        contest = text[text.index({"nl": "Niet akkoord?", "fr": "Vous n'êtes pas d'accord ?",
                                   "de": "Nicht einverstanden?"}[language]):]
        assert registered in contest and "e-mail" not in contest.split("(")[0].lower()
        assert [n for n, _ in contest_check.missing(text.replace(registered, "…"), language, context)] == [3]
    else:
        assert context["contest"]["registered"] is False
        assert context["contest"]["until"] > context["letter"]["date"]


def test_the_money_letters_are_every_letter_stating_an_amount() -> None:
    assert MONEY == sorted(["due_notice", "regularisation", "reminder", "formal_notice", "account_statement",
                            "fiscal_certificate", "company_due_notice", "company_reminder", "company_formal_notice"])
    assert not any(TYPES[n].contest for n in WORD_TYPES)


def test_a_money_letter_without_a_competent_court_is_held() -> None:
    make, day = SCENARIOS["due_notice"]
    fund = make()
    [event] = list(by_name()["due_notice"].trigger(fund, day, PARAMS))
    row = fund.recipients("affiliate", [event.recipient_id])[event.recipient_id]
    abroad = {**row, "postcode": "59000", "city": "Lille", "country": "FR", "language": "fr"}
    with pytest.raises(Quarantine) as held:
        compose(by_name()["due_notice"], event, abroad, ComposeEnv(day, FUND, TYPES, PARAMS), "20260101-000001")
    assert held.value.field == "court"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", HTML_TYPES)
def test_every_html_letter_carries_the_privacy_notice(name: str, language: str) -> None:
    text = text_of(name, language, composed(name, language))
    privacy = FUND["privacy"]
    assert PRIVACY[language] in text
    assert privacy["dpo_email"] in text and privacy["notice_url"][language] in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", WORD_TYPES)
def test_every_word_letter_prints_the_privacy_partial(name: str, language: str) -> None:
    import docx

    letter = docx.Document(str(TEMPLATES_DIR / name / f"{language}.docx"))
    assert "{{p privacy }}" in [p.text for p in letter.paragraphs]
    section = letter.sections[0]
    assert section.different_first_page_header_footer
    assert "{{ recipient.name }}" in section.header.paragraphs[0].text
    assert "{{ letter.id }}" in section.header.paragraphs[0].text
    assert section.first_page_header.paragraphs[0].text == ""
    for footer in (section.footer, section.first_page_footer):  # every page: the fund's identity, "1/2"
        assert "{{ fund.name }}" in footer.paragraphs[0].text and "{{ fund.enterprise_number }}" in footer.paragraphs[0].text
        page = footer.paragraphs[1]._p.xml
        assert "PAGE" in page and "NUMPAGES" in page
    texts = [p.text for p in letter.paragraphs]
    signature = texts.index("{{ service.signatory }}")  # a named signatory and the capacity, as the charter promises
    assert texts[signature + 1:signature + 3] == ["{{ service.capacity }}", "{{ fund.name }}"]
    if language == "nl":  # the salutation the HTML letters use
        assert "Geachte {{ recipient.name }}," in texts
    partial = docx.Document(str(TEMPLATES_DIR / "partials" / language / "privacy.docx"))
    assert PRIVACY[language] in " ".join(p.text for p in partial.paragraphs)


def _dutch_only() -> set[str]:
    """Every text of the profile whose Dutch version differs from the French and the German ones."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict) and set(value) == set(LANGUAGES):
            if value["nl"] not in (value["fr"], value["de"]):
                found.add(value["nl"])
        elif isinstance(value, dict):
            for inner in value.values():
                walk(inner)
    walk(FUND)
    return found


def test_the_profile_has_dutch_texts_to_look_for() -> None:
    assert {"Zelfstandig Samen", "Kunstlaan 12", "bijdragen@zelfstandig-samen.example",
            "invordering@zelfstandig-samen.example", "Brussel"} <= _dutch_only()


@pytest.mark.parametrize("language", ["fr", "de"])
@pytest.mark.parametrize("name", HTML_TYPES)
def test_no_dutch_identity_in_a_french_or_german_letter(name: str, language: str) -> None:
    text = text_of(name, language, composed(name, language))
    # "Brussel" as a word: "Bruxelles" and "Brüssel" do not contain it.
    assert [s for s in _dutch_only() if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text)] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_letterhead_return_line_and_service_are_in_the_letters_language(language: str) -> None:
    context = composed("reminder", language)
    fund, service = FUND["fund"], FUND["services"]["collection"]
    text = text_of("reminder", language, context)
    assert f"{fund['short_name'][language]} · {fund['street'][language]} · 1000 {fund['city'][language]}" in text
    assert service["email"][language] in text and service["name"][language] in text


PROFILE_CASES = [
    ('short_name = { nl = "Zelfstandig Samen", fr = "Indépendants Ensemble", de = "Selbständig Zusammen" }',
     'short_name = "Zelfstandig Samen"', "fund.short_name: must be a table with one text per language"),
    (', de = "Avenue des Arts 12" }', " }", "fund.street: has no de"),
    (', de = "beitraege@zelfstandig-samen.example" }', " }", "services.contributions.email: has no de"),
    ('name = { nl = "Dienst Invordering", fr = "Service Recouvrement", de = "Dienst Beitreibung" }',
     'name = "Dienst Invordering"', "services.collection.name: must be a table with one text per language"),
    ('dpo_email = "dpo@zelfstandig-samen.example"', "", "privacy.dpo_email: missing"),
    ("[privacy]", "[privacy_]", "privacy: missing"),
]


@pytest.mark.parametrize(("old", "new", "says"), PROFILE_CASES, ids=[c[2] for c in PROFILE_CASES])
def test_the_profile_check_refuses_a_missing_language_naming_the_key(old: str, new: str, says: str) -> None:
    text = Path(DEFAULT_FUND).read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    found = problems(tomllib.loads(text.replace(old, new)))
    assert says in [f[:len(says)] for f in found], found


def test_a_money_letter_without_the_contest_partial_fails_the_check(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(TEMPLATES_DIR, tmp_path / "t", ignore=shutil.ignore_patterns("*.docx", "approvals.toml"))
    letter = tmp_path / "t" / "due_notice" / "nl.html"
    letter.write_text(letter.read_text(encoding="utf-8") + "{% block contest %}{% endblock %}\n", encoding="utf-8")
    findings = [f.message for f in check.check(tmp_path / "t", "due_notice")
                if f.level == "error" and f.file == "due_notice/nl.html"]
    assert any("contest block lacks mention 1" in m for m in findings), findings


@pytest.mark.parametrize(("change", "field"), [
    (lambda c: c["court"].update(name="Arbeidsrechtbank Nergens"), "contest_mention_2"),
    (lambda c: c.pop("court"), "contest_mentions"),
])
def test_the_night_does_not_send_a_money_letter_whose_contest_block_is_incomplete(change: Any, field: str) -> None:
    renderer = SnapshotRenderer(snapshots.working_copy(TEMPLATES_DIR, "reminder", "nl"))
    context = composed("reminder", "nl")
    job = Job("20260101-000001", "reminder", "nl", "", context)
    assert renderer.contest_failed(job, renderer.fill(job)) is None
    marked = renderer.fill(job)
    wrong = copy.deepcopy(context)
    change(wrong)
    result = renderer.contest_failed(Job("20260101-000001", "reminder", "nl", "", wrong), marked)
    assert isinstance(result, Failed) and result.field == field


def test_page_count_sets_the_running_elements_count_only() -> None:
    html = '<div class="running" data-footer="x" data-pages="1"></div><p data-pages="1">'
    assert page_count(html, 1) == html
    assert page_count(html, 3) == '<div class="running" data-footer="x" data-pages="3"></div><p data-pages="1">'


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_page_says_which_of_how_many_and_continuation_pages_whose_letter(language: str) -> None:
    """Two letters in one document (as the night lays out a chunk): each counts its own pages."""
    import pypdfium2

    renderer = SnapshotRenderer(snapshots.working_copy(TEMPLATES_DIR, "formal_notice", language))
    context = composed("formal_notice", language)
    sections = []
    for letter_id in ("20260101-000001", "20260101-000002"):
        c = copy.deepcopy(context)
        c["letter"]["id"] = letter_id
        sections.append((letter_id, renderer.fill(Job(letter_id, "formal_notice", language, "", c)).html()))
    label, reference = {"nl": ("Pagina", "Ons kenmerk"), "fr": ("Page", "Notre référence"),
                        "de": ("Seite", "Unser Zeichen")}[language]
    for (letter_id, _), rendered in zip(sections, renderer.pdf(sections), strict=True):
        assert rendered.pages == 2
        head = f"{context['recipient']['name']} · {reference} {letter_id}"
        document = pypdfium2.PdfDocument(rendered.pdf)
        for number, page in enumerate(document, start=1):
            text = re.sub(r"\s+", " ", page.get_textpage().get_text_bounded())
            assert f"{label} {number}/2" in text
            assert (head in text) is (number > 1)
