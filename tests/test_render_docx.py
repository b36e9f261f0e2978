"""Word decisions filled once per snapshot's prepared template give the DOCX that docxtpl gives when every
partial is filled and merged as a subdocument for every letter (the way it was done before): every part byte
for byte, except that the prepared template keeps only the styles it uses (tests/test_word_styles.py)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docxtpl import DocxTemplate

from correspondence.render.dispatch import Job
from correspondence.render.docx import WordSnapshot, _stable_zip
from correspondence.templates import snapshots, word_styles

PRUNED = {"word/styles.xml", "word/stylesWithEffects.xml", "docProps/thumbnail.jpeg",
          "[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels"}
TEMPLATES = Path(__file__).resolve().parents[1] / "letter_templates"
DECISIONS = ("mantelzorg_granted", "mantelzorg_refused", "mantelzorg_incomplete", "mantelzorg_recovery")
CASES = [(t, p.stem) for t in DECISIONS for p in sorted((TEMPLATES / t / "samples").glob("*.json"))]


def _per_letter_subdocuments(prepared: WordSnapshot, job: Job) -> bytes:
    """The reference: each partial rendered alone, then attached with docxtpl's `new_subdoc` for this letter."""
    files = prepared.snapshot.files
    template = DocxTemplate(io.BytesIO(files[f"{job.letter_type}/{job.language}.docx"]))
    context: dict[str, Any] = dict(job.context)
    prefix = f"partials/{job.language}/"
    for path in sorted(p for p in files if p.startswith(prefix) and p.endswith(".docx")):
        partial = DocxTemplate(io.BytesIO(files[path]))
        partial.render(job.context, prepared.env, autoescape=True)
        context[path.removeprefix(prefix).removesuffix(".docx")] = template.new_subdoc(io.BytesIO(_stable_zip(partial)))
    prepared.filling = template  # `| epc_qr` adds its picture to the letter being filled
    template.render(context, prepared.env, autoescape=True)
    return _stable_zip(template)


def _parts(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize(("letter_type", "sample"), CASES)
def test_prepared_partials_fill_the_same_docx(letter_type: str, sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    context = json.loads((TEMPLATES / letter_type / "samples" / f"{sample}.json").read_text(encoding="utf-8"))
    snapshot = snapshots.working_copy(TEMPLATES, letter_type, context["letter"]["language"])
    prepared = WordSnapshot(snapshot)
    job = Job("20261122-000001", letter_type, context["letter"]["language"], snapshot.hash, context)
    filled = prepared.fill(job)
    assert prepared.fill(job) == filled  # the prepared template is not changed by filling it
    monkeypatch.setattr(word_styles, "prune", lambda document: 0)
    unpruned = WordSnapshot(snapshot).fill(job)
    assert unpruned == _per_letter_subdocuments(prepared, job)  # merged once = merged for every letter
    ours, reference = _parts(filled), _parts(unpruned)
    # A picture the letter adds (the EPC QR code of a recovery) is related under the next free id, which depends
    # on how many parts the template kept: the same picture, another number.
    for parts in (ours, reference):
        parts["word/document.xml"] = re.sub(rb'r:embed="rId[0-9]+"', b'r:embed="rId"', parts["word/document.xml"])
    assert {n: b for n, b in ours.items() if n not in PRUNED} == {n: b for n, b in reference.items() if n not in PRUNED}
    assert set(reference) - set(ours) == {"word/stylesWithEffects.xml", "docProps/thumbnail.jpeg"}
    assert len(ours["word/styles.xml"]) < len(reference["word/styles.xml"]) / 5
    body = ours["word/document.xml"].decode("utf-8")
    assert "{{p" not in body and "{%" not in body  # every partial was merged and filled
