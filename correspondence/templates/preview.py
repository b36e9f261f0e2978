"""`templates preview`: a letter exactly as tonight's renderer would print it, from the WORKING COPY.

The context is one of the letter type's samples (full contexts, as the journal stores them), dated today,
with the fund's blocks in the chosen language; with `--affiliate` the sample is addressed to that real
recipient from the database (its address block as the night would compose it), so a reviewer sees a long
name or a foreign address in place without inventing the amounts a trigger would have decided.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from correspondence import schema
from correspondence.config import Settings, load_fund
from correspondence.files import FILE_MODE, atomic_write
from correspondence.kinds.blocks import fund_block, recipient_block, service_block
from correspondence.kinds.fund import FundView
from correspondence.quarantine import Quarantine
from correspondence.render.dispatch import Failed, Job, Renderer
from correspondence.store import connect
from correspondence.templates import catalog, snapshots
from correspondence.templates.check import samples

PREVIEW_ID = "PREVIEW"


class PreviewError(Exception):
    """The preview could not be made: the message says what to do (one line per cause)."""


def default_folder() -> Path:
    """Where previews go unless told: a folder of this user's own in the system's temporary folder (never the
    repository, never the mailroom's pickup folder), readable by this user only: a preview may carry a real
    affiliate's name and address."""
    folder = Path(tempfile.gettempdir()) / f"correspondence-previews-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        found = folder.lstat()
    except OSError as exc:
        raise PreviewError(f"cannot make {folder}: {exc.strerror or exc} (name a folder: --out-dir)") \
            from None
    if not folder.is_dir() or folder.is_symlink() or found.st_uid != os.getuid() or found.st_mode & 0o077:
        raise PreviewError(f"{folder} is not a private folder of this user: not used (name a folder: "
                           "--out-dir)")
    return folder


def pick_sample(templates_dir: Path, letter_type: str, language: str, name: str | None) -> tuple[str, dict[str, Any]]:
    data = samples(templates_dir, letter_type)
    if not data:
        raise PreviewError(f"{letter_type} has no sample data in {letter_type}/samples/")
    if name is not None:
        if name not in data:
            raise PreviewError(f"{letter_type} has no sample '{name}'; its samples: {', '.join(data)}")
        return name, data[name]
    same = [n for n, c in data.items() if c.get("letter", {}).get("language") == language]
    chosen = same[0] if same else next(iter(data))
    return chosen, data[chosen]


def context_for(settings: Settings, letter_type: catalog.LetterType, language: str, sample: dict[str, Any],
                day: date, affiliate: str | None) -> dict[str, Any]:
    fund = load_fund(settings.fund_file)
    context = copy.deepcopy(sample)
    context["letter"] = {**context.get("letter", {}), "id": PREVIEW_ID, "date": day.isoformat(), "language": language}
    if "fund" in context:
        context["fund"] = fund_block(fund, language)
    if "service" in context:
        context["service"] = service_block(fund, letter_type.service, language)
    if isinstance(context.get("payment"), dict) and "beneficiary" in context["payment"]:
        context["payment"]["beneficiary"] = context["fund"]["name"] if "fund" in context else \
            context["payment"]["beneficiary"]
    if affiliate:
        context["recipient"] = _real_recipient(settings, letter_type.recipient, affiliate, day,
                                               fund["postal"]["box_label"])
    return context


def _real_recipient(settings: Settings, kind: str, recipient_id: str, day: date,
                    box_label: dict[str, str]) -> dict[str, Any]:
    engine = connect(settings.db_url)
    try:
        with engine.connect() as connection:
            row = FundView(connection).recipients(kind, [recipient_id]).get(recipient_id)
    finally:
        engine.dispose()
    if row is None:
        raise PreviewError(f"no {kind} '{recipient_id}' in the database ({settings.db_url.split('@')[-1]})")
    try:
        block = recipient_block(kind, row, day, box_label)
    except Quarantine as exc:
        raise PreviewError(f"the night would not write to {kind} {recipient_id}: {exc.field}: {exc.reason}") from exc
    block.pop("language")
    return block


def preview(settings: Settings, letter_type: str, language: str, sample: str | None = None,
            affiliate: str | None = None, out: Path | None = None, png: bool = False,
            day: date | None = None, out_dir: Path | None = None) -> list[Path]:
    """Write the preview PDF (and page PNGs) to `out`, else into `out_dir` (default: `default_folder()`) as
    `preview-<type>-<lang>-<sample or affiliate>.pdf`; the paths written."""
    try:
        return _preview(settings, letter_type, language, sample, affiliate, out, png, day, out_dir)
    except snapshots.UnsafeFile as exc:  # a linked template, partial or sample is never read, not even to preview
        raise PreviewError(str(exc)) from None


def _preview(settings: Settings, letter_type: str, language: str, sample: str | None, affiliate: str | None,
             out: Path | None, png: bool, day: date | None, out_dir: Path | None) -> list[Path]:
    name, pdf = _pdf(settings, letter_type, language, sample, affiliate, day)
    named = f"preview-{letter_type}-{language}-{affiliate or name}.pdf"
    target = out or (out_dir or default_folder()) / named
    atomic_write(target, pdf, sync=False)  # a real affiliate's name and address: 0640, never 0644
    written = [target]
    if png:
        stem = target.with_suffix("")
        subprocess.run(["pdftoppm", "-r", "100", "-png", str(target), str(stem)], check=True, umask=0o027)
        pages = sorted(target.parent.glob(f"{stem.name}-*.png"))
        for page in pages:  # one written over keeps its old mode
            os.chmod(page, FILE_MODE)
        written += pages
    return written


def pdf(settings: Settings, letter_type: str, language: str, sample: str | None = None,
        affiliate: str | None = None, day: date | None = None, letter: str | None = None) -> bytes:
    """The preview as PDF bytes (the desk's preview page); PreviewError as `preview`. `letter`: a letter of the
    journal whose context (as it was printed) fills the working copy instead of a sample."""
    try:
        return _pdf(settings, letter_type, language, sample, affiliate, day, letter)[1]
    except snapshots.UnsafeFile as exc:
        raise PreviewError(str(exc)) from None


def journal_context(settings: Settings, letter_type: str, language: str, letter_id: str) -> dict[str, Any]:
    """A real letter's context from the journal, its id replaced by PREVIEW (the page is no letter that went
    out); the letter must be of this type and language."""
    engine = connect(settings.db_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(select(schema.letters.c.letter_type, schema.letters.c.language,
                                            schema.letters.c.context)
                                     .where(schema.letters.c.letter_id == letter_id)).first()
    finally:
        engine.dispose()
    if row is None:
        raise PreviewError(f"no letter {letter_id} in the journal")
    if (row.letter_type, row.language) != (letter_type, language):
        raise PreviewError(f"letter {letter_id} is a {row.letter_type} in '{row.language}', not a {letter_type} in "
                           f"'{language}'")
    context: dict[str, Any] = json.loads(row.context)
    context["letter"] = {**context.get("letter", {}), "id": PREVIEW_ID}
    return context


def page_images(data: bytes, dpi: int = 100) -> list[bytes]:
    """Each page of a PDF as a PNG (pdfium, in-process: no file of a real letter is left on disk)."""
    import io

    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        out = []
        for page in document:
            image = page.render(scale=dpi / 72).to_pil()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=False)
            out.append(buffer.getvalue())
        return out
    finally:
        document.close()


def _pdf(settings: Settings, letter_type: str, language: str, sample: str | None, affiliate: str | None,
         day: date | None, letter: str | None = None) -> tuple[str, bytes]:
    """(the sample's name or the letter's id, the working copy's letter printed with it)."""
    try:
        kind = catalog.one(settings.templates_dir, letter_type, catalog.services_of(load_fund(settings.fund_file)))
    except catalog.CatalogError as exc:
        raise PreviewError(str(exc)) from None
    if language not in kind.languages:
        raise PreviewError(f"{letter_type} has no '{language}' version")
    if letter is not None:
        name, context = letter, journal_context(settings, letter_type, language, letter)
    else:
        name, data = pick_sample(settings.templates_dir, letter_type, language, sample)
    snapshot = snapshots.working_copy(settings.templates_dir, letter_type, language)
    try:
        if letter is None:
            context = context_for(settings, kind, language, data, day or date.today(), affiliate)
        [result] = Renderer(lambda _: snapshot).render([Job(PREVIEW_ID, letter_type, language, snapshot.hash,
                                                            context)])
    except (PreviewError, snapshots.UnsafeFile):
        raise
    except Exception as exc:  # noqa: BLE001 - a sample the renderer cannot take: said as the check says it
        result = Failed(PREVIEW_ID, "sample", f"{type(exc).__name__}: {exc}")
    if isinstance(result, Failed):
        said = check_says(settings.templates_dir, letter_type, language, None if letter else name)
        raise PreviewError("\n".join(said) if said else f"{letter_type}/{language} cannot be printed "
                           f"({result.field}): {result.reason} — run `correspondence templates check "
                           f"{letter_type}`")
    return name, result.pdf


def check_says(templates_dir: Path, letter_type: str, language: str, sample: str | None) -> list[str]:
    """What `templates check` says of this template in this language (and of this sample), one line per
    cause: why a preview cannot be printed, in the check's words rather than the renderer's."""
    from correspondence.templates.check import check
    from correspondence.templates.check_report import messages

    found = [f for f in check(templates_dir, letter_type, languages=(language,), warnings=False)
             if f.language in (None, language) and (f.sample is None or f.sample == sample)]
    return [m.line() for m in messages(found)]
