"""The mailroom's pages: the nights with their print files and state (ready, collected by whom, unfinished or
missing), verify and collect; returned mail by scanning the barcode printed beside the address; a letter looked
up before it is printed again, with what to know first (it went registered, its address changed, it came back).

A night in the address is a date or 404; a letter id is read from what was scanned or typed
(correspondence/mailroom/scanned.py) and only then looked up. The audit log gets each action with the night or
the letter id, never an affiliate's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from correspondence import schema
from correspondence.config import load_fund
from correspondence.mailroom import pickups, reprints, returned, scanned
from correspondence.mailroom import verify as checking
from correspondence.plurals import counted
from scheduler.run_record import nights as run_nights
from scheduler.web.access import day as day_text
from scheduler.web.access import desk, night_in_address, note, person, requires, today, words

pages = Blueprint("mailroom", __name__, url_prefix="/mailroom")
SHOWN_NIGHTS = 60  # the last two months; older nights are in `correspondence mailroom list`
READY, COLLECTED, UNFINISHED, MISSING = "ready", "collected", "unfinished", "missing"


class ReturnedForm(FlaskForm):  # type: ignore[misc]
    reason = StringField(validators=[DataRequired(), Length(max=200)])
    letter = StringField(validators=[DataRequired(), Length(max=60)])


class LetterForm(FlaskForm):  # type: ignore[misc]
    letter = StringField(validators=[DataRequired(), Length(max=60)])


@dataclass(frozen=True)
class NightRow:
    day: date
    state: str
    files: int | None
    letters: int | None
    sheets: int | None
    registered: int | None
    collected_by: str | None
    collected_at: datetime | None


def _rows() -> list[NightRow]:
    """Every night the journal knows or the output folder holds, newest first: a night the journal finished
    without READY in its folder is missing; one still running or stopped is unfinished."""
    settings = desk().settings
    with desk().engine.connect() as connection:
        ready = {n.day: n for n in pickups.nights(connection, settings.output_dir, newest=SHOWN_NIGHTS)}
        runs = {date.fromisoformat(r["run_date"]): r for r in run_nights(connection)}
    rows = []
    for day in sorted(set(ready) | set(runs), reverse=True)[:SHOWN_NIGHTS]:
        if day in ready:
            n = ready[day]
            rows.append(NightRow(day, COLLECTED if n.collected_by else READY, n.files, n.letters, n.sheets,
                                 n.registered, n.collected_by, n.collected_at))
        else:
            run = runs[day]
            rows.append(NightRow(day, MISSING if run["status"] == "complete" else UNFINISHED, None, run["letters"],
                                 run["sheets"], run["registered"], None, None))
    return rows


@pages.get("")
@requires("mailroom")
def every() -> Any:
    form = ReturnedForm(reason=session.get("returned_reason", ""))
    return render_template("mailroom.html", rows=_rows(), returned=form, lookup=LetterForm())


@pages.post("/<day>/collect")
@requires("mailroom")
def collect(day: str) -> Any:
    night = night_in_address(day)
    settings = desk().settings
    with desk().engine.connect() as connection:  # verified first, as `mailroom collect` does
        problems = [] if pickups.collected(connection, night) or not pickups.is_ready(settings.output_dir, night) \
            else checking.verify(connection, settings.output_dir, settings.archive_dir, night)
    if problems:  # a night whose files differ is not taken
        note("verify", f"night {night}", counted(len(problems), "difference"))
        flash(words("mailroom.not_collected"), "error")
        return render_template("verified.html", night=night, problems=problems)
    try:
        with desk().engine.begin() as connection:
            done = pickups.collect(connection, settings.output_dir, night, person().name)
    except LookupError:
        flash(words("mailroom.not_ready"), "error")
        return redirect(url_for("mailroom.every"))
    if done.first_time:
        note("collect", f"night {night}")
        flash(words("mailroom.collected").format(night=day_text(night)), "done")
    else:
        flash(f"{words('mailroom.already_collected')} {done.by}", "error")
    return redirect(url_for("mailroom.every"))


@pages.post("/<day>/verify")
@requires("mailroom")
def verify(day: str) -> Any:
    night = night_in_address(day)
    settings = desk().settings
    with desk().engine.connect() as connection:
        if not checking.ran(connection, night):
            abort(404)  # no such night: nothing to verify, nothing to note
        problems = checking.verify(connection, settings.output_dir, settings.archive_dir, night)
    note("verify", f"night {night}", counted(len(problems), "difference"))
    return render_template("verified.html", night=night, problems=problems)


@pages.post("/returned")
@requires("mailroom")
def returned_letter() -> Any:
    """A scanner types the id and Enter: the reason stays filled in for the next envelope of the pile."""
    form = ReturnedForm()
    if not form.validate_on_submit():
        flash(words("mailroom.returned_incomplete"), "error")
        return redirect(url_for("mailroom.every"))
    session["returned_reason"] = form.reason.data.strip()
    letter_id = scanned.letter_id(form.letter.data)
    if letter_id is None:
        flash(f"{words('mailroom.not_an_id')}: {form.letter.data.strip()[:40]}", "error")
        return redirect(url_for("mailroom.every"))
    with desk().engine.connect() as connection:
        letter = connection.execute(select(schema.letters.c.recipient_type)
                                    .where(schema.letters.c.letter_id == letter_id)).first()
    if letter is None:
        flash(f"{words('mailroom.unknown_letter')}: {letter_id}", "error")
        return redirect(url_for("mailroom.every"))
    if letter.recipient_type != "affiliate":
        flash(f"{letter_id}: {words('mailroom.not_affiliate')}", "error")
        return redirect(url_for("mailroom.every"))
    box_label = load_fund(desk().settings.fund_file)["postal"]["box_label"]
    try:
        with desk().engine.begin() as connection:
            done = returned.record(connection, letter_id, form.reason.data, today(), box_label)
    except returned.CannotRecord as exc:
        flash(str(exc), "error")
        return redirect(url_for("mailroom.every"))
    if done.status != "already recorded":
        note("returned", f"letter {letter_id}", form.reason.data.strip())
    flash(f"{letter_id}: {words('returned.' + done.status)}", "error" if done.status == "already recorded" else "done")
    return redirect(url_for("mailroom.every"))


@pages.get("/letter")
@requires("mailroom")
def letter() -> Any:
    """A letter looked up by its id (scanned or typed), before it is printed again."""
    typed = request.args.get("letter", "")
    letter_id = scanned.letter_id(typed)
    if letter_id is None:
        flash(f"{words('mailroom.not_an_id')}: {typed.strip()[:40]}", "error")
        return redirect(url_for("mailroom.every"))
    box_label = load_fund(desk().settings.fund_file)["postal"]["box_label"]
    with desk().engine.connect() as connection:
        found = reprints.before(connection, letter_id, today(), box_label)
    if found is None:
        flash(f"{words('mailroom.unknown_letter')}: {letter_id}", "error")
        return redirect(url_for("mailroom.every"))
    return render_template("letter.html", letter=found)


@pages.post("/letter/<letter_id>/reprint")
@requires("mailroom")
def reprint(letter_id: str) -> Any:
    if scanned.letter_id(letter_id) != letter_id:
        abort(404)
    settings = desk().settings
    try:
        done = reprints.reprint(desk().engine, settings.output_dir, settings.archive_dir, letter_id, today())
    except reprints.CannotReprint as exc:
        flash(str(exc), "error")
        return redirect(url_for("mailroom.letter", letter=letter_id))
    note("reprint", f"letter {letter_id}", done.source)
    shown = done.path.relative_to(settings.output_dir) if done.path.is_relative_to(settings.output_dir) else done.path
    flash(f"{words('mailroom.reprinted')}: {shown}", "done")
    return redirect(url_for("mailroom.letter", letter=letter_id, printed=done.path.name))


@pages.get("/letter/<letter_id>/reprint.pdf")
@requires("mailroom")
def reprinted(letter_id: str) -> Any:
    """Today's reprint of the letter, to print at the desk (the file is also in output/reprints/<date>/)."""
    if scanned.letter_id(letter_id) != letter_id:
        abort(404)
    folder = desk().settings.output_dir / "reprints" / today().isoformat()
    found = sorted(folder.glob(f"{letter_id}-*.pdf")) if folder.is_dir() else []
    if not found or found[0].is_symlink():
        abort(404)
    return send_file(found[0], mimetype="application/pdf", download_name=found[0].name)

