"""`correspondence templates list|check|variables|preview|approve`: the legal reviewers' commands.

Reviewers edit the working copy in letter_templates/; these commands show what it needs, check it, preview
it as it would print, and approve it so the night may use it.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Connection

from correspondence import journal
from correspondence.brussels import utc
from correspondence.config import Settings
from correspondence.desk import audit
from correspondence.store import existing, init
from correspondence.templates import approvals, catalog, snapshots, submissions
from scheduler.cli.base import DATE, LANGUAGE, Group, argument, pass_settings, today


@click.group("templates", cls=Group)
def templates() -> None:
    """Letter templates: list, check, preview, approve."""


@templates.command("list")
@click.option("--as-of", type=DATE, help="the night whose approved versions to show (default: today)")
@click.option("--json", "as_json", is_flag=True,
              help="JSON on standard output (shape: scheduler/cli/shapes/templates-list.schema.json)")
@pass_settings(templates=True)
def list_types(settings: Settings, as_of: date | None, as_json: bool) -> int:
    """Every letter type, its languages and approved version.

    One line per letter type and language; approval times in UTC."""
    types, problems = catalog.scan(settings.templates_dir)
    engine = existing(settings.db_url)
    init(engine)
    day = as_of or today()
    if not as_json:
        print(f"Templates in {settings.templates_dir}, approved versions in force on the night of {day}:")
    for problem in problems:  # with --json on standard error: the JSON lists only letter types that load
        print(f"{problem}  (see correspondence templates check)", file=sys.stderr if as_json else sys.stdout)
    rows = []
    with engine.begin() as connection:
        approvals.import_shipped(connection, settings.templates_dir)
        for letter_type in types.values():
            for language in letter_type.languages:
                approval = approvals.approval_in_force(connection, letter_type.name, language, day)
                state = _state(connection, settings, approval)
                rows.append(_row(letter_type, language, approval, state))
                if as_json:
                    continue
                head = f"{letter_type.name:<24} {language}  {letter_type.format:<4}  {letter_type.mail_class:<10}"
                if approval is None:
                    print(f"{head}  NO APPROVED VERSION — its letters are held")
                    continue
                print(f"{head}  {approval.hash[:12]} by {approval.approved_by} at "
                      f"{utc(approval.approved_at):%Y-%m-%d %H:%M} UTC, from {approval.effective_from}; "
                      f"file on disk: {_said(state)}")
    if as_json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
    return 0


def _row(letter_type: catalog.LetterType, language: str, approval: approvals.Approval | None,
         state: dict[str, Any]) -> dict[str, Any]:
    """One letter type and language as templates-list.schema.json has it."""
    return {"letter_type": letter_type.name, "language": language, "format": letter_type.format,
            "mail_class": letter_type.mail_class,
            "approved": None if approval is None else {
                "hash": approval.hash, "by": approval.approved_by,
                "at": utc(approval.approved_at).isoformat(timespec="seconds"),
                "effective_from": approval.effective_from.isoformat()},
            "on_disk": state}


def _state(connection: Connection, settings: Settings, approval: approvals.Approval | None) -> dict[str, Any]:
    """The working copy against the approved version: same, changed (which files), refused (why) or, with no
    approved version, unapproved."""
    if approval is None:
        return {"state": "unapproved"}
    try:
        working = snapshots.working_copy(settings.templates_dir, approval.letter_type, approval.language).hash
    except snapshots.UnsafeFile as exc:
        return {"state": "refused", "reason": str(exc)}
    if working == approval.hash:
        return {"state": "same"}
    files = approvals.changed_files(connection, settings.templates_dir, approval)
    return {"state": "changed", "files": files}


def _said(state: dict[str, Any]) -> str:
    if state["state"] == "same":
        return "same as approved"
    if state["state"] == "changed":
        return "CHANGED: " + ", ".join(state["files"])
    return f"REFUSED: {state['reason']}"


@templates.command("check")
@argument("letter_type", "the letter type to check (default: every one)", required=False)
@click.option("--errors-only", is_flag=True, help="report errors only (warnings are not looked for: faster)")
@click.option("--json", "as_json", is_flag=True,
              help="JSON on standard output (shape: scheduler/cli/shapes/templates-check.schema.json)")
@pass_settings(templates=True)
def check_types(settings: Settings, letter_type: str | None, errors_only: bool, as_json: bool) -> int:
    """Check templates: syntax, variables, filters, samples, Word tags, appeal mentions.

    One message per cause, errors first, each with every place it was found. On a terminal, standard error
    shows which letter type and language is being checked. Exit 1 on any error."""
    from correspondence.templates.check import check
    from correspondence.templates.check_report import as_json as check_json
    from correspondence.templates.check_report import report

    if letter_type and letter_type not in catalog.names(settings.templates_dir):
        print(f"templates check: no letter type '{letter_type}' in {settings.templates_dir}", file=sys.stderr)
        return 2
    status = _Status() if sys.stderr.isatty() else None
    try:
        findings = check(settings.templates_dir, letter_type, progress=status, warnings=not errors_only)
    finally:
        if status is not None:
            status.done()
    if as_json:
        print(json.dumps(check_json(findings, errors_only), indent=1, ensure_ascii=False))
    else:
        print(report(findings, errors_only), end="")
    return 1 if any(f.level == "error" for f in findings) else 0


class _Status:
    """One line on the terminal's standard error, written over as the check goes, cleared at the end."""

    def __call__(self, text: str) -> None:
        sys.stderr.write("\r\033[K" + text)
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


