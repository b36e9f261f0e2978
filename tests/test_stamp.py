"""Letters laid out once per shape and stamped (correspondence/stamp*.py) read and look exactly like the same
letter laid out alone by WeasyPrint; a letter whose values could not be printed exactly is laid out alone.

Compared: the words and their boxes (pdftotext -bbox, to 0.05 pt), the page count, the pixels outside the QR
code at 100 dpi, and the PDF's structure (qpdf --check). The QR code is the same matrix drawn as a path instead
of an SVG; its content is checked by decoding it (tests/test_walking_skeleton.py, test_collection_letters.py).
"""

from __future__ import annotations

import copy
import re
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup
from PIL import Image, ImageChops

from correspondence.config import TEMPLATES_DIR
from correspondence.render.html import SnapshotRenderer
from correspondence.render.jobs import Job, Rendered
from correspondence.render.slots import Marked, finalize
from correspondence.render.stamp import overlay, plan
from correspondence.templates import catalog, snapshots
from correspondence.templates.check import samples

STAMPED_TYPES = [t.name for t in catalog.load(TEMPLATES_DIR).values() if t.layout == "once"]
SAMPLES = [(t, name) for t in STAMPED_TYPES for name in samples(TEMPLATES_DIR, t)]
RENDERERS: dict[tuple[str, str], SnapshotRenderer] = {}


def renderer(letter_type: str, language: str) -> SnapshotRenderer:
    if (letter_type, language) not in RENDERERS:
        RENDERERS[letter_type, language] = SnapshotRenderer(
            snapshots.working_copy(TEMPLATES_DIR, letter_type, language))
    return RENDERERS[letter_type, language]


def both(letter_type: str, context: dict[str, Any]) -> tuple[Rendered | None, Rendered, SnapshotRenderer]:
    language = context["letter"]["language"]
    r = renderer(letter_type, language)
    marked = r.fill(Job(context["letter"]["id"], letter_type, language, "", context))
    return r.stamped(context["letter"]["id"], marked), r.pdf([(context["letter"]["id"], marked.html())])[0], r


def words(pdf: bytes) -> list[tuple[str, int, float, float, float, float]]:
    """Each word with its page number and box."""
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [(w, number, float(a), float(b), float(c), float(d))
            for number, page in enumerate(html.decode().split("<page ")[1:])
            for a, b, c, d, w in re.findall(pattern, page)]


def assert_same_words(stamped: bytes, plain: bytes) -> None:
    # In reading position, page by page, not drawing order: the stamped lines are drawn after the background.
    got, expected = (sorted(words(pdf), key=lambda w: (w[1], round(w[3]), w[2])) for pdf in (stamped, plain))
    assert [w[:2] for w in got] == [w[:2] for w in expected]
    for g, e in zip(got, expected, strict=True):
        assert all(abs(a - b) <= 0.05 for a, b in zip(g[2:], e[2:], strict=True)), (g, e)


