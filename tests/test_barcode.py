"""Every letter carries its id as a Code 128 barcode beside the address block, whichever path printed it (the
stamped overlay, WeasyPrint laying the letter out, LibreOffice for Word decisions): read back with zbar from
the printed page, the way the mailroom's scanner reads a returned letter (the desk's /mailroom)."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from correspondence.config import TEMPLATES_DIR
from correspondence.render import barcode
from correspondence.render.dispatch import Renderer
from correspondence.render.html import SnapshotRenderer
from correspondence.render.jobs import Job, Rendered
from correspondence.templates import snapshots
from correspondence.templates.check import samples

pytestmark = pytest.mark.skipif(shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
                                reason="zbar-tools and poppler-utils are not installed (.ci/run installs them)")


def scanned(pdf: bytes, folder: Path, dpi: int = 200) -> list[str]:
    """The barcodes zbar reads on the letter's first page (the QR code of a payment slip left out)."""
    folder.mkdir(exist_ok=True)
    (folder / "letter.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-gray", "-png", "letter.pdf", "page"],
                   cwd=folder, check=True)
    [page] = sorted(folder.glob("page-*.png"))
    out = subprocess.run(["zbarimg", "-q", "-Sdisable", "-Scode128.enable", str(page)], capture_output=True,
                         text=True).stdout
    return [line.removeprefix("CODE-128:") for line in out.splitlines()]


def _context(letter_type: str, sample: str, letter_id: str) -> dict[str, Any]:
    context = copy.deepcopy(samples(TEMPLATES_DIR, letter_type)[sample])
    context["letter"]["id"] = letter_id
    return context


@pytest.mark.parametrize(("letter_type", "sample", "letter_id", "path"), [
    ("due_notice", "nl-brussels", "20261122-000001", "stamped"),
    ("due_notice", "fr-living-in-france", "20261122-004918", "laid out"),
    ("formal_notice", "de-formal_notice", "20270105-123456", "stamped"),
    ("fiscal_certificate", "nl-estate", "20270215-000042", "laid out"),
])
def test_an_html_letter_scans_as_its_id(tmp_path: Path, letter_type: str, sample: str, letter_id: str,
                                        path: str) -> None:
    context = _context(letter_type, sample, letter_id)
    language = context["letter"]["language"]
    r = SnapshotRenderer(snapshots.working_copy(TEMPLATES_DIR, letter_type, language))
    marked = r.fill(Job(letter_id, letter_type, language, "", context))
    result = r.stamped(letter_id, marked) if path == "stamped" else r.pdf([(letter_id, marked.html())])[0]
    assert isinstance(result, Rendered), f"the {path} path did not print it"
    assert scanned(result.pdf, tmp_path) == [letter_id]


@pytest.mark.parametrize(("letter_type", "sample", "letter_id"), [
    ("mantelzorg_refused", "fr-grounds", "20261122-000007"),
    ("mantelzorg_granted", "de-death", "20261201-000310"),
])
def test_a_word_decision_scans_as_its_id(tmp_path: Path, letter_type: str, sample: str, letter_id: str) -> None:
    context = _context(letter_type, sample, letter_id)
    snapshot = snapshots.working_copy(TEMPLATES_DIR, letter_type, context["letter"]["language"])
    [result] = Renderer({snapshot.hash: snapshot}.__getitem__).render(
        [Job(letter_id, letter_type, context["letter"]["language"], snapshot.hash, context)])
    assert isinstance(result, Rendered), result
    assert scanned(result.pdf, tmp_path) == [letter_id]


@pytest.mark.parametrize(("text", "modules"), [
    ("20261122-000001", 145),  # digits in pairs (code set C), the hyphen in B: every letter id this long
    ("20991231-999999", 145),
    ("PREVIEW", 112),  # a preview's id, in code set B
])
def test_the_symbol_is_as_wide_as_its_code_sets_make_it(text: str, modules: int) -> None:
    assert barcode.size(text) == (modules, barcode.HEIGHT)
    drawn = sum(width for _, width in barcode.bars(text)[1])
    assert 0 < drawn < modules


@pytest.mark.parametrize("value", ["Élodie Lefèvre", "", "日本", "tab\there"])
def test_a_value_code_128_cannot_print_fails_the_letter_in_one_line_without_repeating_it(value: str) -> None:
    """`| barcode` on something else than the id (a reviewer's mistake): the letter fails with what to do, and the
    message never carries the value (it may be a name, and it goes into the quarantine)."""
    from jinja2 import TemplateRuntimeError

    from correspondence.render import templating

    for fill in (templating.barcode_picture, templating.barcode_slot):
        with pytest.raises(TemplateRuntimeError, match=r"\| barcode prints a letter's id") as raised:
            fill(value)
        assert value not in str(raised.value) or not value
