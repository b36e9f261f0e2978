"""Issue 17, item 1: every fact a letter prints from a code or a figure comes out in words of the letter's language
(correspondence/render/facts.py over the reviewers' partials/<lang>/labels.toml), every code of the rules has its
words in every language, every ground its wording and its legal source, and the mantelzorg samples are what the
engine composes."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
from jinja2 import DictLoader

from correspondence.config import TEMPLATES_DIR
from correspondence.importing import STATUSES
from correspondence.render.facts import UnknownLabel
from correspondence.render.templating import environment
from correspondence.templates import word_tags
from rules.mantelzorg import GROUND_CODES
from rules.mantelzorg_input import CARE_RECIPIENTS, DOCUMENTS, OTHER_BENEFITS, QUARTER_STATES
from rules.mantelzorg_sources import STATEMENTS, sources
from rules.params import Parameters
from tests import mantelzorg_samples

LANGUAGES = ("nl", "fr", "de")
LABELS = {lang: f"partials/{lang}/labels.toml" for lang in LANGUAGES}
FILES = {path: (TEMPLATES_DIR / path).read_bytes() for path in LABELS.values()}


def fill(language: str, source: str, **values: object) -> str:
    env = environment(DictLoader({"t": source}), FILES)
    return env.get_template("t").render(letter={"language": language}, **values)


PRINTED = [
    # language, template, values, printed
    ("nl", '{{ q | quarter("het") }}', {"q": "2026-Q3"}, "het 3e kwartaal 2026"),
    ("fr", '{{ q | quarter("le") }}', {"q": "2026-Q3"}, "le 3e trimestre 2026"),
    ("fr", "{{ q | quarter }}", {"q": "2026-Q1"}, "1er trimestre 2026"),
    ("de", '{{ q | quarter("das") }}', {"q": "2026-Q3"}, "das 3. Quartal 2026"),
    (
        "nl",
        '{{ qs | map("quarter", "het") | words }}',
        {"qs": ["2026-Q2", "2026-Q3"]},
        "het 2e kwartaal 2026 en het 3e kwartaal 2026",
    ),
    ("nl", "{{ m | month }}", {"m": "2026-07"}, "juli 2026"),
    ("fr", "{{ m | month }}", {"m": "2026-08-01"}, "août 2026"),
    ("fr", '{{ m | month | elide("de") }}', {"m": "2026-08"}, "d&#39;août 2026"),
    (
        "de",
        '{{ ms | map("month") | words }}',
        {"ms": ["2026-07", "2026-08", "2026-09"]},
        "Juli 2026, August 2026 und September 2026",
    ),
    ("nl", '{{ n | count("month") }}', {"n": 1}, "1 maand"),
    ("nl", '{{ n | count("month") }}', {"n": 6}, "6 maanden"),
    ("fr", '{{ n | count("quarter") }}', {"n": 0}, "0 trimestre"),  # French: 0 is singular
    ("fr", '{{ n | count("year") }}', {"n": 25}, "25 ans"),
    ("de", '{{ n | count("month") }}', {"n": 4}, "4 Monate"),
    ("de", '{{ n | count("document") }}', {"n": 1}, "1 Unterlage"),
    ("fr", "{{ n | ordinal }}", {"n": 1}, "1er"),
    ("fr", "{{ n | ordinal }}", {"n": 2}, "2e"),
    ("de", "{{ n | ordinal }}", {"n": 2}, "2."),
    ("nl", "{{ c | care_recipient }}", {"c": "neighbour"}, "een buur"),
    ("fr", '{{ c | care_recipient | elide("de") }}', {"c": "relative"}, "d&#39;un parent ou allié"),
    ("fr", '{{ c | care_recipient | elide("de") }}', {"c": "spouse"}, "de votre conjoint"),
    ("de", "{{ c | care_recipient }}", {"c": "spouse"}, "Ihren Ehepartner oder Ihre Ehepartnerin"),
    ("fr", '{{ name | elide("de") }}', {"name": "Indépendants Ensemble"}, "d&#39;Indépendants Ensemble"),
    ("nl", '{{ name | elide("de") }}', {"name": "Indépendants Ensemble"}, "de Indépendants Ensemble"),
    ("fr", "{{ d | document }}", {"d": "medical_certificate"}, "le certificat du médecin traitant"),
    (
        "nl",
        "{{ b | benefit }}",
        {"b": "incapacity"},
        "een arbeidsongeschiktheidsuitkering van het sociaal statuut der zelfstandigen",
    ),
    ("de", "{{ s | status }}", {"s": "spouse_mini"}, "mithelfender Ehepartner im Ministatut"),
    ("nl", "{{ s | quarter_state }}", {"s": "unpaid"}, "waren uw bijdragen niet volledig betaald"),
]


@pytest.mark.parametrize(("language", "source", "values", "printed"), PRINTED)
def test_each_fact_prints_in_words_of_the_letter_s_language(
    language: str, source: str, values: dict, printed: str
) -> None:
    assert fill(language, source, **values) == printed


@pytest.mark.parametrize(
    ("source", "values", "message"),
    [
        (
            "{{ c | care_recipient }}",
            {"c": "cousin"},
            "partials/nl/labels.toml has no [care_recipients] words for 'cousin'",
        ),
        ("{{ q | quarter }}", {"q": "2026-Q5"}, "'2026-Q5' is not a quarter written YYYY-Qn"),
        ("{{ m | month }}", {"m": "July"}, "'July' is not a month written YYYY-MM"),
    ],
)
def test_a_code_without_words_stops_the_letter_naming_file_and_code(
    source: str, values: dict, message: str
) -> None:
    with pytest.raises(UnknownLabel, match=re.escape(message)):
        fill("nl", source, **values)


def test_a_snapshot_without_labels_names_the_missing_file() -> None:
    env = environment(DictLoader({"t": "{{ c | care_recipient }}"}))
    with pytest.raises(UnknownLabel, match="partials/fr/labels.toml is not in the templates"):
        env.get_template("t").render(letter={"language": "fr"}, c="spouse")


CODES = {  # labels.toml table: the codes of the data the letters print through it
    "care_recipients": CARE_RECIPIENTS,
    "documents": DOCUMENTS,
    "benefits": OTHER_BENEFITS,
    "statuses": STATUSES,
    "quarter_states": QUARTER_STATES,
    "units": ("month", "quarter", "document", "year"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_code_of_the_rules_has_its_words_in_every_language(language: str) -> None:
    labels = tomllib.loads(FILES[LABELS[language]].decode("utf-8"))
    dutch = tomllib.loads(FILES[LABELS["nl"]].decode("utf-8"))
    for table, codes in CODES.items():
        assert set(codes) <= set(labels[table]), (table, set(codes) - set(labels[table]))
        assert set(labels[table]) == set(dutch[table]), table  # the same codes in every language


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_ground_has_its_wording_in_the_grounds_partial(language: str) -> None:
    text = word_tags.document_text((TEMPLATES_DIR / "partials" / language / "grounds.docx").read_bytes())
    handled = set(re.findall(r'g\.code == "(\w+)"', text))
    assert handled == set(GROUND_CODES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_ground_and_rule_has_its_legal_source(language: str) -> None:
    from datetime import date

    found = sources(Parameters(), date(2026, 7, 1), language, GROUND_CODES)
    assert set(found) == set(GROUND_CODES) | set(STATEMENTS)
    assert all(text.count(",") >= 1 for text in found.values())  # the act, then its article or condition


def test_the_mantelzorg_samples_are_what_the_engine_composes() -> None:
    """`python -m tests.mantelzorg_samples` rewrites them after a change of the trigger, composer or fund profile."""
    for (letter_type, sample), context in mantelzorg_samples.samples().items():
        path = TEMPLATES_DIR / letter_type / "samples" / f"{sample}.json"
        assert json.loads(path.read_text(encoding="utf-8")) == context, (
            f"{path}: run python -m tests.mantelzorg_samples"
        )