def pages(pdf: bytes, folder: Path, dpi: int = 100) -> list[Image.Image]:
    folder.mkdir()
    (folder / "letter.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "letter.pdf", "page"], cwd=folder, check=True)
    return [Image.open(path).convert("L") for path in sorted(folder.glob("page-*.png"))]


@pytest.mark.parametrize(("letter_type", "sample"), SAMPLES)
def test_a_stamped_letter_reads_and_looks_as_if_laid_out_alone(letter_type: str, sample: str, tmp_path: Path) -> None:
    assert_stamped_as_alone(letter_type, samples(TEMPLATES_DIR, letter_type)[sample], tmp_path)


def _periods(rows: int) -> dict[str, Any]:
    """The Dutch reminder's sample with `rows` periods (and their surcharge lines), amounts varied per row."""
    context = copy.deepcopy(samples(TEMPLATES_DIR, "reminder")["nl-reminder"])
    periods = context["account"]["periods"]
    context["account"]["periods"] = [
        {**copy.deepcopy(periods[i % len(periods)]), "year": 2020 + i // 4, "quarter": i % 4 + 1,
         "owed": f"{(i + 1) * 1234.56:.2f}", "contribution": f"{900 + 97 * i:.2f}"} for i in range(rows)]
    context["account"]["total"] = f"{sum((i + 1) * 1234.56 for i in range(rows)):.2f}"
    return context


def _months(rows: int) -> dict[str, Any]:
    """The Dutch company reminder's sample with `rows` months of interest."""
    context = copy.deepcopy(samples(TEMPLATES_DIR, "company_reminder")["nl-company_reminder"])
    contribution = context["company_contribution"]
    contribution["interest"] = [{"amount": f"{9.98 + i:.2f}", "base": "998.47", "month": f"{2026 + i // 12}-"
                                 f"{i % 12 + 1:02d}-01"} for i in range(rows)]
    return context


@pytest.mark.parametrize(("letter_type", "context"), [
    *[pytest.param("reminder", _periods(rows), id=f"reminder-{rows}-periods") for rows in (1, 2, 5, 9, 14)],
    *[pytest.param("company_reminder", _months(rows), id=f"company_reminder-{rows}-months") for rows in (1, 12, 30)],
])
def test_a_stamped_table_of_any_length_reads_and_looks_as_if_laid_out_alone(
        letter_type: str, context: dict[str, Any], tmp_path: Path) -> None:
    assert_stamped_as_alone(letter_type, context, tmp_path)


def assert_stamped_as_alone(letter_type: str, context: dict[str, Any], tmp_path: Path) -> None:
    stamped, plain, r = both(letter_type, context)
    assert stamped is not None, r.stamper.outcomes if r.stamper else "no stamper"
    assert stamped.pages == plain.pages
    assert_same_words(stamped.pdf, plain.pdf)
    drawn = [box for shape in r.stamper.plans.values() for box in getattr(getattr(shape, "plan", None), "drawn", ())]
    images = pages(stamped.pdf, tmp_path / "stamped"), pages(plain.pdf, tmp_path / "plain")
    assert len(images[0]) == stamped.pages
    for number, (a, b) in enumerate(zip(*images, strict=True)):
        difference = ImageChops.difference(a, b).point(lambda v: 255 if v > 64 else 0)
        for box in drawn:  # the same modules, drawn as a path instead of an SVG image
            if box.page == number:
                scale = 100 / 96
                difference.paste(0, tuple(round(v * scale) + d for v, d in (
                    (box.x, -2), (box.y, -2), (box.x + box.width, 2), (box.y + box.height, 2))))
        assert difference.histogram()[255] <= 3  # a few anti-aliased pixels at most
    path = tmp_path / "letter.pdf"
    path.write_bytes(stamped.pdf)
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)


def _nl_due_notice() -> dict[str, Any]:
    return copy.deepcopy(samples(TEMPLATES_DIR, "due_notice")["nl-brussels"])


def _name(value: str) -> dict[str, Any]:
    context = _nl_due_notice()
    context["recipient"]["name"] = value
    context["recipient"]["address_lines"][0] = value
    return context


@pytest.mark.parametrize(("context", "outcome"), [
    (_name("Jan\tJanssens"), "a value with unusual white space or characters"),
    (_name("Jan  Janssens"), "a value with unusual white space or characters"),
    (_name(" Jan Janssens"), "a value with unusual white space or characters"),
    (_name("Jan Jans\u00adsens"), "a value with unusual white space or characters"),  # soft hyphen
    (_name("Jose\u0301 Janssens"), "a value with unusual white space or characters"),  # combining accent
    (_name("Jan \u738b"), "a character outside the letter font"),
    (_name("Jan Janssens-" + "Vandenbossche" * 3), "stamped"),  # too wide: printed into the shape as it is
    (_name("Łukasz Żółć-Ørsted"), "stamped"),  # Latin Extended-A is in the font
])
def test_values_that_cannot_be_stamped_exactly_are_laid_out(context: dict[str, Any], outcome: str) -> None:
    r = renderer("due_notice", "nl")
    assert r.stamper is not None
    before = r.stamper.outcomes.copy()
    stamped, plain, _ = both("due_notice", context)
    assert (r.stamper.outcomes - before).most_common(1)[0][0] == outcome
    assert (stamped is not None) == (outcome == "stamped")
    if stamped is not None:
        assert_same_words(stamped.pdf, plain.pdf)


