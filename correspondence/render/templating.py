"""The sandboxed Jinja environment every letter template runs in, with the fund's locale-aware filters.

Templates can read the context and nothing else: no attribute access to internals, no imports, no files
outside the snapshot they come from; data is autoescaped, so a name like `Dupont & Fils <BV>` prints as
written. Undefined variables are errors. `HtmlTemplates.fill` is the one way an HTML letter is filled in: the
night, the preview and `templates check` all go through it, so the check sees what the night will print.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import BaseLoader, DictLoader, Environment, StrictUndefined, TemplateRuntimeError, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from stdnum import iban as iban_number

from correspondence.render import barcode, facts, qr, slots
from correspondence.render.limits import RenderTooLong, bounded, limit, memory_limit, time_limit
from correspondence.render.slots import Marked

LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "de": "de_BE"}
# Parsed once: Babel parses a locale name on every call it is given one (hundreds of times a letter).
_PARSED = {language: Locale.parse(name) for language, name in LOCALES.items()}


def _locale(context: Context) -> Locale:
    return _PARSED[context["letter"]["language"]]


def _as_date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


# One short-date style per language, everywhere a date prints in figures (tables, columns), in Belgian usage:
# nl dd/mm/jjjj, fr dd/mm/yyyy, de dd.mm.yyyy — always two-digit day and month and a four-digit year (Babel's
# own short formats mix "1/03/2026", "01/03/26" and "01.03.26"). The wording scan
# (correspondence/templates/wording.py) refuses any other style in a letter of that language.
SHORT_DATES = {"nl": "dd/MM/yyyy", "fr": "dd/MM/yyyy", "de": "dd.MM.yyyy"}
FIRST_OF_MONTH = re.compile(r"(^|\s)1 (?=\w)")  # French "1 décembre": the first of the month is "1er"


def _language(context: Context) -> str:
    return context["letter"]["language"]


@pass_context
def money(context: Context, value: str | Decimal) -> str:
    """An amount in the letter's locale; a zero prints without a sign ("0,00 €", never "-0,00 €")."""
    return money_in(value, _language(context))


def money_in(value: str | Decimal, language: str) -> str:
    """`| money` outside a template: the amount as a letter in `language` prints it."""
    return _money(Decimal(value), language)


@lru_cache(maxsize=4096)  # an account table prints the same few amounts (a quarter's contribution, 0) many times
def _money(amount: Decimal, language: str) -> str:
    return format_currency(amount if amount else abs(amount), "EUR", locale=_PARSED[language])


@pass_context
def deduction(context: Context, value: str | Decimal) -> str:
    """An amount taken off a total (already paid, a credit), with the locale's minus sign when it is not zero:
    a zero prints "0,00 €", never "- 0,00 €"."""
    return money(context, -Decimal(value))


@pass_context
def number(context: Context, value: str | Decimal, pattern: str | None = None) -> str:
    return format_decimal(Decimal(value), format=pattern, locale=_locale(context))


@pass_context
def percent(context: Context, value: str | Decimal) -> str:
    """A rate like 0.0305 as '3,05 %' in the letter's locale."""
    return format_decimal(Decimal(value) * 100, format="#,##0.##", locale=_locale(context)) + " %"


@pass_context
def long_date(context: Context, value: str | date, style: str = "long") -> str:
    """`| date`: the date in words ("1er décembre 2026", "1 december 2026", "1. Dezember 2026");
    `| date("short")`: the language's one short style (SHORT_DATES)."""
    day, language = _as_date(value), _language(context)
    if style == "short":
        return format_date(day, format=SHORT_DATES[language], locale=_locale(context))
    text = format_date(day, format=style, locale=_locale(context))
    if language == "fr" and day.day == 1:
        text = FIRST_OF_MONTH.sub(r"\g<1>1er ", text, count=1)
    return text


@pass_context
def plural(context: Context, count: int | str | Decimal, one: str, other: str) -> str:
    """`{{ n }} {{ n | plural("maand", "maanden") }}`: the word for the count by the language's plural rule
    (CLDR through Babel: French counts 0 and 1 as singular, Dutch and German only 1). The words stay in the
    template; only the choice is made here."""
    form = _locale(context).plural_form(abs(Decimal(count)))
    return one if form == "one" else other


