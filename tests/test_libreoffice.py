"""The kept-running LibreOffice: same bytes as `soffice --convert-to`, restarted when killed, a hang costs one
letter (quarantined with the reason) and not the night, nothing left running when the worker ends."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from processes import alive_in_group, tagged, until

from bench import decisions as bench_decisions
from bench import fund as bench_fund
from correspondence.config import Settings
from correspondence.render import libreoffice
from correspondence.render.dispatch import Failed, Job, Rendered
from correspondence.render.docx import DocxRenderer, WordSnapshot
from correspondence.render.libreoffice import ConversionFailed, LibreOffice, normalise
from correspondence.store import connect, init
from correspondence.templates import appeal_check, snapshots
from scheduler.night import run_night

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "letter_templates"
SAMPLES = [("mantelzorg_granted", "fr-limits"), ("mantelzorg_refused", "de-grounds"), ("mantelzorg_incomplete", "nl-statement")]


def _job(letter_type: str, sample: str, letter_id: str = "20261122-000001") -> tuple[Job, snapshots.Snapshot]:
    context = json.loads((TEMPLATES / letter_type / "samples" / f"{sample}.json").read_text(encoding="utf-8"))
    snapshot = snapshots.working_copy(TEMPLATES, letter_type, context["letter"]["language"])
    return Job(letter_id, letter_type, context["letter"]["language"], snapshot.hash, context), snapshot


def _docx(letter_type: str, sample: str) -> bytes:
    job, snapshot = _job(letter_type, sample)
    return WordSnapshot(snapshot).fill(job)


@pytest.fixture(scope="module")
def documents() -> dict[str, bytes]:
    return {f"{t}-{s}": _docx(t, s) for t, s in SAMPLES}


def _office_group(office: LibreOffice) -> int:
    assert office.office is not None
    return office.office.pid


def _signal_office(office: LibreOffice, signum: int) -> None:
    assert office.office is not None
    os.killpg(office.office.pid, signum)


def test_same_bytes_as_convert_to_every_time(documents: dict[str, bytes]) -> None:
    """One LibreOffice for many letters prints each exactly as a fresh `soffice --convert-to` did."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for name, data in documents.items():
            (work / f"{name}.docx").write_bytes(data)
        subprocess.run([libreoffice.SOFFICE, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                        "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work / "pdf"),
                        *sorted(str(p) for p in work.glob("*.docx"))], capture_output=True, timeout=300, check=True)
        expected = {name: normalise((work / "pdf" / f"{name}.pdf").read_bytes()) for name in documents}
    with LibreOffice() as office:
        first = office.convert(documents)
        again = office.convert(dict(reversed(list(documents.items()))))  # other neighbours, other order
        alone = {name: office.convert({name: data})[name] for name, data in documents.items()}
        assert office.starts == 1
    assert first == expected and again == expected and alone == expected


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_restarted_after_it_was_killed_between_letters(documents: dict[str, bytes], signum: int) -> None:
    name, data = next(iter(documents.items()))
    with LibreOffice() as office:
        before = office.convert({name: data})[name]
        _signal_office(office, signum)
        time.sleep(1)
        after = office.convert({name: data})[name]
        assert office.starts == 2
    assert isinstance(before, bytes) and after == before


def test_killed_while_converting_the_letter_is_tried_again(documents: dict[str, bytes]) -> None:
    name, data = next(iter(documents.items()))
    with LibreOffice(timeout=60) as office:
        before = office.convert({name: data})[name]
        _signal_office(office, signal.SIGSTOP)  # the next request waits in LibreOffice …
        killer = subprocess.Popen([sys.executable, "-c", f"import os, time; time.sleep(1.5); os.killpg({office.office.pid}, 9)"])  # type: ignore[union-attr]
        after = office.convert({name: data})[name]  # … which dies under it
        killer.wait()
        assert office.starts == 2
    assert after == before


