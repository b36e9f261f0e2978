"""Claims in, decisions out, end to end on SQLite and PostgreSQL: import, night, journal, decisions, batch.

A small fund with paid quarters and four claims; then a documents update, a second claim and a death, each
on a later night. Letters are rendered for real (docxtpl + LibreOffice).
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence import schema
from correspondence.config import Settings
from correspondence.importing import import_dir
from correspondence.store import connect
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
                 "months_before_engine", "exempt_quarters_before_engine", "other_benefit_kind", "completed_on")
CLAIMS = {
    "K1": ("K1", "A0000101", "mantelzorg", "2026-06-25", "2026-07-01", "3", "full", "spouse", "", "",
           "medical_certificate", "", "false", "0", "0", "", ""),
    "K2": ("K2", "A0000102", "mantelzorg", "2026-06-26", "2026-07-01", "2", "partial", "housemate", "", "",
           "medical_certificate", "", "false", "0", "0", "", ""),
    "K3": ("K3", "A0000103", "mantelzorg", "2026-06-27", "2026-07-01", "2", "full", "relative", "3", "",
           "medical_certificate", "", "true", "0", "0", "incapacity", ""),
    "K4": ("K4", "A0000104", "mantelzorg", "2026-06-28", "2026-07-01", "2", "full", "spouse", "", "",
           "medical_certificate", "", "false", "0", "0", "", ""),
}


def _write(folder: Path, name: str, header: tuple[str, ...] | list[str], rows: list[tuple[str, ...]]) -> None:
    with (folder / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _fund(folder: Path, claims: dict[str, tuple[str, ...]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, "affiliates.csv",
           ["affiliate_id", "national_number", "first_name", "last_name", "street", "house_number", "box", "postcode",
            "city", "country", "language", "status", "affiliated_since", "affiliated_until"],
           [(a[0], "71050860797", a[1], a[2], a[3], a[4], "", a[5], a[6], a[7], a[8], "main", "2010-01-01", "")
            for a in AFFILIATES])
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
    claims["K2"] = CLAIMS["K2"][:10] + ("medical_certificate;sworn_statement",) + CLAIMS["K2"][11:16] + ("2026-07-18",)
    claims["K5"] = ("K5", "A0000101", "mantelzorg", "2026-07-15", "2026-10-01", "6", "full", "spouse", "", "",
                    "medical_certificate", "", "false", "0", "0", "", "")
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

    # K1's spouse died on 5 July: August is the last month due; September was paid on 30 September
    claims["K1"] = CLAIMS["K1"][:11] + ("2026-07-05",) + CLAIMS["K1"][12:]
    import_dir(engine, _fund(tmp_path / "in3", claims))
    run_night(settings, date(2026, 10, 5))
    recovery = _decisions(settings)["decision:mantelzorg:K1:recovery"]["result"]
    assert recovery == {"outcome": "recovery", "withdrawn": ["2026-09"], "total": "1638.26", "died_on": "2026-07-05"}
    letter = _letters(settings)["decision:mantelzorg:K1:recovery"]
    assert (letter["letter_type"], letter["status"]) == ("mantelzorg_recovery", "batched")

    # a rerun of any of these nights adds nothing
    run_night(settings, date(2026, 10, 5))
    assert len(_letters(settings)) == 6  # K1, K2, K3, K2 again, K5, K1 recovery
