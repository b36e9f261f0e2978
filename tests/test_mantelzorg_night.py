"""Claims in, decisions out, end to end on SQLite and PostgreSQL: import, night, journal, decisions, batch.

A small fund with paid quarters and four claims; then a documents update, a second claim and a death, each
on a later night. Letters are rendered for real (docxtpl + LibreOffice).
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import docx
import pytest
from sqlalchemy import select

from correspondence import schema
from correspondence.config import TEMPLATES_DIR, Settings
from correspondence.importing import import_dir
from correspondence.store import connect
from correspondence.templates import approvals, check
from rules.payment_reference import digits_of, structured_reference
from scheduler.night import run_night

pytestmark = pytest.mark.slow

AFFILIATES = [  # id, first, last, street, number, postcode, city, country, language
    ("A0000101", "Marleen", "Claes", "Kerkstraat", "4", "9000", "Gent", "BE", "nl"),
    ("A0000102", "Claire", "Lambert", "Rue de Fer", "12", "5000", "Namur", "BE", "nl"),  # prefers nl in Wallonia
    ("A0000103", "Jürgen", "Weber", "Klötzerbahn", "8", "4700", "Eupen", "BE", "de"),
    ("A0000104", "Pieter", "Smet", "Rue de Rivoli", "10", "75001", "Paris", "FR", "nl"),
]
CLAIM_COLUMNS = ("claim_id", "affiliate_id", "kind", "received_on", "break_start", "months", "mode", "care_recipient",
                 "relative_degree", "child_age", "documents", "care_recipient_died_on", "other_benefit",
                 "months_before_engine", "exempt_quarters_before_engine", "other_benefit_kind", "completed_on",
                 "death_reported_on")
CLAIMS = {
    "K1": ("K1", "A0000101", "mantelzorg", "2026-06-25", "2026-07-01", "3", "full", "spouse", "", "",
           "medical_certificate", "", "false", "0", "0", "", "", ""),
    "K2": ("K2", "A0000102", "mantelzorg", "2026-06-26", "2026-07-01", "2", "partial", "housemate", "", "",
           "medical_certificate", "", "false", "0", "0", "", "", ""),
    "K3": ("K3", "A0000103", "mantelzorg", "2026-06-27", "2026-07-01", "2", "full", "relative", "3", "",
           "medical_certificate", "", "true", "0", "0", "incapacity", "", ""),
    "K4": ("K4", "A0000104", "mantelzorg", "2026-06-28", "2026-07-01", "2", "full", "spouse", "", "",
           "medical_certificate", "", "false", "0", "0", "", "", ""),
}


def _write(folder: Path, name: str, header: tuple[str, ...] | list[str], rows: list[tuple[str, ...]]) -> None:
    with (folder / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _fund(folder: Path, claims: dict[str, tuple[str, ...]], benefits: tuple[tuple[str, ...], ...] = ()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, "affiliates.csv",
           ["affiliate_id", "national_number", "first_name", "last_name", "street", "house_number", "box", "postcode",
            "city", "country", "language", "status", "affiliated_since", "affiliated_until"],
           [(a[0], number, a[1], a[2], a[3], a[4], "", a[5], a[6], a[7], a[8], "main", "2010-01-01", "")
            for a, number in zip(AFFILIATES, ("71050860797", "71050860896", "71050860995", "71050861094"),
                                 strict=True)])  # one national number each: a second holder is refused
    contributions, payments = [], []
    for a in AFFILIATES:
        for quarter, due in ((1, "2026-03-31"), (2, "2026-06-30"), (3, "2026-09-30")):
            contributions.append((f"C{a[0]}{quarter}", a[0], "2026", str(quarter), "provisional", "890.42", "27.16", due))
            payments.append((f"P{a[0]}{quarter}", "affiliate", a[0], due, "917.58",
                             digits_of(structured_reference(a[0], 2026, f"Q{quarter}"))))
    _write(folder, "contributions.csv",
           ["contribution_id", "affiliate_id", "year", "quarter", "kind", "amount", "fee", "due_date"], contributions)
    _write(folder, "payments.csv",
           ["payment_id", "payer_type", "payer_id", "received_on", "amount", "structured_reference"], payments)
    _write(folder, "claims.csv", CLAIM_COLUMNS, list(claims.values()))
    _write(folder, "benefit_payments.csv", ("claim_id", "month", "paid_on", "amount"), list(benefits))
    return folder


def _letters(settings: Settings) -> dict[str, dict]:
    with connect(settings.db_url).connect() as connection:
        rows = connection.execute(select(schema.letters).where(schema.letters.c.event_key.like("decision:%"))).mappings()
        return {r["event_key"]: dict(r) for r in rows}


def _decisions(settings: Settings) -> dict[str, dict]:
    with connect(settings.db_url).connect() as connection:
        return {r["event_key"]: {**r, "result": json.loads(r["result"])}
                for r in connection.execute(select(schema.decisions)).mappings()}


def test_claims_become_decisions_night_after_night(settings: Settings, tmp_path: Path) -> None:
    engine = connect(settings.db_url)
    import_dir(engine, _fund(tmp_path / "in1", CLAIMS))
    first = run_night(settings, date(2026, 7, 10))

    letters, decisions = _letters(settings), _decisions(settings)
    expected = {  # key: (letter type, language)
        "decision:mantelzorg:K1": ("mantelzorg_granted", "nl"),
        "decision:mantelzorg:K2": ("mantelzorg_incomplete", "fr"),  # Namur: French area, whatever the preference
        "decision:mantelzorg:K3": ("mantelzorg_refused", "de"),
    }
    assert {k: (v["letter_type"], v["language"]) for k, v in letters.items()} == expected
    assert all(v["status"] == "batched" for v in letters.values())
    assert {k: d["outcome"] for k, d in decisions.items()} == {
        "decision:mantelzorg:K1": "granted", "decision:mantelzorg:K2": "incomplete",
        "decision:mantelzorg:K3": "refused"}
    assert decisions["decision:mantelzorg:K1"]["result"]["months"] == ["2026-07", "2026-08", "2026-09"]
    assert {g["code"] for g in decisions["decision:mantelzorg:K3"]["result"]["grounds"]} == {
        "RECIPIENT_NOT_ELIGIBLE", "OTHER_BENEFIT"}
    held = json.dumps(first.summary["quarantined"])
    assert "decision:mantelzorg:K4" in held and "abroad" in held  # no competent court without a guess
    # the batch carries the decisions, the archive keeps PDF and DOCX
    manifest = (settings.output_dir / "2026-07-10" / "manifest.csv").read_text(encoding="utf-8")
    for key in expected:
        assert letters[key]["letter_id"] in manifest
        pdf = settings.archive_dir / letters[key]["archive_path"]
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.with_suffix(".docx").read_bytes().startswith(b"PK")
    with engine.connect() as connection:
        notes = connection.execute(select(schema.notes.c.event_key, schema.notes.c.kind)).all()
    assert ("decision:mantelzorg:K2", "language") in [tuple(n) for n in notes]

    # the missing sworn statement arrives on 18 July (documents update import), and K1's holder makes a second claim
    claims = dict(CLAIMS)
    claims["K2"] = CLAIMS["K2"][:10] + ("medical_certificate;sworn_statement",) + CLAIMS["K2"][11:16] + ("2026-07-18", "")
    claims["K5"] = ("K5", "A0000101", "mantelzorg", "2026-07-15", "2026-10-01", "6", "full", "spouse", "", "",
                    "medical_certificate", "", "false", "0", "0", "", "", "")
    import_dir(engine, _fund(tmp_path / "in2", claims))
    run_night(settings, date(2026, 7, 20))
    decisions = _decisions(settings)
    again = [k for k in decisions if k.startswith("decision:mantelzorg:K2:")]
    assert len(again) == 1 and decisions[again[0]]["outcome"] == "granted"
    assert decisions[again[0]]["result"]["amounts"] == {"2026-07": "819.13", "2026-08": "819.13"}
    assert decisions[again[0]]["result"]["first_payment_on"] == "2026-08-31"  # from the month after 18 July (§6)
    second = decisions["decision:mantelzorg:K5"]["result"]
    assert second["basis"]["months_already_received"] == 3  # K5 sees K1's three months
    assert (second["outcome"], second["exempt_quarters"]) == ("granted", ["2026-Q4", "2027-Q1"])

    # K1's spouse died on 5 July, which the fund learnt on 1 October: August is the last month due; September
    # was paid on 30 September, and what was paid is what is claimed back (a reduced payment here)
    claims["K1"] = CLAIMS["K1"][:11] + ("2026-07-05",) + CLAIMS["K1"][12:-1] + ("2026-10-01",)
    paid = (("K1", "2026-07", "2026-07-31", "1638.26"), ("K1", "2026-08", "2026-08-31", "1638.26"),
            ("K1", "2026-09", "2026-09-30", "1500.00"))
    import_dir(engine, _fund(tmp_path / "in3", claims, paid))
    night = run_night(settings, date(2026, 10, 5))
    recovery = _decisions(settings)["decision:mantelzorg:K1:recovery"]["result"]
    communication = structured_reference("A0000101", 2026, "recovery")
    assert recovery == {"outcome": "recovery", "withdrawn": ["2026-09"], "claimed": [["2026-09", "2026-09-30"]],
                        "total": "1500.00", "died_on": "2026-07-05", "exemption_lost": ["2026-Q3"],
                        "communication": communication}
    letter = _letters(settings)["decision:mantelzorg:K1:recovery"]
    assert (letter["letter_type"], letter["status"], letter["mail_class"]) == ("mantelzorg_recovery", "batched",
                                                                              "registered")
    # registered: on the deposit list with its structured communication, so its notification can be proven
    folder = settings.output_dir / "2026-10-05"
    with (folder / "registered.csv").open(encoding="utf-8") as handle:
        registered = list(csv.DictReader(handle))
    assert [(r["letter_id"], r["reference"]) for r in registered] == [(letter["letter_id"], f"'{communication}")]
    assert (folder / "deposit_list.pdf").exists()
    # the prescription it states is marked [confirm] in the data and listed in the night's summary
    marks = [m["mark"] for m in night.summary["confirm_marks"] if m["parameters"] == "mantelzorg_recovery"]
    assert any(m.startswith("prescription:") for m in marks), night.summary["confirm_marks"]
    assert "mantelzorg_recovery" in (folder / "summary.txt").read_text(encoding="utf-8")

    # a rerun of any of these nights adds nothing
    run_night(settings, date(2026, 10, 5))
    assert len(_letters(settings)) == 6  # K1, K2, K3, K2 again, K5, K1 recovery


def test_a_recovery_without_an_art_15_mention_fails_the_check_and_if_approved_anyway_is_quarantined(
        settings: Settings, tmp_path: Path) -> None:
    """A reviewer deletes the waiver paragraph (art. 15, 5°) from the Dutch recovery: `templates check` says
    so; approved anyway, the night holds the recovery naming the mention, and the night goes on."""
    templates = tmp_path / "letter_templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    path = templates / "mantelzorg_recovery" / "nl.docx"
    document = docx.Document(str(path))
    [waiver] = [p for p in document.paragraphs if p.text.startswith("Afstand:")]
    waiver._element.getparent().remove(waiver._element)
    document.save(str(path))
    errors = [f.message for f in check.check(templates, "mantelzorg_recovery") if f.level == "error"]
    assert errors and all("mention 5: that the fund may waive the recovery" in e for e in errors), errors
    settings = replace(settings, templates_dir=templates)
    with connect(settings.db_url).begin() as connection:  # approved without `templates check`
        approvals.import_shipped(connection, templates)
        approvals.approve(connection, templates, "mantelzorg_recovery", "nl", "Mallory", date(2026, 7, 1))
    engine = connect(settings.db_url)
    one = {"K1": CLAIMS["K1"]}
    import_dir(engine, _fund(tmp_path / "in1", one))
    run_night(settings, date(2026, 7, 10))
    one["K1"] = CLAIMS["K1"][:11] + ("2026-07-05",) + CLAIMS["K1"][12:-1] + ("2026-10-01",)
    import_dir(engine, _fund(tmp_path / "in2", one, (("K1", "2026-09", "2026-09-30", "1638.26"),)))
    night = run_night(settings, date(2026, 10, 5))
    [held] = night.summary["quarantined"]
    assert held["field"] == "recovery_mention_5" and "waive the recovery" in held["reason"], held
    assert "decision:mantelzorg:K1:recovery" not in _letters(settings)
