"""The wording scan: faults a reader sees in a letter's plain text, whatever template or data printed them.

`faults(text, language)` lists each fault with its kind and the words around it. The kinds:

- `iso_date`: a date as the database writes it (2026-03-31) instead of in words or the language's short style;
- `raw_period`: a period code (2026-Q1, 2024-REG) instead of "1e kwartaal 2026" …;
- `negative_zero`: "- 0,00", "-0,00", "−0,00": an amount of nothing with a minus sign;
- `plural_hack`: "maand(en)", "Monat(e)", "echtgeno(o)t(e)": the count's word chosen by hand-waving, not by
  the language's plural rule (the `plural` filter);
- `french_first`: "1 décembre" in French, where the first of the month is "1er";
- `french_elision`: "de Indépendants", "de un", "que il": French elides before a vowel ("d'Indépendants");
- `short_date`: a date in figures in another style than the language's one (render/templating.py
  SHORT_DATES: nl and fr 31/03/2025, de 31.03.2025);
- `raw_code`: a code of the data or the program (due_notice, spouse_maxi, neighbour, None) in the text.

Pure and fast: tests/test_wording.py runs it on every golden letter and every letter of a demo night.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FRENCH_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
# Short dates as render/templating.py SHORT_DATES prints them, per language.
SHORT_DATE = {"nl": re.compile(r"\d{2}/\d{2}/\d{4}"), "fr": re.compile(r"\d{2}/\d{2}/\d{4}"),
              "de": re.compile(r"\d{2}\.\d{2}\.\d{4}")}
ANY_SHORT_DATE = re.compile(r"(?<![\w./-])\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?![\w/-]|\.\d)")
# English or program values that are no word of the letter's language ("main" is French for "hand").
RAW_WORDS = {
    "nl": r"main|secondary|pensioner|neighbour|provisional|regularisation|None|True|False|nan",
    "fr": r"secondary|pensioner|neighbour|provisional|regularisation|None|True|False|nan",
    "de": r"main|secondary|pensioner|neighbour|provisional|regularisation|None|True|False|nan",
}

COMMON = (
    ("iso_date", re.compile(r"(?<![\w/.-])\d{4}-\d{2}-\d{2}(?![\w-])")),
    ("raw_period", re.compile(r"(?<![\w-])\d{4}-(?:Q\d|REG)\b")),
    ("negative_zero", re.compile(r"[-−–]\s?(?:€\s?)?0,00(?!\d)")),
    ("plural_hack", re.compile(r"\w\((?:[a-zäöüéèë]{1,3})\)")),
    ("raw_code", re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")),
)
FRENCH = (
    ("french_first", re.compile(rf"(?<![\d,.])\b1 (?:{FRENCH_MONTHS})\b", re.IGNORECASE)),
    ("french_elision", re.compile(r"(?<!-)\b(?:de|que|le|la|ne|se|jusque|lorsque|puisque) (?=[aeiouyéèêâîôûAEIOUYÉÈÊÂÎÔÛ])"
                                  r"|\bsi (?=ils?\b)")),
)


@dataclass(frozen=True)
class Fault:
    kind: str
    excerpt: str  # the fault with a few words around it

    def __str__(self) -> str:
        return f"{self.kind}: …{self.excerpt}…"


def _excerpt(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - 25) : end + 25].split())


def faults(text: str, language: str) -> list[Fault]:
    """Every wording fault in the letter's plain text (as pdftotext gives it), in the order found."""
    checks = [*COMMON, ("raw_code", re.compile(rf"\b(?:{RAW_WORDS[language]})\b"))]
    if language == "fr":
        checks += FRENCH
    found = [(m.start(), Fault(kind, _excerpt(text, m.start(), m.end())))
             for kind, pattern in checks for m in pattern.finditer(text)]
    found += [(m.start(), Fault("short_date", _excerpt(text, m.start(), m.end())))
              for m in ANY_SHORT_DATE.finditer(text) if not SHORT_DATE[language].fullmatch(m.group())]
    return [fault for _, fault in sorted(found, key=lambda f: f[0])]
