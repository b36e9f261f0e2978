"""Every mantelzorg decision letter in every language: composed for a real address, filled with docxtpl,
converted by LibreOffice, and its PDF text carries the six Charter art. 14 mentions with the right court.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import docx
import pytest

from correspondence.config import load_fund
from correspondence.kinds.letter import ComposeEnv, Event, compose
from correspondence.kinds.mantelzorg import ClaimDecision, History
from correspondence.kinds.mantelzorg_recovery import RecoveryFacts
from correspondence.kinds.registry import by_name
from correspondence.render.dispatch import Failed, Job, Rendered, Renderer
from correspondence.templates import appeal_check, catalog, snapshots
from rules.mantelzorg import decide
from rules.mantelzorg_recovery import terms
from rules.params import Parameters
from rules.payment_reference import digits_of, structured_reference

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "letter_templates"
DAY = date(2026, 11, 22)
APPLICANT = {"status": "main", "provisional_quarterly_contribution": "890.42",
             "quarters": {"2026-Q1": "paid", "2026-Q2": "paid"}, "months_already_received": 8,
             "exempt_quarters_already_used": 0, "other_benefit": False}
REQUEST = {"received_on": "2026-08-10", "break_start": "2026-07-01", "months": 6, "mode": "full",
           "care_recipient": "spouse", "relative_degree": None, "child_age": None,
           "documents": ["medical_certificate"], "care_recipient_died_on": None}
CASES = {  # letter type: changes to the applicant and the request
    "mantelzorg_granted": ({}, {}),
    "mantelzorg_refused": ({"status": "secondary", "provisional_quarterly_contribution": "512.30",
                            "quarters": {"2026-Q1": "paid", "2026-Q2": "unpaid"}},
                           {"care_recipient": "relative", "relative_degree": 3}),
    "mantelzorg_incomplete": ({}, {"mode": "partial", "documents": [], "received_on": "2026-06-20"}),
    "mantelzorg_recovery": ({}, {"received_on": "2026-06-20"}),
}
TERMS = terms(DAY, Parameters())
RECOVERY = RecoveryFacts(  # October paid after a death in August; November and December cancelled; 2026-Q4 lost
    outcome="recovery", decided_on="2026-06-24", died_on="2026-08-14", reported_on="2026-11-18", last_month="2026-09",
    undue=({"month": "2026-10", "amount": "1638.26", "paid_on": "2026-10-31"},), cancelled=("2026-11", "2026-12"),
    withdrawn=("2026-10", "2026-11", "2026-12"), exemption_lost=({"quarter": "2026-Q4", "month": "2026-12",
                                                                  "ordinal": 6},),
    exemption_kept=("2026-Q3",), total="1638.26", communication=structured_reference("A0000042", 2026, "recovery"),
    repay_by=TERMS.repay_by.isoformat(), prescription_years=TERMS.prescription_years,
    prescription_source=dict(TERMS.prescription_source))
LETTERS = [  # letter type, recorded language, postcode, city, court expected in the letter, letter language
    ("mantelzorg_granted", "nl", "9000", "Gent", "Arbeidsrechtbank Gent", "nl"),
    ("mantelzorg_granted", "fr", "1050", "Ixelles", "Tribunal du travail francophone de Bruxelles", "fr"),
    ("mantelzorg_granted", "de", "4700", "Eupen", "Arbeitsgericht Eupen", "de"),
    ("mantelzorg_refused", "nl", "2000", "Antwerpen", "Arbeidsrechtbank Antwerpen", "nl"),
    ("mantelzorg_refused", "fr", "7000", "Mons", "Tribunal du travail du Hainaut", "fr"),
    ("mantelzorg_refused", "de", "4700", "Eupen", "Arbeitsgericht Eupen", "de"),
    ("mantelzorg_incomplete", "nl", "1000", "Brussel", "Nederlandstalige arbeidsrechtbank Brussel", "nl"),
    ("mantelzorg_incomplete", "fr", "1400", "Nivelles", "Tribunal du travail du Brabant wallon", "fr"),
    ("mantelzorg_incomplete", "de", "4700", "Eupen", "Arbeitsgericht Eupen", "de"),
    ("mantelzorg_recovery", "nl", "3000", "Leuven", "Arbeidsrechtbank Leuven", "nl"),
    ("mantelzorg_recovery", "fr", "4000", "Liège", "Tribunal du travail de Liège", "fr"),
    ("mantelzorg_recovery", "de", "4700", "Eupen", "Arbeitsgericht Eupen", "de"),
    ("mantelzorg_granted", "de", "9000", "Gent", "Arbeidsrechtbank Gent", "nl"),  # preference against the area
]


def _job(number: int, letter_type: str, recorded: str, postcode: str, city: str) -> tuple[Job, tuple]:
    applicant, request = ({**APPLICANT, **CASES[letter_type][0]}, {**REQUEST, **CASES[letter_type][1]})
    decision = decide({"applicant": applicant, "request": request})
    claim = {"claim_id": f"K{number}", "affiliate_id": "A0000042", "kind": "mantelzorg", **request,
             "months": request["months"], "other_benefit": False, "months_before_engine": 8,
             "exempt_quarters_before_engine": 0}
    recovery = None
    if letter_type == "mantelzorg_recovery":
        recovery = RECOVERY
    facts = ClaimDecision(claim, History(months_already_received=8, exempt_quarters_already_used=0), decision,
                          recovery)
    recipient = {"affiliate_id": "A0000042", "first_name": "Ann", "last_name": "Peeters & Zonen <BV>",
                 "street": "Kerkstraat", "house_number": "1", "box": "", "postcode": postcode, "city": city,
                 "country": "BE", "language": recorded, "status": "main"}
    env = ComposeEnv(DAY, load_fund(ROOT / "config" / "fund.toml"), catalog.load(TEMPLATES), Parameters())
    letter = compose(by_name()[letter_type],
                     Event(f"decision:mantelzorg:K{number}", letter_type, "affiliate", "A0000042", facts),
                     recipient, env, f"20261122-{number:06d}")
    snapshot = snapshots.working_copy(TEMPLATES, letter_type, letter.language)
    return Job(letter.event_key, letter_type, letter.language, snapshot.hash, letter.context), (snapshot, letter)


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[Job, Rendered | Failed, object]]:
    built = [_job(n, *row[:4]) for n, row in enumerate(LETTERS)]
    store = {s.hash: s for _, (s, _) in built}
    results = Renderer(store.__getitem__).render([job for job, _ in built])
    return {job.letter_id: (job, result, letter) for (job, (_, letter)), result in zip(built, results, strict=True)}


@pytest.mark.parametrize(("number", "row"), list(enumerate(LETTERS)))
def test_each_decision_carries_the_six_mentions_and_its_court(rendered: dict, number: int, row: tuple) -> None:
    _, _, postcode, _, court, language = row
    job, result, letter = rendered[f"decision:mantelzorg:K{number}"]
    assert isinstance(result, Rendered), result
    assert (job.language, letter.postcode) == (language, postcode)
    text = appeal_check.pdf_text(result.pdf)
    assert appeal_check.missing_mentions(text, language, job.context) == []
    assert court in " ".join(text.split())
    assert docx.Document(io.BytesIO(result.docx)).paragraphs  # the archived DOCX opens (LibreOffice printed it)
    # a recorded preference against the language area is written in the area's language and reported
    assert [kind for kind, _ in letter.notes] == ([] if row[1] == language else ["language"])


@pytest.mark.parametrize("number", [0, 9])  # a grant; a recovery, with its QR picture
def test_the_same_decision_renders_to_the_same_bytes(rendered: dict, number: int) -> None:
    job, first, _ = rendered[f"decision:mantelzorg:K{number}"]
    snapshot = snapshots.working_copy(TEMPLATES, job.letter_type, job.language)
    again = Renderer(lambda _: snapshot).render([job])[0]
    assert isinstance(first, Rendered) and isinstance(again, Rendered)
    assert (again.sha256, again.docx) == (first.sha256, first.docx)


def test_a_template_copy_without_the_appeal_block_is_not_sent(tmp_path: Path) -> None:
    copy = tmp_path / "letter_templates"
    shutil.copytree(TEMPLATES, copy)
    path = copy / "mantelzorg_refused" / "nl.docx"
    document = docx.Document(str(path))
    block = next(p for p in document.paragraphs if p.text.strip() == "{{p appeal }}")
    block._element.getparent().remove(block._element)
    document.save(str(path))
    job, _ = _job(99, "mantelzorg_refused", "nl", "9000", "Gent")
    snapshot = snapshots.working_copy(copy, "mantelzorg_refused", "nl")
    result = Renderer(lambda _: snapshot).render([Job(job.letter_id, job.letter_type, "nl", snapshot.hash,
                                                      job.context)])[0]
    assert isinstance(result, Failed)
    assert result.field == "appeal_mention_1"
    assert "competent labour court" in result.reason and "more mentions missing" in result.reason


FULL = {
    "nl": "U kunt beroep instellen bij de Arbeidsrechtbank Gent, Opgeëistenlaan 401/C, 9000 Gent. Binnen drie maanden, "
          "met een verzoekschrift. Artikel 728 ... vakorganisatie. Artikel 1017 ... roekeloos en tergend. "
          "Dossiernummer MZ-K1, Dienst Uitkeringen. Voor uitleg: +32 2 555 01 40, uitkeringen@x.example",
}
CONTEXT = {"court": {"name": "Arbeidsrechtbank Gent", "address_lines": ["Opgeëistenlaan 401/C", "9000 Gent"]},
           "decision": {"reference": "MZ-K1"},
           "service": {"name": "Dienst Uitkeringen", "phone": "+32 2 555 01 40", "email": "uitkeringen@x.example"}}


@pytest.mark.parametrize(("remove", "missing"), [
    ("", []),
    ("Artikel 1017", ["mention 4"]),
    ("Opgeëistenlaan 401/C", ["mention 2"]),
    ("Binnen drie maanden", ["mention 3"]),
    ("MZ-K1", ["mention 5"]),
    ("+32 2 555 01 40", ["mention 6"]),
    ("beroep instellen bij de Arbeidsrechtbank Gent", ["mention 1"]),
])
def test_missing_mentions_names_each_absent_mention(remove: str, missing: list[str]) -> None:
    text = FULL["nl"].replace(remove, "") if remove else FULL["nl"]
    found = appeal_check.missing_mentions(text.replace(" ", "\n", 3), "nl", CONTEXT)
    assert [m.split(":")[0] for m in found] == missing


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools is not installed (.ci/run installs it)")
@pytest.mark.parametrize("number", [n for n, row in enumerate(LETTERS) if row[0] == "mantelzorg_recovery"])
def test_a_recovery_s_qr_code_pays_its_amount_to_the_fund_with_its_own_communication(
        rendered: dict, number: int, tmp_path: Path) -> None:
    """Read back with zbar from the printed page, as a banking app reads it: the fund's IBAN, the amount claimed
    back and the recovery's structured communication (EPC069-12 lines 7, 8 and 10)."""
    job, result, _ = rendered[f"decision:mantelzorg:K{number}"]
    assert isinstance(result, Rendered), result
    (tmp_path / "letter.pdf").write_bytes(result.pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(tmp_path / "letter.pdf"), str(tmp_path / "page")], check=True)
    codes = [subprocess.run(["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", "-Sbinary", str(page)],
                            capture_output=True,
                            check=False).stdout  # exit 4 on a page without a code
             for page in sorted(tmp_path.glob("page-*.png"))]
    [payload] = [c.decode("utf-8").rstrip("\n").split("\n") for c in codes if c]
    fund = load_fund(ROOT / "config" / "fund.toml")["fund"]
    assert payload[:4] == ["BCD", "002", "1", "SCT"]
    assert (payload[6], payload[7]) == (fund["iban"], f"EUR{RECOVERY.total}")
    assert payload[9] == digits_of(RECOVERY.communication) == digits_of(job.context["payment"]["reference"])
    text = " ".join(appeal_check.pdf_text(result.pdf).split())
    assert RECOVERY.communication in text  # printed too, for a transfer typed by hand