def test_a_hang_costs_that_letter_only(documents: dict[str, bytes]) -> None:
    (first, data), (second, other) = list(documents.items())[:2]
    with LibreOffice(timeout=3) as office:
        assert isinstance(office.convert({first: data})[first], bytes)
        hung = _office_group(office)
        _signal_office(office, signal.SIGSTOP)
        started = time.monotonic()
        failed = office.convert({second: other})[second]
        assert time.monotonic() - started < 15
        assert isinstance(failed, ConversionFailed)
        assert "did not convert this letter within 3 s" in str(failed) and "restarted" in str(failed)
        assert alive_in_group(hung) == []  # the hung one was killed
        assert isinstance(office.convert({second: other})[second], bytes)  # the next letter: a fresh LibreOffice
        assert office.starts == 2


def test_an_answer_that_cannot_be_read_restarts_libreoffice(documents: dict[str, bytes],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Out of step with the bridge, the next letter would read this one's late answer: LibreOffice is restarted."""
    (first, data), (second, other) = list(documents.items())[:2]
    with LibreOffice() as office:
        assert isinstance(office.convert({first: data})[first], bytes)
        expected = office.convert({second: other})[second]
        real, garbled = LibreOffice._reply, []

        def unreadable_once(self: LibreOffice, timeout: float) -> dict[str, object] | None:
            if not garbled:
                garbled.append(True)
                assert self.bridge is not None and self.bridge.stdout is not None
                select.select([self.bridge.stdout.fileno()], [], [], 30)  # its real answer is there, left unread
                raise json.JSONDecodeError("Expecting value", "Warning: stray output", 0)
            return real(self, timeout)

        monkeypatch.setattr(LibreOffice, "_reply", unreadable_once)
        failed = office.convert({first: data})[first]
        assert isinstance(failed, ConversionFailed) and "answer could not be read" in str(failed)
        assert office.convert({second: other})[second] == expected  # its own PDF, not the late answer
        assert office.starts == 2


def test_a_broken_document_fails_alone(documents: dict[str, bytes]) -> None:
    name, data = next(iter(documents.items()))
    with LibreOffice() as office:
        results = office.convert({"broken": b"PK\x03\x04 not a Word file", name: data})
        assert isinstance(results["broken"], ConversionFailed) and isinstance(results[name], bytes)
        assert office.starts == 1


def test_close_ends_libreoffice_and_removes_its_profile(documents: dict[str, bytes]) -> None:
    name, data = next(iter(documents.items()))
    office = LibreOffice()
    office.convert({name: data})
    group = _office_group(office)
    assert "soffice.bin" in {name for _, name in alive_in_group(group)}
    office.close()
    assert not office.home.exists()
    assert alive_in_group(group) == []


def test_a_killed_worker_does_not_leave_libreoffice_running(tmp_path: Path) -> None:
    worker = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import os, sys, time
        from correspondence.render.libreoffice import LibreOffice
        office = LibreOffice()
        office._start()
        print(office.office.pid, flush=True)
        time.sleep(600)
    """)], stdout=subprocess.PIPE, cwd=ROOT)
    assert worker.stdout is not None
    group = int(worker.stdout.readline())
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and alive_in_group(group):
        time.sleep(0.2)
    assert alive_in_group(group) == []


@pytest.mark.parametrize("moment", ["bridge", "office"], ids=["bridge-just-started", "office-starting"])
def test_a_worker_killed_while_starting_libreoffice_does_not_leave_it_running(moment: str) -> None:
    """SIGKILL in the instant after the worker started its bridge (before the bridge ran a line), or once the
    bridge has started LibreOffice but not yet connected: nothing is left. A bridge that read its parent only
    once it ran took init for its worker, and a night killed at that instant left a LibreOffice running
    until the machine restarted."""
    tag = f"TEST_TAG_OF_WORKER={uuid.uuid4().hex}"
    worker = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, signal, subprocess
        from correspondence.render import libreoffice
        def die(pid):
            print(pid, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        if {moment!r} == "bridge":
            started = subprocess.Popen
            def popen(args, **kwargs):
                die(started(args, **kwargs).pid)
            subprocess.Popen = popen
        else:
            libreoffice._Office = die
        libreoffice.LibreOffice()._start()
    """)], stdout=subprocess.PIPE, cwd=ROOT, env={**os.environ, tag.split("=")[0]: tag.split("=")[1]})
    assert worker.stdout is not None
    started = int(worker.stdout.readline())  # the bridge, or LibreOffice's launcher
    worker.wait()
    try:
        assert worker.returncode == -signal.SIGKILL and started > 0
        assert until(lambda: not tagged(tag), 15), f"left running after the worker was killed: {tagged(tag)}"
    finally:
        for pid, _ in tagged(tag):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_renderer_quarantines_a_letter_libreoffice_cannot_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    job, snapshot = _job("mantelzorg_granted", "nl-simple")
    monkeypatch.setattr(libreoffice, "DOCUMENT_TIMEOUT_S", 0.01)
    renderer = DocxRenderer(lambda _: snapshot)
    try:
        [result] = renderer.render([job])
    finally:
        renderer.close()
    assert isinstance(result, Failed) and result.field == "libreoffice"
    assert "did not convert this letter within 0.01 s" in result.reason


