"""A Word letter keeps the styles it uses and what they lean on; LibreOffice prints the same PDF, byte for byte."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn

from correspondence.render.dispatch import Job
from correspondence.render.docx import WordSnapshot
from correspondence.render.libreoffice import LibreOffice
from correspondence.templates import snapshots, word_styles

TEMPLATES = Path(__file__).resolve().parents[1] / "letter_templates"
WORD_TYPES = sorted(p.parent.name for p in TEMPLATES.glob("*/nl.docx"))
CASES = [(t, p.stem) for t in WORD_TYPES for p in sorted((TEMPLATES / t / "samples").glob("*.json"))]


def _style_ids(document: Document) -> set[str]:
    return {s.style_id for s in document.styles}


@pytest.fixture(scope="module")
def office() -> Iterator[LibreOffice]:
    with LibreOffice() as running:
        yield running


def test_every_word_letter_type_is_covered() -> None:
    assert len(WORD_TYPES) >= 4 and {lang for _, sample in CASES for lang in [sample[:2]]} == {"nl", "fr", "de"}


@pytest.mark.parametrize(("letter_type", "sample"), CASES)
def test_pruned_letter_prints_the_same_pdf(letter_type: str, sample: str, office: LibreOffice,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    context = json.loads((TEMPLATES / letter_type / "samples" / f"{sample}.json").read_text(encoding="utf-8"))
    snapshot = snapshots.working_copy(TEMPLATES, letter_type, context["letter"]["language"])
    job = Job("20261122-000001", letter_type, context["letter"]["language"], snapshot.hash, context)
    pruned = WordSnapshot(snapshot).fill(job)
    monkeypatch.setattr(word_styles, "prune", lambda document: 0)
    whole = WordSnapshot(snapshot).fill(job)
    pdfs = office.convert({"pruned": pruned, "whole": whole})
    assert isinstance(pdfs["pruned"], bytes) and pdfs["pruned"] == pdfs["whole"]
    assert len(pruned) < len(whole) / 5
    kept = docx.Document(io.BytesIO(pruned))  # still a Word file python-docx (and LibreOffice, above) opens
    assert 0 < len(_style_ids(kept)) < len(_style_ids(docx.Document(io.BytesIO(whole)))) / 4


def _heading(document: Document) -> None:
    document.add_paragraph("Beslissing", style="Heading 1")


def _table(document: Document) -> None:
    document.add_table(rows=1, cols=2).style = document.styles["Light Grid Accent 1"]


def _character(document: Document) -> None:
    document.add_paragraph().add_run("Belangrijk", style="Intense Emphasis")


def _header(document: Document) -> None:
    document.sections[0].header.paragraphs[0].style = document.styles["Quote"]


def _numbering_style(document: Document) -> None:
    """A numbering definition linked to a numbering style: that style is named only in numbering.xml."""
    style = document.styles.add_style("Decision List", WD_STYLE_TYPE.LIST)
    numbering = document.part.numbering_part.element
    abstract = numbering.find(qn("w:abstractNum"))
    link = abstract.makeelement(qn("w:numStyleLink"), {qn("w:val"): style.style_id})
    abstract.insert(0, link)


def _field_code(document: Document) -> None:
    """A running head that repeats the last "Intense Quote" paragraph: the style is named in a field code only."""
    run = document.add_paragraph().add_run()
    instruction = run._r.makeelement(qn("w:instrText"), {})
    instruction.text = ' STYLEREF "Intense Quote" \\* MERGEFORMAT '
    run._r.append(instruction)


def _default_table_style(document: Document) -> None:
    settings = document.settings.element
    settings.append(settings.makeelement(qn("w:defaultTableStyle"), {qn("w:val"): "MediumShading1-Accent1"}))


def _chain(document: Document) -> None:
    """A house style based on a house style based on Heading 2: the whole chain stays."""
    middle = document.styles.add_style("Decision Section", WD_STYLE_TYPE.PARAGRAPH)
    middle.base_style = document.styles["Heading 2"]
    top = document.styles.add_style("Decision Ground", WD_STYLE_TYPE.PARAGRAPH)
    top.base_style = middle
    document.add_paragraph("Motivering", style="Decision Ground")


def _default_on(document: Document) -> None:
    document.styles["Light List"].element.set(qn("w:default"), "on")


def _nothing(document: Document) -> None:
    document.add_paragraph("Gewone tekst")


@pytest.mark.parametrize(("use", "kept", "removed"), [
    # (what the letter uses, styles that must stay, styles that must go)
    (_nothing, {"Normal", "DefaultParagraphFont", "TableNormal", "NoList"}, {"Heading1", "Title", "Quote"}),
    (_heading, {"Heading1", "Heading1Char", "Normal"}, {"Heading2", "Title"}),  # its twin (link) and parent (basedOn)
    (_table, {"LightGrid-Accent1", "TableNormal"}, {"LightGrid-Accent2", "TableGrid"}),
    (_character, {"IntenseEmphasis", "DefaultParagraphFont"}, {"SubtleEmphasis"}),
    (_header, {"Quote", "QuoteChar"}, {"IntenseQuote"}),  # named in the header part only
    (_numbering_style, {"DecisionList"}, {"Title"}),  # named in numbering.xml only
    (_field_code, {"IntenseQuote", "IntenseQuoteChar"}, {"Title", "Heading1"}),  # by its name, in a STYLEREF field
    (_default_table_style, {"MediumShading1-Accent1"}, {"MediumShading1-Accent2"}),  # settings.xml
    (_chain, {"DecisionGround", "DecisionSection", "Heading2", "Heading2Char", "Normal"}, {"Heading3"}),
    (_default_on, {"LightList"}, {"LightList-Accent1"}),  # w:default="on" is as true as "1"
])
def test_prune_keeps_what_is_referred_to(use: Callable[[Document], None], kept: set[str], removed: set[str]) -> None:
    document = docx.Document()
    use(document)
    before = _style_ids(document)
    assert kept | removed <= before
    assert word_styles.prune(document) == len(before) - len(_style_ids(document)) > 50
    after = _style_ids(docx.Document(_saved(document)))
    assert kept <= after
    assert not removed & after


def _kinds(rels: Any) -> set[str]:
    return {r.reltype.rsplit("/", 1)[-1] for r in rels.values()}


def test_prune_drops_the_word_2010_copy_and_the_thumbnail() -> None:
    template = docx.Document(TEMPLATES / "mantelzorg_granted" / "nl.docx")
    assert "stylesWithEffects" in _kinds(template.part.rels) and "thumbnail" in _kinds(template.part.package.rels)
    word_styles.prune(template)
    saved = docx.Document(_saved(template))
    assert "stylesWithEffects" not in _kinds(saved.part.rels) and "thumbnail" not in _kinds(saved.part.package.rels)


def _saved(document: Document) -> io.BytesIO:
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    return buffer