def test_when_the_likely_slots_do_not_hold_the_checked_slots_are_stamped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shape is planned first with its likely slots (one layout); if that plan moves when a value grows, the
    slots checked line by line (`plan.candidates`) are planned instead, and the letter is still stamped."""
    context = _nl_due_notice()
    r = SnapshotRenderer(snapshots.working_copy(TEMPLATES_DIR, "due_notice", "nl"))
    assert r.stamper is not None
    marked = r.fill(Job(context["letter"]["id"], "due_notice", "nl", "", context))
    likely = plan.likely(marked, r.layout, r.stamper.fonts).slots
    name = {i for i, s in enumerate(marked.slots) if s.kind == "text" and s.value == context["recipient"]["name"]}
    assert name and name <= likely
    built: list[frozenset[int]] = []

    def build(marked: Marked, stamped: frozenset[int], *args: Any) -> plan.Plan:
        built.append(stamped)
        if stamped == likely:
            raise plan.NotStampable("the layout moves when a value grows")
        return plan.build(marked, stamped, *args)

    monkeypatch.setattr(overlay, "build", build)
    monkeypatch.setattr(overlay, "candidates", lambda *args: likely - name)
    stamped = r.stamped(context["letter"]["id"], marked)
    assert built == [likely, likely - name]
    assert stamped is not None and r.stamper.outcomes == {"stamped": 1}
    assert_same_words(stamped.pdf, r.pdf([(context["letter"]["id"], marked.html())])[0].pdf)
    again = r.fill(Job(context["letter"]["id"], "due_notice", "nl", "", context))
    assert r.stamped(context["letter"]["id"], again).pdf == stamped.pdf and len(built) == 2  # both kept


def test_letters_share_a_plan_exactly_when_the_shape_they_print_into_is_the_same() -> None:
    """`overlay.plan_key` stands for `marked.with_codes(stamped)` (what a plan lays out): equal keys, equal
    shapes printed; a value printed into the shape (not stamped) makes another plan, a stamped one does not."""
    r = renderer("due_notice", "nl")
    assert r.stamper is not None

    def marked(context: dict[str, Any]) -> Marked:
        return r.fill(Job(context["letter"]["id"], "due_notice", "nl", "", context))

    first = marked(_nl_due_notice())
    stamped = plan.likely(first, r.layout, r.stamper.fonts).slots
    printed = next(i for i, s in enumerate(first.slots) if s.kind == "text" and i not in stamped)
    name = next(i for i, s in enumerate(first.slots) if s.value == _nl_due_notice()["recipient"]["name"])
    assert name in stamped
    for index, same in ((name, True), (printed, False)):
        slots = list(first.slots)
        slots[index] = replace(slots[index], value=slots[index].value + "x")
        other = Marked(first.source, tuple(slots))
        assert other.with_codes() == first.with_codes()
        keys = [overlay.plan_key(m, m.with_codes(), stamped) for m in (first, other)]
        assert (keys[0] == keys[1]) is same
        assert (first.with_codes(stamped) == other.with_codes(stamped)) is same


def test_a_letter_type_laid_out_each_time_is_never_stamped() -> None:
    snapshot = snapshots.working_copy(TEMPLATES_DIR, "reminder", "nl")
    meta = snapshot.text("reminder/letter.toml").replace('layout = "once"', 'layout = "each"')
    assert 'layout = "each"' in meta
    each = snapshots.Snapshot(snapshot.hash, {**snapshot.files, "reminder/letter.toml": meta.encode()})
    assert SnapshotRenderer(each).stamper is None
    assert renderer("reminder", "nl").stamper is not None


def _slot(value: str) -> str:
    return str(finalize(value))


@pytest.mark.parametrize(("html", "stampable"), [
    (f"<p>Geachte {_slot('Jan Janssens')},</p>", True),  # a paragraph's only line
    (f"<div class='address'>{_slot('Jan')}<br>{_slot('Kerkstraat 1')}<br>{_slot('1000 Brussel')}</div>", True),
    (f"<p>{'Static words to fill a line. ' * 4}then {_slot('a value')} and more words after it "
     f"{'that wrap onto the next line. ' * 4}</p>", False),  # inside a paragraph: it would move line breaks
    (f"<div style='float: left'>{_slot('A0000005')}</div><div style='float: left'>next</div>", False),
    (f"<table><tr><td>label</td><td>{_slot('€ 12,00')}</td></tr></table>", False),  # auto-layout column
    (f"<table style='table-layout: fixed; width: 100mm'><tr><td>label</td><td>{_slot('€ 12,00')}</td></tr>"
     f"</table>", True),
    (f"<p style='letter-spacing: 1pt'>{_slot('spaced')}</p>", False),
    (f"<p style='text-transform: uppercase'>{_slot('shouted')}</p>", False),
    (f"<p><span style='font-family: serif'>{_slot('another font')}</span></p>", False),
])
def test_which_values_are_stamped(html: str, stampable: bool) -> None:
    r = renderer("due_notice", "nl")
    assert r.stamper is not None
    marked = Marked.parse(str(Markup(html)))
    found = plan.candidates(marked, r.layout, r.stamper.fonts)
    assert bool(found) == stampable, found


@pytest.mark.parametrize("text", ["0", "Qz", "Geachte Jan Janssens,", "WAVE Te Yo", "€ 1.234,56", "Łódź ØÆ ß",
                                  "i" * 100, "fi fl ffi"])
@pytest.mark.parametrize(("size", "weight"), [("9.5pt", "normal"), ("7pt", "normal"), ("10.5pt", "bold")])
def test_measured_widths_are_the_laid_out_widths(text: str, size: str, weight: str) -> None:
    r = renderer("due_notice", "nl")
    assert r.stamper is not None
    document = r.layout(f"<p style='font-size: {size}; font-weight: {weight}'>{text}</p>")
    leaves = [b for line in plan.analyse(document, r.stamper.fonts).lines for b in line.leaves]
    assert not leaves  # no probe code in this text: nothing to stamp, but the boxes below are measured
    box = next(b for b, _ in plan._walk(document.pages[0]._page_box)
               if type(b).__name__ == "TextBox" and b.text == text)
    font = r.stamper.fonts["bold" if weight == "bold" else "regular"]
    assert font.width(text, box.style["font_size"]) == box.width


def test_the_lines_where_a_page_breaks_a_block_are_not_stamped() -> None:
    r = renderer("due_notice", "nl")
    assert r.stamper is not None
    marked = Marked.parse(str(Markup("<p>" + "<br>".join(_slot(f"line {i}") for i in range(120)) + "</p>")))
    found = plan.candidates(marked, r.layout, r.stamper.fonts)
    assert len(r.layout(marked.html()).pages) >= 2
    assert 100 <= len(found) == 120 - 2 * (len(r.layout(marked.html()).pages) - 1)


@pytest.mark.parametrize("size", [8.0, 9.5 * 96 / 72, 14.0])
@pytest.mark.parametrize("room", [0.0, 2.0, 7.1, 30.3, 63.4, 64.1, 120.0])
def test_a_probe_code_is_widened_to_within_an_apostrophe_of_its_room(room: float, size: float) -> None:
    """Zeros alone left up to a zero's width of a line's room unused, depending on the probe code's letters:
    a formal notice's 'paid' cell fitted `€ -2.629,35` as slot 188 and not as slot 189, and its shape was
    planned again for every such value (README Performance)."""
    fonts = renderer("formal_notice", "nl").stamper.fonts
    filler = plan._filler(room, size, fonts["regular"])
    width = fonts["regular"].width(filler, size)
    assert width <= room + 1e-9
    assert room - width < fonts["regular"].width("'", size)
    assert set(filler) <= set(plan.FILLERS)


def test_a_formal_notice_s_amounts_share_one_plan(tmp_path: Path) -> None:
    base = samples(TEMPLATES_DIR, "formal_notice")["nl-formal_notice"]
    r = renderer("formal_notice", "nl")
    before = len(r.stamper.plans)
    for paid in ("2629.35", "2094.62", "1320.98", "9999.99", "5.00"):
        context = copy.deepcopy(base)
        context["account"]["periods"][0]["paid"] = paid
        marked = r.fill(Job(context["letter"]["id"], "formal_notice", "nl", "", context))
        assert r.stamped(context["letter"]["id"], marked) is not None, paid
    assert len(r.stamper.plans) - before <= 1


def test_a_value_wider_than_its_line_is_printed_into_the_shape_before_a_plan_is_made(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A value that would wrap its line (a long name, the French fund name in the payment slip's beneficiary
    cell) is known too wide from the shape's likely slots and their room: the letter's one plan has it printed
    in, and no plan that could never take it is made first."""
    context = _name("Jan Janssens-" + "Vandenbossche" * 3)
    r = SnapshotRenderer(snapshots.working_copy(TEMPLATES_DIR, "due_notice", "nl"))
    assert r.stamper is not None
    marked = r.fill(Job(context["letter"]["id"], "due_notice", "nl", "", context))
    found = plan.likely(marked, r.layout, r.stamper.fonts)
    wide = found.overflowing(marked, r.stamper.fonts)
    name = {i for i, s in enumerate(marked.slots) if s.kind == "text" and s.value == context["recipient"]["name"]}
    assert wide and wide & name and wide < found.slots
    built: list[frozenset[int]] = []

    def build(marked: Marked, stamped: frozenset[int], *args: Any) -> plan.Plan:
        built.append(stamped)
        return plan.build(marked, stamped, *args)

    monkeypatch.setattr(overlay, "build", build)
    stamped = r.stamped(context["letter"]["id"], marked)
    assert built == [found.slots - wide]
    assert stamped is not None
    assert_same_words(stamped.pdf, r.pdf([(context["letter"]["id"], marked.html())])[0].pdf)
    sample = _nl_due_notice()
    assert not found.overflowing(r.fill(Job(sample["letter"]["id"], "due_notice", "nl", "", sample)),
                                 r.stamper.fonts)


