"""The reviewers' and approvers' pages: every letter type × language with its state, the redline of the working
copy against the version in force, the template's own check, a preview, submit → approve by someone else (four
eyes) → in force from a date, withdraw, and the history of both.

A letter type or language in the address that is not in the templates folder is 404: the address never names
a file."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import DataRequired

from correspondence import journal
from correspondence.mailroom import scanned
from correspondence.templates import approvals, catalog, redline, snapshots, submissions
from correspondence.templates.approvals import Approval
from correspondence.templates.submissions import Submission
from scheduler.web.access import day, desk, note, person, requires, today, words

pages = Blueprint("templates", __name__, url_prefix="/templates")
REVIEW = ("reviewer", "approver")  # who may read templates, their redline and preview (and admins)
# A template's state, as its page and the list show it.
APPROVED, CHANGED, PENDING, LATER, NEW, UNREADABLE = "approved", "changed", "pending", "later", "new", "unreadable"


class ApproveForm(FlaskForm):  # type: ignore[misc]
    effective = DateField(validators=[DataRequired()])


@dataclass(frozen=True)
class State:
    letter_type: str
    language: str
    state: str
    working: str | None  # the working copy's hash (None when a file of it may not be read)
    in_force: Approval | None
    later: tuple[Approval, ...]
    pending: Submission | None
    problem: str = ""


def _known(letter_type: str, language: str) -> catalog.LetterType:
    types, _ = catalog.scan(desk().settings.templates_dir)
    if letter_type not in types or language not in types[letter_type].languages:
        abort(404)
    return types[letter_type]


def state(connection: Any, letter_type: str, language: str, day: date) -> State:
    in_force = approvals.approval_in_force(connection, letter_type, language, day)
    later = tuple(a for a in approvals.history(connection, letter_type, language) if a.effective_from > day)
    waiting = submissions.pending(connection, letter_type, language)
    try:
        working = snapshots.working_copy(desk().settings.templates_dir, letter_type, language).hash
    except snapshots.UnsafeFile as exc:
        return State(letter_type, language, UNREADABLE, None, in_force, later, waiting, str(exc))
    if waiting is not None and waiting.hash == working:
        found = PENDING
    elif any(a.hash == working for a in later):
        found = LATER
    elif in_force is not None and in_force.hash == working:
        found = APPROVED
    else:
        found = CHANGED if in_force is not None or later else NEW
    return State(letter_type, language, found, working, in_force, later, waiting)


@pages.get("")
@requires(*REVIEW)
def every() -> Any:
    types, problems = catalog.scan(desk().settings.templates_dir)
    day = today()
    with desk().engine.connect() as connection:
        rows = [state(connection, t.name, language, day) for t in types.values() for language in t.languages]
    return render_template("templates.html", rows=rows, problems=problems, today=day)


@pages.get("/<letter_type>/<language>")
@requires(*REVIEW)
def one(letter_type: str, language: str) -> Any:
    _known(letter_type, language)
    day = today()
    settings = desk().settings
    with desk().engine.connect() as connection:
        found = state(connection, letter_type, language, day)
        base = found.in_force or (found.later[-1] if found.later else None)
        approved = snapshots.load(connection, base.hash).files if base else {}
        history = approvals.history(connection, letter_type, language)
        submitted = submissions.history(connection, letter_type, language)
    lines: list[redline.FileRedline] = []
    if found.working is not None:
        lines = redline.redline(approved, snapshots.working_copy(settings.templates_dir, letter_type, language).files)
    with desk().engine.connect() as connection:
        form = ApproveForm(effective=journal.open_night(connection, day))
    return render_template("template.html", s=found, base=base, redline=lines, history=history,
                           submitted=submitted, form=form, me=person().name)


@pages.get("/<letter_type>/<language>/check")
@requires(*REVIEW)
def check(letter_type: str, language: str) -> Any:
    """The template's check, errors first, one line per finding with what to do."""
    from correspondence.templates.check import of_languages

    _known(letter_type, language)
    findings = of_languages(desk().settings.templates_dir, letter_type, (language,))
    return render_template("check.html", letter_type=letter_type, language=language, findings=findings)


def _rendered(letter_type: str, language: str, audit: bool = True) -> tuple[bytes, list[bytes], str, str]:
    """(PDF, page PNGs, sample, letter id) of the preview the request asks for: `?sample=` one of the letter
    type's samples, or `?letter=` a real letter of the journal (its context, as it was printed), with the working
    copy. Kept for a few requests (the page and its images ask for the same letter), keyed by the working copy's
    hash so an edit shows at once. PreviewError says why it cannot be made."""
    from correspondence.templates.preview import PreviewError

    sample = request.args.get("sample", "").strip() or None
    typed = request.args.get("letter", "").strip()
    letter = scanned.letter_id(typed) if typed else None
    if typed and letter is None:
        raise PreviewError(f"{typed[:40]}: {words('mailroom.not_an_id')}")
    settings = desk().settings
    working = snapshots.working_copy(settings.templates_dir, letter_type, language).hash
    data, images = _render_preview(settings, letter_type, language, sample, letter, working, today())
    if letter is not None and audit:  # a real affiliate's letter was shown: once a page (not again per image)
        note("preview", f"{letter_type}/{language}", f"letter {letter}")
    return data, images, sample or "", letter or ""


