"""Facts in words: one filter per kind of fact a letter prints from a code or a figure of its data, in the
letter's language, with the words taken from the reviewers' `partials/<lang>/labels.toml` of the letter's own
template snapshot (so a reprint prints the words it was approved with).

| filter | prints | e.g. (nl · fr · de) |
|---|---|---|
| `care_recipient` | whom the affiliate cares for | uw echtgenoot of echtgenote · votre conjoint · Ihren Ehepartner |
| `document` | a document of a request | het attest van de behandelende arts · … |
| `benefit` | another benefit (the cumulation ground) | een onderbrekingsuitkering van de RVA … |
| `status` | the affiliate's social status | zelfstandige in bijberoep · … |
| `quarter_state` | what the fund found for a quarter | waren uw bijdragen volledig betaald · … |
| `quarter` | a quarter `2026-Q3`, `quarter("het")` with its article | het 3e kwartaal 2026 · le 1er trimestre 2026 · das 3. Quartal 2026 |
| `month` | a month `2026-07` (or a day of it) | juli 2026 · juillet 2026 · Juli 2026 |
| `count` | a number with its unit, by the language's plural rule | 1 maand, 6 maanden · 2 mois · 1 Monat |
| `ordinal` | an ordinal number | 3e · 1er, 3e · 3. |
| `words` | a list joined as the language does | a, b en c · a, b et c · a, b und c |
| `elide` | French elision of a short word before a vowel | d'Indépendants Ensemble · de Zelfstandig Samen |

A code without words in the language's labels.toml stops the letter (it is quarantined, naming the file and the
code), never prints as the raw code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from jinja2 import pass_context
from jinja2.exceptions import TemplateRuntimeError
from jinja2.runtime import Context

LABELS = "partials/{language}/labels.toml"
_LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "de": "de_BE"}
_QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(?:-[0-9]{2})?")
# French elides these before a vowel or a mute h ("d'Indépendants", "l'allocation"); an aspirated h is left alone.
_ELIDED = ("de", "que", "le", "la", "ne", "se", "jusque", "lorsque", "puisque")
_VOWEL = re.compile(r"[aeiouyàâäéèêëîïôöùûüœæAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ]")


class UnknownLabel(TemplateRuntimeError):
    """A code the labels of the letter's language have no words for: the letter is not printed."""


class Labels:
    """The labels.toml of each language in a template snapshot, read on first use."""

    def __init__(self, files: Mapping[str, bytes] | None = None) -> None:
        self.files = files or {}
        self.read: dict[str, dict[str, Any]] = {}

    def of(self, language: str) -> dict[str, Any]:
        if language not in self.read:
            path = LABELS.format(language=language)
            if path not in self.files:
                raise UnknownLabel(
                    f"{path} is not in the templates: the letter's words for codes are missing"
                )
            try:
                self.read[language] = tomllib.loads(self.files[path].decode("utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise UnknownLabel(f"{path}: {exc}") from None
        return self.read[language]

    def word(self, language: str, table: str, code: object) -> Any:
        words = self.of(language).get(table, {})
        if not isinstance(words, Mapping) or str(code) not in words:
            raise UnknownLabel(
                f"{LABELS.format(language=language)} has no [{table}] words for {str(code)!r}: "
                "add them there (and in the other languages)"
            )
        return words[str(code)]


def labels_of(context: Context) -> Labels:
    labels = getattr(context.environment, "labels", None)
    return labels if isinstance(labels, Labels) else Labels()


def _language(context: Context) -> str:
    return str(context["letter"]["language"])


def _label(table: str) -> Any:
    @pass_context
    def label(context: Context, code: object) -> str:
        return str(labels_of(context).word(_language(context), table, code))

    label.__doc__ = f"The words of labels.toml [{table}] for a code, in the letter's language."
    return label


@pass_context
def ordinal(context: Context, number: int | str) -> str:
    """3 → "3e" (nl), "3e" and 1 → "1er" (fr), "3." (de): labels.toml [numbers] ordinal, with its exceptions."""
    numbers = labels_of(context).of(_language(context)).get("numbers", {})
    special = numbers.get("ordinals", {})
    return str(special.get(str(number), numbers.get("ordinal", "{n}").format(n=number)))


@pass_context
def quarter(context: Context, label: str, article: str = "") -> str:
    """ "2026-Q3" → "3e kwartaal 2026"; `quarter("het")` → "het 3e kwartaal 2026" (labels.toml [periods])."""
    found = _QUARTER.fullmatch(str(label))
    if found is None:
        raise UnknownLabel(f"{label!r} is not a quarter written YYYY-Qn")
    pattern = labels_of(context).word(_language(context), "periods", "quarter")
    text = pattern.format(ordinal=ordinal(context, int(found.group(2))), year=found.group(1))
    return f"{article} {text}" if article else text


@pass_context
def month(context: Context, value: str | date) -> str:
    """ "2026-07" or "2026-07-01" → "juli 2026", "juillet 2026", "Juli 2026"."""
    if isinstance(value, date):
        day = value.replace(day=1)
    else:
        found = _MONTH.fullmatch(str(value))
        if found is None:
            raise UnknownLabel(f"{value!r} is not a month written YYYY-MM")
        day = date(int(found.group(1)), int(found.group(2)), 1)
    return format_date(day, format="MMMM y", locale=_LOCALES[_language(context)])


@pass_context
def count(context: Context, number: int | str | Decimal, unit: str) -> str:
    """`{{ 6 | count("month") }}` → "6 maanden", "6 mois", "6 Monate": the unit's word by the language's plural
    rule (CLDR through Babel; French counts 0 and 1 as singular) from labels.toml [units]."""
    words = labels_of(context).word(_language(context), "units", unit)
    form = Locale.parse(_LOCALES[_language(context)]).plural_form(abs(Decimal(number)))
    return f"{number} {words['one'] if form == 'one' else words['other']}"


@pass_context
def words(context: Context, items: Iterable[Any]) -> str:
    """A list as the language writes it: "a, b en c", "a, b et c", "a, b und c"."""
    return format_list([str(item) for item in items], locale=_LOCALES[_language(context)])


@pass_context
def elide(context: Context, text: str, word: str) -> str:
    """`{{ fund.name | elide("de") }}`: "d'Indépendants Ensemble" in French before a vowel, else "de …"."""
    if _language(context) == "fr" and word in _ELIDED and _VOWEL.match(str(text)[:1] or " "):
        return f"{word[:-1]}'{text}"
    return f"{word} {text}"


FILTERS = {
    "care_recipient": _label("care_recipients"),
    "document": _label("documents"),
    "benefit": _label("benefits"),
    "status": _label("statuses"),
    "quarter_state": _label("quarter_states"),
    "quarter": quarter,
    "month": month,
    "count": count,
    "ordinal": ordinal,
    "words": words,
    "elide": elide,
}