@pytest.mark.parametrize(("style", "holds"), [
    ("", True),
    ("background: #ffd", False),  # the value's box paints: widening the value moves what is drawn
    ("border-bottom: 1px solid black", False),
])
def test_a_plan_holds_only_when_nothing_drawn_moves_as_its_values_grow(style: str, holds: bool) -> None:
    """The widened layout is compared with the plan's box by box (`plan.picture`), not by writing its PDF again:
    the boxes of a stamped line that paint a background or a border are part of the picture."""
    r = renderer("due_notice", "nl")
    assert r.stamper is not None
    marked = Marked.parse(str(Markup(f"<p>Geachte <span style='{style}'>{_slot('Jan Janssens')}</span>,</p>")))
    stamped = plan._texts(marked)
    if holds:
        assert plan.build(marked, stamped, r.layout, r.stamper.fonts).stamped == stamped
    else:
        with pytest.raises(plan.NotStampable, match="moves"):
            plan.build(marked, stamped, r.layout, r.stamper.fonts)


def test_the_picture_of_a_layout_shows_what_moved() -> None:
    r = renderer("due_notice", "nl")
    assert r.stamper is not None

    def picture(text: str) -> list[tuple[Any, ...]]:
        return plan.picture(plan.analyse(r.layout(f"<p>{text}</p><p>after</p>"), r.stamper.fonts), [])

    assert picture("Geachte Jan,") == picture("Geachte Jan,")
    assert picture("Geachte Jan,") != picture("Geachte Jan Janssens,")  # the same boxes, one text and width
    assert picture("short") != picture("a paragraph " * 30)  # 'after' moved down