@functools.lru_cache(maxsize=8)
def _render_preview(settings: Any, letter_type: str, language: str, sample: str | None, letter: str | None,
                    working: str, day: date) -> tuple[bytes, list[bytes]]:
    from correspondence.templates.preview import page_images, pdf

    data = pdf(settings, letter_type, language, sample=sample, day=day, letter=letter)
    return data, page_images(data)


def _failed(letter_type: str, language: str, exc: Exception) -> Any:
    return render_template("preview_failed.html", letter_type=letter_type, language=language, reason=str(exc)), 422


@pages.get("/<letter_type>/<language>/preview")
@requires(*REVIEW)
def preview_page(letter_type: str, language: str) -> Any:
    """The preview as page images, with the samples to choose from and a real letter's id to try."""
    from correspondence.templates.check import samples
    from correspondence.templates.preview import PreviewError

    _known(letter_type, language)
    names = [n for n, c in samples(desk().settings.templates_dir, letter_type).items()
             if c.get("letter", {}).get("language") == language]
    try:
        _, images, sample, letter = _rendered(letter_type, language)
    except (PreviewError, snapshots.UnsafeFile) as exc:
        return _failed(letter_type, language, exc)
    return render_template("preview.html", letter_type=letter_type, language=language, samples=names,
                           sample=sample, letter=letter, pages=len(images))


@pages.get("/<letter_type>/<language>/preview.pdf")
@requires(*REVIEW)
def preview(letter_type: str, language: str) -> Any:
    from correspondence.templates.preview import PreviewError

    _known(letter_type, language)
    try:
        data, _, _, _ = _rendered(letter_type, language)
    except (PreviewError, snapshots.UnsafeFile) as exc:
        return _failed(letter_type, language, exc)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="preview-{letter_type}-{language}.pdf"',
        "Cache-Control": "no-store"})


@pages.get("/<letter_type>/<language>/preview-<int:number>.png")
@requires(*REVIEW)
def preview_image(letter_type: str, language: str, number: int) -> Any:
    from correspondence.templates.preview import PreviewError

    _known(letter_type, language)
    try:
        _, images, _, _ = _rendered(letter_type, language, audit=False)
    except (PreviewError, snapshots.UnsafeFile):
        abort(404)
    if not 1 <= number <= len(images):
        abort(404)
    return Response(images[number - 1], mimetype="image/png", headers={"Cache-Control": "no-store"})


def _act(letter_type: str, language: str, action: str, run: Any) -> Any:
    _known(letter_type, language)
    try:
        with desk().engine.begin() as connection:
            done = run(connection)
    except submissions.Refused as exc:
        note(f"{action} refused", f"{letter_type}/{language}", str(exc))
        flash(words(f"refused.{exc.reason}").format(**exc.facts), "error")
        return redirect(url_for("templates.one", letter_type=letter_type, language=language))
    except snapshots.UnsafeFile as exc:  # a linked file: named as the check names it
        note(f"{action} refused", f"{letter_type}/{language}", str(exc))
        flash(str(exc), "error")
        return redirect(url_for("templates.one", letter_type=letter_type, language=language))
    version, effective = done
    note(action, f"{letter_type}/{language}", f"version {version}" + (
        f", in force from {effective.isoformat()}" if effective else ""))
    flash(words(f"done.{action}").format(version=version, effective=day(effective) if effective else ""), "done")
    return redirect(url_for("templates.one", letter_type=letter_type, language=language))


@pages.post("/<letter_type>/<language>/submit")
@requires("reviewer")
def submit(letter_type: str, language: str) -> Any:
    def run(connection: Any) -> tuple[str, date | None]:
        made = submissions.submit(connection, desk().settings.templates_dir, letter_type, language, person().name,
                                  today())
        return made.hash[:12], None

    return _act(letter_type, language, "submit", run)


@pages.post("/<letter_type>/<language>/approve")
@requires("approver")
def approve(letter_type: str, language: str) -> Any:
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    effective: date = form.effective.data

    def run(connection: Any) -> tuple[str, date | None]:
        errors = _errors(letter_type, language)
        if errors:
            raise submissions.Refused(f"{letter_type}/{language}: the check finds {len(errors)} error(s); "
                                      "correct them first", "check_errors", count=str(len(errors)))
        submissions.effective_open(connection, effective)
        made = submissions.approve(connection, desk().settings.templates_dir, letter_type, language, person().name,
                                   effective)
        return made.hash[:12], made.effective_from

    return _act(letter_type, language, "approve", run)


@pages.post("/<letter_type>/<language>/withdraw")
@requires(*REVIEW)
def withdraw(letter_type: str, language: str) -> Any:
    def run(connection: Any) -> tuple[str, date | None]:
        made = submissions.withdraw(connection, letter_type, language, person().name)
        return made.hash[:12], None

    return _act(letter_type, language, "withdraw", run)


def _errors(letter_type: str, language: str) -> list[Any]:
    from correspondence.templates.check import of_languages

    return [f for f in of_languages(desk().settings.templates_dir, letter_type, (language,)) if f.level == "error"]