FIRST = "20261122-000001"
_read_pdf, _convert = appeal_check.read_pdf, LibreOffice.convert


def _first_unreadable(pdf: bytes) -> tuple[str, int]:
    if not getattr(_first_unreadable, "done", False):
        _first_unreadable.done = True  # type: ignore[attr-defined]
        raise appeal_check.pypdfium2.PdfiumError("Failed to load document")
    return _read_pdf(pdf)


def _first_disk_full(self: LibreOffice, documents: dict[str, bytes], normalised: bool = True) -> dict[str, object]:
    if FIRST in documents:
        raise OSError(28, "No space left on device")
    return _convert(self, documents, normalised)


@pytest.mark.parametrize(("target", "name", "replacement", "field", "reason"), [
    (appeal_check, "read_pdf", _first_unreadable, "pdf", "could not be read back: PdfiumError"),
    (LibreOffice, "convert", _first_disk_full, "libreoffice", "OSError: [Errno 28] No space left on device"),
])
def test_a_letter_that_breaks_after_filling_is_quarantined_alone(
        monkeypatch: pytest.MonkeyPatch, target: object, name: str, replacement: object, field: str,
        reason: str) -> None:
    """One letter whose PDF cannot be read back, or whose conversion raises, fails alone; the next is printed."""
    job, snapshot = _job("mantelzorg_granted", "nl-simple", FIRST)
    monkeypatch.setattr(target, name, replacement)
    monkeypatch.setattr(_first_unreadable, "done", False, raising=False)
    renderer = DocxRenderer(lambda _: snapshot)
    try:
        broken, printed = renderer.render([job, replace(job, letter_id="20261122-000002")])
    finally:
        renderer.close()
    assert isinstance(broken, Failed) and broken.field == field and reason in broken.reason
    assert isinstance(printed, Rendered) and printed.pages >= 1 and printed.pdf.startswith(b"%PDF")


@pytest.mark.slow
def test_a_night_whose_libreoffice_hangs_quarantines_the_decisions_and_completes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    day = bench_decisions.DEFAULT_NIGHT
    settings = replace(Settings.from_env(), db_url=f"sqlite:///{tmp_path / 'db.sqlite'}", templates_dir=TEMPLATES,
                       output_dir=tmp_path / "output", archive_dir=tmp_path / "archive", workers=0, chunk_size=10)
    engine = connect(settings.db_url)
    init(engine)
    bench_decisions.load(engine, bench_decisions.claims_fund(3, day))
    for letter_type in bench_decisions.DECISIONS:
        bench_fund.approve_working_copy(engine, TEMPLATES, letter_type, ("nl", "fr", "de"))
    engine.dispose()
    monkeypatch.setattr(libreoffice, "DOCUMENT_TIMEOUT_S", 0.01)
    result = run_night(settings, day)
    assert (result.status, result.letters, result.quarantined, result.exit_code) == ("complete", 0, 3, 1)
    assert all(q["field"] == "libreoffice" and "did not convert this letter" in q["reason"]
               for q in result.summary["quarantined"])
    assert (settings.output_dir / day.isoformat() / "READY").exists()