@templates.command("variables")
@argument("letter_type", "the letter type whose variables to list")
@pass_settings(templates=True)
def variables(settings: Settings, letter_type: str) -> int:
    """The variables a letter type's templates may use."""
    from correspondence.templates.variables import variables_text

    try:
        found = catalog.one(settings.templates_dir, letter_type)
    except catalog.CatalogError as exc:
        print(f"templates variables: {exc}", file=sys.stderr)
        return 2
    print(variables_text(settings.templates_dir, found), end="")
    return 0


@templates.command("preview")
@argument("letter_type", "the letter type to preview")
@click.option("--lang", required=True, type=LANGUAGE, help="the language of the letter")
@click.option("--sample", help="a sample data set of the letter type (default: the first)")
@click.option("--affiliate", help="address the sample to this real recipient from the database")
@click.option("--out", help="the PDF file to write (instead of a file named after the letter in --out-dir)")
@click.option("--out-dir", help="the folder to write preview-<type>-<lang>-<sample>.pdf into (default: a "
              "private folder in the system's temporary folder, printed)")
@click.option("--png", is_flag=True, help="also write one PNG per page")
@click.option("--as-of", type=DATE, help="the letter's date (default: today)")
@pass_settings(templates=True)
def preview_letter(settings: Settings, letter_type: str, lang: str, sample: str | None, affiliate: str | None,
                   out: str | None, out_dir: str | None, png: bool, as_of: date | None) -> int:
    """The letter as it would print tonight, from the working copy.

    Writes the PDF and prints its path. A template or sample that cannot be printed is told as `templates
    check` tells it, one line per cause."""
    from correspondence.templates.preview import PreviewError, preview

    if out and out_dir:
        print("templates preview: give --out (a file) or --out-dir (a folder), not both", file=sys.stderr)
        return 2
    if letter_type not in catalog.names(settings.templates_dir):  # a wrong argument, as for check and approve
        print(f"templates preview: no letter type '{letter_type}' in {settings.templates_dir}", file=sys.stderr)
        return 2
    if affiliate:
        existing(settings.db_url).dispose()  # a real recipient needs the fund's database: never an empty new one
    if out and not Path(out).parent.is_dir():  # a typo in the folder must not create folders
        print(f"templates preview: cannot write {out}: no folder {Path(out).parent}", file=sys.stderr)
        return 2
    if out_dir and not Path(out_dir).is_dir():
        said = "is not a folder" if Path(out_dir).exists() else "no such folder"
        print(f"templates preview: cannot write into {out_dir}: {said}", file=sys.stderr)
        return 2
    try:
        written = preview(settings, letter_type, lang, sample=sample, affiliate=affiliate,
                          out=Path(out) if out else None, png=png, day=as_of or today(),
                          out_dir=Path(out_dir) if out_dir else None)
    except PreviewError as exc:
        for line in str(exc).splitlines():
            print(f"templates preview: {line}", file=sys.stderr)
        return 1
    except OSError as exc:  # --out in a folder that does not exist or may not be written
        print(f"templates preview: cannot write {exc.filename or out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


@templates.command("approve")
@argument("letter_type", "the letter type to approve (not with --shipped)", required=False)
@click.option("--lang", multiple=True, type=LANGUAGE, help="a language to approve; repeatable (default: all)")
@click.option("--by", required=True, help="the approver's name")
@click.option("--effective", type=DATE, help="first night that uses it (default: today)")
@click.option("--shipped", is_flag=True,
              help="developers: re-record letter_templates/approvals.toml for every shipped template")
@pass_settings(templates=True)
def approve(settings: Settings, letter_type: str | None, lang: tuple[str, ...], by: str, effective: date | None,
            shipped: bool) -> int:
    """Approve the working copy of a template."""
    try:
        return _approve(settings, letter_type, list(lang), by.strip(), effective, shipped)
    except snapshots.UnsafeFile as exc:
        print(f"templates approve: not approved — {exc}", file=sys.stderr)
        return 1


def _approve(settings: Settings, name: str | None, lang: list[str], by: str, effective: date | None,
             shipped: bool) -> int:
    if not by:
        print("templates approve: --by: give the approver's name (it is recorded with the approval)",
              file=sys.stderr)
        return 2
    if shipped:
        try:
            recorded = approvals.record_shipped(settings.templates_dir, by)
        except catalog.CatalogError as exc:
            print(f"templates approve: not recorded — {exc} (correct it: correspondence templates check)",
                  file=sys.stderr)
            return 1
        print(f"recorded {len(recorded)} shipped approvals in {settings.templates_dir / approvals.SHIPPED_FILE}")
        return 0
    if not name:
        print("templates approve: name the letter type (or --shipped)", file=sys.stderr)
        return 2
    if name not in catalog.names(settings.templates_dir):
        print(f"templates approve: no letter type '{name}' in {settings.templates_dir}", file=sys.stderr)
        return 2
    try:
        letter_type = catalog.one(settings.templates_dir, name)
    except catalog.CatalogError as exc:
        print(f"templates approve: not approved — {exc} (correct it: correspondence templates check)",
              file=sys.stderr)
        return 1
    languages = lang or list(letter_type.languages)
    unknown = [x for x in languages if x not in letter_type.languages]
    if unknown:
        print(f"templates approve: {letter_type.name} has no language {', '.join(unknown)}", file=sys.stderr)
        return 2
    from correspondence.templates.check import linked_files, of_languages
    from correspondence.templates.check_report import report

    linked = linked_files(settings.templates_dir, letter_type.name)
    for link in linked:  # refused before anything is read, in one line each
        print(f"templates approve: not approved — {link}", file=sys.stderr)
    if linked:
        return 1
    errors = of_languages(settings.templates_dir, letter_type.name, languages, warnings=False)
    if errors:
        print(report(errors), end="", file=sys.stderr)
        print("templates approve: not approved — correct the errors above first", file=sys.stderr)
        return 1
    engine = existing(settings.db_url)
    init(engine)
    done = []
    try:
        with engine.begin() as connection:
            effective = effective or journal.open_night(connection, today())
            submissions.effective_open(connection, effective)
            for language in languages:
                in_force = approvals.approval_in_force(connection, letter_type.name, language, effective)
                working = snapshots.working_copy(settings.templates_dir, letter_type.name, language)
                if in_force is not None and in_force.hash == working.hash:
                    print(f"{letter_type.name}/{language}: version {working.hash[:12]} is already approved and in "
                          f"force on the night of {effective} (by {in_force.approved_by}): nothing to approve")
                    continue
                # A version submitted at the desk is approved as its submission: by someone else (four eyes).
                if submissions.pending(connection, letter_type.name, language) is not None:
                    approval = submissions.approve(connection, settings.templates_dir, letter_type.name, language,
                                                   by, effective)
                else:
                    approval = approvals.approve(connection, settings.templates_dir, letter_type.name, language,
                                                 by, effective)
                audit.record(connection, audit.command_user(), "approve", approval.name,
                             f"version {approval.hash[:12]} as approved by {by}, in force from {effective}")
                done.append(approval)
    except submissions.Refused as exc:
        print(f"templates approve: not approved — {exc}", file=sys.stderr)
        return 1
    for approval in done:
        print(f"approved {approval.name} version {approval.hash[:12]} by {approval.approved_by}, "
              f"in force from the night of {approval.effective_from}")
    return 0
