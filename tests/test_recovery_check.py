"""The six mentions of Charter art. 15 a recovery decision must carry: which one a text lacks, when they apply,
and the `recovery` setting of letter.toml that asks for them (the PDF-side gate is in test_mantelzorg_letters
and test_mantelzorg_night, which render real letters)."""

from __future__ import annotations

import pytest

from correspondence.templates import catalog, recovery_check

CONTEXT = {"recovery": {"undue": [{"label": "2026-10"}], "total": "1638.26",
                        "prescription": {"source": "artikel 2262bis, § 1, van het Burgerlijk Wetboek"}}}
FULL = ("Wij stellen vast dat de uitkering voor maanden na september 2026 ten onrechte werd betaald. "
        "Het ten onrechte betaalde bedrag en de berekening: € 1.638,26. Het bedrag is de som van wat het fonds u "
        "voor die maanden betaalde. De bepalingen die niet werden nageleefd: Koninklijk besluit van 27 september "
        "2015 …: bij het overlijden van de verzorgde persoon blijft het recht op de uitkering behouden tot het "
        "einde van de maand die volgt. Verjaring: de terugvordering verjaart na 10 jaar (artikel 2262bis, § 1, van "
        "het Burgerlijk Wetboek). Afstand: het fonds kan afzien van de terugvordering; vraag het met een "
        "gemotiveerde brief. Afbetaling: met een gemotiveerd verzoek kunt u vragen om in schijven terug te betalen.")


@pytest.mark.parametrize(("remove", "missing"), [
    ("", []),
    ("ten onrechte werd betaald", [1]),
    ("€ 1.638,26", [2]),  # the amount, as `| money` prints it
    ("koninklijk besluit van 27 september 2015", [3]),
    ("(artikel 2262bis, § 1, van het Burgerlijk Wetboek)", [4]),  # a prescription without its source
    ("afzien van de terugvordering", [5]),
    ("in schijven terug te betalen", [6]),
])
def test_each_missing_mention_is_named(remove: str, missing: list[int]) -> None:
    text = FULL.replace(remove, "").replace(remove.capitalize(), "") if remove else FULL
    assert remove == "" or text != FULL  # the words were there to remove
    found = recovery_check.missing(text, "nl", CONTEXT)
    assert [number for number, _ in found] == missing


def test_a_letter_that_claims_nothing_back_needs_none() -> None:
    nothing = {"recovery": {"undue": [], "total": "0.00", "prescription": None}}
    assert recovery_check.missing("Wij vorderen niets van u terug.", "nl", nothing) == []


@pytest.mark.parametrize(("settings", "problem"), [
    ('format = "docx"\ndecision = true\nrecovery = true\n', None),
    ('format = "docx"\ndecision = true\nrecovery = "yes"\n', 'recovery = "yes": must be true or false'),
    ('format = "html"\ndecision = true\nrecovery = true\n', "recovery = true: a recovery is a Word decision"),
    ('format = "docx"\nrecovery = true\n', "recovery = true: a recovery is a Word decision"),
])
def test_letter_toml_asks_for_the_art_15_check_only_of_a_word_decision(settings: str, problem: str | None) -> None:
    letter_type, problems = catalog.read("mantelzorg_recovery", settings)
    if problem is None:
        assert problems == [] and letter_type is not None and letter_type.recovery
        files = {"mantelzorg_recovery/letter.toml": settings.encode()}
        assert recovery_check.required(files)
    else:
        assert letter_type is None and [p.detail[:len(problem)] for p in problems] == [problem]
