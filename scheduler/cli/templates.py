"""`correspondence templates list|check|variables|preview|approve`: the legal reviewers' commands.

Reviewers edit the working copy in letter_templates/; these commands show what it needs, check it, preview
it as it would print, and approve it so the night may use it.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from sqlalchemy import Connection

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
@pass_settings(templates=True)
def list_types(settings: Settings, as_of: date | None) -> int:
    """Every letter type, its languages and approved version.

    One line per letter type and language (plain text, so scripts and reviewers read the same)."""
    types, problems = catalog.scan(settings.templates_dir)
    engine = existing(settings.db_url)
    init(engine)
    day = as_of or today()
    print(f"Templates in {settings.templates_dir}, approved versions in force on the night of {day}:")
    for problem in problems:
        print(f"{problem}  (see correspondence templates check)")
    with engine.begin() as connection:
        approvals.import_shipped(connection, settings.templates_dir)
        for letter_type in types.values():
            for language in letter_type.languages:
                head = f"{letter_type.name:<24} {language}  {letter_type.format:<4}  {letter_type.mail_class:<10}"
                approval = approvals.approval_in_force(connection, letter_type.name, language, day)
                if approval is None:
                    print(f"{head}  NO APPROVED VERSION — its letters are held")
                    continue
                state = _state(connection, settings, approval)
                print(f"{head}  {approval.hash[:12]} by {approval.approved_by} at "
                      f"{approval.approved_at:%Y-%m-%d %H:%M} UTC, from {approval.effective_from}; file on disk: {state}")
    return 0


def _state(connection: Connection, settings: Settings, approval: approvals.Approval) -> str:
    try:
        working = snapshots.working_copy(settings.templates_dir, approval.letter_type, approval.language).hash
        return "same as approved" if working == approval.hash else "CHANGED: " + ", ".join(
            approvals.changed_files(connection, settings.templates_dir, approval))
    except snapshots.UnsafeFile as exc:
        return f"REFUSED: {exc}"


@templates.command("check")
@argument("letter_type", "the letter type to check (default: every one)", required=False)
@pass_settings(templates=True)
def check_types(settings: Settings, letter_type: str | None) -> int:
    """Check templates: syntax, variables, samples, Word tags, appeal mentions."""
    from correspondence.templates.check import check, report

    if letter_type and letter_type not in catalog.names(settings.templates_dir):
        print(f"templates check: no letter type '{letter_type}' in {settings.templates_dir}", file=sys.stderr)
        return 2
    findings = check(settings.templates_dir, letter_type)
    print(report(findings), end="")
    return 1 if any(f.level == "error" for f in findings) else 0


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
@click.option("--out", help="the PDF to write (default: preview-<type>-<lang>.pdf)")
@click.option("--png", is_flag=True, help="also write one PNG per page")
@click.option("--as-of", type=DATE, help="the letter's date (default: today)")
@pass_settings(templates=True)
def preview_letter(settings: Settings, letter_type: str, lang: str, sample: str | None, affiliate: str | None,
                   out: str | None, png: bool, as_of: date | None) -> int:
    """The letter as it would print tonight, from the working copy."""
    from correspondence.templates.preview import PreviewError, preview

    if affiliate:
        existing(settings.db_url).dispose()  # a real recipient needs the fund's database: never an empty new one
    if out and not Path(out).parent.is_dir():  # a typo in the folder must not create folders
        print(f"templates preview: cannot write {out}: no folder {Path(out).parent}", file=sys.stderr)
        return 1
    try:
        written = preview(settings, letter_type, lang, sample=sample, affiliate=affiliate,
                          out=Path(out) if out else None, png=png, day=as_of or today())
    except PreviewError as exc:
        print(f"templates preview: {exc}", file=sys.stderr)
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
    from correspondence.templates.check import linked_files, of_languages, report

    linked = linked_files(settings.templates_dir, letter_type.name)
    for link in linked:  # refused before anything is read, in one line each
        print(f"templates approve: not approved — {link}", file=sys.stderr)
    if linked:
        return 1
    errors = [f for f in of_languages(settings.templates_dir, letter_type.name, languages) if f.level == "error"]
    if errors:
        print(report(errors), end="", file=sys.stderr)
        print("templates approve: not approved — correct the errors above first", file=sys.stderr)
        return 1
    effective = effective or today()
    engine = existing(settings.db_url)
    init(engine)
    done = []
    try:
        with engine.begin() as connection:
            for language in languages:
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