def iban(value: str) -> str:
    return iban_number.format(value)


def epc_qr(payment: Mapping[str, Any]) -> str:
    """The EPC (SEPA) 'scan to pay' QR code as an SVG data URI: UTF-8, level M, structured reference.

    Vector, not PNG: WeasyPrint puts a chunk's images in resources its pages share, so a letter split from a
    chunk would carry its neighbours' QR images and its bytes would depend on its chunk (see
    tests/test_render_determinism.py); paths drawn in the page's own content stream do not."""
    return qr.svg_data_uri(qr.epc_payload(payment))


def epc_qr_slot(payment: Mapping[str, Any]) -> slots.EpcQr:
    """`| epc_qr` in the letter environment: the payload, drawn by whichever path prints the letter."""
    return slots.EpcQr(qr.epc_payload(payment))


def barcode_text(value: Any) -> str:
    """The value `| barcode` prints; TemplateRuntimeError when Code 128 cannot (the letter fails in one line)."""
    try:
        return barcode.checked(str(value))
    except barcode.NotPrintable as exc:
        raise TemplateRuntimeError(str(exc)) from None


def barcode_picture(value: Any) -> str:
    """`{{ letter.id | barcode }}`: the text as a Code 128 barcode, an SVG data URI (vector, as the QR code)."""
    return barcode.svg_data_uri(barcode_text(value))


def barcode_slot(value: Any) -> slots.Barcode:
    """`| barcode` in the letter environment: the text, drawn by whichever path prints the letter."""
    return slots.Barcode(barcode_text(value))


FILTERS = {"money": money, "deduction": deduction, "number": number, "percent": percent, "date": long_date,
           "plural": plural, "iban": iban, "epc_qr": epc_qr,
           "barcode": barcode_picture, **facts.FILTERS}


def environment(loader: BaseLoader, files: Mapping[str, bytes] | None = None) -> ImmutableSandboxedEnvironment:
    """The environment of previews, checks and Word letters: values print as they are. `files`: the template
    snapshot whose `partials/<lang>/labels.toml` give the facts' words (correspondence/render/facts.py)."""
    env = ImmutableSandboxedEnvironment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    env.labels = facts.Labels(files)  # type: ignore[attr-defined]  # read by the facts filters, not by templates
    return env


def marked_environment(loader: BaseLoader, files: Mapping[str, bytes] | None = None) -> ImmutableSandboxedEnvironment:
    """The environment of the night's HTML letters: each printed value is marked (`correspondence.render.slots`),
    so a letter's HTML and the places of its data come out of one fill."""
    env = environment(loader, files)
    env.finalize = slots.finalize
    env.filters["epc_qr"] = epc_qr_slot
    env.filters["barcode"] = barcode_slot
    return env


class NamedLoader(DictLoader):
    """Templates by name, with the name as file name, so an error in a partial says which partial."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, _, uptodate = super().get_source(environment, template)
        return source, template, uptodate


def texts(files: Mapping[str, bytes]) -> dict[str, str]:
    """The files a letter's HTML environment loads: templates, stylesheets and pictures drawn in SVG."""
    return {p: b.decode("utf-8") for p, b in files.items() if p.endswith((".html", ".css", ".svg"))}


class HtmlTemplates:
    """A snapshot's HTML templates in the letter environment, each compiled once, filled within the limits."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.env = marked_environment(NamedLoader(texts(files)), files)
        self.too_long: dict[str, str] = {}  # templates whose compiling was cut: their letters fail at once

    def fill(self, letter_type: str, language: str, context: Mapping[str, Any]) -> Marked:
        """The filled-in letter: compiled and filled within the time limit, its size and memory capped
        (RenderTooLong, RenderTooLarge, RenderTooHungry); Jinja's errors as they come."""
        name = f"{letter_type}/{language}.html"
        if name in self.too_long:
            raise RenderTooLong(self.too_long[name])
        with time_limit(), memory_limit():  # a template whose loop never ends costs this letter, not the night
            try:
                template = self.env.get_template(name)
            except RenderTooLong:
                self.too_long[name] = (f"compiling {name} took more than {limit():g} s — a template too large "
                                       "or too deeply nested?")
                raise RenderTooLong(self.too_long[name]) from None
            return Marked.parse(bounded(template.generate(context)))
