"""The desk's people from the command line: `users add|list|disable`, the password from standard input and
stored only as an argon2id hash, every change in the audit log as the system user."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from json_shapes import validate
from sqlalchemy import select

from correspondence import schema
from correspondence.config import Settings
from correspondence.desk import audit, people
from correspondence.store import connect
from scheduler import cli
from tests.conftest import settings_for

PASSWORD = "correct horse battery staple"


@pytest.fixture
def desk(sqlite_url: str, tmp_path: Path) -> Settings:
    return settings_for(sqlite_url, tmp_path)


def _cli(settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str,
         stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(list(argv), settings=settings)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_list_disable(desk: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _cli(desk, capsys, monkeypatch, "users", "add", "an.peeters", "--role", "approver",
                        stdin=PASSWORD + "\n")
    assert code == 0 and out == "an.peeters may now sign in to the desk as approver\n"
    with connect(desk.db_url).connect() as connection:
        stored = connection.scalar(select(schema.desk_users.c.password_hash))
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        assert people.authenticate(connection, "an.peeters", PASSWORD) is not None
        assert people.authenticate(connection, "an.peeters", PASSWORD + "!") is None
    code, out, _ = _cli(desk, capsys, monkeypatch, "users", "list", "--json")
    [row] = json.loads(out)
    validate("users-list", [row])
    assert row["created_at"].endswith("+00:00")
    assert code == 0 and {k: row[k] for k in ("name", "role", "disabled")} == {
        "name": "an.peeters", "role": "approver", "disabled": False}
    assert _cli(desk, capsys, monkeypatch, "users", "disable", "an.peeters")[0] == 0
    with connect(desk.db_url).connect() as connection:
        assert people.authenticate(connection, "an.peeters", PASSWORD) is None  # disabled: refused like a wrong one
        assert [(e.user_name, e.action, e.subject) for e in reversed(audit.latest(connection))] == [
            (audit.command_user(), "user added", "an.peeters"), (audit.command_user(), "user disabled", "an.peeters")]
        assert audit.command_user().startswith("system")  # `system (<login name>)`, as every command writes it


@pytest.mark.parametrize(("argv", "stdin", "says"), [
    (["users", "add", "An Peeters", "--role", "admin"], PASSWORD, "'An Peeters': a desk name is 1 to 60"),
    (["users", "add", "an", "--role", "admin"], "short", "an: the password must have at least 12 characters"),
    (["users", "add", "an", "--role", "boss"], PASSWORD, "'boss' is not one of 'reviewer', 'approver'"),
    (["users", "disable", "nobody"], "", "nobody: no desk user of that name"),
])
def test_a_refused_change_is_one_line(desk: Settings, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str, says: str) -> None:
    code, _, err = _cli(desk, capsys, monkeypatch, *argv, stdin=stdin + "\n")
    assert code != 0 and says in err and err.count("\n") == 1, err


def test_the_same_name_twice_is_refused(desk: Settings, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(2):
        code, _, err = _cli(desk, capsys, monkeypatch, "users", "add", "jan", "--role", "mailroom",
                            stdin=PASSWORD + "\n")
    assert code == 1 and "jan: there is already a desk user of that name" in err


def test_the_last_admin_who_may_sign_in_is_not_disabled(desk: Settings, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ada", "bo"):
        assert _cli(desk, capsys, monkeypatch, "users", "add", name, "--role", "admin", stdin=PASSWORD + "\n")[0] == 0
    assert _cli(desk, capsys, monkeypatch, "users", "disable", "bo")[0] == 0
    code, _, err = _cli(desk, capsys, monkeypatch, "users", "disable", "ada")
    assert code != 0 and err == "users disable: ada: the last admin who may sign in is not disabled; add another admin first\n"
