"""`correspondence users add|list|disable` — the desk's people; `correspondence web` — the desk itself
(scheduler/web/), served by Waitress. Every change to the people goes to the desk's audit log as the system user."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

import click

from correspondence.brussels import utc
from correspondence.config import Settings
from correspondence.desk import audit, people
from correspondence.store import existing
from correspondence.templates import approvals
from scheduler.cli.base import Command, Group, argument, pass_settings


@click.group("users", cls=Group)
def users() -> None:
    """The desk's people: who may sign in to `correspondence web`, and in which role."""


@users.command("add", cls=Command)
@argument("name", "the desk name (lower-case letters, digits, '.', '_', '-')")
@click.option("--role", required=True, type=click.Choice(people.ROLES),
              help="what the person may do: review, approve (someone else's submission), the mailroom, watch the "
                   "nights, or everything including people (admin)")
@pass_settings()
def add(settings: Settings, name: str, role: str) -> int:
    """Add a person; the password is read from standard input."""
    if sys.stdin.isatty():
        password = click.prompt("password", hide_input=True, confirmation_prompt=True, err=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    engine = existing(settings.db_url)
    try:
        with engine.begin() as connection:
            people.add(connection, name, role, password)
            audit.record(connection, audit.command_user(), "user added", name, role)
    except people.PeopleError as exc:
        raise click.ClickException(str(exc)) from None
    print(f"{name} may now sign in to the desk as {role}")
    return 0


@users.command("list", cls=Command)
@click.option("--json", "as_json", is_flag=True, help="JSON on standard output instead of a table")
@pass_settings()
def list_(settings: Settings, as_json: bool) -> int:
    """The desk's people with their role and whether they may sign in."""
    with existing(settings.db_url).connect() as connection:
        found = people.everyone(connection)
    rows = [{"name": p.name, "role": p.role, "disabled": p.disabled,
             "created_at": utc(p.created_at).replace(microsecond=0).isoformat()} for p in found]
    if as_json:
        print(json.dumps(rows, indent=1))
    elif not rows:
        print("nobody yet: add the first admin with `correspondence users add NAME --role admin`")
    else:
        width = max(len(r["name"]) for r in rows)
        for r in rows:
            print(f"{r['name']:<{width}}  {r['role']:<8}  {'disabled' if r['disabled'] else 'enabled'}")
    return 0


@users.command("disable", cls=Command)
@argument("name", "the desk name")
@pass_settings()
def disable(settings: Settings, name: str) -> int:
    """Stop a person from signing in (their past actions stay in the audit log under their name)."""
    try:
        with existing(settings.db_url).begin() as connection:
            people.disable(connection, name)
            audit.record(connection, audit.command_user(), "user disabled", name)
    except people.PeopleError as exc:
        raise click.ClickException(str(exc)) from None
    print(f"{name} may no longer sign in to the desk")
    return 0


def secret(path: Path) -> bytes:
    """The desk's signing key: read from its file, or made on first start (readable by the service only)."""
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32).encode()
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another desk made it meanwhile: use theirs
            return path.read_bytes().strip()
        with os.fdopen(descriptor, "wb") as file:
            file.write(key + b"\n")
    if len(key) < 32:
        raise click.ClickException(f"{path}: the desk's key is shorter than 32 characters; remove the file and "
                                   "start again to make a new one (everyone signs in again)")
    return key


@click.command("web", cls=Command)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="the address to listen on (keep 127.0.0.1 behind a reverse proxy)")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="the port")
@click.option("--proxied", is_flag=True,
              help="behind one reverse proxy that terminates TLS: trust its X-Forwarded-* headers, secure cookies")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="requests served at once")
@pass_settings(templates=True)
def web(settings: Settings, host: str, port: int, proxied: bool, threads: int) -> int:
    """Serve the desk (reviewers, approvers, mailroom, operator) until interrupted."""
    from waitress.server import create_server

    from scheduler.web import create_app

    engine = existing(settings.db_url)
    with engine.begin() as connection:
        approvals.import_shipped(connection, settings.templates_dir)  # as the night does: shipped = approved
        if not people.everyone(connection):
            print("nobody may sign in yet: add someone with `correspondence users add NAME --role admin`",
                  file=sys.stderr)
    app = create_app(settings, secret(settings.web_secret_file), proxied=proxied, engine=engine)
    try:  # the address taken before saying where the desk is
        server = create_server(app, host=host, port=port, threads=threads, ident="correspondence")
    except (OSError, ValueError) as exc:  # in use, not this machine's, not an address
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).rstrip(".")
        raise click.UsageError(f"cannot listen on {host}:{port}: {reason}") from None
    print(f"the desk is at http://{host}:{port}/ (Ctrl-C ends it)", file=sys.stderr)
    server.run()  # until Ctrl-C or SIGTERM: the way a service is stopped, exit 0
    return 0
