"""Every collection letter type renders in nl, fr and de from its sample context; a letter asking money prints
a valid structured communication and an EPC QR code whose payload carries the IBAN, the amount and it."""

from __future__ import annotations

import io
import json
import subprocess
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader
from stdnum.be import ogm_vcs

from correspondence.config import DEFAULT_FUND, TEMPLATES_DIR, load_fund
from correspondence.render.dispatch import Job, Rendered, Renderer
from correspondence.templates import snapshots
from tests.collection_samples import contexts

SAMPLES = contexts()
ASKS_MONEY = {"regularisation", "reminder", "formal_notice", "account_statement", "company_due_notice",
              "company_reminder", "company_formal_notice", "requested"}  # requested: a statement asked for


@cache
def _render(name: str, language: str) -> Rendered:
    context = SAMPLES[(name, language)]
    kind = context["letter"]["type"]
    snapshot = snapshots.working_copy(TEMPLATES_DIR, kind, language)
    [result] = Renderer(lambda _hash: snapshot).render(
        [Job(context["letter"]["id"], kind, language, snapshot.hash, context)])
    assert isinstance(result, Rendered), result
    return result


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _plain(text: str) -> str:
    return "".join(ch for ch in text if ch not in " .\u00a0\u202f\n")


@pytest.mark.parametrize(("name", "language"), sorted(SAMPLES))
def test_sample_renders_and_is_stored_as_the_night_composes_it(name: str, language: str) -> None:
    context = SAMPLES[(name, language)]
    assert context["letter"]["language"] == language
    stored = TEMPLATES_DIR / context["letter"]["type"] / "samples" / f"{language}-{name}.json"
    assert json.loads(stored.read_text(encoding="utf-8")) == context, "run python -m tests.collection_samples"
    rendered = _render(name, language)
    assert rendered.pages >= 1
    text = _text(rendered.pdf)
    assert context["recipient"]["address_lines"][0] in text
    asks = context.get("payment") is not None
    assert asks == (name in ASKS_MONEY and not name.endswith("refund"))
    if asks:  # the amount asked is printed, in the letter's own notation
        amount = Decimal(context["payment"]["amount"])
        assert f"{amount:.2f}".replace(".", "," if language != "xx" else ".") in _plain(text)


@pytest.mark.parametrize(("name", "language"), sorted(k for k in SAMPLES if k[0] in ASKS_MONEY))
def test_money_letters_carry_a_valid_ogm_and_a_matching_epc_qr(name: str, language: str, tmp_path: Path) -> None:
    context = SAMPLES[(name, language)]
    rendered = _render(name, language)
    text = _text(rendered.pdf)
    ogm = next(word for word in text.split() if word.startswith("+++"))
    assert ogm_vcs.is_valid(ogm) and ogm == context["payment"]["reference"]
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(rendered.pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "p")], check=True)
    payloads = []
    for png in sorted(tmp_path.glob("p*.png")):
        # QR codes only: the letter id's barcode beside the address is read in tests/test_barcode.py
        found = subprocess.run(["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(png)], check=False,
                               capture_output=True, text=True).stdout.strip()
        if found:
            payloads.append(found.split("\n"))
    assert len(payloads) == 1, "exactly one QR code in the letter"
    payload = payloads[0]
    assert payload[:4] == ["BCD", "002", "1", "SCT"]
    assert payload[6] == load_fund(DEFAULT_FUND)["fund"]["iban"]
    assert payload[7] == f"EUR{Decimal(context['payment']['amount']):.2f}"
    assert payload[9] == ogm_vcs.compact(ogm)
