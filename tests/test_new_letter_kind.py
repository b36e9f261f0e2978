"""Adding a letter type is one folder in letter_templates/ and one registry entry: a new kind, written in
this test, goes through a whole night (approved, composed, rendered, in the READY folder's print file)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from pypdf import PdfReader

from correspondence.config import Settings
from correspondence.importing import import_dir
from correspondence.kinds.fund import Fund
from correspondence.kinds.letter import ComposeEnv, Event, LetterKind
from correspondence.kinds.registry import KINDS
from correspondence.store import connect
from correspondence.templates import approvals
from rules.params import Parameters
from scheduler.night import run_night
from tests.template_copies import copy_templates

NIGHT = date(2026, 11, 22)
LETTER_TOML = '''description = "Welcome: a word to every affiliate the fund charges"
format = "html"
mail_class = "ordinary"
service = "contributions"
recipient = "affiliate"
languages = ["nl"]

[context.welcome]
since = "the first quarter the fund charged"
'''
NL_HTML = '''{% extends "partials/nl/letter.html" %}
{% block subject %}Welkom bij het fonds{% endblock %}
{% block body %}<p>Geachte {{ recipient.name }}, welkom sinds {{ welcome.since }}.</p>{% endblock %}
'''


@dataclass(frozen=True)
class Welcome:
    since: str


def welcomes(fund: Fund, day: date, params: Parameters) -> Iterator[Event]:
    for ledger in fund.ledgers():
        first = min(charge.period for charge in ledger.charges)
        yield Event(f"welcome:{ledger.payer_id}", "welcome", "affiliate", ledger.payer_id, Welcome(first))


def compose_welcome(event: Event, recipient: dict[str, Any], env: ComposeEnv, language: str) -> dict[str, Any]:
    return {"welcome": {"since": event.facts.since}}


def test_a_new_letter_type_is_one_folder_and_one_registry_entry(settings: Settings, tmp_path) -> None:
    templates = copy_templates(tmp_path)
    (templates / "welcome").mkdir()
    (templates / "welcome" / "letter.toml").write_text(LETTER_TOML, encoding="utf-8")
    (templates / "welcome" / "nl.html").write_text(NL_HTML, encoding="utf-8")
    settings = replace(settings, templates_dir=templates)
    with connect(settings.db_url).begin() as connection:  # the shipped approvals, and the reviewer's of the new one
        approvals.import_shipped(connection, templates)
        approvals.approve(connection, templates, "welcome", "nl", "A. Reviewer", NIGHT)
    fund = tmp_path / "fund"
    fund.mkdir()
    (fund / "affiliates.csv").write_text(
        "affiliate_id,national_number,first_name,last_name,street,house_number,box,postcode,city,country,language,"
        "status,affiliated_since,affiliated_until\n"
        "A0000001,71050860797,Jan,Peeters,Kerkstraat,12,,2000,Antwerpen,,nl,main,2010-01-01,\n")
    (fund / "contributions.csv").write_text("contribution_id,affiliate_id,year,quarter,kind,amount,fee,due_date\n"
                                            "C1,A0000001,2026,4,provisional,890.42,27.16,2026-12-31\n")
    import_dir(connect(settings.db_url), fund)

    result = run_night(settings, NIGHT, kinds=(*KINDS, LetterKind("welcome", welcomes, compose_welcome)))

    assert (result.status, result.exit_code, result.summary["by_type"]) == (
        "complete", 0, {"due_notice": 1, "welcome": 1})
    night = settings.output_dir / NIGHT.isoformat()
    assert (night / "READY").exists()
    [row] = [r for r in csv.DictReader((night / "manifest.csv").open()) if r["letter_type"] == "welcome"]
    pages = PdfReader(night / row["file"]).pages
    first = int(row["first_page"]) - 1
    text = " ".join(pages[first + n].extract_text() for n in range(int(row["pages"])))
    assert "Welkom bij het fonds" in text and "welkom sinds 2026-Q4" in " ".join(text.split())
