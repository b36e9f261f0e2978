"""The desk's pages over a real database through Flask's test client: signing in (CSRF token, wrong password,
rate limit, cookie flags), roles checked on the server, the audit log, /healthz, the wording in three languages.
(The same pages in a real browser: tests/desk/test_browser.py.)"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from correspondence import import_record, schema
from correspondence.config import TEMPLATES_DIR
from correspondence.desk import audit, people
from correspondence.store import connect
from correspondence.templates import catalog
from scheduler.web import DESK_LANGUAGES, HERE, create_app, wording
from tests.conftest import settings_for

PASSWORD = "correct horse battery staple"
PAGES = ("/", "/runs", "/audit", "/mailroom")


@pytest.fixture
def engine(sqlite_url: str) -> Engine:
    engine = connect(sqlite_url)
    with engine.begin() as connection:
        for name, role in (("rita", "reviewer"), ("mia", "mailroom"), ("otto", "operator"), ("ada", "admin")):
            people.add(connection, name, role, PASSWORD)
    return engine


@pytest.fixture
def client(engine: Engine, sqlite_url: str, tmp_path: Path) -> FlaskClient:
    return create_app(settings_for(sqlite_url, tmp_path), b"k" * 64, engine=engine).test_client()


def _token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _login(client: FlaskClient, name: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"name": name, "password": password, "csrf_token": _token(client)})


@pytest.mark.parametrize("path", PAGES)
def test_every_page_but_login_and_healthz_needs_a_signed_in_user(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response.location.startswith("/login")


def test_healthz_answers_the_last_completed_night(client: FlaskClient, engine: Engine) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok", "last_completed_night": None}
    with engine.begin() as connection:
        for day, status in ((date(2026, 10, 1), "complete"), (date(2026, 10, 2), "rendering")):
            connection.execute(schema.runs.insert().values(run_date=day, status=status, attempts=1,
                                                           started_at=datetime(2026, 10, 1, 1, tzinfo=UTC)))
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.get_json()["last_completed_night"]["run_date"] == "2026-10-01"


def test_signing_in_needs_the_form_token_and_the_right_password(client: FlaskClient, engine: Engine) -> None:
    assert client.post("/login", data={"name": "ada", "password": PASSWORD}).status_code == 400  # no CSRF token
    refused = _login(client, "ada", "wrong password here")
    assert refused.status_code == 401 and "Aanmelden geweigerd" in refused.get_data(as_text=True)  # Dutch by default
    assert _login(client, "ada", "").status_code == 200  # an empty field: the form again, nothing checked
    signed_in = _login(client, "ada")
    assert signed_in.status_code == 302 and signed_in.location == "/"
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").status_code == 200
    with engine.connect() as connection:
        assert [(e.user_name, e.action) for e in reversed(audit.latest(connection))][-2:] == [
            ("ada", "login refused"), ("ada", "login")]


def test_a_password_typed_as_the_name_never_reaches_the_audit_log(client: FlaskClient, engine: Engine) -> None:
    _login(client, "My Secret Passphrase 1!", "x")
    with engine.connect() as connection:
        assert audit.latest(connection)[0].user_name == "(not a desk name)"


@pytest.mark.parametrize(("name", "allowed"), [
    ("rita", {"/"}), ("mia", {"/", "/mailroom"}), ("otto", {"/", "/runs"}),
    ("ada", {"/", "/runs", "/audit", "/mailroom"})])
def test_roles_are_enforced_on_the_server(client: FlaskClient, name: str, allowed: set[str]) -> None:
    _login(client, name)
    assert {path for path in PAGES if client.get(path).status_code == 200} == allowed
    assert {path for path in PAGES if client.get(path).status_code == 403} == set(PAGES) - allowed


def test_a_disabled_user_is_signed_out_at_the_next_page(client: FlaskClient, engine: Engine) -> None:
    _login(client, "otto")
    assert client.get("/runs").status_code == 200
    with engine.begin() as connection:
        people.disable(connection, "otto")
    assert client.get("/runs").status_code == 302


def test_signing_out_needs_the_token_and_ends_the_session(client: FlaskClient) -> None:
    _login(client, "ada")
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": _token(client, "/")}).status_code == 302
    assert client.get("/").status_code == 302


def test_login_attempts_are_limited_per_address(client: FlaskClient) -> None:
    codes = [_login(client, "ada", "wrong password here").status_code for _ in range(11)]
    assert codes == [401] * 10 + [429]


def test_only_refused_sign_ins_count_towards_the_limit(client: FlaskClient) -> None:
    """An office behind one address signing in at nine: twelve right passwords in a minute all go through."""
    assert [_login(client, "ada").status_code for _ in range(12)] == [302] * 12


@pytest.mark.parametrize(("next_page", "lands_on"), [
    ("/runs/2026-10-01", "/runs/2026-10-01"),
    ("/mailroom?x=1", "/mailroom?x=1"),
    ("https://evil.example/", "/"), ("//evil.example/", "/"), ("/\\evil.example/", "/"), ("runs", "/"),
], ids=["a night", "with its query", "another site", "scheme-relative", "backslash", "not a path"])
def test_signing_in_goes_on_to_the_page_asked_for_and_only_on_this_desk(client: FlaskClient, next_page: str,
                                                                        lands_on: str) -> None:
    page = client.get("/login", query_string={"next": next_page}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", query_string={"next": next_page},
                         data={"name": "ada", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] == lands_on


@pytest.mark.parametrize(("referrer", "lands_on"), [
    ("http://localhost/runs/2026-10-01", "/runs/2026-10-01"), ("https://evil.example/x", "/"), (None, "/")],
    ids=["a page of the desk", "another site", "none"])
def test_choosing_a_language_stays_on_the_page(client: FlaskClient, referrer: str | None, lands_on: str) -> None:
    answer = client.get("/lang/fr", headers={"Referer": referrer} if referrer else {})
    assert answer.status_code == 302 and answer.headers["Location"] == lands_on


@pytest.mark.parametrize(("path", "language", "says"), [
    ("/runs/2026-02-30", "nl", "Niet gevonden"), ("/templates/nope/nl", "fr", "Introuvable"),
    ("/mailroom/2026-12-06/verify", "en", "Not found")], ids=["no such date", "no such letter type", "no such night"])
def test_what_is_not_there_is_a_desk_page_in_the_users_language(client: FlaskClient, path: str, language: str,
                                                                 says: str) -> None:
    _login(client, "ada")
    client.get(f"/lang/{language}")
    answer = client.post(path, data={"csrf_token": _token(client, "/")}) if path.endswith("verify") else client.get(path)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404 and f"<h1>{says}</h1>" in page and 'href="/"' in page


def test_the_audit_log_shows_each_entry_s_details(client: FlaskClient, engine: Engine) -> None:
    with engine.begin() as connection:
        audit.record(connection, "abe", "approve", "due_notice/nl", "version 8c2f93991d5f, in force from 2026-12-07")
    _login(client, "ada")
    assert "<td>version 8c2f93991d5f, in force from 2026-12-07</td>" in client.get("/audit").get_data(as_text=True)


def test_english_dates_are_written_day_first(client: FlaskClient, engine: Engine) -> None:
    _night_with_quarantine(engine, date(2026, 10, 1), [("due:1", "affiliate A0000001", "postcode", "correct it")])
    _login(client, "otto")
    client.get("/lang/en")
    page = client.get("/runs/2026-10-01").get_data(as_text=True)
    assert "Started: 01/10/2026, 03:00 (Brussels)" in page and '<td>render</td><td class="n">3.5</td>' in page
    assert "Night · 1 October 2026" in page


@pytest.mark.parametrize(("language", "says"), [("nl", "Aanmelden"), ("fr", "Se connecter"), ("en", "Sign in")])
def test_the_desk_speaks_the_users_language(client: FlaskClient, language: str, says: str) -> None:
    assert f"<h1>{says}</h1>" in client.get("/login", headers={"Accept-Language": f"{language},en;q=0.1"}).get_data(
        as_text=True)
    client.get(f"/lang/{language}")
    assert f"<h1>{says}</h1>" in client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_every_word_the_pages_use_is_in_every_language() -> None:
    used = set()
    for page in (HERE / "pages").glob("*.html"):
        used |= set(re.findall(r'\bt\("([^"~]+)"\)', page.read_text(encoding="utf-8")))
    dynamic = {f"role.{r}" for r in people.ROLES} | {f"home.role.{r}" for r in people.ROLES} | {
        f"status.{s}" for s in ("planning", "rendering", "assembling", "complete")} | {
        f"action.{a}" for a in ("login", "login refused", "logout", "user added", "user disabled", "submit",
                                "approve", "withdraw", "submit refused", "approve refused", "withdraw refused")} | {
        f"tstate.{s}" for s in ("approved", "changed", "pending", "later", "new", "unreadable")} | {
        f"submission.{s}" for s in ("pending", "approved", "withdrawn", "superseded")} | {
        f"file.{k}" for k in ("changed", "added", "removed", "binary")} | {"level.error", "level.warning"} | {
        f"action.{a}" for a in ("collect", "verify", "returned", "reprint", "preview")} | {
        f"night.{s}" for s in ("ready", "collected", "unfinished", "missing")} | {
        f"reason.{r}" for r in ("moved", "unknown", "refused", "incomplete", "deceased")} | {
        f"mail_class.{c}" for c in ("ordinary", "registered")} | {f"imports.{c}" for c in import_record.COUNTS} | {
        f"{p}.{k}" for p in ("not_found", "bad_request") for k in ("title", "help")} | {
        f"channel.{c}" for c in ("paper", "ebox", "ebox_pending")} | {
        f"returned.{s}" for s in ("recorded", "already recorded", "address changed since")} | {
        f"mailroom.{m}" for m in ("not_ready", "collected", "already_collected", "returned_incomplete", "not_an_id",
                                  "unknown_letter", "not_affiliate", "reprinted")}
    for language in DESK_LANGUAGES:
        assert set(wording(language)) == set(wording("nl")), language
        named = {key.removeprefix("type.") for key in wording(language) if key.startswith("type.")}
        assert named == set(catalog.load(TEMPLATES_DIR)), language  # every shipped letter type has its name
        assert (used | dynamic) <= set(wording(language)), (used | dynamic) - set(wording(language))
    assert Path(HERE / "wording").is_dir()


def _night_with_quarantine(engine: Engine, day: date, held: list[tuple[str, str, str, str]]) -> None:
    summary = {"letters": 7, "sheets": 9, "registered": 1, "by_type": {"due_notice": 7}, "notes": [],
               "case_lists": {"returned_mail": 2}, "unapproved_templates": [], "quarantined": [{}] * len(held),
               "timings_seconds": {"plan": 1.25, "render": 3.5, "assemble": 0.75}, "confirm_marks": [
                   {"parameters": "contributions", "valid_from": "2026-01-01", "mark": "a figure [confirm]"}]}
    with engine.begin() as connection:
        connection.execute(schema.runs.insert().values(
            run_date=day, status="complete", attempts=1, started_at=datetime(2026, 10, 1, 1, tzinfo=UTC),
            finished_at=datetime(2026, 10, 1, 1, 2, tzinfo=UTC), summary=json.dumps(summary)))
        connection.execute(schema.quarantine.insert(), [
            {"run_date": day, "event_key": key, "record": record, "field": field, "reason": "why", "action": action}
            for key, record, field, action in held])


def test_a_night_s_quarantine_is_grouped_by_cause_with_what_clears_it(client: FlaskClient, engine: Engine) -> None:
    held = [(f"due:{n}", f"affiliate A{n:07d}", "postcode", "correct the address") for n in range(12)]
    held += [("due:x", "affiliate A0000099", "address", "find the new address and import it")]
    _night_with_quarantine(engine, date(2026, 10, 1), held)
    _login(client, "otto")
    listing = client.get("/runs").get_data(as_text=True)
    assert 'href="/runs/2026-10-01"' in listing and "Nog geen dienst liep met deze databank" in listing
    assert "rules/parameters/contributions.toml" in listing  # the [confirm] marks in force today
    page = client.get("/runs/2026-10-01").get_data(as_text=True)
    assert re.search(r"12 × <code>postcode</code>.*correct the address.*1 × <code>address</code>", page, re.S)
    assert page.count("<li><code>affiliate A") == 5 + 1  # five examples of the first cause, the second's one
    assert "Alle tegengehouden brieven (12)" in page and "affiliate A0000011" in page  # all, folded
    assert '<td>render</td><td class="n">3,5</td>' in page  # seconds with the Dutch decimal mark
    assert "returned_mail.csv" in page and "a figure [confirm]" in page


@pytest.mark.parametrize(("path", "code"), [("/runs/2026-10-02", 404), ("/runs/yesterday", 404),
                                            ("/runs/..%2F..%2Fetc", 404)])
def test_an_unknown_night_is_404(client: FlaskClient, path: str, code: int) -> None:
    _login(client, "otto")
    assert client.get(path).status_code == code


def _import(engine: Engine, written_hours_ago: int) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        number = connection.execute(schema.imports.insert().values(
            started_at=now, finished_at=now, folder="/srv/export",
            exported_at=now - timedelta(hours=written_hours_ago, minutes=5))).inserted_primary_key[0]
        connection.execute(schema.import_files.insert(), [
            {"import_id": number, "name": name, "sha256": "0" * 64, "modified_at": now, "bytes": 1, "read": read,
             "new": new, "changed": 2, "unchanged": read - new - 2, "rejected": 1, "disappeared": 0, "removed": 0,
             "seconds": 0.5} for name, read, new in (("affiliates.csv", 1200, 30), ("payments.csv", 4800, 70))])


@pytest.mark.parametrize(("hours", "says", "alarm"), [
    (None, ["Er is geen import geregistreerd"], False),
    (0, ["minder dan een uur geleden geschreven"], False),
    (1, ["werden een uur geleden geschreven"], False),
    (10, ["10 uur geleden geschreven; het fondsprofiel staat 80 uur toe", '<td class="n">6000</td>',
          '<td class="n">100</td>', 'title="affiliates.csv, payments.csv"'], False),
    (81, ["81 uur geleden geschreven", "Een nacht die nu start, weigert erop te plannen"], True)],
    ids=["no import", "this hour", "an hour", "fresh", "too old"])
def test_the_nights_page_shows_the_imports_and_whether_the_export_is_too_old(
        client: FlaskClient, engine: Engine, hours: int | None, says: list[str], alarm: bool) -> None:
    """The shipped fund profile allows an export 80 hours old ([import] max_export_age_hours), as the night
    checks it (import_record.too_old)."""
    if hours is not None:
        _import(engine, hours)
    _login(client, "otto")
    page = client.get("/runs").get_data(as_text=True)
    for text in says:
        assert text in page
    assert ('<p class="error">' in page) is alarm


@pytest.mark.parametrize(("planned_on", "says"), [
    ({"id": 3, "finished_at": "2026-09-30T22:10:00+00:00", "exported_at": "2026-09-30T21:00:00+00:00"},
     "Gepland op import nr. 3 van 01-10-2026, 00:10 (Brussel), bestanden geschreven 30-09-2026, 23:00 "
     "(Brussel)."),
    (None, "Gepland zonder geregistreerde import"),
    ("absent", "")],  # a night's summary written before imports were recorded says nothing of them
    ids=["an import", "none recorded", "a summary older than the import record"])
def test_a_night_names_the_import_it_planned_on(client: FlaskClient, engine: Engine, planned_on: Any,
                                                 says: str) -> None:
    _night_with_quarantine(engine, date(2026, 10, 1), [("due:1", "affiliate A0000001", "postcode", "correct it")])
    if planned_on != "absent":
        with engine.begin() as connection:
            run = schema.runs.c
            summary = json.loads(connection.scalar(select(run.summary).where(run.run_date == date(2026, 10, 1))))
            connection.execute(schema.runs.update().where(run.run_date == date(2026, 10, 1))
                               .values(summary=json.dumps({**summary, "import": planned_on})))
    _login(client, "otto")
    page = client.get("/runs/2026-10-01").get_data(as_text=True)
    assert says in page and ("Gepland" in page) is bool(says)
