"""`correspondence templates list|check|variables|preview|approve`: the legal reviewers' commands.

Reviewers edit the working copy in letter_templates/; these commands show what it needs, check it, preview
it as it would print, and approve it so the night may use it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import Connection

from correspondence.config import Settings
from correspondence.store import existing, init
from correspondence.templates import approvals, catalog, snapshots


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date written YYYY-MM-DD") from None


def _today() -> date:
    from correspondence.cli import today

    return today()


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    """One line per letter type and language (plain text, so scripts and reviewers read the same)."""
    types, problems = catalog.scan(settings.templates_dir)
    engine = existing(settings.db_url)
    init(engine)
    day = args.as_of or _today()
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


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from correspondence.templates.check import check, report

    if args.letter_type and args.letter_type not in catalog.names(settings.templates_dir):
        print(f"templates check: no letter type '{args.letter_type}' in {settings.templates_dir}", file=sys.stderr)
        return 2
    findings = check(settings.templates_dir, args.letter_type)
    print(report(findings), end="")
    return 1 if any(f.level == "error" for f in findings) else 0


def cmd_variables(args: argparse.Namespace, settings: Settings) -> int:
    from correspondence.templates.variables import variables_text

    try:
        letter_type = catalog.one(settings.templates_dir, args.letter_type)
    except catalog.CatalogError as exc:
        print(f"templates variables: {exc}", file=sys.stderr)
        return 2
    print(variables_text(settings.templates_dir, letter_type), end="")
    return 0


def cmd_preview(args: argparse.Namespace, settings: Settings) -> int:
    from correspondence.templates.preview import PreviewError, preview

    if args.affiliate:
        existing(settings.db_url).dispose()  # a real recipient needs the fund's database: never an empty new one
    if args.out and not Path(args.out).parent.is_dir():  # a typo in the folder must not create folders
        print(f"templates preview: cannot write {args.out}: no folder {Path(args.out).parent}", file=sys.stderr)
        return 1
    try:
        written = preview(settings, args.letter_type, args.lang, sample=args.sample, affiliate=args.affiliate,
                          out=Path(args.out) if args.out else None, png=args.png, day=args.as_of or _today())
    except PreviewError as exc:
        print(f"templates preview: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # --out in a folder that does not exist or may not be written
        print(f"templates preview: cannot write {exc.filename or args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


def cmd_approve(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return _approve(args, settings)
    except snapshots.UnsafeFile as exc:
        print(f"templates approve: not approved — {exc}", file=sys.stderr)
        return 1


def _approve(args: argparse.Namespace, settings: Settings) -> int:
    args.by = args.by.strip()
    if not args.by:
        print("templates approve: --by: give the approver's name (it is recorded with the approval)",
              file=sys.stderr)
        return 2
    if args.shipped:
        try:
            recorded = approvals.record_shipped(settings.templates_dir, args.by)
        except catalog.CatalogError as exc:
            print(f"templates approve: not recorded — {exc} (correct it: correspondence templates check)",
                  file=sys.stderr)
            return 1
        print(f"recorded {len(recorded)} shipped approvals in {settings.templates_dir / approvals.SHIPPED_FILE}")
        return 0
    if not args.letter_type:
        print("templates approve: name the letter type (or --shipped)", file=sys.stderr)
        return 2
    if args.letter_type not in catalog.names(settings.templates_dir):
        print(f"templates approve: no letter type '{args.letter_type}' in {settings.templates_dir}", file=sys.stderr)
        return 2
    try:
        letter_type = catalog.one(settings.templates_dir, args.letter_type)
    except catalog.CatalogError as exc:
        print(f"templates approve: not approved — {exc} (correct it: correspondence templates check)",
              file=sys.stderr)
        return 1
    languages = args.lang or list(letter_type.languages)
    unknown = [x for x in languages if x not in letter_type.languages]
    if unknown:
        print(f"templates approve: {letter_type.name} has no language {', '.join(unknown)}", file=sys.stderr)
        return 2
    from correspondence.templates.check import check, linked_files, report

    linked = linked_files(settings.templates_dir, letter_type.name)
    for link in linked:  # refused before anything is read, in one line each
        print(f"templates approve: not approved — {link}", file=sys.stderr)
    if linked:
        return 1
    errors = [f for f in check(settings.templates_dir, letter_type.name)
              if f.level == "error" and (f.language is None or f.language in languages)]
    if errors:
        print(report(errors), end="", file=sys.stderr)
        print("templates approve: not approved — correct the errors above first", file=sys.stderr)
        return 1
    effective = args.effective or _today()
    engine = existing(settings.db_url)
    init(engine)
    with engine.begin() as connection:
        for language in languages:
            approval = approvals.approve(connection, settings.templates_dir, letter_type.name, language, args.by,
                                         effective)
            print(f"approved {approval.name} version {approval.hash[:12]} by {approval.approved_by}, "
                  f"in force from the night of {approval.effective_from}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = subparsers.add_parser("templates", help="letter templates: list, check, preview, approve")
    sub = group.add_subparsers(dest="templates_command", required=True)
    s = sub.add_parser("list", help="every letter type, its languages and approved version")
    s.add_argument("--as-of", type=_date, help="the night whose approved versions to show (default: today)")
    s.set_defaults(func=cmd_list)
    s = sub.add_parser("check", help="check templates: syntax, variables, samples, Word tags, appeal mentions")
    s.add_argument("letter_type", nargs="?")
    s.set_defaults(func=cmd_check)
    s = sub.add_parser("variables", help="the variables a letter type's templates may use")
    s.add_argument("letter_type")
    s.set_defaults(func=cmd_variables)
    s = sub.add_parser("preview", help="the letter as it would print tonight, from the working copy")
    s.add_argument("letter_type")
    s.add_argument("--lang", required=True, choices=catalog.LANGUAGES)
    s.add_argument("--sample", help="a sample data set of the letter type (default: the first)")
    s.add_argument("--affiliate", help="address the sample to this real recipient from the database")
    s.add_argument("--out", help="the PDF to write (default: preview-<type>-<lang>.pdf)")
    s.add_argument("--png", action="store_true", help="also write one PNG per page")
    s.add_argument("--as-of", type=_date, help="the letter's date (default: today)")
    s.set_defaults(func=cmd_preview)
    s = sub.add_parser("approve", help="approve the working copy of a template")
    s.add_argument("letter_type", nargs="?")
    s.add_argument("--lang", action="append", choices=catalog.LANGUAGES, help="repeatable; default: all")
    s.add_argument("--by", required=True, help="the approver's name")
    s.add_argument("--effective", type=_date, help="first night that uses it (default: today)")
    s.add_argument("--shipped", action="store_true",
                   help="developers: re-record letter_templates/approvals.toml for every shipped template")
    s.set_defaults(func=cmd_approve)