@pytest.mark.parametrize("letter_type", ["company_due_notice", "company_reminder", "company_formal_notice"])
@pytest.mark.parametrize("language", ["nl", "fr", "de"])
def test_a_company_s_high_or_low_rate_is_a_value_not_another_shape(letter_type: str, language: str) -> None:
    """The rate's words are printed as a value ({{ ... if rate == "low" else ... }}), so low- and high-rate
    companies share their shapes (and plans): half the shapes a night plans for these letters."""
    r = renderer(letter_type, language)
    context = samples(TEMPLATES_DIR, letter_type)[f"{language}-{letter_type}"]
    shapes, words = set(), set()
    for rate in ("low", "high"):
        changed = copy.deepcopy(context)
        changed["company_contribution"]["rate"] = rate
        marked = r.fill(Job(changed["letter"]["id"], letter_type, language, "", changed))
        shapes.add(marked.with_codes())
        words.add(marked.html())
    assert len(shapes) == 1 and len(words) == 2


def test_a_letter_type_s_plan_layouts_guess_its_page_count_across_languages(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each plan layout guesses the page count of the type's last one: the footer's "1/2" is right the first
    time, in the type's second language too (the count is kept by the Renderer, per letter type)."""
    pages: dict[str, int] = {}
    made: list[str] = []
    for language in ("nl", "fr"):
        r = SnapshotRenderer(snapshots.working_copy(TEMPLATES_DIR, "company_formal_notice", language),
                             type_pages=pages)
        monkeypatch.setattr(r, "_alone_document", lambda html, r=r, language=language: (
            made.append(language), SnapshotRenderer._alone_document(r, html))[1])
        context = samples(TEMPLATES_DIR, "company_formal_notice")[f"{language}-company_formal_notice"]
        marked = r.fill(Job(context["letter"]["id"], "company_formal_notice", language, "", context))
        r.layout(marked.with_codes())
        r.layout(marked.with_codes())
    assert pages == {"company_formal_notice": 2}
    assert made == ["nl", "nl", "nl", "fr", "fr"]  # nl guessed 1 page once; fr guessed right


# (letters in the snapshot's first chunk, the page count its type had last) -> the documents laid out, by their
# letters: a few letters take the type's count; more learn it from their first one (with that count); with no
# count known, the first one is laid out with one page, and again with its two.
FIRST_CHUNKS = [
    (2, 2, [2]),
    (8, 2, [1, 7]),
    (2, None, [1, 1, 1]),
]


@pytest.mark.parametrize(("letters", "known", "documents"), FIRST_CHUNKS)
def test_a_snapshot_s_first_chunk_guesses_the_page_count_its_type_had(
        monkeypatch: pytest.MonkeyPatch, letters: int, known: int | None, documents: list[int]) -> None:
    """Laid out letter by letter (too few of its form tonight), a snapshot's first chunk takes the page count
    its letter type had last, in a plan or another language, instead of first laying one letter out alone to
    learn it (twice when it guessed one page) — unless the chunk is large, where a wrong guess costs twice the
    chunk."""
    pages = {} if known is None else {"company_formal_notice": known}
    r = SnapshotRenderer(snapshots.working_copy(TEMPLATES_DIR, "company_formal_notice", "de"), type_pages=pages)
    made: list[int] = []
    monkeypatch.setattr(r, "_pdf", lambda sections: (made.append(len(sections)),
                                                      SnapshotRenderer._pdf(r, sections))[1])
    sample = samples(TEMPLATES_DIR, "company_formal_notice")["de-company_formal_notice"]
    sections = []
    for number in range(1, letters + 1):
        context = copy.deepcopy(sample)
        context["letter"]["id"] = letter_id = f"20261001-{number:06d}"
        sections.append((letter_id, r.fill(Job(letter_id, "company_formal_notice", "de", "", context)).html()))
    assert [x.pages for x in r.pdf(sections)] == [2] * letters and made == documents
    assert pages == {"company_formal_notice": 2}
