"""Golden letters: every letter type and language rendered from its samples, compared as text.

The expected text is in tests/golden/<type>/<lang>-<sample>.txt (pdftotext -layout), so a change of wording,
amount or layout shows in the diff as a reviewer would read it. After an intended change, rewrite them with
`UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py` and commit them with the template.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from correspondence.config import TEMPLATES_DIR
from correspondence.render.dispatch import Failed, Job, Rendered, Renderer
from correspondence.templates import catalog, snapshots
from correspondence.templates.check import samples

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for letter_type in catalog.load(TEMPLATES_DIR).values():
        for name, context in samples(TEMPLATES_DIR, letter_type.name).items():
            language = context.get("letter", {}).get("language")
            if language in letter_type.languages:
                cases.append((letter_type.name, language, name))
    return cases


CASES = _cases()
WORD = {t.name: t.format == "docx" for t in catalog.load(TEMPLATES_DIR).values()}


def golden_path(letter_type: str, language: str, sample: str) -> Path:
    return GOLDEN / letter_type / f"{language}-{sample.removeprefix(language + '-')}.txt"


def pdf_text(pdf: bytes) -> str:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return "\n".join(line.rstrip() for line in text.decode("utf-8").splitlines()).rstrip("\n") + "\n"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    """One renderer per test process (fonts, style sheets and LibreOffice started once), on the working copy."""
    copies = {s.hash: s for s in (snapshots.working_copy(TEMPLATES_DIR, t, lang) for t, lang, _ in CASES)}
    return Renderer(copies.__getitem__)


def _job(letter_type: str, language: str, sample: str) -> Job:
    context = samples(TEMPLATES_DIR, letter_type)[sample]
    snapshot_hash = snapshots.working_copy(TEMPLATES_DIR, letter_type, language).hash
    # The letter's id is its HTML anchor: the renderer finds the letter's pages by it.
    return Job(f"{context['letter']['id']}", letter_type, language, snapshot_hash, context)


def _text(result: Rendered | Failed) -> str:
    return f"FAILED: {result.field}: {result.reason}\n" if isinstance(result, Failed) else pdf_text(result.pdf)


@pytest.fixture(scope="module")
def word_letters(renderer: Renderer) -> dict[tuple[str, str, str], str]:
    """The Word-template samples, in one LibreOffice call (each call costs seconds to start)."""
    cases = [c for c in CASES if WORD[c[0]]]
    jobs = [_job(*case) for case in cases]
    jobs = [Job(f"{j.letter_id}-{n}", j.letter_type, j.language, j.template_hash, j.context) for n, j in enumerate(jobs)]
    return {case: _text(r) for case, r in zip(cases, renderer.render(jobs), strict=True)}


def render_text(renderer: Renderer, letter_type: str, language: str, sample: str) -> str:
    """The sample letter as the night would print it, as text."""
    return _text(renderer.render([_job(letter_type, language, sample)])[0])


@pytest.mark.parametrize(("letter_type", "language", "sample"), CASES)
def test_a_sample_letter_reads_as_its_golden_text(request: pytest.FixtureRequest, renderer: Renderer,
                                                  letter_type: str, language: str, sample: str) -> None:
    if WORD[letter_type]:
        text = request.getfixturevalue("word_letters")[(letter_type, language, sample)]
    else:
        text = render_text(renderer, letter_type, language, sample)
    assert not text.startswith("FAILED"), text
    path = golden_path(letter_type, language, sample)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden text for {letter_type}/{language} sample {sample}: " \
        "run UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py, read the new file and commit it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{letter_type}/{language} sample {sample} no longer reads as {path.relative_to(GOLDEN.parent.parent)}; if "
        "the change is intended: UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py")


def test_every_golden_text_belongs_to_a_sample() -> None:
    expected = {golden_path(*case) for case in CASES}
    if UPDATE:
        for orphan in set(GOLDEN.rglob("*.txt")) - expected:
            orphan.unlink()
    assert sorted(str(p.relative_to(GOLDEN)) for p in set(GOLDEN.rglob("*.txt")) - expected) == []


def test_names_and_tags_in_the_data_print_as_written(renderer: Renderer) -> None:
    assert "Marie Dupont & Fils <BV> {{ 7*7 }}" in render_text(renderer, "due_notice", "fr", "fr-brussels")
